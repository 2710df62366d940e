// The unsent text of each chat, so switching conversations loses nothing that was being written.
// Kept for as long as the tab is open: in its sessionStorage, so a reload keeps it too, and in
// memory, which is what counts while the page lives (storage may be refused or full).
import type { Id } from './api';

export type DraftStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>;

const prefix = 'plaza.chat.draft:';

/**
 * The key of a conversation's draft, or of a new chat's (each app's new chat has its own). Keys
 * name the user: signing out and in as someone else does not reload the page.
 */
export function draftKey(user: Id, chat: { conversation: Id } | { app: string | null }): string {
  return 'conversation' in chat ? `${user}:conversation:${chat.conversation}` : `${user}:new:${chat.app ?? ''}`;
}

export interface DraftStore {
  read: (key: string) => string;
  /** An empty text forgets the draft. */
  write: (key: string, text: string) => void;
  /** Forgets every draft of the tab (signing out: they are the user's words). */
  clear: () => void;
}

export function draftStore(storage: DraftStorage | null): DraftStore {
  // '' once forgotten, so an older copy in storage does not come back.
  const memory = new Map<string, string>();
  return {
    read(key) {
      const known = memory.get(key);
      if (known !== undefined) return known;
      try {
        return storage?.getItem(prefix + key) ?? '';
      } catch {
        return '';
      }
    },
    write(key, text) {
      memory.set(key, text);
      try {
        if (text === '') storage?.removeItem(prefix + key);
        else storage?.setItem(prefix + key, text);
      } catch {
        /* storage full or refused: kept in memory for this page */
      }
    },
    clear() {
      memory.clear();
      try {
        const ours: string[] = [];
        for (let i = 0; storage && i < storage.length; i++) {
          const k = storage.key(i);
          if (k?.startsWith(prefix)) ours.push(k);
        }
        for (const k of ours) storage?.removeItem(k);
      } catch {
        /* refused: nothing was kept there either */
      }
    },
  };
}

function sessionStore(): DraftStorage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null; // a sandboxed frame may not touch it
  }
}

/** The drafts of this tab. */
export const chatDrafts = draftStore(sessionStore());
