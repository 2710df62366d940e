// POST /api/chat and its server-sent events, read from a fetch body (EventSource can only GET).
import { csrfToken, NetworkError, notifyUnauthorized, parseError, type Id, type Message } from './api';
import { SseParser, type SseEvent } from './sse';

// `model` may be left out only in a chat with an app, whose default model then answers; `app`
// names the app of a new conversation (later requests need only the conversation). `images` are
// uploaded images' URLs (at most 4), and `content` may be empty with them; regenerating sends
// none, as the server asks with the stored message.
export type ChatRequest =
  | { model?: string; content: string; images?: string[]; conversation_id?: Id; app?: string }
  | { model?: string; conversation_id: Id; regenerate: true }
  | { model?: string; conversation_id: Id; edit_message_id: Id; content: string; images?: string[] };

export interface ChatMeta {
  conversation_id: Id;
  user_message_id: Id;
  request_id: string;
  /** Earlier messages not sent with this one: the model's context had no room for them. */
  left_out?: number;
  /** Earlier images not sent with this one: the request would have been too large. */
  images_left_out?: number;
}

/** Something the server says about an answer, e.g. `preset_leak`: it was cut for repeating an app's hidden preset. */
export interface ChatNotice {
  code: string;
  message: string;
}

export interface ChatHandlers {
  onMeta?: (m: ChatMeta) => void;
  onDelta?: (text: string) => void;
  onNotice?: (n: ChatNotice) => void;
  onError?: (e: { code: string; message: string }) => void;
  onDone?: (m: Message) => void;
}

/**
 * How the stream ended: `done` and `error` are the server's own endings, `aborted` is ours
 * (the AbortSignal fired), `noticed` means the body ended after a notice without `done` (the
 * server cut the answer on purpose), `cut` means it ended without any of them (connection lost).
 */
export type ChatEnding = 'done' | 'error' | 'aborted' | 'noticed' | 'cut';

function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}

/** Routes one parsed event to its handler; returns the ending it signals, if any. */
export function dispatchChatEvent(ev: SseEvent, h: ChatHandlers): 'done' | 'error' | null {
  let data: unknown;
  try {
    data = JSON.parse(ev.data);
  } catch {
    return null; // not ours to understand
  }
  const d = data as Record<string, unknown>;
  switch (ev.event) {
    case 'meta':
      h.onMeta?.(d as unknown as ChatMeta);
      return null;
    case 'delta':
      if (typeof d.content === 'string' && d.content) h.onDelta?.(d.content);
      return null;
    case 'notice':
      // Not an ending by itself: the server may still send `done` with the saved answer.
      h.onNotice?.({ code: String(d.code ?? ''), message: String(d.message ?? '') });
      return null;
    case 'error':
      h.onError?.({ code: String(d.code ?? 'internal'), message: String(d.message ?? '') });
      return 'error';
    case 'done':
      h.onDone?.(d.message as Message);
      return 'done';
    default:
      return null;
  }
}

/**
 * Sends a chat request and feeds its events to the handlers. A failure before streaming
 * throws the server's ApiError (or NetworkError); aborting through `signal` resolves with
 * `aborted`, and the server then stops the upstream and keeps the partial answer.
 */
export async function streamChat(body: ChatRequest, h: ChatHandlers, signal: AbortSignal): Promise<ChatEnding> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'text/event-stream' };
  const token = csrfToken();
  if (token) headers['X-CSRF-Token'] = token;
  let res: Response;
  try {
    res = await fetch('/api/chat', {
      method: 'POST',
      headers,
      credentials: 'same-origin',
      body: JSON.stringify(body),
      signal,
    });
  } catch (e) {
    if (isAbort(e) || signal.aborted) return 'aborted';
    throw new NetworkError();
  }
  if (!res.ok) {
    const err = await parseError(res);
    if (res.status === 401) notifyUnauthorized();
    throw err;
  }
  if (!res.body) return 'cut';

  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let noticed = false;
  const handle = (events: SseEvent[]): ChatEnding | null => {
    for (const ev of events) {
      if (ev.event === 'notice') noticed = true;
      const end = dispatchChatEvent(ev, h);
      if (end) return end;
    }
    return null;
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        return handle(parser.feed(decoder.decode())) ?? handle(parser.end()) ?? (noticed ? 'noticed' : 'cut');
      }
      const end = handle(parser.feed(decoder.decode(value, { stream: true })));
      if (end) {
        void reader.cancel().catch(() => {});
        return end;
      }
    }
  } catch (e) {
    if (isAbort(e) || signal.aborted) return 'aborted';
    return 'cut';
  }
}
