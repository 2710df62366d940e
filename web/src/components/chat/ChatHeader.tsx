// The chat's header: the button opening the conversations drawer, the app the chat is with, the title and the model menu.
import type { ReactNode } from 'react';
import { useI18n } from '../../i18n';
import type { ConversationApp } from '../../lib/apps';
import { Link } from '../../lib/router';
import { AppAvatar } from '../apps/AppAvatar';
import { SidebarIcon } from '../Icons';

interface Props {
  drawer: boolean;
  onToggleDrawer: () => void;
  /** The app the chat is with, or null; it is named beside its avatar once the chat is a conversation. */
  app: ConversationApp | null;
  appNamed: boolean;
  title: string;
  /** The model menu, if any. */
  children: ReactNode;
}

export function ChatHeader({ drawer, onToggleDrawer, app, appNamed, title, children }: Props) {
  const { t } = useI18n();
  return (
    <header className="chat-header">
      <button
        type="button"
        className="icon-button drawer-toggle"
        aria-label={t('chat.showConversations')}
        aria-expanded={drawer}
        aria-controls="chat-sidebar"
        onClick={onToggleDrawer}
        data-testid="chat-drawer-toggle"
      >
        <SidebarIcon />
      </button>
      {app && (
        <Link
          to={`/apps/${encodeURIComponent(app.slug)}`}
          className="chat-app"
          title={app.title}
          aria-label={t('chat.aboutApp', { title: app.title })}
          data-testid="chat-app"
          data-slug={app.slug}
        >
          <AppAvatar avatar={app.avatar} title={app.title} size="sm" />
          {appNamed && <span className="chat-app-name">{app.title}</span>}
        </Link>
      )}
      <h1 className="chat-title" data-testid="chat-title" title={title}>
        {title}
      </h1>
      {children}
    </header>
  );
}
