import { describe, expect, test } from 'vitest';
import { dispatchChatEvent } from './chat';
import { SseParser, type SseEvent } from './sse';

/** Feeds the pieces one by one and collects every event. */
function parse(pieces: string[], end = true): SseEvent[] {
  const p = new SseParser();
  const out: SseEvent[] = [];
  for (const piece of pieces) out.push(...p.feed(piece));
  if (end) out.push(...p.end());
  return out;
}

const stream =
  'event: meta\ndata: {"conversation_id":1}\n\n' +
  ': keep-alive\n\n' +
  'event: delta\ndata: {"content":"Hel"}\n\n' +
  'event: delta\ndata: {"content":"lo"}\n\n' +
  'event: done\ndata: {"message":{"id":2}}\n\n';

const expected = [
  { event: 'meta', data: '{"conversation_id":1}' },
  { event: 'delta', data: '{"content":"Hel"}' },
  { event: 'delta', data: '{"content":"lo"}' },
  { event: 'done', data: '{"message":{"id":2}}' },
];

describe('SseParser', () => {
  test('parses a whole stream and skips comments', () => {
    expect(parse([stream])).toEqual(expected);
  });

  test('gives the same events however the stream is split', () => {
    for (let size = 1; size <= 7; size++) {
      const pieces: string[] = [];
      for (let i = 0; i < stream.length; i += size) pieces.push(stream.slice(i, i + size));
      expect(parse(pieces), `pieces of ${size}`).toEqual(expected);
    }
    // Split in the middle of the field name, the colon and the blank line.
    expect(parse(['ev', 'ent: del', 'ta\nda', 'ta', ':', ' x\n', '\n'])).toEqual([{ event: 'delta', data: 'x' }]);
  });

  test('accepts \\r\\n and \\r line ends, also when \\r\\n is split across chunks', () => {
    const crlf = stream.replace(/\n/g, '\r\n');
    expect(parse([crlf])).toEqual(expected);
    const pieces: string[] = [];
    for (let i = 0; i < crlf.length; i += 3) pieces.push(crlf.slice(i, i + 3));
    expect(parse(pieces)).toEqual(expected);
    expect(parse(['data: a\r', '\ndata: b\r', '\r'])).toEqual([{ event: 'message', data: 'a\nb' }]);
    expect(parse([stream.replace(/\n/g, '\r')])).toEqual(expected);
    // "\r" then "\r\n": two line ends (the second blank line dispatches nothing new).
    expect(parse(['data: a\r', '\r\n'])).toEqual([{ event: 'message', data: 'a' }]);
  });

  test('joins multi-line data with newlines and keeps inner spaces', () => {
    expect(parse(['data: first\ndata:second\ndata:  third\ndata\n\n'])).toEqual([
      { event: 'message', data: 'first\nsecond\n third\n' },
    ]);
  });

  test('comments, unknown fields and empty events dispatch nothing', () => {
    expect(parse([': hi\n\n:\n\nretry: 10\n\nevent: x\n\nfoo: bar\n\n'])).toEqual([]);
    expect(parse(['data:\n\n'])).toEqual([{ event: 'message', data: '' }]);
  });

  test('an event without its blank line at the end of the stream is dropped', () => {
    expect(parse(['event: delta\ndata: {"content":"x"}\n'])).toEqual([]);
    expect(parse(['event: delta\ndata: {"content":"x"}\n'], false)).toEqual([]);
  });

  test('strips a byte order mark and keeps the last id', () => {
    expect(parse(['\ufeffid: 7\ndata: a\n\n'])).toEqual([{ event: 'message', data: 'a', id: '7' }]);
  });

  test('unicode split between chunks is the decoder\'s job; the parser keeps text intact', () => {
    const bytes = new TextEncoder().encode('data: 你好 🌍\n\n');
    const decoder = new TextDecoder();
    const p = new SseParser();
    const out: SseEvent[] = [];
    for (const b of bytes) out.push(...p.feed(decoder.decode(new Uint8Array([b]), { stream: true })));
    expect(out).toEqual([{ event: 'message', data: '你好 🌍' }]);
  });
});

describe('dispatchChatEvent', () => {
  test('routes events to handlers and reports endings', () => {
    const seen: string[] = [];
    const h = {
      onMeta: (m: { conversation_id: unknown }) => seen.push(`meta ${m.conversation_id}`),
      onDelta: (t: string) => seen.push(`delta ${t}`),
      onNotice: (n: { code: string; message: string }) => seen.push(`notice ${n.code} ${n.message}`),
      onError: (e: { code: string; message: string }) => seen.push(`error ${e.code} ${e.message}`),
      onDone: (m: { id: unknown }) => seen.push(`done ${m.id}`),
    };
    expect(dispatchChatEvent({ event: 'meta', data: '{"conversation_id":3,"user_message_id":4,"request_id":"r"}' }, h)).toBeNull();
    expect(dispatchChatEvent({ event: 'delta', data: '{"content":"a\\nb"}' }, h)).toBeNull();
    expect(dispatchChatEvent({ event: 'delta', data: 'not json' }, h)).toBeNull();
    expect(dispatchChatEvent({ event: 'notice', data: '{"code":"preset_leak","message":"cut"}' }, h)).toBeNull();
    expect(dispatchChatEvent({ event: 'error', data: '{"code":"upstream_error","message":"boom"}' }, h)).toBe('error');
    expect(dispatchChatEvent({ event: 'done', data: '{"message":{"id":9}}' }, h)).toBe('done');
    expect(seen).toEqual(['meta 3', 'delta a\nb', 'notice preset_leak cut', 'error upstream_error boom', 'done 9']);
  });
});
