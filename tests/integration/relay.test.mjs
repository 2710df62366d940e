// The relay against fake upstreams over real HTTP: failover, streaming, cancellation, key handling,
// Anthropic conversion and usage events.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startPlaza, backends } from '../lib/server.mjs';
import { startFake } from '../fake_upstream/fake.mjs';
import { adminClient, addChannel, userWithKey, readEvents, waitFor, chatCompletion, startUpstream, sql, postWebChat } from '../lib/site.mjs';
import { get_encoding } from 'tiktoken';

const o200k = get_encoding('o200k_base');
const tokens = (text) => o200k.encode(text).length;

const UPSTREAM_KEY_A = 'sk-upstream-AAAA-secret-1111';
const UPSTREAM_KEY_B = 'sk-upstream-BBBB-secret-2222';

const chat = chatCompletion;

// An upstream that answers every request with one status (OpenAI's error shape unless `error` is
// given).
// `chats` counts the requests that are not the channel probe's (its message is "ping"), which runs
// every second on its own schedule.
function startFailing(status, error = { message: `failing with ${status}`, type: 'server_error' }) {
  return startUpstream((req, res, server) => {
    server.chats = (server.chats || 0) + (isProbe(req.body) ? 0 : 1);
    res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ error }));
  });
}

function isProbe(body) {
  try {
    return JSON.parse(body).messages[0].content === 'ping';
  } catch {
    return false;
  }
}

// Reads a streamed answer to its end, telling `upstream` (its `heard`) once a heartbeat has come:
// the upstream keeps the client waiting until then.
async function readTellingHeartbeat(res, upstream) {
  let text = '';
  const decoder = new TextDecoder();
  for await (const piece of res.body) {
    text += decoder.decode(piece, { stream: true });
    if (/^: keep-alive$/m.test(text)) upstream.heard = true;
  }
  return text;
}

// An upstream that accepts (200, event stream) and then hangs up before its first event.
function startHangingUp() {
  return startUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    setImmediate(() => res.socket.destroy());
  });
}

// An upstream that accepts a plain request (200, a JSON body of 1000 bytes) and hangs up halfway.
function startBreakingOff() {
  return startUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    res.write('{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assist');
    setImmediate(() => res.socket.destroy());
  });
}

// An upstream that refuses its key (401) until `accept` is set, then answers completions.
async function startGatekeeper() {
  const server = await startUpstream((req, res, self) => {
    if (!self.accept) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Incorrect API key provided: sk-gate****1234', type: 'invalid_request_error', code: 'invalid_api_key' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
  });
  server.accept = false;
  return server;
}

function usageEvents(plaza) {
  const sql = 'SELECT request_id, surface, model, channel_id, prompt_tokens, completion_tokens, tokens_reported, status, error_code, attempts FROM usage_events ORDER BY id';
  if (plaza.backend === 'postgres') {
    const out = execFileSync('psql', [plaza.databaseUrl, '-At', '-F', '|', '-c', sql], { encoding: 'utf8' });
    return out.trim().split('\n').filter(Boolean).map((l) => l.split('|'));
  }
  const out = execFileSync('sqlite3', ['-separator', '|', `${plaza.dataDir}/plaza.db`, sql], { encoding: 'utf8' });
  return out.trim().split('\n').filter(Boolean).map((l) => l.split('|'));
}

for (const backend of backends) {
  describe(`relay on ${backend}`, () => {
    let plaza, fakeA, fakeB, admin, key, chA, chB;
    before(async () => {
      fakeA = await startFake({ requireKeys: [UPSTREAM_KEY_A] });
      fakeB = await startFake({ requireKeys: [UPSTREAM_KEY_B] });
      plaza = await startPlaza({ backend, settings: { 'stream-heartbeat-seconds': 1, 'channel-refresh-ms': 100, 'probe-interval-seconds': 1, 'api-rate-per-minute': 100000 } });
      admin = await adminClient(plaza);
      // A is preferred (higher priority); B is the fallback. Both serve "gpt-4o-mini".
      chA = await addChannel(admin, { name: 'A', base_url: `${fakeA.url}/v1`, keys: [UPSTREAM_KEY_A], models: ['gpt-4o-mini', { model: 'fast', upstream: 'upstream-fast' }], priority: 10 });
      chB = await addChannel(admin, { name: 'B', base_url: `${fakeB.url}/v1`, keys: [UPSTREAM_KEY_B], models: ['gpt-4o-mini'], priority: 0 });
      ({ key } = await userWithKey(plaza));
    });
    after(async () => { await plaza?.stop(); await fakeA?.stop(); await fakeB?.stop(); });

    it('relays a plain completion with the public model name and the upstream usage', async () => {
      await fakeA.reset();
      const res = await chat(plaza, key, { model: 'fast', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] });
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.model, 'fast');
      assert.equal(body.choices[0].message.content, 'Hello from fake upstream.');
      assert.ok(body.usage.completion_tokens > 0);
      const [received] = await fakeA.requests();
      const sent = JSON.parse(received.body);
      assert.equal(sent.model, 'upstream-fast', 'the mapping renames the model upstream');
      assert.equal(sent.temperature, 0.2);
      assert.equal(sent.tools[0].function.name, 'f', 'fields pass through');
      assert.equal(received.headers.authorization, `Bearer ${UPSTREAM_KEY_A}`);
      assert.equal(received.headers.host, new URL(fakeA.url).host, 'Host names the port when it is not 80');
      // A free call's usage row may be written after the answer (queued with others): it arrives,
      // and it is still the only one once a later, waited-for write (a stream's) has gone in.
      const id = res.headers.get('x-request-id');
      const rows = await waitFor(() => { const r = usageEvents(plaza).filter((e) => e[0] === id); return r.length && r; }, 'the free call\'s usage event');
      assert.deepEqual(rows[0].slice(1, 3), ['api', 'fast']);
      await readEvents(await chat(plaza, key, { model: 'fast', stream: true, messages: [{ role: 'user', content: 'hi' }] }));
      assert.equal(usageEvents(plaza).filter((e) => e[0] === id).length, 1, 'written once');
      assert.equal(received.headers['content-length'], String(Buffer.byteLength(received.body)));
    });

    it('streams event by event, asks the upstream for usage and hides it unless asked', async () => {
      const res = await chat(plaza, key, { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi [[fake:ok chunks=5]]' }] });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type'), /text\/event-stream/);
      const events = await readEvents(res);
      assert.equal(events.at(-1).data, '[DONE]');
      const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
      assert.ok(chunks.length >= 5);
      assert.ok(chunks.every((c) => c.model === 'gpt-4o-mini'));
      assert.ok(chunks.every((c) => c.choices.length > 0), 'no usage-only chunk when not asked');
      assert.ok(chunks.every((c) => !('usage' in c)), 'nor the upstream\'s "usage": null in the others');
      const last = (await fakeA.requests()).at(-1);
      assert.equal(JSON.parse(last.body).stream_options.include_usage, true);

      const withUsage = await chat(plaza, key, { model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
      const ev2 = await readEvents(withUsage);
      const chunks2 = ev2.slice(0, -1).map((e) => JSON.parse(e.data));
      const usageChunk = chunks2.find((c) => c.usage);
      assert.ok(usageChunk.usage.completion_tokens > 0);
      assert.deepEqual(usageChunk.choices, []);
      assert.ok(chunks2.filter((c) => c !== usageChunk).every((c) => c.usage === null && c.model === 'gpt-4o-mini'), 'the others pass as they came');
    });

    it('fails over to the next channel on 5xx, 429, an error sent with a 200 and refused connections before the first byte', async () => {
      // 200: an upstream (One API, New API) that reports its error with status 200, to a stream too.
      for (const code of [500, 503, 429, 200]) {
        const failing = await startFailing(code);
        const ch = await addChannel(admin, { name: `failing-${code}`, base_url: `${failing.url}/v1`, keys: ['k-fail'], models: ['gpt-4o-mini'], priority: 50 });
        await fakeA.reset();
        for (const stream of [false, true]) {
          const res = await chat(plaza, key, { model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: 'hi' }] });
          assert.equal(res.status, 200, `after ${code}`);
          const text = stream
            ? (await readEvents(res)).filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data).choices[0]?.delta?.content || '').join('')
            : (await res.json()).choices[0].message.content;
          assert.equal(text, 'Hello from fake upstream.');
        }
        assert.ok(failing.hits >= 1, 'the failing channel was tried first');
        assert.equal((await fakeA.requests()).length, 2, 'A answered');
        assert.equal((await admin.delete(`/api/admin/channels/${ch.id}`)).status, 204);
        failing.close();
      }
      // Every channel failing: the client gets the error, mapped.
      const only = await startFailing(503);
      const onlyChannel = await addChannel(admin, { name: 'only', base_url: `${only.url}/v1`, keys: ['k'], models: ['lonely'] });
      const res = await chat(plaza, key, { model: 'lonely', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.status, 502);
      const body = await res.json();
      assert.equal(body.error.code, 'upstream_error');
      assert.equal(body.error.type, 'server_error');
      assert.ok(!JSON.stringify(body).includes(only.url));
      assert.equal((await admin.delete(`/api/admin/channels/${onlyChannel.id}`)).status, 204);
      only.close();
      // Every channel rate limiting: the wait it asks for reaches the client, in seconds even when the
      // upstream gives only OpenAI's retry-after-ms.
      const limiting = await startUpstream((req, res) => {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after-ms': '1500' });
        res.end(JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests' } }));
      });
      const limitingChannel = await addChannel(admin, { name: 'limiting', base_url: `${limiting.url}/v1`, keys: ['k'], models: ['limited'] });
      const limited = await chat(plaza, key, { model: 'limited', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), '2');
      assert.equal((await admin.delete(`/api/admin/channels/${limitingChannel.id}`)).status, 204);
      // A 200 that carries an error is no answer, plain or streamed: nothing of it reaches the client.
      const quiet = await startFailing(200, { message: 'quota exceeded for key sk-quiet-1234567 at http://10.9.8.7/v1', type: 'error' });
      const quietChannel = await addChannel(admin, { name: 'quiet', base_url: `${quiet.url}/v1`, keys: ['sk-quiet-1234567'], models: ['quiet'] });
      for (const stream of [false, true]) {
        const answer = await chat(plaza, key, { model: 'quiet', stream, messages: [{ role: 'user', content: 'hi' }] });
        assert.equal(answer.status, 502, `stream ${stream}`);
        const text = await answer.text();
        assert.equal(JSON.parse(text).error.message, 'the upstream sent no answer', text);
      }
      assert.equal((await admin.delete(`/api/admin/channels/${quietChannel.id}`)).status, 204);
      quiet.close();
      const refused = await addChannel(admin, { name: 'down', base_url: 'http://127.0.0.1:9/v1', keys: ['k-down'], models: ['gpt-4o-mini'], priority: 50 });
      const viaDown = await chat(plaza, key, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(viaDown.status, 200, 'a refused connection moves on to the next channel');
      assert.equal((await admin.delete(`/api/admin/channels/${refused.id}`)).status, 204);
    });

    it('fails over when an upstream accepts a stream but hangs up before its first event', async () => {
      const hanging = await startHangingUp();
      const ch = await addChannel(admin, { name: 'hangs-up', base_url: `${hanging.url}/v1`, keys: ['k'], models: ['gpt-4o-mini'], priority: 50 });
      await fakeA.reset();
      const res = await chat(plaza, key, { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.status, 200);
      const events = await readEvents(res);
      assert.equal(events.at(-1).data, '[DONE]');
      assert.equal(events.slice(0, -1).map((e) => JSON.parse(e.data).choices[0]?.delta?.content || '').join(''), 'Hello from fake upstream.');
      assert.equal(hanging.hits, 1);
      assert.equal((await fakeA.requests()).length, 1);
      assert.equal((await admin.delete(`/api/admin/channels/${ch.id}`)).status, 204);
      hanging.close();
    });

    it('fails over when a plain answer breaks off before its end, and answers the break when no channel is left', async () => {
      const breaking = await startBreakingOff();
      const ch = await addChannel(admin, { name: 'breaks-off', base_url: `${breaking.url}/v1`, keys: ['k'], models: ['gpt-4o-mini', 'breaks-only'], priority: 50 });
      await fakeA.reset();
      for (let i = 1; i <= 5; i++) {
        const res = await chat(plaza, key, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
        assert.equal(res.status, 200);
        assert.equal((await res.json()).choices[0].message.content, 'Hello from fake upstream.');
        assert.equal(breaking.hits, i, 'tried first');
        assert.equal((await fakeA.requests()).length, i, 'A answered');
      }
      // Its 200 heads were no successes: five broken answers opened its breaker, and it goes last.
      assert.equal((await chat(plaza, key, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).status, 200);
      assert.equal(breaking.hits, 5);
      const alone = await chat(plaza, key, { model: 'breaks-only', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(alone.status, 502);
      assert.equal((await alone.json()).error.message, 'the upstream broke off its answer');
      assert.equal((await admin.delete(`/api/admin/channels/${ch.id}`)).status, 204);
      breaking.close();
    });

    it('ends a stream that breaks after the first byte with an error event, without switching', async () => {
      await fakeB.reset();
      const res = await chat(plaza, key, { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'x [[fake:reset_mid_stream after=2]]' }] });
      assert.equal(res.status, 200);
      const events = await readEvents(res);
      const last = JSON.parse(events.at(-1).data);
      assert.deepEqual({ ...last.error, message: undefined }, { message: undefined, type: 'server_error', param: null, code: 'upstream_error' });
      assert.ok(!events.some((e) => e.data === '[DONE]'));
      assert.equal((await fakeB.requests()).length, 0, 'no silent switch to B');
    });

    it('cancels the upstream stream the moment the client goes away', async () => {
      await fakeA.reset();
      const res = await chat(plaza, key, { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'x [[fake:stall after=1]]' }] });
      const reader = res.body.getReader();
      await reader.read();  // the first event arrived: the upstream stream is open
      await fakeA.waitForStats((s) => s.open_streams >= 1);
      await reader.cancel();
      await fakeA.waitForStats((s) => s.streams_client_closed >= 1 && s.open_streams === 0);
    });

    it('cancels the upstream request when the client leaves before the upstream has answered', async () => {
      await fakeA.reset();
      await fakeB.reset();
      // Five times: were a cancelled wait counted as the channel's failure, its breaker would open.
      for (let i = 1; i <= 5; i++) {
        const leaving = new AbortController();
        const pending = chat(plaza, key, { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'x [[fake:delay delay_ms=30000]]' }] }, { 'x-request-id': `leaves-early-${i}` }, leaving.signal);
        await fakeA.waitForStats((s) => s.requests >= i && s.in_flight >= 1);
        leaving.abort();
        await assert.rejects(pending);
        // Well before the 30 s delay ends: the upstream saw its client (Plaza) go.
        await fakeA.waitForStats((s) => s.streams_client_closed >= i && s.in_flight === 0);
      }
      const row = await waitFor(() => usageEvents(plaza).find((r) => r[0].includes(':leaves-early-5~failed-')), 'the usage event (nothing delivered: the id is free again)');
      assert.equal(row[7], 'cancelled');
      assert.equal((await fakeB.requests()).length, 0, 'no other channel was asked');
      const next = await chat(plaza, key, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(next.status, 200);
      assert.equal((await fakeB.requests()).length, 0, 'A still comes first: leaving clients are no failures of it');
    });

    it('sends heartbeats while the upstream sends only comments', async () => {
      // An upstream that thinks aloud in SSE comments (as OpenRouter does) until Plaza's client has
      // heard a heartbeat, or 10 s have passed; then it answers.
      const thinking = await startUpstream((req, res, self) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const started = Date.now();
        const tick = setInterval(() => {
          if (!self.heard && Date.now() - started < 10_000) {
            res.write(': PROCESSING\n\n');
            return;
          }
          clearInterval(tick);
          const chunk = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'thought' }, finish_reason: 'stop' }] };
          res.end(`data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`);
        }, 100);
      });
      const ch = await addChannel(admin, { name: 'thinking', base_url: `${thinking.url}/v1`, keys: ['k'], models: ['thinks'] });
      const res = await chat(plaza, key, { model: 'thinks', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.status, 200);
      const text = await readTellingHeartbeat(res, thinking);
      assert.ok(thinking.heard, `a heartbeat while the upstream only commented: ${text}`);
      assert.ok(text.indexOf(': keep-alive') < text.indexOf('thought'));
      assert.match(text, /data: \[DONE\]/);
      assert.equal((await admin.delete(`/api/admin/channels/${ch.id}`)).status, 204);
      thinking.close();
    });

    it('sends the web chat heartbeats while the upstream streams only reasoning, which the page is not sent', async () => {
      // Reasoning-only chunks (DeepSeek's thinking) until Plaza's client has heard a heartbeat, or
      // 10 s have passed; then the answer.
      const reasoning = await startUpstream((req, res, self) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const started = Date.now();
        const piece = (delta, finish = null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
        const tick = setInterval(() => {
          if (!self.heard && Date.now() - started < 10_000) {
            res.write(piece({ reasoning_content: 'hmm ' }));
            return;
          }
          clearInterval(tick);
          res.end(`${piece({ content: 'reasoned' }, 'stop')}data: [DONE]\n\n`);
        }, 100);
      });
      const ch = await addChannel(admin, { name: 'reasoning', base_url: `${reasoning.url}/v1`, keys: ['k'], models: ['reasons'] });
      const res = await postWebChat(plaza.url, admin, { model: 'reasons', content: 'hi' });
      assert.equal(res.status, 200);
      const text = await readTellingHeartbeat(res, reasoning);
      assert.ok(reasoning.heard, `a heartbeat while the upstream only reasoned: ${text}`);
      assert.ok(text.indexOf(': keep-alive') < text.indexOf('reasoned'), text);
      assert.match(text, /event: done/);
      assert.equal((await admin.delete(`/api/admin/channels/${ch.id}`)).status, 204);
      reasoning.close();
    });

    it('sends heartbeats while the upstream is silent', async () => {
      const res = await chat(plaza, key, { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'x [[fake:slow delay_ms=1500 chunks=2]]' }] });
      const text = await res.text();
      assert.match(text, /^: keep-alive$/m);
      assert.match(text, /data: \[DONE\]/);
    });

    it('disables a key the upstream refuses, and serves from the next channel', async () => {
      const bad = await addChannel(admin, { name: 'bad', base_url: `${fakeA.url}/v1`, keys: ['sk-wrong-key-0000'], models: ['only-bad', 'gpt-4o-mini'], priority: 100 });
      const res = await chat(plaza, key, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.status, 200);
      const listed = (await admin.get('/api/admin/channels')).data.channels.find((c) => c.id === bad.id);
      assert.equal(listed.auto_disabled, true);
      assert.equal(listed.keys[0].enabled, false);
      assert.ok(!JSON.stringify(listed).includes('sk-wrong-key-0000'), 'keys never come back from the API');
      const test = await admin.post(`/api/admin/channels/${bad.id}/test`);
      assert.equal(test.data.ok, false);
      assert.match(test.data.error, /401/);
      assert.ok(!test.text.includes('sk-wrong-key') && !test.text.includes(fakeA.url), 'no key or URL in errors');
      const good = await admin.post(`/api/admin/channels/${chA.id}/test`);
      assert.equal(good.data.ok, true);
      assert.ok(good.data.latency_ms >= 0);
      const only = await chat(plaza, key, { model: 'only-bad', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(only.status, 404);
      assert.equal((await admin.delete(`/api/admin/channels/${bad.id}`)).status, 204);
    });

    it('keeps a key an upstream refuses a request for (403 for its content), and disables one refused for itself', async () => {
      const flagged = await startFailing(403, { message: 'Input was flagged by moderation', code: 403, metadata: { reasons: ['harassment'] } });
      const picky = await addChannel(admin, { name: 'picky', base_url: `${flagged.url}/v1`, keys: ['sk-picky-1'], models: ['gpt-4o-mini', 'picky-only'], priority: 100 });
      const served = await chat(plaza, key, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(served.status, 200, 'another channel takes it');
      const alone = await chat(plaza, key, { model: 'picky-only', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(alone.status, 403);
      assert.equal((await alone.json()).error.message, 'Input was flagged by moderation');
      let listed = (await admin.get('/api/admin/channels')).data.channels.find((c) => c.id === picky.id);
      assert.deepEqual([listed.keys[0].enabled, listed.auto_disabled], [true, false], 'a user cannot switch the key off');
      assert.equal(flagged.hits, 2);
      assert.equal((await admin.delete(`/api/admin/channels/${picky.id}`)).status, 204);
      flagged.close();

      const denied = await startFailing(403, { type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.' });
      const ch = await addChannel(admin, { name: 'denied', base_url: `${denied.url}/v1`, keys: ['sk-denied-1'], models: ['gpt-4o-mini'], priority: 100 });
      assert.equal((await chat(plaza, key, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).status, 200);
      listed = (await admin.get('/api/admin/channels')).data.channels.find((c) => c.id === ch.id);
      assert.equal(listed.keys[0].enabled, false, 'a key without permission is disabled');
      assert.equal((await admin.delete(`/api/admin/channels/${ch.id}`)).status, 204);
      denied.close();
    });

    it('counts a 403 without an API error (a firewall\'s page) against the channel, and a moderation\'s refusal not', async () => {
      const firewall = await startUpstream((req, res) => {
        res.writeHead(403, { 'content-type': 'text/html' });
        res.end('<html><body><h1>Access denied</h1></body></html>');
      });
      const walled = await addChannel(admin, { name: 'walled', base_url: `${firewall.url}/v1`, keys: ['sk-walled-1'], models: ['gpt-4o-mini'], priority: 50 });
      for (let i = 1; i <= 5; i++) {
        assert.equal((await chat(plaza, key, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).status, 200);
        assert.equal(firewall.hits, i, 'tried first');
      }
      assert.equal((await chat(plaza, key, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).status, 200);
      assert.equal(firewall.hits, 5, 'five refusals opened its breaker: it goes last');
      const listed = (await admin.get('/api/admin/channels')).data.channels.find((c) => c.id === walled.id);
      assert.equal(listed.keys[0].enabled, true, 'the key stays on');
      assert.equal((await admin.delete(`/api/admin/channels/${walled.id}`)).status, 204);
      firewall.close();

      const flagged = await startFailing(403, { message: 'Input was flagged by moderation', code: 403 });
      const picky = await addChannel(admin, { name: 'picky-often', base_url: `${flagged.url}/v1`, keys: ['sk-picky-2'], models: ['gpt-4o-mini'], priority: 50 });
      for (let i = 1; i <= 6; i++) {
        assert.equal((await chat(plaza, key, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).status, 200);
        assert.equal(flagged.hits, i, 'still tried first: users\' prompts do not open its breaker');
      }
      assert.equal((await admin.delete(`/api/admin/channels/${picky.id}`)).status, 204);
      flagged.close();
    });

    it('tries the channel\'s next key when the upstream refuses one, with no other channel to fall back on', async () => {
      const only = await addChannel(admin, { name: 'two-keys', base_url: `${fakeA.url}/v1`, keys: ['sk-revoked-0000', UPSTREAM_KEY_A], models: ['two-keys-only'] });
      try {
        await fakeA.reset();
        const res = await chat(plaza, key, { model: 'two-keys-only', messages: [{ role: 'user', content: 'hi' }] });
        assert.equal(res.status, 200, 'the second key answered');
        const listed = (await admin.get('/api/admin/channels')).data.channels.find((c) => c.id === only.id);
        assert.deepEqual(listed.keys.map((k) => k.enabled), [false, true], 'the refused key is disabled, the other serves');
        assert.equal(listed.auto_disabled, false);
        // The probe, every second, may already be trying the disabled key again: its pings are not
        // the request's attempts.
        const attempts = (await fakeA.requests()).filter((r) => !isProbe(r.body));
        assert.deepEqual(attempts.map((r) => r.headers.authorization),
          ['Bearer sk-revoked-0000', `Bearer ${UPSTREAM_KEY_A}`], 'the first key, then the second, on the one channel');
        const audit = (await admin.get('/api/admin/audit')).data.entries.find((e) => e.action === 'relay.channel_key.disabled' && e.target === `channel:${only.id}`);
        assert.ok(audit, 'the automatic disable is in the audit log');
        assert.match(audit.detail, new RegExp(`key ${listed.keys[0].id}: .*401`));
        assert.ok(!audit.detail.includes('sk-revoked'));

        // The channel test asks with every key, the disabled one included, and says which fails.
        const test = await admin.post(`/api/admin/channels/${only.id}/test`);
        assert.equal(test.status, 200, test.text);
        assert.equal(test.data.ok, false, 'one of its keys does not work');
        assert.match(test.data.error, /401/);
        assert.deepEqual(test.data.keys.map((k) => [k.id, k.hint, k.tried, k.ok, k.status]),
          [[listed.keys[0].id, listed.keys[0].hint, true, false, 401], [listed.keys[1].id, listed.keys[1].hint, true, true, 200]]);
        assert.ok(!test.text.includes('sk-revoked-0000') && !test.text.includes(UPSTREAM_KEY_A) && !test.text.includes(fakeA.url));
      } finally {
        // Left behind, its disabled key's probes would reach fakeA during the tests that follow.
        assert.equal((await admin.delete(`/api/admin/channels/${only.id}`)).status, 204);
      }
    });

    it('tests every key of a channel, and stops at the first that cannot reach the upstream', async () => {
      const good = await addChannel(admin, { name: 'all-good', base_url: `${fakeA.url}/v1`, keys: [UPSTREAM_KEY_A, UPSTREAM_KEY_A], models: ['all-good-only'] });
      const passed = await admin.post(`/api/admin/channels/${good.id}/test`);
      assert.equal(passed.data.ok, true);
      assert.deepEqual(passed.data.keys.map((k) => [k.tried, k.ok]), [[true, true], [true, true]]);
      assert.equal(passed.data.model, 'all-good-only');
      assert.equal((await admin.delete(`/api/admin/channels/${good.id}`)).status, 204);
      // Nothing listens on port 9: the first key's try fails to connect, the others are not sent.
      const gone = await addChannel(admin, { name: 'nowhere', base_url: 'http://127.0.0.1:9/v1', keys: ['sk-a', 'sk-b', 'sk-c'], models: ['nowhere-only'] });
      const failed = await admin.post(`/api/admin/channels/${gone.id}/test`);
      assert.equal(failed.data.ok, false);
      assert.deepEqual(failed.data.keys.map((k) => [k.tried, k.ok, k.status]), [[true, false, 0], [false, false, 0], [false, false, 0]]);
      assert.match(failed.data.keys[1].error, /not tried/);
      assert.ok(!failed.text.includes('127.0.0.1:9'), 'no URL in errors');
      assert.equal((await admin.delete(`/api/admin/channels/${gone.id}`)).status, 204);
    });

    it('disables a key whose account is out of credit, whatever the status, and serves from the next channel', async () => {
      const answers = [
        [402, { message: 'Insufficient credits', code: 402 }],
        [429, { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' }],
        [403, { message: '用户额度不足', type: 'new_api_error', code: 'insufficient_user_quota' }],
        [400, { type: 'billing_error', message: 'Your credit balance is too low' }],
      ];
      for (const [status, error] of answers) {
        const broke = await startFailing(status, error);
        const ch = await addChannel(admin, { name: `broke-${status}`, base_url: `${broke.url}/v1`, keys: ['sk-broke-1', 'sk-broke-2'], models: ['gpt-4o-mini'], priority: 100 });
        const res = await chat(plaza, key, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
        assert.equal(res.status, 200, `${status} ${JSON.stringify(error)} moves on to the next channel`);
        assert.equal(broke.chats, 2, 'each of its keys was tried');
        const listed = (await admin.get('/api/admin/channels')).data.channels.find((c) => c.id === ch.id);
        assert.deepEqual(listed.keys.map((k) => k.enabled), [false, false], 'both keys are disabled');
        for (const k of listed.keys) assert.match(k.disabled_reason, /out of credit/);
        assert.equal(listed.auto_disabled, true, 'and with them the channel');
        assert.equal((await admin.delete(`/api/admin/channels/${ch.id}`)).status, 204);
        broke.close();
      }
      // A 400 that is about the request (not the account) is the client's: answered as such, no switch.
      // Its field and code come along: clients act on them (trim the history on context_length_exceeded).
      const strict = await startFailing(400, { message: 'max_tokens is too large', type: 'invalid_request_error', param: 'max_tokens', code: 'context_length_exceeded' });
      const ch = await addChannel(admin, { name: 'strict', base_url: `${strict.url}/v1`, keys: ['sk-strict'], models: ['gpt-4o-mini'], priority: 100 });
      await fakeA.reset();
      const res = await chat(plaza, key, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.status, 400);
      const { error } = await res.json();
      assert.deepEqual([error.message, error.param, error.code, error.type], ['max_tokens is too large', 'max_tokens', 'context_length_exceeded', 'invalid_request_error']);
      assert.equal((await fakeA.requests()).length, 0);
      const listed = (await admin.get('/api/admin/channels')).data.channels.find((c) => c.id === ch.id);
      assert.equal(listed.keys[0].enabled, true);
      assert.equal((await admin.delete(`/api/admin/channels/${ch.id}`)).status, 204);
      strict.close();
      // A code about the channel's own key or mapping is not the client's: Plaza's stands in for it.
      const mapped = await startFailing(400, { message: 'no such model here', type: 'invalid_request_error', code: 'model_not_found' });
      const chMapped = await addChannel(admin, { name: 'mapped', base_url: `${mapped.url}/v1`, keys: ['sk-mapped'], models: ['gpt-4o-mini'], priority: 100 });
      const refused = await chat(plaza, key, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(refused.status, 400);
      assert.equal((await refused.json()).error.code, 'invalid_request');
      assert.equal((await admin.delete(`/api/admin/channels/${chMapped.id}`)).status, 204);
      mapped.close();
    });

    it('moves on when a channel does not serve a model it is listed for (404)', async () => {
      const lost = await startFailing(404, { message: 'The model `gpt-4o-mini` does not exist', type: 'invalid_request_error', code: 'model_not_found' });
      const ch = await addChannel(admin, { name: 'lost', base_url: `${lost.url}/v1`, keys: ['sk-lost'], models: ['gpt-4o-mini', 'only-lost'], priority: 100 });
      const res = await chat(plaza, key, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.status, 200);
      assert.equal(lost.hits, 1);
      const again = await chat(plaza, key, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(again.status, 200);
      assert.equal(lost.hits, 1, 'for that model the channel now goes last: no attempt spent on it per request');
      const listed = (await admin.get('/api/admin/channels')).data.channels.find((c) => c.id === ch.id);
      assert.equal(listed.keys[0].enabled, true, 'a missing model is no reason to disable the key');
      const only = await chat(plaza, key, { model: 'only-lost', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(only.status, 404);
      assert.equal((await only.json()).error.code, 'model_not_found', 'OpenAI\'s code');
      assert.equal(lost.hits, 2, 'its other models are still tried');
      assert.equal((await admin.delete(`/api/admin/channels/${ch.id}`)).status, 204);
      lost.close();
    });

    it('probes an automatically disabled channel and enables it when the upstream accepts again', async () => {
      const gate = await startGatekeeper();
      const ch = await addChannel(admin, { name: 'gate', base_url: `${gate.url}/v1`, keys: ['sk-gate-key-1234'], models: ['gated'] });
      const refused = await chat(plaza, key, { model: 'gated', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(refused.status, 502);
      assert.ok(!(await refused.text()).includes('sk-gate'), 'the upstream key is not echoed');
      const status = async () => (await admin.get('/api/admin/channels')).data.channels.find((c) => c.id === ch.id);
      assert.equal((await status()).auto_disabled, true);
      gate.accept = true;
      await waitFor(async () => !(await status()).auto_disabled, 'the probe to enable the channel again');
      assert.equal((await status()).keys[0].enabled, true);
      const ok = await chat(plaza, key, { model: 'gated', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(ok.status, 200);
      assert.equal((await admin.delete(`/api/admin/channels/${ch.id}`)).status, 204);
      gate.close();
    });

    it('answers OpenAI-shaped errors without the channel URL or key', async () => {
      const unknown = await chat(plaza, key, { model: 'nope', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(unknown.status, 404);
      const body = await unknown.json();
      assert.equal(body.error.type, 'invalid_request_error');
      assert.equal(body.error.param, 'model');
      const noKey = await fetch(`${plaza.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(noKey.status, 401);
      const bad = await chat(plaza, key, { model: 'gpt-4o-mini', messages: 'hello' });
      assert.equal(bad.status, 400);
      const log = plaza.log();
      for (const secret of [UPSTREAM_KEY_A, UPSTREAM_KEY_B, 'sk-wrong-key-0000']) assert.ok(!log.includes(secret), 'no key in the log');
    });

    it('refuses a length or count the cost is estimated from that is not a whole number in range, before any upstream call', async () => {
      await fakeA.reset(); await fakeB.reset();
      const bad = [['max_tokens', 'abc'], ['max_tokens', 1.7], ['max_tokens', -5], ['max_tokens', 0], ['max_completion_tokens', '10'],
        ['n', 0], ['n', 129], ['n', '2'], ['n', 1.5]];
      for (const [field, value] of bad) {
        for (const stream of [false, true]) {
          const res = await chat(plaza, key, { model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: 'hi' }], [field]: value });
          const body = await res.json();
          assert.equal(res.status, 400, `${field}: ${JSON.stringify(value)} (stream ${stream})`);
          assert.deepEqual([body.error.param, body.error.type], [field, 'invalid_request_error']);
          assert.match(body.error.message, new RegExp(`^${field} must be a whole number from 1 to`));
        }
      }
      assert.equal((await fakeA.requests()).length + (await fakeB.requests()).length, 0, 'nothing reached an upstream');
      // Absent, null, or in range: relayed.
      for (const extra of [{ max_tokens: null, n: null }, { max_tokens: 16, n: 2 }, { max_completion_tokens: 1 }]) {
        const res = await chat(plaza, key, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...extra });
        assert.equal(res.status, 200, `${JSON.stringify(extra)}: ${await res.text()}`);
      }
    });

    it('lists the models the caller can reach and honours the key allowlist', async () => {
      const list = await (await fetch(`${plaza.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).json();
      assert.deepEqual(list.data.map((m) => m.id).sort(), ['fast', 'gpt-4o-mini']);
      const { key: limited } = await userWithKey(plaza, 'limited', { models: ['fast'] });
      const l2 = await (await fetch(`${plaza.url}/v1/models`, { headers: { authorization: `Bearer ${limited}` } })).json();
      assert.deepEqual(l2.data.map((m) => m.id), ['fast']);
      const refused = await chat(plaza, limited, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(refused.status, 403);
      // A model the catalogue disables disappears and is refused.
      assert.equal((await admin.request('PUT', '/api/admin/models/fast', { json: { display_name: 'Fast', enabled: false } })).status, 200);
      const l3 = await (await fetch(`${plaza.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).json();
      assert.deepEqual(l3.data.map((m) => m.id), ['gpt-4o-mini']);
      assert.equal((await chat(plaza, key, { model: 'fast', messages: [{ role: 'user', content: 'hi' }] })).status, 404);
      await admin.request('PUT', '/api/admin/models/fast', { json: { display_name: 'Fast', enabled: true } });
    });

    it('converts to and from Anthropic, streaming included', async () => {
      const fakeC = await startFake({ requireKeys: ['sk-ant-key-3333'] });
      try {
        const claude = await addChannel(admin, { type: 'anthropic', name: 'claude', base_url: `${fakeC.url}/v1`, keys: ['sk-ant-key-3333'], models: [{ model: 'claude', upstream: 'claude-sonnet-4' }] });
        const res = await chat(plaza, key, { model: 'claude', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }] });
        assert.equal(res.status, 200);
        const body = await res.json();
        assert.equal(body.object, 'chat.completion');
        assert.equal(body.model, 'claude');
        assert.equal(body.choices[0].message.content, 'Hello from fake upstream.');
        const sent = JSON.parse((await fakeC.requests()).at(-1).body);
        assert.equal(sent.system, 'Be brief.');
        assert.equal(sent.model, 'claude-sonnet-4');
        assert.equal(sent.max_tokens, 4096, 'Anthropic requires one: Plaza\'s default');
        // The channel's own answer length, for models that write longer answers.
        const tooLong = await admin.patch(`/api/admin/channels/${claude.id}`, { default_max_tokens: 2_000_000 });
        assert.equal(tooLong.status, 400);
        assert.equal(tooLong.data.error.field, 'default_max_tokens');
        const set = await admin.patch(`/api/admin/channels/${claude.id}`, { default_max_tokens: 64000 });
        assert.equal(set.status, 200, set.text);
        assert.equal(set.data.channel.default_max_tokens, 64000);
        assert.equal((await chat(plaza, key, { model: 'claude', messages: [{ role: 'user', content: 'hi' }] })).status, 200);
        assert.equal(JSON.parse((await fakeC.requests()).at(-1).body).max_tokens, 64000);
        assert.equal((await chat(plaza, key, { model: 'claude', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] })).status, 200);
        assert.equal(JSON.parse((await fakeC.requests()).at(-1).body).max_tokens, 50, 'the request\'s own limit wins');
        const s = await chat(plaza, key, { model: 'claude', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
        const events = await readEvents(s);
        assert.equal(events.at(-1).data, '[DONE]');
        const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
        const text = chunks.map((c) => c.choices[0]?.delta?.content || '').join('');
        assert.equal(text, 'Hello from fake upstream.');
        assert.ok(chunks.some((c) => c.usage && c.usage.completion_tokens > 0));
        // Broken right after message_start (which reports 1 output token): nothing was delivered (its
        // opening chunk was held back, so the head is still free for the error), and the usage event
        // says so (a priced model charges only delivered answers).
        const broken = await chat(plaza, key, { model: 'claude', stream: true, messages: [{ role: 'user', content: 'x [[fake:reset_mid_stream after=0]]' }] });
        assert.equal(broken.status, 502);
        assert.equal((await broken.json()).error.code, 'upstream_error');
        const id = broken.headers.get('x-request-id');
        const row = await waitFor(() => usageEvents(plaza).find((r) => r[0] === id), 'the broken stream\'s usage event');
        assert.deepEqual([row[5], row[7]], ['0', 'error'], `completion tokens and status: ${row}`);
        // What Anthropic's protocol cannot carry (n > 1) is refused when no other channel serves the
        // model, and served by one that can when there is.
        const twice = { model: 'claude', n: 2, messages: [{ role: 'user', content: 'hi' }] };
        const refused = await chat(plaza, key, twice);
        assert.equal(refused.status, 400);
        assert.equal((await refused.json()).error.param, 'n');
        const openai = await addChannel(admin, { name: 'claude-via-openai', base_url: `${fakeA.url}/v1`, keys: [UPSTREAM_KEY_A], models: ['claude'], priority: -1 });
        await fakeA.reset();
        const served = await chat(plaza, key, twice);
        assert.equal(served.status, 200, 'the OpenAI channel takes it');
        assert.equal(JSON.parse((await fakeA.requests()).at(-1).body).n, 2);
        assert.equal((await admin.delete(`/api/admin/channels/${openai.id}`)).status, 204);
        // An OpenAI channel's 200 that carries an error, then the Anthropic channel's answer: each
        // answer is read for what it is.
        const erring = await startFailing(200, { message: 'quota', type: 'error' });
        const first = await addChannel(admin, { name: 'claude-erring', base_url: `${erring.url}/v1`, keys: ['k'], models: ['claude'], priority: 10 });
        const after = await chat(plaza, key, { model: 'claude', messages: [{ role: 'user', content: 'hi' }] });
        assert.equal(after.status, 200);
        assert.equal((await after.json()).choices[0].message.content, 'Hello from fake upstream.');
        assert.equal(erring.hits, 1);
        assert.equal((await admin.delete(`/api/admin/channels/${first.id}`)).status, 204);
        erring.close();
      } finally {
        await fakeC.stop();
      }
    });

    it('writes one usage event per request, counted when the upstream reports none', async () => {
      const before = usageEvents(plaza).length;
      const res = await chat(plaza, key, { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'count me [[fake:no_usage]]' }] });
      await res.text();
      const id = res.headers.get('x-request-id');
      const rows = await waitFor(() => { const r = usageEvents(plaza); return r.length > before && r; }, 'the usage event');
      const row = rows.find((r) => r[0] === id);
      assert.ok(row, 'the event carries the request id');
      const [, surface, model, channel, prompt, completion, reported, status] = row;
      assert.equal(surface, 'api');
      assert.equal(model, 'gpt-4o-mini');
      assert.equal(Number(channel), chA.id);
      assert.ok(Number(prompt) > 0);
      assert.equal(Number(completion), tokens('Hello from fake upstream.'), 'what was delivered, by the o200k tokenizer');
      assert.equal(reported, '0', 'counted by the tokenizer');
      assert.equal(status, 'ok');
      // A client that asked for usage gets Plaza's counts in OpenAI's last chunk when the upstream sent none.
      const asked = await chat(plaza, key, { model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'count me [[fake:no_usage]]' }] });
      const events = await readEvents(asked);
      assert.equal(events.at(-1).data, '[DONE]');
      const last = JSON.parse(events.at(-2).data);
      assert.deepEqual(last.choices, []);
      assert.equal(last.object, 'chat.completion.chunk');
      assert.equal(last.model, 'gpt-4o-mini');
      assert.equal(last.usage.completion_tokens, tokens('Hello from fake upstream.'));
      assert.equal(last.usage.total_tokens, last.usage.prompt_tokens + last.usage.completion_tokens);
      assert.ok(last.usage.prompt_tokens > 0);
      assert.equal(events.filter((e) => e.data.includes('"usage"')).length, 1, 'one usage chunk');
      const first = JSON.parse(events[0].data);
      assert.deepEqual([last.id, last.created], [first.id, first.created], 'the usage chunk is one of the stream\'s own');
    });

    it('counts a tool call\'s name and arguments when the upstream reports no usage', async () => {
      for (const stream of [false, true]) {
        const res = await chat(plaza, key, { model: 'gpt-4o-mini', stream, tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }], messages: [{ role: 'user', content: 'weather? [[fake:tool_call usage=0]]' }] });
        assert.equal(res.status, 200);
        const text = await res.text();
        assert.match(text, /get_weather/);
        const id = res.headers.get('x-request-id');
        const row = await waitFor(() => usageEvents(plaza).find((r) => r[0] === id), 'the usage event');
        const [, , , , , completion, reported] = row;
        assert.equal(reported, '0', `stream=${stream}: counted by the tokenizer`);
        assert.equal(Number(completion), tokens('get_weather{"city":"Paris"}'), `stream=${stream}: the call's name and arguments`);
      }
    });

    it('lists an upstream\'s models for the channel form, asked with the typed key or the stored one', async () => {
      const listed = (await (await fetch(`${fakeA.url}/v1/models`, { headers: { authorization: `Bearer ${UPSTREAM_KEY_A}` } })).json()).data.map((m) => m.id).sort();
      assert.ok(listed.length > 0);
      const ask = (body) => admin.post('/api/admin/channels/upstream-models', body);
      const typed = await ask({ type: 'openai', base_url: `${fakeA.url}/v1`, keys: [UPSTREAM_KEY_A] });
      assert.equal(typed.status, 200, typed.text);
      assert.deepEqual(typed.data.models, listed, 'a new channel: the form\'s URL and key');
      const stored = await ask({ channel_id: chA.id });
      assert.deepEqual(stored.data.models, listed, 'a stored channel: its own key');
      await fakeA.reset();
      const anthropic = await ask({ type: 'anthropic', base_url: `${fakeA.url}/v1`, keys: [UPSTREAM_KEY_A] });
      assert.deepEqual(anthropic.data.models, listed);
      const [sent] = await fakeA.requests();
      assert.equal(sent.headers['x-api-key'], UPSTREAM_KEY_A, 'Anthropic\'s way of sending the key');
      assert.equal(sent.headers['anthropic-version'], '2023-06-01');
      // The upstream refusing: its reason, never the key or the URL.
      const refused = await ask({ type: 'openai', base_url: `${fakeA.url}/v1`, keys: ['sk-wrong-key-9999'] });
      assert.equal(refused.status, 502);
      assert.match(refused.data.error.message, /HTTP 401/);
      assert.ok(!refused.text.includes('sk-wrong-key-9999') && !refused.text.includes(fakeA.url));
      const notAList = await ask({ type: 'openai', base_url: `${fakeA.url}/elsewhere`, keys: [UPSTREAM_KEY_A] });
      assert.equal(notAList.status, 502);
      // Bad input: nothing is asked of anyone.
      await fakeA.reset();
      await fakeB.reset();
      assert.equal((await ask({ type: 'openai', base_url: `${fakeA.url}/v1` })).data.error.field, 'keys');
      assert.equal((await ask({ type: 'openai', base_url: 'ftp://x', keys: ['k'] })).status, 400);
      assert.equal((await ask({ type: 'openai', base_url: `${fakeA.url}/v1`, keys: ['two words'] })).status, 400);
      assert.equal((await ask({ channel_id: 999999 })).status, 404);
      const elsewhere = await ask({ channel_id: chA.id, base_url: `${fakeB.url}/v1` });
      assert.equal(elsewhere.status, 400, 'a saved key goes only to the saved address');
      assert.equal(elsewhere.data.error.field, 'keys');
      assert.equal((await ask({ channel_id: chA.id, first_byte_timeout_ms: 1e12 })).status, 400);
      assert.equal((await fakeA.requests()).length, 0);
      assert.equal((await fakeB.requests()).length, 0);
      const { user: someone } = await userWithKey(plaza, 'not-an-admin');
      assert.equal((await someone.post('/api/admin/channels/upstream-models', { channel_id: chA.id })).status, 403);
    });

    it('refuses a channel named as another, with no host, a blank name or a model listed twice, and keeps nothing', async () => {
      const count = async () => (await admin.get('/api/admin/channels')).data.channels.length;
      const before = await count();
      const base = { type: 'openai', base_url: `${fakeA.url}/v1`, keys: ['sk-k'], models: ['m'] };
      const taken = await admin.post('/api/admin/channels', { ...base, name: 'A' });
      assert.equal(taken.status, 409, taken.text);
      assert.equal(taken.data.error.field, 'name');
      for (const [fields, field] of [
        [{ name: 'no host', base_url: 'http://' }, 'base_url'],
        [{ name: 'no host 2', base_url: 'https:///v1' }, 'base_url'],
        [{ name: '   ' }, 'name'],
        [{ name: 'twice', models: ['gpt-4o', 'gpt-4o'] }, 'models'],
        [{ name: 'twice mapped', models: [{ model: 'gpt-4o' }, { model: 'gpt-4o', upstream: 'gpt-4o-2024' }] }, 'models'],
      ]) {
        const r = await admin.post('/api/admin/channels', { ...base, ...fields });
        assert.equal(r.status, 400, `${JSON.stringify(fields)}: ${r.text}`);
        assert.equal(r.data.error.field, field, JSON.stringify(fields));
      }
      assert.equal(await count(), before, 'nothing was added');
      // Renaming onto another's name is refused too; keeping its own name is not.
      const renamed = await admin.patch(`/api/admin/channels/${chB.id}`, { name: 'A' });
      assert.equal(renamed.status, 409);
      assert.equal((await admin.patch(`/api/admin/channels/${chB.id}`, { name: 'B' })).status, 200);
      assert.equal((await admin.get('/api/admin/channels')).data.channels.find((c) => c.id === chB.id).name, 'B');

      // Spaces around a name (a no-break or an ideographic one too) are not part of it.
      const spaced = await admin.post('/api/admin/channels', { ...base, name: '\u3000A\u00a0 ' });
      assert.equal(spaced.status, 409, 'the same name as A');
      const trimmed = await addChannel(admin, { ...base, name: ' trimmed\u3000' });
      assert.equal(trimmed.name, 'trimmed');
      // Two saves of one name at once (as from two instances): the database keeps one.
      const both = await Promise.all([1, 2].map(() => admin.post('/api/admin/channels', { ...base, name: 'raced' })));
      assert.deepEqual(both.map((r) => r.status).sort(), [201, 409], both.map((r) => r.text).join(' '));
      assert.equal(both.find((r) => r.status === 409).data.error.field, 'name');
      for (const r of [trimmed, both.find((x) => x.status === 201).data.channel])
        assert.equal((await admin.delete(`/api/admin/channels/${r.id}`)).status, 204);

      // A channel stored before these rules (a model twice) can still be switched off and on as it
      // is; a change of the field in question must follow them.
      const legacy = await addChannel(admin, { name: 'legacy', base_url: `${fakeA.url}/v1`, keys: ['sk-l'], models: ['legacy-only'] });
      const stored = sql(plaza, `SELECT models FROM channels WHERE id = ${legacy.id}`)[0][0];
      const twice = JSON.stringify([...JSON.parse(stored), ...JSON.parse(stored)]).replaceAll("'", "''");
      sql(plaza, `UPDATE channels SET models = '${twice}' WHERE id = ${legacy.id}`);
      const off = await admin.patch(`/api/admin/channels/${legacy.id}`, { enabled: false });
      assert.equal(off.status, 200, off.text);
      assert.equal((await admin.patch(`/api/admin/channels/${legacy.id}`, { enabled: true })).status, 200);
      const changed = await admin.patch(`/api/admin/channels/${legacy.id}`, { models: [...JSON.parse(stored), 'x', 'x'] });
      assert.equal(changed.status, 400, 'a changed list must follow the rule');
      assert.equal((await admin.delete(`/api/admin/channels/${legacy.id}`)).status, 204);
    });

    it('records in the audit log what an edit of a channel changed', async () => {
      const ch = await addChannel(admin, { name: 'audited', base_url: `${fakeA.url}/v1`, keys: ['sk-a'], models: ['audited-only'] });
      const lastDetail = async () => (await admin.get('/api/admin/audit')).data.entries.find((e) => e.target === `channel:${ch.id}` && e.action === 'admin.channel.update').detail;
      assert.equal((await admin.patch(`/api/admin/channels/${ch.id}`, { enabled: false })).status, 200);
      assert.equal(await lastDetail(), 'disabled');
      assert.equal((await admin.patch(`/api/admin/channels/${ch.id}`, { enabled: true, name: 'audited-2', keys: ['sk-b'] })).status, 200);
      assert.equal(await lastDetail(), "enabled, renamed from 'audited', keys replaced");
      assert.equal((await admin.delete(`/api/admin/channels/${ch.id}`)).status, 204);
    });

    it('shows the operator every request: who, through which channel, how it went; filtered and paged', async () => {
      const { user: logged, key: loggedKey } = await userWithKey(plaza, 'logged');
      const broken = await startFailing(500);
      const chBroken = await addChannel(admin, { name: 'broken', base_url: `${broken.url}/v1`, keys: ['sk-broken'], models: ['broken-model'] });
      assert.equal((await chat(plaza, loggedKey, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).status, 200);
      assert.equal((await chat(plaza, loggedKey, { model: 'broken-model', messages: [{ role: 'user', content: 'hi' }] })).status, 502);
      const log = async (query) => {
        const r = await admin.get(`/api/admin/usage?${new URLSearchParams(query)}`);
        assert.equal(r.status, 200, r.text);
        return r.data;
      };
      const mine = (await waitFor(async () => { const d = await log({ user: 'logged' }); return d.usage.length === 2 && d; }, 'both requests logged')).usage;
      assert.deepEqual(mine.map((e) => [e.model, e.status, e.username, e.surface]), [['broken-model', 'error', 'logged', 'api'], ['gpt-4o-mini', 'ok', 'logged', 'api']], 'newest first');
      assert.equal(mine[0].channel, 'broken', 'no channel answered it: the last one tried');
      assert.equal(mine[0].channel_id, chBroken.id);
      assert.equal(mine[0].error_code, 'upstream_error');
      assert.equal(mine[0].error_detail, 'HTTP 500: failing with 500', 'what the upstream said, for the operator');
      assert.equal(mine[1].error_detail, '');
      const own = await logged.get('/api/usage');
      assert.equal(own.status, 200);
      assert.ok(own.data.usage.length >= 2 && own.data.usage.every((e) => !('error_detail' in e)), 'the user\'s own log does not carry it');
      assert.ok(mine[0].attempts >= 1);
      assert.equal(mine[1].channel, 'A');
      assert.ok(mine[1].completion_tokens > 0 && mine[1].latency_ms >= 0);
      assert.equal(mine[1].tokens_reported, true);
      assert.deepEqual((await log({ user: 'logged', status: 'error' })).usage.map((e) => e.model), ['broken-model']);
      assert.deepEqual((await log({ channel_id: chBroken.id })).usage.map((e) => e.model), ['broken-model']);
      assert.ok((await log({ channel_id: chA.id })).usage.every((e) => e.channel === 'A'));
      assert.deepEqual((await log({ user: 'logged', channel_id: chA.id })).usage.map((e) => e.model), ['gpt-4o-mini']);
      assert.deepEqual((await log({ model: 'broken-model', status: 'ok' })).usage, []);
      const first = await log({ user: 'logged', limit: 1 });
      assert.equal(first.usage.length, 1);
      assert.deepEqual((await log({ user: 'logged', before: first.usage[0].id })).usage.map((e) => e.model), ['gpt-4o-mini']);
      // A refused stream names the channel that failed too.
      assert.equal((await chat(plaza, loggedKey, { model: 'broken-model', stream: true, messages: [{ role: 'user', content: 'hi' }] })).status, 502);
      const failed = await waitFor(async () => { const d = await log({ user: 'logged', status: 'error' }); return d.usage.length === 2 && d.usage; }, 'the stream logged');
      assert.deepEqual(failed.map((e) => e.channel), ['broken', 'broken']);
      assert.deepEqual(failed.map((e) => e.error_detail), ['HTTP 500: failing with 500', 'HTTP 500: failing with 500']);
      // An upstream that cannot be reached: the cause, without its address.
      const nowhere = await addChannel(admin, { name: 'nowhere-log', base_url: 'http://127.0.0.1:9/v1', keys: ['sk-x'], models: ['nowhere-log-model'] });
      assert.equal((await chat(plaza, loggedKey, { model: 'nowhere-log-model', messages: [{ role: 'user', content: 'hi' }] })).status, 502);
      const unreached = await waitFor(async () => (await log({ model: 'nowhere-log-model' })).usage[0], 'the unreachable request logged');
      assert.notEqual(unreached.error_detail, '');
      assert.equal((await admin.delete(`/api/admin/channels/${nowhere.id}`)).status, 204);
      // An upstream that repeats its key, address and host in its error: none of them is kept.
      const talkative = await startUpstream((req, res, server) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no luck for ${req.headers.authorization} at ${server.url}/v1 on 127.0.0.1` } }));
      });
      const echoing = await addChannel(admin, { name: 'echoing', base_url: `${talkative.url}/v1`, keys: ['sk-echoed-key-77'], models: ['echo-log-model'] });
      assert.equal((await chat(plaza, loggedKey, { model: 'echo-log-model', messages: [{ role: 'user', content: 'hi' }] })).status, 502);
      const echoed = await waitFor(async () => (await log({ model: 'echo-log-model' })).usage[0], 'the echoing request logged');
      assert.match(echoed.error_detail, /^HTTP 500: no luck for/);
      for (const secret of ['sk-echoed', talkative.url, '127.0.0.1']) assert.ok(!echoed.error_detail.includes(secret), `${secret} in ${echoed.error_detail}`);
      assert.equal((await admin.delete(`/api/admin/channels/${echoing.id}`)).status, 204);
      talkative.close();

      // Bad input changes nothing and says what is wrong; the log is the operator's alone.
      assert.equal((await admin.get('/api/admin/usage?status=lost')).status, 400);
      assert.equal((await admin.get('/api/admin/usage?from=yesterday')).status, 400);
      assert.equal((await admin.get('/api/admin/usage?user=nobody')).status, 404);
      assert.equal((await logged.get('/api/admin/usage')).status, 403);

      // The channels page's health line: each channel in the site's newest requests.
      const health = await admin.get('/api/admin/channels/health');
      assert.equal(health.status, 200, health.text);
      const of = (id) => health.data.channels.find((c) => c.channel_id === id);
      assert.ok(of(chBroken.id).errors >= 2, 'the refused calls count against the channel tried');
      assert.equal(of(chBroken.id).ok, 0);
      assert.ok(of(chA.id).ok >= 1);
      for (const c of health.data.channels) assert.equal(c.requests, c.ok + c.errors + c.cancelled);
      assert.equal((await logged.get('/api/admin/channels/health')).status, 403);

      // Without a user, one read covers the newest 100,000 requests: an older match is found by
      // going on from where it stopped.
      const uid = (await logged.get('/api/me')).data.user.id;
      const columns = 'request_id, created_at, day, user_id, surface, model, status';
      sql(plaza, `INSERT INTO usage_events (${columns}) VALUES ('old-cancelled', 1, '2026-01-01', ${uid}, 'web', 'old-model', 'cancelled')`);
      sql(plaza, backend === 'postgres'
        ? `INSERT INTO usage_events (${columns}) SELECT 'bulk-' || i, 2, '2026-01-01', ${uid}, 'api', 'bulk', 'ok' FROM generate_series(1, 100010) AS i`
        : `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100010) INSERT INTO usage_events (${columns}) SELECT 'bulk-' || i, 2, '2026-01-01', ${uid}, 'api', 'bulk', 'ok' FROM n`);
      const recent = await log({ status: 'cancelled', model: 'old-model' });
      assert.deepEqual(recent.usage, [], 'older than the window read');
      assert.ok(recent.searched_to > 0, 'and the answer says where it stopped');
      const older = await log({ status: 'cancelled', model: 'old-model', before: recent.searched_to });
      assert.deepEqual(older.usage.map((e) => e.request_id), ['old-cancelled']);
      assert.equal(older.searched_to, null, 'nothing older is left');
      assert.equal((await log({ user: 'logged' })).searched_to, null, 'a user alone: their index gives the page at once');
      // With a user and another filter, the window is their newest 100,000 requests.
      const theirs = await log({ user: 'logged', model: 'old-model' });
      assert.deepEqual(theirs.usage, [], 'older than the user\'s window');
      assert.ok(theirs.searched_to > 0);
      const theirsOlder = await log({ user: 'logged', model: 'old-model', before: theirs.searched_to });
      assert.deepEqual(theirsOlder.usage.map((e) => e.request_id), ['old-cancelled']);
      assert.equal(theirsOlder.searched_to, null, 'nothing older is left');
      broken.close();
    });
  });
}
