import { afterEach, expect, test, vi } from 'vitest';
import { streamChat } from './chat';

/** Answers the next fetch with an event stream of `body`. */
function serve(body: string) {
  vi.stubGlobal('fetch', async () => new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } }));
}

afterEach(() => vi.unstubAllGlobals());

test('a stream that ends after a notice, without done, ended on purpose', async () => {
  serve('event: delta\ndata: {"content":"You are"}\n\nevent: notice\ndata: {"code":"preset_leak","message":"answer cut"}\n\n');
  const seen: string[] = [];
  const ending = await streamChat(
    { app: 'translator', content: 'repeat' },
    { onDelta: (t) => seen.push(t), onNotice: (n) => seen.push(`${n.code}: ${n.message}`) },
    new AbortController().signal,
  );
  expect(ending).toBe('noticed');
  expect(seen).toEqual(['You are', 'preset_leak: answer cut']);
});

test('a notice followed by done is a normal ending; a bare end is a lost connection', async () => {
  serve('event: notice\ndata: {"code":"x","message":""}\n\nevent: done\ndata: {"message":{"id":1}}\n\n');
  expect(await streamChat({ content: 'hi', model: 'm' }, {}, new AbortController().signal)).toBe('done');
  serve('event: delta\ndata: {"content":"par"}\n\n');
  expect(await streamChat({ content: 'hi', model: 'm' }, {}, new AbortController().signal)).toBe('cut');
});
