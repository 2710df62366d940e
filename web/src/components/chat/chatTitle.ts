// The chat's heading, also the tab's title: the conversation's title, an app's, or "New chat".
import type { Id } from '../../lib/api';
import type { TFunction } from '../../i18n';

interface Chat {
  /** The conversation in view, or null for a new chat. */
  currentId: Id | null;
  /** The slug of the app the chat is with, or null. */
  appSlug: string | null;
  /** The app's title once it is read. */
  appTitle: string | undefined;
  /** The conversation's title once it is known (from the list or the server). */
  conversationTitle: string | undefined;
  /** The conversation is being read. */
  loading: boolean;
}

/** Empty rather than a wrong name while the app or the conversation is still being read. */
export function chatTitle({ currentId, appSlug, appTitle, conversationTitle, loading }: Chat, t: TFunction): string {
  if (currentId === null) return appSlug ? (appTitle ?? '') : t('chat.newChat');
  return conversationTitle ?? (loading ? '' : t('chat.title'));
}
