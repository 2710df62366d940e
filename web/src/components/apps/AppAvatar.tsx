import { avatarText, isImageAvatar } from '../../lib/appDisplay';

/** An app's picture: an uploaded image, its emoji, or the title's first letter. */
export function AppAvatar({ avatar, title, size = 'md' }: { avatar: string; title: string; size?: 'sm' | 'md' | 'lg' }) {
  const cls = `app-avatar app-avatar-${size}`;
  if (isImageAvatar(avatar)) {
    return <img className={cls} src={avatar} alt="" loading="lazy" data-testid="app-avatar" />;
  }
  return (
    <span className={cls} aria-hidden="true" data-testid="app-avatar">
      {avatarText(avatar, title)}
    </span>
  );
}
