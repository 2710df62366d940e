// The relay's limits against fake upstreams: a request's time limit, a channel's first-byte and idle timeouts, malformed
// event streams before and after the first byte, the usage event's fields, and channel keys at rest.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlaza } from '../lib/server.mjs';
import { startFake } from '../fake_upstream/fake.mjs';
import { adminClient, addChannel, userWithKey, readEvents, waitFor, sql, chatCompletion, startUpstream, databaseBytes } from '../lib/site.mjs';

const ANSWER = 'Hello from fake upstream.';

const chat = chatCompletion;

const USAGE_COLUMNS = ['request_id', 'user_id', 'api_key_id', 'surface', 'model', 'channel_id', 'prompt_tokens',
  'completion_tokens', 'tokens_reported', 'status', 'error_code', 'attempts', 'latency_ms', 'ttft_ms', 'error_detail'];

// The usage event of one request as {column: text} (NULL reads as ''), once it has been written.
function usageEvent(plaza, requestId) {
  assert.ok(requestId, 'the response names its request (x-request-id)');
  return waitFor(() => {
    const [row] = sql(plaza, `SELECT ${USAGE_COLUMNS.join(', ')} FROM usage_events WHERE request_id = '${requestId.replace(/'/g, "''")}'`);
    return row && Object.fromEntries(USAGE_COLUMNS.map((c, i) => [c, row[i]]));
  }, `the usage event of ${requestId}`);
}

// The text of a streamed answer's chunks (the events before [DONE] or an error event).
function streamedText(events) {
  return events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data))
    .filter((c) => !c.error).map((c) => c.choices?.[0]?.delta?.content || '').join('');
}

// An upstream that accepts a stream (200, event stream) and whose first event is not JSON.
function startMalformedFirst() {
  return startUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('data: {"id":"chatcmpl-broken","object":"chat.completion.chunk","choices":[{"delta\n\n');
  });
}

describe('relay limits on sqlite', () => {
  let plaza, fakeA, fakeB, admin, user, key, userId, keyId;
  before(async () => {
    fakeA = await startFake();
    fakeB = await startFake();
    plaza = await startPlaza({ settings: { 'stream-heartbeat-seconds': 30, 'channel-refresh-ms': 100, 'api-rate-per-minute': 100000 } });
    admin = await adminClient(plaza);
    ({ user, key } = await userWithKey(plaza));
    userId = (await user.get('/api/me')).data.user.id;
    keyId = (await user.get('/api/keys')).data.keys[0].id;
    assert.ok(userId > 0 && keyId > 0);
  });
  after(async () => { await plaza?.stop(); await fakeA?.stop(); await fakeB?.stop(); });

  it('fails over past a channel slower than its first-byte timeout, and answers 504 when it is the only one', async () => {
    const slow = await addChannel(admin, { name: 'slow', base_url: `${fakeA.url}/v1`, keys: ['k-slow'], models: ['fb', 'fb-only'], priority: 10, first_byte_timeout_ms: 300 });
    assert.equal(slow.first_byte_timeout_ms, 300, 'the admin API takes the timeout');
    const good = await addChannel(admin, { name: 'good', base_url: `${fakeB.url}/v1`, keys: ['k-good'], models: ['fb'], priority: 0 });
    await fakeA.reset();
    await fakeB.reset();
    const content = 'hi [[fake:delay delay_ms=1000]]';

    for (const stream of [false, true]) {
      const res = await chat(plaza, key, { model: 'fb', stream, messages: [{ role: 'user', content }] });
      assert.equal(res.status, 200, `stream=${stream}`);
      const text = stream ? streamedText(await readEvents(res)) : (await res.json()).choices[0].message.content;
      assert.equal(text, ANSWER, 'the answer came from the healthy channel');
      const ev = await usageEvent(plaza, res.headers.get('x-request-id'));
      assert.equal(ev.status, 'ok');
      assert.equal(Number(ev.channel_id), good.id);
      assert.equal(ev.attempts, '2', 'the slow channel was tried first');
    }
    assert.equal((await fakeA.requests()).length, 2, 'the slow channel was asked each time');
    assert.equal((await fakeB.requests()).length, 2, 'the healthy channel answered each time');

    for (const stream of [false, true]) {
      const res = await chat(plaza, key, { model: 'fb-only', stream, messages: [{ role: 'user', content }] });
      assert.equal(res.status, 504, `stream=${stream}`);
      const body = await res.json();
      assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
      assert.equal(body.error.code, 'upstream_timeout');
      assert.equal(body.error.type, 'server_error', 'a failure on the server side, as OpenAI types a 5xx');
      assert.equal(body.error.param, null);
      assert.equal(body.error.message, 'the upstream did not answer in time');
      assert.ok(!JSON.stringify(body).includes(fakeA.url) && !JSON.stringify(body).includes('k-slow'), 'no URL or key');
      const ev = await usageEvent(plaza, res.headers.get('x-request-id'));
      assert.equal(ev.status, 'error');
      assert.equal(ev.error_code, 'upstream_timeout');
      assert.equal(ev.attempts, '1');
    }
    // Plaza hung up on the delayed upstream before its delay was over: the fake saw each of the four
    // requests (two plain, two streamed) leave while it was still waiting.
    await fakeA.waitForStats((s) => s.responses_client_closed === 2 && s.streams_client_closed === 2 && s.streams_completed === 0);
  });

  it('ends a stream whose upstream goes silent past the idle timeout with an error event and a timeout usage event', async () => {
    const stalling = await addChannel(admin, { name: 'stalls', base_url: `${fakeA.url}/v1`, keys: ['k-stall'], models: ['idle'], priority: 10, idle_timeout_ms: 500 });
    await addChannel(admin, { name: 'idle-backup', base_url: `${fakeB.url}/v1`, keys: ['k-b'], models: ['idle'], priority: 0 });
    await fakeA.reset();
    await fakeB.reset();
    const res = await chat(plaza, key, { model: 'idle', stream: true, messages: [{ role: 'user', content: 'hi [[fake:stall after=2]]' }] });
    assert.equal(res.status, 200);
    const events = await readEvents(res);
    assert.ok(!events.some((e) => e.data === '[DONE]'), 'no [DONE] after a broken stream');
    assert.ok(events.length >= 4, 'the role chunk and two pieces came before the error');
    assert.ok(streamedText(events).length > 0, 'the first pieces reached the client');
    assert.deepEqual(JSON.parse(events.at(-1).data), {
      error: { message: 'the upstream went silent mid-answer', type: 'server_error', param: null, code: 'upstream_timeout' },
    });
    assert.equal((await fakeB.requests()).length, 0, 'no silent switch to the backup');
    await fakeA.waitForStats((s) => s.streams_client_closed >= 1 && s.open_streams === 0);  // Plaza closed the upstream

    const ev = await usageEvent(plaza, res.headers.get('x-request-id'));
    assert.equal(ev.status, 'error');
    assert.equal(ev.error_code, 'upstream_timeout');
    assert.equal(Number(ev.channel_id), stalling.id);
    assert.equal(ev.tokens_reported, '0', 'the usage chunk never came: counted');
    assert.ok(Number(ev.completion_tokens) > 0, 'what was delivered is counted');
    assert.ok(Number(ev.latency_ms) >= 500, 'it waited out the idle timeout');

    // Silent after its opening chunk (the role, no text): nothing of an answer reached the client, so
    // the head is still free for the error, which does not speak of an answer.
    const alone = await addChannel(admin, { name: 'stalls-alone', base_url: `${fakeA.url}/v1`, keys: ['k-stall'], models: ['idle-alone'], idle_timeout_ms: 500 });
    const early = await chat(plaza, key, { model: 'idle-alone', stream: true, messages: [{ role: 'user', content: 'hi [[fake:stall after=0]]' }] });
    assert.equal(early.status, 504);
    assert.equal((await early.json()).error.message, 'the upstream went silent before answering');
    assert.equal((await admin.delete(`/api/admin/channels/${alone.id}`)).status, 204);
  });

  it('fails over from a stream malformed before its first event, and ends one malformed after it with an error event', async () => {
    // Before the first byte (the first event is not JSON): the next channel answers.
    const broken = await startMalformedFirst();
    try {
      const first = await addChannel(admin, { name: 'malformed-first', base_url: `${broken.url}/v1`, keys: ['k-m1'], models: ['mal-first', 'mal-first-only'], priority: 10 });
      const backup = await addChannel(admin, { name: 'mal-backup', base_url: `${fakeB.url}/v1`, keys: ['k-b'], models: ['mal-first', 'mal'], priority: 0 });
      await fakeB.reset();
      const res = await chat(plaza, key, { model: 'mal-first', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.status, 200);
      const events = await readEvents(res);
      assert.equal(events.at(-1).data, '[DONE]');
      assert.equal(streamedText(events), ANSWER);
      assert.equal(broken.hits, 1, 'the malformed channel was tried first');
      assert.equal((await fakeB.requests()).length, 1);
      const ev = await usageEvent(plaza, res.headers.get('x-request-id'));
      assert.deepEqual([ev.status, Number(ev.channel_id), ev.attempts], ['ok', backup.id, '2']);

      // With no other channel: a clean error, before any event.
      const alone = await chat(plaza, key, { model: 'mal-first-only', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(alone.status, 502);
      assert.match(alone.headers.get('content-type'), /application\/json/);
      const body = await alone.json();
      assert.equal(body.error.code, 'upstream_error');
      assert.ok(!JSON.stringify(body).includes(broken.url) && !JSON.stringify(body).includes('k-m1'));
      assert.equal(broken.hits, 2);
      const evAlone = await usageEvent(plaza, alone.headers.get('x-request-id'));
      assert.deepEqual([evAlone.status, evAlone.error_code, Number(evAlone.channel_id)], ['error', 'upstream_error', first.id]);
    } finally {
      broken.close();
    }

    // After the first byte (the fake's malformed event follows the role chunk and `after` pieces):
    // an error event, no [DONE], and the backup is not asked.
    const mal = await addChannel(admin, { name: 'malformed-later', base_url: `${fakeA.url}/v1`, keys: ['k-m2'], models: ['mal', 'mal-plain'], priority: 10 });
    await fakeA.reset();
    await fakeB.reset();
    const res = await chat(plaza, key, { model: 'mal', stream: true, messages: [{ role: 'user', content: 'hi [[fake:malformed_sse after=2]]' }] });
    assert.equal(res.status, 200);
    const events = await readEvents(res);
    assert.ok(!events.some((e) => e.data === '[DONE]'));
    assert.ok(streamedText(events).length > 0, 'the pieces before the fault were delivered');
    assert.deepEqual(JSON.parse(events.at(-1).data), {
      error: { message: 'the upstream sent a malformed or failed stream', type: 'server_error', param: null, code: 'upstream_error' },
    });
    assert.equal((await fakeA.requests()).length, 1);
    assert.equal((await fakeB.requests()).length, 0, 'no silent switch to the backup');
    const ev = await usageEvent(plaza, res.headers.get('x-request-id'));
    assert.deepEqual([ev.status, ev.error_code, Number(ev.channel_id)], ['error', 'upstream_error', mal.id]);

    // A non-streamed answer cut in half (malformed JSON) is no answer: a clean 502 in OpenAI's shape
    // once no channel is left.
    const plain = await chat(plaza, key, { model: 'mal-plain', messages: [{ role: 'user', content: 'hi [[fake:malformed_sse]]' }] });
    assert.equal(plain.status, 502);
    const body = await plain.json();
    assert.equal(body.error.code, 'upstream_error');
    assert.equal(body.error.message, 'the upstream sent no answer');
    assert.ok(!JSON.stringify(body).includes(fakeA.url));
    const evPlain = await usageEvent(plaza, plain.headers.get('x-request-id'));
    assert.deepEqual([evPlain.status, evPlain.error_code], ['error', 'upstream_error']);
  });

  it('ends a stream whose upstream sends an error event mid-answer with that error\'s words, scrubbed', async () => {
    const failing = await startUpstream((req, res, server) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta) => `data: ${JSON.stringify({ id: 'chatcmpl-e', object: 'chat.completion.chunk', choices: [{ index: 0, delta }] })}\n\n`;
      res.end(chunk({ role: 'assistant', content: '' }) + chunk({ content: 'Half an' }) +
        `data: ${JSON.stringify({ error: { message: `Overloaded (key k-overloaded at ${server.url})`, type: 'server_error' } })}\n\n`);
    });
    const ch = await addChannel(admin, { name: 'overloaded', base_url: `${failing.url}/v1`, keys: ['k-overloaded'], models: ['overloaded'] });
    try {
      const res = await chat(plaza, key, { model: 'overloaded', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      const events = await readEvents(res);
      assert.equal(streamedText(events), 'Half an');
      const { error } = JSON.parse(events.at(-1).data);
      assert.match(error.message, /^the upstream failed mid-stream: Overloaded/);
      assert.ok(!error.message.includes('k-overloaded') && !error.message.includes(failing.url), error.message);
      const ev = await usageEvent(plaza, res.headers.get('x-request-id'));
      assert.match(ev.error_detail, /^stream error event: Overloaded/, 'the request log says what the upstream said');
    } finally {
      assert.equal((await admin.delete(`/api/admin/channels/${ch.id}`)).status, 204);
    }

    // The same error right after the opening chunk (Anthropic's overloaded_error comes so), or the body
    // ending there without the stream's end: nothing of the answer was sent, so the next channel answers.
    for (const after of [`data: ${JSON.stringify({ error: { message: 'Overloaded', type: 'server_error' } })}\n\n`, '']) {
      const early = await startUpstream((req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`data: ${JSON.stringify({ id: 'chatcmpl-e', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })}\n\n` + after);
      });
      const first = await addChannel(admin, { name: 'overloaded-early', base_url: `${early.url}/v1`, keys: ['k-o'], models: ['overloaded-early'], priority: 10 });
      const backup = await addChannel(admin, { name: 'overloaded-backup', base_url: `${fakeB.url}/v1`, keys: ['k-b'], models: ['overloaded-early'], priority: 0 });
      try {
        await fakeB.reset();
        const res = await chat(plaza, key, { model: 'overloaded-early', stream: true, messages: [{ role: 'user', content: 'hi' }] });
        const events = await readEvents(res);
        assert.equal(events.at(-1).data, '[DONE]');
        assert.equal(streamedText(events), ANSWER, 'answered by the backup');
        assert.equal(events.filter((e) => e.data.includes('"role"')).length, 1, 'one opening chunk: the backup\'s');
        assert.equal((await fakeB.requests()).length, 1);
        const ev = await usageEvent(plaza, res.headers.get('x-request-id'));
        assert.deepEqual([ev.status, Number(ev.channel_id), ev.attempts], ['ok', backup.id, '2']);
      } finally {
        for (const ch of [first, backup]) assert.equal((await admin.delete(`/api/admin/channels/${ch.id}`)).status, 204);
      }
    }
  });

  it('writes the usage event of a plain and a streamed API call with every field', async () => {
    const ch = await addChannel(admin, { name: 'usage', base_url: `${fakeA.url}/v1`, keys: ['k-u'], models: ['usage-model'], priority: 0 });

    // Plain: 100 ms before the answer, so the latency has a floor to check.
    const res = await chat(plaza, key, { model: 'usage-model', messages: [{ role: 'user', content: 'count these words [[fake:delay delay_ms=100]]' }] });
    assert.equal(res.status, 200);
    const body = await res.json();
    // Who, where and how much: the same for both calls, the tokens as the upstream reported them.
    const expectEvent = (ev, usage) => assert.deepEqual(
      [Number(ev.user_id), Number(ev.api_key_id), ev.surface, ev.model, Number(ev.channel_id),
        Number(ev.prompt_tokens), Number(ev.completion_tokens), ev.tokens_reported, ev.status],
      [userId, keyId, 'api', 'usage-model', ch.id, usage.prompt_tokens, usage.completion_tokens, '1', 'ok']);
    const ev = await usageEvent(plaza, res.headers.get('x-request-id'));
    assert.ok(body.usage.prompt_tokens > 0 && body.usage.completion_tokens > 0);
    expectEvent(ev, body.usage);
    assert.equal(ev.error_code, '');
    assert.equal(ev.attempts, '1');
    assert.ok(Number(ev.latency_ms) >= 100, `latency ${ev.latency_ms} covers the upstream's delay`);
    assert.equal(ev.ttft_ms, '', 'no time to first token for a whole answer');

    // Streamed: 100 ms before each event after the first, so the first text comes well before the end.
    const s = await chat(plaza, key, { model: 'usage-model', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'count these words [[fake:slow delay_ms=100 chunks=3]]' }] });
    assert.equal(s.status, 200);
    const events = await readEvents(s);
    assert.equal(events.at(-1).data, '[DONE]');
    const usage = events.slice(0, -1).map((e) => JSON.parse(e.data)).find((c) => c.usage)?.usage;
    assert.ok(usage && usage.prompt_tokens > 0 && usage.completion_tokens === 3, 'the usage chunk');
    const sev = await usageEvent(plaza, s.headers.get('x-request-id'));
    expectEvent(sev, usage);
    assert.equal(sev.error_code, '');
    assert.notEqual(sev.ttft_ms, '', 'a stream has a time to first token');
    const ttft = Number(sev.ttft_ms);
    const latency = Number(sev.latency_ms);
    assert.ok(ttft >= 100, `ttft ${ttft} waited for the first piece`);
    assert.ok(latency >= ttft + 100, `latency ${latency} is past the ttft ${ttft} by the later events`);
  });

  it('keeps channel keys encrypted in the database file', async () => {
    const secret = 'sk-upstream-secret-XYZ-9f8e7d6c5b4a';
    const name = 'at-rest-channel-Q7Q7Q7';
    const guarded = await startFake({ requireKeys: [secret] });
    try {
      await addChannel(admin, { name, base_url: `${guarded.url}/v1`, keys: [secret], models: ['at-rest'] });
      // The key is stored and usable: the upstream, which accepts only it, answers.
      const res = await chat(plaza, key, { model: 'at-rest', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.status, 200);
      assert.equal((await guarded.requests()).at(-1).headers.authorization, `Bearer ${secret}`);
      const bytes = databaseBytes(plaza);
      assert.ok(bytes.includes(Buffer.from(name)), 'the files read hold the channel (the check reads the right bytes)');
      assert.ok(!bytes.includes(Buffer.from(secret)), 'the key is not in the database in plaintext');
      assert.ok(!bytes.includes(Buffer.from('secret-XYZ-9f8e7d6c5b4a')), 'nor any long part of it');
    } finally {
      await guarded.stop();
    }
  });
});

describe('a request\'s time limit', () => {
  let plaza, fakeA, fakeB, admin, key;
  before(async () => {
    fakeA = await startFake();
    fakeB = await startFake();
    plaza = await startPlaza({ settings: { 'max-request-seconds': 1, 'api-rate-per-minute': 100000 } });
    admin = await adminClient(plaza);
    ({ key } = await userWithKey(plaza));
    await addChannel(admin, { name: 'trickles', base_url: `${fakeA.url}/v1`, keys: ['k-a'], models: ['limited'], priority: 10 });
    await addChannel(admin, { name: 'limit-backup', base_url: `${fakeB.url}/v1`, keys: ['k-b'], models: ['limited'], priority: 0 });
  });
  after(async () => { await plaza?.stop(); await fakeA?.stop(); await fakeB?.stop(); });

  // The fake sends a piece every 600 ms: never silent for as long as the channel's timeouts (60 s),
  // but its whole answer takes longer than the limit.
  const content = 'hi [[fake:slow delay_ms=600 chunks=10]]';

  it('ends a trickling stream at the limit with an error event, and tries no other channel', async () => {
    await fakeA.reset();
    await fakeB.reset();
    const res = await chat(plaza, key, { model: 'limited', stream: true, messages: [{ role: 'user', content }] });
    assert.equal(res.status, 200);
    const events = await readEvents(res);
    assert.ok(!events.some((e) => e.data === '[DONE]'), 'no [DONE] after a cut answer');
    assert.ok(streamedText(events).length > 0, 'the first pieces reached the client');
    assert.notEqual(streamedText(events), ANSWER, 'the answer was cut before its end');
    assert.deepEqual(JSON.parse(events.at(-1).data), {
      error: { message: 'the request ran past its time limit', type: 'server_error', param: null, code: 'upstream_timeout' },
    });
    await fakeA.waitForStats((s) => s.streams_client_closed === 1 && s.open_streams === 0);  // Plaza closed the upstream
    assert.equal((await fakeB.requests()).length, 0, 'no switch to the backup');
    const ev = await usageEvent(plaza, res.headers.get('x-request-id'));
    assert.equal(ev.status, 'error');
    assert.equal(ev.error_code, 'upstream_timeout');
    assert.ok(Number(ev.latency_ms) >= 1000, `it ran to the limit (${ev.latency_ms} ms)`);
  });

  it('does not count requests cut at the limit against the channel', async () => {
    // Five failures in a row would open the channel's breaker (the default); five requests cut at
    // the limit are not the channel's failures, so the next request still goes to it first.
    await fakeA.reset();
    await fakeB.reset();
    const cut = await Promise.all([1, 2, 3, 4, 5].map(() => chat(plaza, key, { model: 'limited', messages: [{ role: 'user', content }] })));
    assert.deepEqual(cut.map((r) => r.status), [504, 504, 504, 504, 504]);
    const next = await chat(plaza, key, { model: 'limited', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(next.status, 200);
    assert.equal((await fakeA.requests()).length, 6, 'the channel cut five times still comes first');
    assert.equal((await fakeB.requests()).length, 0);
  });

  it('answers 504 for a stream whose upstream is silent past the limit before its first event, and tries no other channel', async () => {
    // A head, then nothing: the stream's own wait for its first event runs into the limit.
    const closed = [];
    const silent = await startUpstream((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      res.on('close', () => closed.push(true));
    });
    try {
      await addChannel(admin, { name: 'silent', base_url: `${silent.url}/v1`, keys: ['k-s'], models: ['limited-silent'], priority: 10 });
      await addChannel(admin, { name: 'silent-backup', base_url: `${fakeB.url}/v1`, keys: ['k-b'], models: ['limited-silent'], priority: 0 });
      await fakeB.reset();
      const res = await chat(plaza, key, { model: 'limited-silent', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.status, 504);
      assert.equal((await res.json()).error.message, 'the request ran past its time limit');
      assert.equal(silent.hits, 1);
      assert.equal((await fakeB.requests()).length, 0, 'no switch to the backup, though nothing reached the client');
      await waitFor(() => closed.length === 1, 'Plaza to close the silent upstream');
    } finally {
      silent.close();
    }
  });

  it('answers 504 for a plain request whose answer comes after the limit, and tries no other channel', async () => {
    await fakeA.reset();
    await fakeB.reset();
    const res = await chat(plaza, key, { model: 'limited', messages: [{ role: 'user', content }] });
    assert.equal(res.status, 504);
    const body = await res.json();
    assert.equal(body.error.code, 'upstream_timeout');
    assert.equal(body.error.message, 'the request ran past its time limit');
    await fakeA.waitForStats((s) => s.responses_client_closed === 1);  // Plaza hung up while the fake waited
    assert.equal((await fakeB.requests()).length, 0, 'no switch to the backup');
    const ev = await usageEvent(plaza, res.headers.get('x-request-id'));
    assert.equal(ev.status, 'error');
    assert.equal(ev.error_code, 'upstream_timeout');
    assert.equal(ev.attempts, '1');
  });
});
