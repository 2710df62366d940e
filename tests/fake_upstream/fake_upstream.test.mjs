// The fake upstream itself: protocol shapes, every fault scenario, auth, recording and counters.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startFake } from './fake.mjs';

const hello = 'Hello from fake upstream.';

function chatBody(content, extra = {}) {
  return { model: 'gpt-test', messages: [{ role: 'user', content }], ...extra };
}

function post(fake, path, body, headers = {}, init = {}) {
  return fetch(fake.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    ...init,
  });
}

const anthropicHeaders = { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' };

// SSE text -> [{event, data}] (data left as the raw string).
function parseSse(text) {
  const events = [];
  for (const block of text.split('\n\n')) {
    if (!block.trim()) continue;
    const e = { event: null, data: '' };
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) e.event = line.slice(7);
      else if (line.startsWith('data: ')) e.data += line.slice(6);
    }
    events.push(e);
  }
  return events;
}

function openaiChunks(text) {
  const events = parseSse(text);
  assert.equal(events.at(-1).data, '[DONE]');
  return events.slice(0, -1).map((e) => JSON.parse(e.data));
}

const contentOf = (chunks) => chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');

// Reads a streamed body until `enough(textSoFar)` holds; returns the text read.
async function readUntil(res, enough) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!enough(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended early: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

describe('fake upstream', () => {
  let fake;
  before(async () => { fake = await startFake(); });
  after(async () => { await fake.stop(); });

  test('OpenAI non-streamed answer', async () => {
    const res = await post(fake, '/v1/chat/completions', {
      model: 'gpt-x',
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'say hi please' }],
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /application\/json/);
    const body = await res.json();
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, 'gpt-x');
    assert.match(body.id, /^chatcmpl-/);
    assert.equal(typeof body.created, 'number');
    assert.equal(body.choices[0].message.role, 'assistant');
    assert.equal(body.choices[0].message.content, hello);
    assert.equal(body.choices[0].finish_reason, 'stop');
    assert.deepEqual(body.usage, { prompt_tokens: 5, completion_tokens: 20, total_tokens: 25 });
  });

  test('OpenAI stream, with and without include_usage', async () => {
    let res = await post(fake, '/v1/chat/completions', chatBody('hi', { stream: true }));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /text\/event-stream/);
    let chunks = openaiChunks(await res.text());
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'gpt-test'));
    assert.equal(contentOf(chunks), hello);
    assert.equal(chunks.filter((c) => c.choices[0]?.delta?.content).length, 20);
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
    assert.ok(chunks.every((c) => !c.usage));

    res = await post(fake, '/v1/chat/completions',
      chatBody('one two three', { stream: true, stream_options: { include_usage: true } }));
    chunks = openaiChunks(await res.text());
    const last = chunks.at(-1);
    assert.deepEqual(last.choices, []);
    assert.deepEqual(last.usage, { prompt_tokens: 3, completion_tokens: 20, total_tokens: 23 });
    assert.equal(chunks.at(-2).choices[0].finish_reason, 'stop');
    assert.equal(contentOf(chunks), hello);
  });

  test('chunks and text parameters, by directive and by header', async () => {
    let res = await post(fake, '/v1/chat/completions', chatBody('x [[fake:ok chunks=3]]', { stream: true }));
    let chunks = openaiChunks(await res.text());
    assert.equal(chunks.filter((c) => c.choices[0]?.delta?.content).length, 3);
    assert.equal(contentOf(chunks), hello);

    res = await post(fake, '/v1/chat/completions', chatBody('[[fake:ok text="Bonjour à tous" chunks=4]]', { stream: true }));
    chunks = openaiChunks(await res.text());
    assert.equal(contentOf(chunks), 'Bonjour à tous');
    assert.equal(chunks.filter((c) => c.choices[0]?.delta?.content).length, 4);

    // The header wins over a directive in the message.
    res = await post(fake, '/v1/chat/completions', chatBody('[[fake:status code=500]]', { stream: true }),
      { 'x-fake-scenario': 'ok text="Hi there" chunks=2' });
    chunks = openaiChunks(await res.text());
    assert.deepEqual(chunks.map((c) => c.choices[0]?.delta?.content).filter(Boolean), ['Hi t', 'here']);

    res = await post(fake, '/v1/chat/completions', chatBody('[[fake:nonsense]]'));
    assert.equal(res.status, 400);
    assert.match((await res.json()).error.message, /unknown fake scenario/);
    res = await post(fake, '/v1/chat/completions', chatBody('[[fake:slow delay_ms=abc]]'));
    assert.equal(res.status, 400);
  });

  test('long answers', async () => {
    const res = await post(fake, '/v1/chat/completions', chatBody('[[fake:long chunks=500]]', {
      stream: true, stream_options: { include_usage: true },
    }));
    const chunks = openaiChunks(await res.text());
    assert.equal(chunks.filter((c) => c.choices[0]?.delta?.content).length, 500);
    assert.equal(chunks.at(-1).usage.completion_tokens, 500);
    assert.match(contentOf(chunks), /^Hello from fake upstream\. Hello from/);
  });

  test('slow spaces the events; delay holds the head back', async () => {
    let t0 = Date.now();
    let res = await post(fake, '/v1/chat/completions', chatBody('[[fake:slow delay_ms=30 chunks=3]]', { stream: true }));
    assert.equal(contentOf(openaiChunks(await res.text())), hello);
    assert.ok(Date.now() - t0 >= 5 * 30, 'six events, five gaps of 30 ms');

    t0 = Date.now();
    res = await post(fake, '/v1/chat/completions', chatBody('[[fake:delay delay_ms=200]]'));
    assert.equal(res.status, 200);
    assert.ok(Date.now() - t0 >= 200);
    assert.equal((await res.json()).choices[0].message.content, hello);
  });

  test('stall: the client going away is counted', async () => {
    await fake.reset();
    const ac = new AbortController();
    const res = await post(fake, '/v1/chat/completions', chatBody('[[fake:stall]]', { stream: true }), {},
      { signal: ac.signal });
    assert.equal(res.status, 200);
    const text = await readUntil(res, (t) => t.includes('"content":"H'));
    assert.ok(!text.includes('[DONE]'));
    let s = await fake.stats();
    assert.equal(s.open_streams, 1);
    assert.equal(s.streams_client_closed, 0);
    ac.abort();
    s = await fake.waitForStats((st) => st.streams_client_closed === 1 && st.open_streams === 0);
    assert.equal(s.streams_started, 1);
    assert.equal(s.streams_completed, 0);
  });

  test('stall of a non-streamed answer, client on a raw socket', async () => {
    await fake.reset();
    const body = JSON.stringify(chatBody('[[fake:stall]]'));
    const socket = net.connect(fake.port, '127.0.0.1');
    let got = '';
    socket.on('data', (d) => { got += d; });
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    const deadline = Date.now() + 5000;
    while (!got.includes('chat.completion') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.match(got, /^HTTP\/1.1 200/);
    assert.equal((await fake.stats()).responses_client_closed, 0);
    socket.end();
    await fake.waitForStats((s) => s.responses_client_closed === 1 && s.in_flight === 0);
    socket.destroy();
  });

  test('delay: a client leaving before the head is counted', async () => {
    await fake.reset();
    const ac = new AbortController();
    const pending = post(fake, '/v1/chat/completions', chatBody('[[fake:delay delay_ms=60000]]', { stream: true }),
      {}, { signal: ac.signal });
    await fake.waitForStats((s) => s.open_streams === 1);
    ac.abort();
    await assert.rejects(pending);
    await fake.waitForStats((s) => s.streams_client_closed === 1 && s.open_streams === 0);
  });

  test('close_after_headers: the head arrives, then the body fails', async () => {
    await fake.reset();
    const res = await post(fake, '/v1/chat/completions', chatBody('[[fake:close_after_headers]]', { stream: true }));
    assert.equal(res.status, 200);
    await assert.rejects(res.text());
    const s = await fake.waitForStats((st) => st.open_streams === 0);
    assert.equal(s.streams_aborted, 1);

    const res2 = await post(fake, '/v1/chat/completions', chatBody('[[fake:close_after_headers]]'));
    await assert.rejects(res2.json());
  });

  test('reset_mid_stream: some chunks, then the connection is reset', async () => {
    const res = await post(fake, '/v1/chat/completions', chatBody('[[fake:reset_mid_stream after=2]]', { stream: true }));
    assert.equal(res.status, 200);
    const reader = res.body.getReader();
    let text = '';
    const decoder = new TextDecoder();
    await assert.rejects(async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    });
    assert.ok(!text.includes('[DONE]'));
    assert.ok((text.match(/"content":"[^"]/g) || []).length <= 2);
  });

  // The fake sends a TCP reset; whether the reader sees ECONNRESET or an early end depends on
  // whether the data before it was read first (Linux), so both count, never the terminating chunk.
  test('reset_mid_stream on a raw socket: the connection ends mid-body', async () => {
    const body = JSON.stringify(chatBody('[[fake:reset_mid_stream after=1]]', { stream: true }));
    const socket = net.connect(fake.port, '127.0.0.1');
    let got = '';
    socket.on('data', (d) => { got += d; });
    const closed = new Promise((res) => {
      let err = null;
      socket.on('error', (e) => { err = e; });
      socket.on('close', () => res(err));
    });
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    const err = await closed;
    if (err) assert.equal(err.code, 'ECONNRESET');
    assert.match(got, /^HTTP\/1.1 200/);
    assert.match(got, /"content":"H"/);
    assert.ok(!got.includes('[DONE]'));
    assert.ok(!got.endsWith('\r\n0\r\n\r\n'));
  });

  test('status scenarios answer in the provider error shape', async () => {
    for (const code of [401, 429, 500, 503]) {
      const res = await post(fake, '/v1/chat/completions', chatBody(`[[fake:status code=${code}]]`, { stream: true }));
      assert.equal(res.status, code);
      const body = await res.json();
      assert.equal(typeof body.error.message, 'string');
      assert.equal(typeof body.error.type, 'string');
      assert.ok('code' in body.error);
      if (code === 429) {
        assert.equal(res.headers.get('retry-after'), '1');
        assert.equal(body.error.code, 'rate_limit_exceeded');
      }
    }
    const res = await post(fake, '/v1/messages', {
      model: 'claude-test', max_tokens: 10, messages: [{ role: 'user', content: '[[fake:status code=429 retry_after=7]]' }],
    }, anthropicHeaders);
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '7');
    const body = await res.json();
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'rate_limit_error');
  });

  test('malformed_sse: one broken data line mid-stream', async () => {
    const res = await post(fake, '/v1/chat/completions', chatBody('[[fake:malformed_sse chunks=4 after=2]]', { stream: true }));
    const events = parseSse(await res.text());
    assert.equal(events.at(-1).data, '[DONE]');
    const broken = events.filter((e) => {
      if (e.data === '[DONE]') return false;
      try { JSON.parse(e.data); return false; } catch { return true; }
    });
    assert.equal(broken.length, 1);
    const good = events.slice(0, -1).filter((e) => !broken.includes(e)).map((e) => JSON.parse(e.data));
    assert.equal(contentOf(good), hello);
  });

  test('no_usage: usage is never sent', async () => {
    let res = await post(fake, '/v1/chat/completions', chatBody('[[fake:no_usage]]'));
    const body = await res.json();
    assert.equal(body.choices[0].message.content, hello);
    assert.equal(body.usage, undefined);
    res = await post(fake, '/v1/chat/completions',
      chatBody('[[fake:no_usage]]', { stream: true, stream_options: { include_usage: true } }));
    const chunks = openaiChunks(await res.text());
    assert.ok(chunks.every((c) => !c.usage));
    assert.equal(contentOf(chunks), hello);
  });

  test('echo: answers with the text it received', async () => {
    const res = await post(fake, '/v1/chat/completions', {
      model: 'gpt-test',
      stream: true,
      messages: [
        { role: 'system', content: 'You are a pirate.' },
        { role: 'user', content: [{ type: 'text', text: 'Ahoy [[fake:echo]]' }] },
      ],
    });
    assert.equal(contentOf(openaiChunks(await res.text())), 'You are a pirate.\nAhoy [[fake:echo]]');
  });

  test('tool_call: get_weather, streamed as argument deltas', async () => {
    let res = await post(fake, '/v1/chat/completions', chatBody('weather? [[fake:tool_call]]'));
    const body = await res.json();
    const call = body.choices[0].message.tool_calls[0];
    assert.equal(body.choices[0].finish_reason, 'tool_calls');
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });

    res = await post(fake, '/v1/chat/completions', chatBody('weather? [[fake:tool_call]]', { stream: true }));
    const chunks = openaiChunks(await res.text());
    const first = chunks[0].choices[0].delta.tool_calls[0];
    assert.equal(first.function.name, 'get_weather');
    assert.ok(first.id);
    const deltas = chunks.slice(1).flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    assert.ok(deltas.length > 1);
    assert.equal(deltas.map((d) => d.function.arguments).join(''), '{"city":"Paris"}');
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'tool_calls');
  });

  test('Anthropic messages: body, stream event order, header checks', async () => {
    const request = {
      model: 'claude-test', max_tokens: 100, system: 'be nice',
      messages: [{ role: 'user', content: 'hello there' }],
    };
    let res = await post(fake, '/v1/messages', request, anthropicHeaders);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.type, 'message');
    assert.equal(body.model, 'claude-test');
    assert.deepEqual(body.content, [{ type: 'text', text: hello }]);
    assert.equal(body.stop_reason, 'end_turn');
    assert.deepEqual(body.usage, { input_tokens: 4, output_tokens: 20 });

    res = await post(fake, '/v1/messages', { ...request, stream: true }, anthropicHeaders);
    assert.match(res.headers.get('content-type'), /text\/event-stream/);
    const events = parseSse(await res.text());
    const names = events.map((e) => e.event);
    for (const e of events) assert.equal(JSON.parse(e.data).type, e.event);
    const order = names.filter((n, i) => n !== names[i - 1]);
    assert.deepEqual(order, ['message_start', 'content_block_start', 'ping', 'content_block_delta',
      'content_block_stop', 'message_delta', 'message_stop']);
    const data = events.map((e) => JSON.parse(e.data));
    assert.equal(data[0].message.usage.input_tokens, 4);
    const text = data.filter((d) => d.type === 'content_block_delta').map((d) => d.delta.text).join('');
    assert.equal(text, hello);
    const delta = data.find((d) => d.type === 'message_delta');
    assert.equal(delta.delta.stop_reason, 'end_turn');
    assert.equal(delta.usage.output_tokens, 20);

    res = await post(fake, '/v1/messages', request, { 'x-api-key': 'k' });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.type, 'invalid_request_error');
    res = await post(fake, '/v1/messages', request, { 'anthropic-version': '2023-06-01' });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error.type, 'authentication_error');
  });

  test('Anthropic tool_use and echo', async () => {
    const res = await post(fake, '/v1/messages', {
      model: 'claude-test', max_tokens: 100, stream: true,
      messages: [{ role: 'user', content: [{ type: 'text', text: '[[fake:tool_call]]' }] }],
    }, anthropicHeaders);
    const data = parseSse(await res.text()).map((e) => JSON.parse(e.data));
    const start = data.find((d) => d.type === 'content_block_start');
    assert.equal(start.content_block.type, 'tool_use');
    assert.equal(start.content_block.name, 'get_weather');
    const json = data.filter((d) => d.type === 'content_block_delta').map((d) => d.delta.partial_json).join('');
    assert.deepEqual(JSON.parse(json), { city: 'Paris' });
    assert.equal(data.find((d) => d.type === 'message_delta').delta.stop_reason, 'tool_use');

    const echo = await post(fake, '/v1/messages', {
      model: 'claude-test', max_tokens: 100, system: [{ type: 'text', text: 'SYS' }],
      messages: [{ role: 'user', content: 'Q [[fake:echo]]' }],
    }, anthropicHeaders);
    assert.equal((await echo.json()).content[0].text, 'SYS\nQ [[fake:echo]]');
  });

  test('models list and unknown paths', async () => {
    const res = await fetch(fake.url + '/v1/models');
    const body = await res.json();
    assert.equal(body.object, 'list');
    assert.ok(body.data.some((m) => m.id === 'gpt-4o-mini'));
    const missing = await fetch(fake.url + '/v1/nothing');
    assert.equal(missing.status, 404);
    assert.ok((await missing.json()).error.message);
  });

  test('recording and reset', async () => {
    await fake.reset();
    await post(fake, '/v1/chat/completions', chatBody('recorded?'), { authorization: 'Bearer sk-up-42' });
    await post(fake, '/v1/messages', { model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] },
      anthropicHeaders);
    const reqs = await fake.requests();
    assert.equal(reqs.length, 2);
    assert.equal(reqs[0].method, 'POST');
    assert.equal(reqs[0].path, '/v1/chat/completions');
    assert.equal(reqs[0].headers.authorization, 'Bearer sk-up-42');
    assert.equal(JSON.parse(reqs[0].body).messages[0].content, 'recorded?');
    assert.equal(reqs[1].headers['x-api-key'], 'sk-ant-test');
    assert.equal(reqs[1].headers['anthropic-version'], '2023-06-01');
    assert.equal((await fake.stats()).requests, 2);
    await fake.reset();
    assert.deepEqual(await fake.requests(), []);
    assert.equal((await fake.stats()).requests, 0);
  });
});

describe('fake upstream with --require-key', () => {
  let fake;
  before(async () => { fake = await startFake({ requireKeys: ['sk-good', 'sk-other'], recordCap: 3 }); });
  after(async () => { await fake.stop(); });

  test('OpenAI: 401 without the key, 200 with either key', async () => {
    let res = await post(fake, '/v1/chat/completions', chatBody('hi'));
    assert.equal(res.status, 401);
    const body = await res.json();
    assert.equal(body.error.code, 'invalid_api_key');
    res = await post(fake, '/v1/chat/completions', chatBody('hi'), { authorization: 'Bearer sk-bad' });
    assert.equal(res.status, 401);
    for (const key of ['sk-good', 'sk-other']) {
      res = await post(fake, '/v1/chat/completions', chatBody('hi'), { authorization: `Bearer ${key}` });
      assert.equal(res.status, 200);
    }
    assert.equal((await fetch(fake.url + '/v1/models')).status, 401);
    assert.equal((await fetch(fake.url + '/v1/models', { headers: { authorization: 'Bearer sk-good' } })).status, 200);
  });

  test('Anthropic: x-api-key must match', async () => {
    const request = { model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] };
    let res = await post(fake, '/v1/messages', request, anthropicHeaders);
    assert.equal(res.status, 401);
    const body = await res.json();
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'authentication_error');
    res = await post(fake, '/v1/messages', request, { ...anthropicHeaders, 'x-api-key': 'sk-good' });
    assert.equal(res.status, 200);
    res = await post(fake, '/v1/messages', request, { ...anthropicHeaders, authorization: 'Bearer sk-good' });
    assert.equal(res.status, 401, 'Anthropic takes x-api-key, not a bearer token');
  });

  test('the recording keeps the newest requests', async () => {
    await fake.reset();
    for (let i = 0; i < 5; ++i) {
      await post(fake, '/v1/chat/completions', chatBody(`n${i}`), { authorization: 'Bearer sk-good' });
    }
    const reqs = await fake.requests();
    assert.deepEqual(reqs.map((r) => JSON.parse(r.body).messages[0].content), ['n2', 'n3', 'n4']);
    assert.equal((await fake.stats()).requests, 5);
  });
});
