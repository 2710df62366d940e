// Helpers for the chat page's message list: local keys, server messages, the remembered model.
import type { Id, Message } from '../../lib/api';
import type { ChatMessage } from './MessageItem';

export const modelStorageKey = 'plaza.chat.model';

export function storedModel(): string | null {
  try {
    return localStorage.getItem(modelStorageKey);
  } catch {
    return null;
  }
}
export function storeModel(id: string) {
  try {
    localStorage.setItem(modelStorageKey, id);
  } catch {
    /* private mode: remembered for this page only */
  }
}

/** A catalogue icon that is a short symbol (an emoji) rather than an image path. */
export const emojiIcon = (icon: string) => icon !== '' && [...icon].length <= 4 && !/[/.:]/.test(icon);

let keySeq = 0;
export const localKey = () => `local-${++keySeq}`;

export function fromServer(m: Message): ChatMessage {
  return {
    key: `m-${m.id}`,
    id: m.id,
    role: m.role,
    content: m.content,
    images: m.images ?? [],
    model: m.model,
    prompt_tokens: m.prompt_tokens,
    completion_tokens: m.completion_tokens,
    status: m.status,
    leftOut: m.left_out || undefined,
  };
}

export const sameId = (a: Id | null | undefined, b: Id | null | undefined) => a != null && b != null && String(a) === String(b);

/**
 * The server's messages, keeping the React keys (and stream notices) of the local ones they correspond to (same
 * place and role, and the same id once known), so re-reading a conversation doesn't remount it.
 */
export function adoptKeys(local: ChatMessage[], server: Message[]): ChatMessage[] {
  return server.map((m, i) => {
    const mine = local[i];
    const match = mine && mine.role === m.role && (mine.id === undefined || sameId(mine.id, m.id));
    // A notice arrived with the stream only; the saved message doesn't carry it.
    return match ? { ...fromServer(m), key: mine.key, notice: mine.notice } : fromServer(m);
  });
}
