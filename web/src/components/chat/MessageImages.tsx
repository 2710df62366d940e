// The images sent with a user message: thumbnails, each a link to the full image.
import { useI18n } from '../../i18n';

export function MessageImages({ images }: { images: string[] }) {
  const { t } = useI18n();
  if (images.length === 0) return null;
  return (
    <div className="msg-images" data-testid="message-images">
      {images.map((url, i) => (
        // noopener: the opened tab gets no handle on this page.
        <a key={`${i}-${url}`} href={url} target="_blank" rel="noopener" className="msg-image">
          <img src={url} alt={t('chat.imageAlt', { n: i + 1 })} loading="lazy" data-testid="message-image" />
        </a>
      ))}
    </div>
  );
}
