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
export const emojiIcon = (icon: string) => icon !== '' && [...icon].length <= 8 && !/[/.:\s]/.test(icon);
/** An icon that is an image on this site (an upload): shown as one. Others are not fetched. */
export const siteImageIcon = (icon: string) => icon.startsWith('/uploads/');

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
    imagesLeftOut: m.images_left_out || undefined,
  };
}

/**
 * A conversation's id from the address, as the server writes ids (a number): requests must name it
 * so (POST /api/chat refuses "7" for 7). Anything else stays text, for the server to find nothing.
 */
export const idFromRoute = (routeId: string): Id => (/^[1-9]\d{0,14}$/.test(routeId) ? Number(routeId) : routeId);

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

/**
 * The list once the server refused a request before storing anything (the question is not in the
 * conversation). The failed answer stays, marked unsaved, so its error says why; so does a new
 * question, unless the composer took it back (shown twice, and twice once sent again, otherwise).
 * A question the server keeps (one answered again) is left as it is.
 */
export function afterRefusal(
  list: readonly ChatMessage[],
  questionKey: string,
  answerKey: string,
  takenBack: boolean,
  /** The server stored the question and then dropped it (its answer stopped before a word). */
  dropped = false,
): ChatMessage[] {
  return list.flatMap((m) => {
    if (m.key === answerKey) return [{ ...m, unsaved: true }];
    if (m.key === questionKey && (m.id === undefined || dropped)) return takenBack ? [] : [{ ...m, id: undefined, unsaved: true }];
    return [m];
  });
}

/** The list without what a refused request left: the next message, or a reload, would not show it. */
export const withoutUnsaved = (list: readonly ChatMessage[]): ChatMessage[] => list.filter((m) => !m.unsaved);

/** The conversation as the server keeps it, with what the last refused request left shown after it. */
export const rereadAfterRefusal = (local: readonly ChatMessage[], server: Message[]): ChatMessage[] => [
  ...adoptKeys(withoutUnsaved(local), server),
  ...local.filter((m) => m.unsaved),
];

/** The index of the last message the server keeps (-1 for none): the one answered again offers that. */
export function lastSavedIndex(list: readonly ChatMessage[]): number {
  for (let i = list.length - 1; i >= 0; i--) if (!list[i].unsaved) return i;
  return -1;
}

/**
 * The list once the server refused a message because the conversation is answering one asked in
 * another tab or window: nothing failed, so no answer is left marked as failed; the question goes,
 * unless the composer could not take it back (newer text was written there meanwhile).
 */
export const afterBusyRefusal = (list: readonly ChatMessage[], questionKey: string, answerKey: string, takenBack: boolean): ChatMessage[] =>
  afterRefusal(list, questionKey, answerKey, takenBack).filter((m) => m.key !== answerKey);

/**
 * How many saved messages come after a question and its answer: editing the question deletes them,
 * so the reader is asked first when there are any.
 */
export function laterMessages(list: readonly ChatMessage[], questionKey: string): number {
  const saved = withoutUnsaved(list);
  const at = saved.findIndex((m) => m.key === questionKey);
  if (at < 0) return 0;
  const ownAnswer = saved[at + 1]?.role === 'assistant' ? 1 : 0;
  return saved.length - at - 1 - ownAnswer;
}

/**
 * A conversation's model that the site no longer offers (the operator hid or removed it), and the
 * one that answers instead; null when the conversation's model is still offered (or unknown).
 */
export function replacedModel(
  conversationModel: string,
  models: readonly { id: string; name?: string }[] | undefined,
  chosen: string,
): { gone: string; instead: string } | null {
  if (!conversationModel || !models || models.some((m) => m.id === conversationModel)) return null;
  const instead = models.find((m) => m.id === chosen);
  return instead ? { gone: conversationModel, instead: instead.name || instead.id } : null;
}
