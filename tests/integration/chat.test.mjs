// The web chat API: conversations and /api/chat over the relay, on SQLite and PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlaza, backends } from '../lib/server.mjs';
import { startFake } from '../fake_upstream/fake.mjs';
import { adminClient, addChannel, parseEvents, waitFor, startWebAnswer, postWebChat, sql } from '../lib/site.mjs';
import { Client } from '../lib/client.mjs';

for (const backend of backends) {
  describe(`web chat on ${backend}`, () => {
    let plaza, fake, user, admin;
    before(async () => {
      fake = await startFake({ requireKeys: ['sk-up'] });
      plaza = await startPlaza({ backend, settings: { 'api-rate-per-minute': 100000 } });
      admin = await adminClient(plaza);
      await addChannel(admin, { base_url: `${fake.url}/v1`, keys: ['sk-up'], models: ['gpt-4o-mini'] });
      await admin.request('PUT', '/api/admin/models/gpt-4o-mini', { json: { display_name: 'GPT-4o mini', tags: ['fast', '便宜'], context_length: 128000 } });
      // Nothing listens there: every request for this model is refused before any answer.
      await addChannel(admin, { name: 'down', base_url: 'http://127.0.0.1:9/v1', keys: ['sk-down'], models: ['down-model'] });
      user = new Client(plaza.url);
      await user.register('chatter');
    });
    after(async () => { await plaza?.stop(); await fake?.stop(); });

    const send = (body) => user.post('/api/chat', body);

    it('streams an answer into a new conversation and keeps both messages', async () => {
      const r = await send({ model: 'gpt-4o-mini', content: '你好, tell me something' });
      assert.equal(r.status, 200);
      const events = parseEvents(r.text);
      const meta = JSON.parse(events.find((e) => e.event === 'meta').data);
      const text = events.filter((e) => e.event === 'delta').map((e) => JSON.parse(e.data).content).join('');
      assert.equal(text, 'Hello from fake upstream.');
      const done = JSON.parse(events.at(-1).data);
      assert.equal(events.at(-1).event, 'done');
      assert.ok(done.message.completion_tokens > 0 && done.message.prompt_tokens > 0);
      const conv = await user.get(`/api/conversations/${meta.conversation_id}`);
      assert.equal(conv.data.conversation.title, '你好, tell me something');
      assert.deepEqual(conv.data.messages.map((m) => [m.role, m.content]),
        [['user', '你好, tell me something'], ['assistant', 'Hello from fake upstream.']]);

      // Regenerate replaces the answer; edit replaces the question and what followed.
      const again = await send({ model: 'gpt-4o-mini', conversation_id: meta.conversation_id, regenerate: true });
      assert.equal(again.status, 200);
      assert.equal((await user.get(`/api/conversations/${meta.conversation_id}`)).data.messages.length, 2);
      const edited = await send({ model: 'gpt-4o-mini', conversation_id: meta.conversation_id, edit_message_id: meta.user_message_id, content: 'echo this [[fake:echo]]' });
      assert.equal(edited.status, 200);
      const after = (await user.get(`/api/conversations/${meta.conversation_id}`)).data.messages;
      assert.equal(after.length, 2);
      assert.equal(after[0].content, 'echo this [[fake:echo]]');
      assert.match(after[1].content, /echo this/);
    });

    it('changes nothing when the model is unknown or every upstream fails', async () => {
      const before = (await user.get('/api/conversations')).data.conversations.length;
      const unknown = await send({ model: 'nope', content: 'hi' });
      assert.equal(unknown.status, 404);
      const failing = await send({ model: 'gpt-4o-mini', content: 'hi [[fake:status code=500]]' });
      assert.equal(failing.status, 502);
      // The model's service rate limiting is said of the model: the page tells it from the site's own limits.
      const busy = await send({ model: 'gpt-4o-mini', content: 'hi [[fake:status code=429]]' });
      assert.equal(busy.status, 429);
      assert.equal(busy.data.error.field, 'model');
      assert.equal((await user.get('/api/conversations')).data.conversations.length, before);
    });

    // A new conversation answered once, and a reader of its messages.
    const answered = async (content) => {
      const meta = JSON.parse(parseEvents((await send({ model: 'gpt-4o-mini', content })).text).find((e) => e.event === 'meta').data);
      const messages = async () => (await user.get(`/api/conversations/${meta.conversation_id}`)).data.messages
        .map((m) => [m.id, m.role, m.content, m.status]);
      return { meta, messages };
    };

    it('keeps the question and its answer when a regeneration or an edit finds no upstream', async () => {
      const { meta, messages } = await answered('keep me');
      const kept = await messages();
      assert.equal(kept.length, 2);
      const again = await send({ model: 'down-model', conversation_id: meta.conversation_id, regenerate: true });
      assert.equal(again.status, 502);
      assert.deepEqual(await messages(), kept, 'the answer is still there');
      const edited = await send({ model: 'down-model', conversation_id: meta.conversation_id, edit_message_id: meta.user_message_id, content: 'a new question' });
      assert.equal(edited.status, 502);
      assert.deepEqual(await messages(), kept, 'the question and its answer are still there, and no new question');
      // Once an upstream answers, the edit replaces them.
      const ok = await send({ model: 'gpt-4o-mini', conversation_id: meta.conversation_id, edit_message_id: meta.user_message_id, content: 'a new question' });
      assert.equal(ok.status, 200);
      const replaced = await messages();
      assert.deepEqual(replaced.map(([, role, content]) => [role, content]), [['user', 'a new question'], ['assistant', 'Hello from fake upstream.']]);
      assert.ok(replaced[0][0] > kept[1][0], 'new messages, not the old ones edited');
    });

    it('changes nothing when the user stops an edit before any upstream has answered', async () => {
      const { meta, messages } = await answered('stay');
      const kept = await messages();
      await fake.reset();
      const stopping = new AbortController();
      const pending = user.post('/api/chat', { model: 'gpt-4o-mini', conversation_id: meta.conversation_id, edit_message_id: meta.user_message_id, content: 'slow [[fake:delay delay_ms=30000]]' }, { signal: stopping.signal });
      await fake.waitForStats((s) => s.in_flight >= 1);
      stopping.abort();
      await assert.rejects(pending);
      await fake.waitForStats((s) => s.streams_client_closed >= 1 && s.in_flight === 0);
      await waitFor(async () => JSON.stringify(await messages()) === JSON.stringify(kept), 'the conversation as it was');
    });

    it('changes nothing when an edit answering at last stops or breaks before its first word', async () => {
      const { meta, messages } = await answered('think first');
      const kept = await messages();
      // The upstream answered (its head came: a reasoning model thinking), then the user pressed Stop.
      await fake.reset();
      const stopping = new AbortController();
      const pending = postWebChat(plaza.url, user, { model: 'gpt-4o-mini', conversation_id: meta.conversation_id, edit_message_id: meta.user_message_id, content: 'think [[fake:stall after=0]]' }, stopping.signal);
      const res = await pending;
      assert.equal(res.status, 200);
      await fake.waitForStats((s) => s.open_streams >= 1);
      stopping.abort();
      await fake.waitForStats((s) => s.streams_client_closed >= 1 && s.open_streams === 0);
      await waitFor(async () => JSON.stringify(await messages()) === JSON.stringify(kept), 'the conversation as it was');
      // The upstream broke off before any text: the error is told, and the old answer stays.
      const broken = await send({ model: 'gpt-4o-mini', conversation_id: meta.conversation_id, edit_message_id: meta.user_message_id, content: 'think [[fake:reset_mid_stream after=0]]' });
      assert.ok(broken.status === 502 || parseEvents(broken.text).at(-1).event === 'error', `${broken.status} ${broken.text}`);
      await waitFor(async () => JSON.stringify(await messages()) === JSON.stringify(kept), 'the conversation as it was, again');
    });

    it('keeps a new conversation the page was shown, with its question, when its first answer stops before a word', async () => {
      await fake.reset();
      const { conversationId: id, stop } = await startWebAnswer(plaza.url, user,
        { model: 'gpt-4o-mini', content: 'new and thinking [[fake:stall after=0]]' }, { until: 'meta' });
      await fake.waitForStats((s) => s.open_streams >= 1);
      stop();
      await fake.waitForStats((s) => s.streams_client_closed >= 1 && s.open_streams === 0);
      const kept = await waitFor(async () => {
        const r = await user.get(`/api/conversations/${id}`);
        return r.status === 200 && r.data.messages.length === 1 ? r.data.messages : null;
      }, 'the conversation with its question');
      assert.deepEqual(kept.map((m) => [m.role, m.content]), [['user', 'new and thinking [[fake:stall after=0]]']]);
      await waitFor(async () => (await send({ model: 'gpt-4o-mini', conversation_id: id, content: 'and now?' })).status === 200, 'the conversation free for the next message');
    });

    it('keeps a stopped answer marked as cancelled and refuses a second answer meanwhile', async () => {
      await fake.reset();
      const { conversationId, stop } = await startWebAnswer(plaza.url, user, { model: 'gpt-4o-mini', content: 'long [[fake:stall after=2]]' });
      const busy = await send({ model: 'gpt-4o-mini', conversation_id: conversationId, content: 'me too' });
      assert.equal(busy.status, 409);
      assert.equal(busy.data.error.field, 'conversation_id', 'told apart from the other conflicts of a chat');
      stop();
      await fake.waitForStats((s) => s.streams_client_closed >= 1);
      const messages = await waitFor(async () => {
        const m = (await user.get(`/api/conversations/${conversationId}`)).data.messages;
        return m.length === 2 && m;
      }, 'the stopped answer to be saved');
      assert.equal(messages[1].status, 'cancelled');
      assert.ok(messages[1].content.length > 0, 'what was delivered is kept');
    });

    it('tells the client when a conversation deleted while it answered cannot keep the answer', async () => {
      const res = await postWebChat(plaza.url, user, { model: 'gpt-4o-mini', content: 'slowly [[fake:slow delay_ms=300 chunks=5]]' });
      assert.equal(res.status, 200);
      let text = '';
      let deleted = false;
      const decoder = new TextDecoder();
      for await (const piece of res.body) {
        text += decoder.decode(piece, { stream: true });
        if (!deleted && /event: delta/.test(text)) {
          // Four more pieces are 1.2 s away: the answer ends after the conversation is gone.
          const id = JSON.parse(parseEvents(text).find((e) => e.event === 'meta').data).conversation_id;
          assert.equal((await user.delete(`/api/conversations/${id}`)).status, 204);
          deleted = true;
        }
      }
      const events = parseEvents(text);
      assert.ok(deleted);
      assert.deepEqual(JSON.parse(events.at(-1).data), { code: 'internal', message: 'the answer could not be saved' }, text);
      assert.equal(events.at(-1).event, 'error');
      assert.equal((await send({ model: 'gpt-4o-mini', content: 'still here?' })).status, 200);
    });

    it('renames, deletes and clears conversations, only the owner\'s', async () => {
      const created = await user.post('/api/conversations', { title: 'Plans', model: 'gpt-4o-mini' });
      assert.equal(created.status, 201);
      const id = created.data.conversation.id;
      assert.equal((await user.patch(`/api/conversations/${id}`, { title: '计划' })).data.conversation.title, '计划');
      const long = await user.patch(`/api/conversations/${id}`, { title: '长'.repeat(65) });
      assert.equal(long.status, 400);
      assert.deepEqual([long.data.error.field, long.data.error.message], ['title', 'title must be at most 64 characters long']);
      const other = new Client(plaza.url);
      await other.register('snoop');
      assert.equal((await other.get(`/api/conversations/${id}`)).status, 404);
      assert.equal((await other.delete(`/api/conversations/${id}`)).status, 404);
      assert.equal((await user.delete(`/api/conversations/${id}`)).status, 204);
      assert.equal((await user.get(`/api/conversations/${id}`)).status, 404);
      assert.equal((await user.delete('/api/conversations')).status, 204);
      assert.deepEqual((await user.get('/api/conversations')).data.conversations, []);
      const models = await user.get('/api/models');
      assert.deepEqual(models.data.models.map((m) => m.id).sort(), ['down-model', 'gpt-4o-mini']);
      const described = models.data.models.find((m) => m.id === 'gpt-4o-mini');
      assert.deepEqual([described.name, described.tags, described.context_length], ['GPT-4o mini', ['fast', '便宜'], 128000]);
      assert.deepEqual(models.data.models.find((m) => m.id === 'down-model').tags, [], 'not in the catalogue');
    });

    it('lists the models in the operator\'s order (a new user\'s model is the first), and refuses a position out of range', async () => {
      const order = async () => (await user.get('/api/models')).data.models.map((m) => m.id);
      assert.deepEqual(await order(), ['down-model', 'gpt-4o-mini'], 'the same position: by id');
      const catalogue = { display_name: 'GPT-4o mini', tags: ['fast', '便宜'], context_length: 128000 };
      try {
        const first = await admin.request('PUT', '/api/admin/models/gpt-4o-mini', { json: { ...catalogue, position: -1 } });
        assert.equal(first.status, 200, first.text);
        assert.equal(first.data.model.position, -1);
        assert.deepEqual(await order(), ['gpt-4o-mini', 'down-model']);
        const listed = (await admin.get('/api/admin/models')).data.models;
        assert.equal(listed.find((m) => m.id === 'gpt-4o-mini').position, -1, 'the admin list carries it');
        for (const bad of [1_000_001, -1_000_001, 'first', 1.5]) {
          const refused = await admin.request('PUT', '/api/admin/models/gpt-4o-mini', { json: { ...catalogue, position: bad } });
          assert.equal(refused.status, 400, `position ${bad}`);
          assert.equal(refused.data.error.field, 'position');
        }
        assert.deepEqual(await order(), ['gpt-4o-mini', 'down-model'], 'a refused change changes nothing');
        // Ordered in the catalogue after the other (down-model has no entry: position 0).
        await admin.request('PUT', '/api/admin/models/gpt-4o-mini', { json: { ...catalogue, position: 5 } });
        assert.deepEqual(await order(), ['down-model', 'gpt-4o-mini']);
        await admin.request('PUT', '/api/admin/models/gpt-4o-mini', { json: catalogue });
        assert.equal((await admin.get('/api/admin/models')).data.models.find((m) => m.id === 'gpt-4o-mini').position, 0, 'left out: 0');
      } finally {
        await admin.request('PUT', '/api/admin/models/gpt-4o-mini', { json: catalogue });  // the order the tests after it expect
      }
    });

    it('takes as a model\'s icon an emoji or an image on this site, and refuses what no page would show', async () => {
      const catalogue = { display_name: 'GPT-4o mini', tags: ['fast', '便宜'], context_length: 128000 };
      const icon = async () => (await user.get('/api/models')).data.models.find((m) => m.id === 'gpt-4o-mini').icon;
      try {
        for (const good of ['🤖', '👨‍👩‍👧‍👦', '/uploads/0123abcd.png', '']) {
          const r = await admin.request('PUT', '/api/admin/models/gpt-4o-mini', { json: { ...catalogue, icon: good } });
          assert.equal(r.status, 200, `${good}: ${r.text}`);
          assert.equal(await icon(), good);
        }
        await admin.request('PUT', '/api/admin/models/gpt-4o-mini', { json: { ...catalogue, icon: '🤖' } });
        for (const bad of ['https://example.com/icon.png', 'a robot icon', 'logo.png', '/uploads/a b.png', `/uploads/${'a'.repeat(2048)}`]) {
          const r = await admin.request('PUT', '/api/admin/models/gpt-4o-mini', { json: { ...catalogue, icon: bad } });
          assert.equal(r.status, 400, bad);
          assert.equal(r.data.error.field, 'icon');
        }
        assert.equal(await icon(), '🤖', 'a refused icon changes nothing');
      } finally {
        await admin.request('PUT', '/api/admin/models/gpt-4o-mini', { json: catalogue });
      }
    });

    it('lists conversations a page at a time, most recent first, and finds them by title', async () => {
      const lister = new Client(plaza.url);
      await lister.register('lister');
      const made = [];
      for (let i = 0; i < 7; i++) made.push((await lister.post('/api/conversations', { title: i % 2 ? `Odd ${i}` : `even ${i}` })).data.conversation.id);
      const seen = [];
      let before = '';
      for (let pages = 0; ; pages++) {
        const page = await lister.get(`/api/conversations?limit=3${before && `&before=${encodeURIComponent(before)}`}`);
        assert.equal(page.status, 200);
        assert.ok(page.data.conversations.length <= 3);
        seen.push(...page.data.conversations.map((c) => c.id));
        if (!page.data.next) {
          assert.equal(pages, 2, 'three pages of 3, 3 and 1');
          break;
        }
        before = page.data.next;
      }
      assert.deepEqual(seen, [...made].reverse(), 'each once, newest first (the ids break ties of the same second)');
      const odd = await lister.get('/api/conversations?q=ODD');
      assert.deepEqual(odd.data.conversations.map((c) => c.title), ['Odd 5', 'Odd 3', 'Odd 1']);
      assert.equal(odd.data.next, null);
      assert.deepEqual((await lister.get(`/api/conversations?q=${encodeURIComponent('%')}`)).data.conversations, []);
      const whole = await lister.get('/api/conversations?limit=7');
      assert.equal(whole.data.conversations.length, 7);
      assert.equal(whole.data.next, null, 'a page that ends with the last conversation says so');
      assert.equal((await lister.get(`/api/conversations?q=${encodeURIComponent('计'.repeat(200))}`)).status, 200, '200 characters of any script');
      for (const bad of ['limit=0', 'limit=201', 'before=12', 'before=1.x', 'before=-1.2', `q=${'x'.repeat(201)}`, 'q=%C3']) {
        const res = await lister.get(`/api/conversations?${bad}`);
        assert.equal(res.status, 400, bad);
      }
    });

    it('sends images with a message, and with every later turn, as data URLs', async () => {
      const png = (text) => Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.from(text)]);
      const upload = async (bytes) => {
        const r = await user.request('POST', '/api/uploads', { body: bytes, headers: { 'content-type': 'image/png' } });
        assert.equal(r.status, 201, r.text);
        return r.data.url;
      };
      const cat = png('a cat'), dog = png('a dog');
      const [catUrl, dogUrl] = [await upload(cat), await upload(dog)];
      const dataUrl = (bytes) => `data:image/png;base64,${bytes.toString('base64')}`;
      const lastSent = async () => JSON.parse((await fake.requests()).at(-1).body).messages;
      const conversations = async () => (await user.get('/api/conversations?limit=200')).data.conversations.length;

      const r = await send({ model: 'gpt-4o-mini', content: 'what are these? [[fake:no_usage]]', images: [catUrl, dogUrl, catUrl] });
      assert.equal(r.status, 200, r.text);
      const meta = JSON.parse(parseEvents(r.text).find((e) => e.event === 'meta').data);
      assert.deepEqual((await lastSent()).at(-1).content, [
        { type: 'text', text: 'what are these? [[fake:no_usage]]' },
        { type: 'image_url', image_url: { url: dataUrl(cat) } },
        { type: 'image_url', image_url: { url: dataUrl(dog) } },
      ], 'the text, then each image once');
      const done = JSON.parse(parseEvents(r.text).at(-1).data);
      assert.ok(done.message.prompt_tokens >= 1600 * 2, `Plaza's count has the images (${done.message.prompt_tokens})`);
      const stored = async () => (await user.get(`/api/conversations/${meta.conversation_id}`)).data.messages;
      assert.deepEqual((await stored()).map((m) => m.images), [[catUrl, dogUrl], []]);
      // A chat's photos are its user's: not served to others, nor kept by shared caches.
      const own = await user.bytes(catUrl);
      assert.deepEqual([own.status, own.headers.get('cache-control')], [200, 'private, max-age=86400']);
      assert.deepEqual(own.body, cat);
      const stranger = new Client(plaza.url);
      await stranger.register(`stranger-${backend}`);
      assert.equal((await stranger.bytes(catUrl)).status, 404);
      assert.equal((await fetch(plaza.url + catUrl)).status, 404);
      const borrowed = await stranger.post('/api/chat', { model: 'gpt-4o-mini', content: 'whose?', images: [catUrl] });
      assert.equal(borrowed.status, 404, 'nor sent by a URL that came to hand');
      // The same bytes uploaded by the stranger are theirs to see and send too.
      const reupload = await stranger.request('POST', '/api/uploads', { body: cat, headers: { 'content-type': 'image/png' } });
      assert.equal(reupload.data.url, catUrl);
      assert.equal((await stranger.bytes(catUrl)).status, 200);
      assert.equal((await stranger.post('/api/chat', { model: 'gpt-4o-mini', content: 'mine', images: [catUrl] })).status, 200);

      // A later turn sends the earlier images again; a message of images alone needs no text.
      const next = await send({ model: 'gpt-4o-mini', conversation_id: meta.conversation_id, images: [dogUrl] });
      assert.equal(next.status, 200, next.text);
      const sent = await lastSent();
      assert.equal(sent[0].content.length, 3, 'the first question with its images');
      assert.deepEqual(sent.at(-1).content, [{ type: 'image_url', image_url: { url: dataUrl(dog) } }]);
      // An edit sends the images it is given; an answer asked again keeps its question's.
      const firstId = (await stored())[0].id;
      const edited = await send({ model: 'gpt-4o-mini', conversation_id: meta.conversation_id, edit_message_id: firstId, content: 'and now?', images: [dogUrl] });
      assert.equal(edited.status, 200, edited.text);
      assert.deepEqual((await stored()).map((m) => [m.content, m.images]).slice(0, 1), [['and now?', [dogUrl]]]);
      assert.equal((await send({ model: 'gpt-4o-mini', conversation_id: meta.conversation_id, regenerate: true })).status, 200);
      assert.deepEqual((await lastSent()).at(-1).content.at(-1), { type: 'image_url', image_url: { url: dataUrl(dog) } });

      // A model whose upstream counts images higher has its own value, which holds and counts go by.
      const admin = await adminClient(plaza);
      const catalogue = { display_name: 'GPT-4o mini', tags: ['fast', '便宜'], context_length: 128000 };
      const priced = await admin.request('PUT', '/api/admin/models/gpt-4o-mini', { json: { ...catalogue, image_tokens: 25_000 } });
      assert.equal(priced.data.model.image_tokens, 25_000);
      for (const bad of [-1, 1_000_001, 'many']) {
        const refused = await admin.request('PUT', '/api/admin/models/gpt-4o-mini', { json: { ...catalogue, image_tokens: bad } });
        assert.equal(refused.status, 400, String(bad));
      }
      const counted = await send({ model: 'gpt-4o-mini', content: 'and these? [[fake:no_usage]]', images: [catUrl, dogUrl] });
      assert.ok(JSON.parse(parseEvents(counted.text).at(-1).data).message.prompt_tokens >= 50_000);
      await admin.request('PUT', '/api/admin/models/gpt-4o-mini', { json: catalogue });

      // Bad images are refused before anything is stored.
      const before = await conversations();
      const messagesBefore = (await stored()).length;
      const missing = `/uploads/${'0'.repeat(32)}.png`;
      for (const [images, status, message] of [
        [[catUrl, dogUrl, catUrl, dogUrl, catUrl], 400, /at most 4/],
        [[missing], 404, /no such image/],
        [['https://example.com/cat.png'], 400, /\/uploads\//],
        [[`/uploads/../plaza.db`], 400, /\/uploads\//],
        [catUrl, 400, /list/],
      ]) {
        const bad = await send({ model: 'gpt-4o-mini', content: 'look', images });
        assert.equal(bad.status, status, JSON.stringify(images));
        assert.match(bad.data.error.message, message);
        assert.equal(bad.data.error.field, 'images');
        const badTurn = await send({ model: 'gpt-4o-mini', conversation_id: meta.conversation_id, content: 'look', images });
        assert.equal(badTurn.status, status);
      }
      const again = await send({ model: 'gpt-4o-mini', conversation_id: meta.conversation_id, regenerate: true, images: [catUrl] });
      assert.equal(again.status, 400);
      assert.equal(again.data.error.field, 'images');
      assert.equal((await send({ model: 'gpt-4o-mini', content: '', images: [] })).status, 400, 'no text and no image');
      assert.equal(await conversations(), before);
      assert.equal((await stored()).length, messagesBefore);
    });

    it('sends two questions in a row as one turn when the answer between them said nothing', async () => {
      // Stopped before its first word: the question is kept, the answer is not.
      const { conversationId: id, stop } = await startWebAnswer(plaza.url, user,
        { model: 'gpt-4o-mini', content: 'first question [[fake:stall after=0]]' }, { until: 'meta' });
      stop();
      await waitFor(async () => (await user.get(`/api/conversations/${id}`)).data.messages.length === 1, 'the question kept');
      const second = await waitFor(async () => {
        const r = await send({ model: 'gpt-4o-mini', conversation_id: id, content: 'second question [[fake:ok text="two"]]' });
        return r.status !== 409 && r;  // the stopped answer's lease is given back as it winds down
      }, 'the conversation free again');
      assert.equal(second.status, 200, second.text);
      const sent = JSON.parse((await fake.requests()).at(-1).body).messages;
      assert.deepEqual(sent, [{ role: 'user', content: 'first question [[fake:stall after=0]]\n\nsecond question [[fake:ok text="two"]]' }],
        'roles alternate: many chat templates refuse two questions in a row');
      const stored = (await user.get(`/api/conversations/${id}`)).data.messages;
      assert.deepEqual(stored.map((m) => m.role), ['user', 'user', 'assistant'], 'stored as asked');
    });

    it('sends a text-only model no images, and refuses it new ones', async () => {
      const admin = await adminClient(plaza);
      const catalogue = { display_name: 'GPT-4o mini', tags: ['fast', '便宜'], context_length: 128000 };
      const readsImages = async () => (await user.get('/api/models')).data.models.find((m) => m.id === 'gpt-4o-mini').reads_images;
      assert.equal(await readsImages(), true, 'a model reads images unless the catalogue says otherwise');
      const upload = await user.request('POST', '/api/uploads', {
        body: Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.from('a bird')]),
        headers: { 'content-type': 'image/png' },
      });
      const birdUrl = upload.data.url;
      const first = await send({ model: 'gpt-4o-mini', content: 'a bird?', images: [birdUrl] });
      assert.equal(first.status, 200, first.text);
      const conversationId = JSON.parse(parseEvents(first.text).find((e) => e.event === 'meta').data).conversation_id;
      const photoOnly = await send({ model: 'gpt-4o-mini', conversation_id: conversationId, images: [birdUrl] });
      assert.equal(photoOnly.status, 200, photoOnly.text);

      const textOnly = await admin.request('PUT', '/api/admin/models/gpt-4o-mini', { json: { ...catalogue, reads_images: false } });
      assert.equal(textOnly.status, 200, textOnly.text);
      assert.equal(textOnly.data.model.reads_images, false);
      assert.equal((await admin.get('/api/admin/models')).data.models.find((m) => m.id === 'gpt-4o-mini').reads_images, false);
      assert.equal(await readsImages(), false, 'the picker learns the model is text-only');
      try {
        const stored = async () => (await user.get(`/api/conversations/${conversationId}`)).data.messages;
        const messagesBefore = (await stored()).length;
        const conversationsBefore = (await user.get('/api/conversations?limit=200')).data.conversations.length;
        const requestsBefore = (await fake.requests()).length;
        for (const body of [
          { model: 'gpt-4o-mini', content: 'and this one?', images: [birdUrl] },
          { model: 'gpt-4o-mini', conversation_id: conversationId, content: 'and this one?', images: [birdUrl] },
          // The last question is the image alone: nothing would be left to answer.
          { model: 'gpt-4o-mini', conversation_id: conversationId, regenerate: true },
        ]) {
          const refused = await send(body);
          assert.equal(refused.status, 400, JSON.stringify(body));
          assert.equal(refused.data.error.field, 'images');
          assert.match(refused.data.error.message, /GPT-4o mini reads no images/, 'named as the page names it');
        }
        assert.equal((await stored()).length, messagesBefore, 'nothing stored');
        assert.equal((await user.get('/api/conversations?limit=200')).data.conversations.length, conversationsBefore);
        assert.equal((await fake.requests()).length, requestsBefore, 'no upstream call');

        // A later turn goes on in text: the earlier images stay in the conversation, unsent.
        const later = await send({ model: 'gpt-4o-mini', conversation_id: conversationId, content: 'what did I ask?' });
        assert.equal(later.status, 200, later.text);
        const sent = JSON.parse((await fake.requests()).at(-1).body).messages;
        assert.ok(!JSON.stringify(sent).includes('data:image'));
        // The question of an image alone says so in words: the turns still alternate.
        assert.deepEqual(sent.map((m) => [m.role, m.content]), [
          ['user', 'a bird?'], ['assistant', 'Hello from fake upstream.'],
          ['user', '[an image, not sent]'], ['assistant', 'Hello from fake upstream.'],
          ['user', 'what did I ask?'],
        ]);
        assert.equal(JSON.parse(parseEvents(later.text).find((e) => e.event === 'meta').data).images_left_out, 1, 'one image, sent twice');
        assert.deepEqual((await stored())[0].images, [birdUrl]);

        // The API refuses images for it before any upstream call, whatever the channel.
        const key = (await user.post('/api/keys', { name: 'text-only' })).data.secret;
        const v1 = await fetch(`${plaza.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: [
            { type: 'text', text: 'see' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }] }),
        });
        const error = (await v1.json()).error;
        assert.equal(v1.status, 400);
        assert.deepEqual([error.type, error.param], ['invalid_request_error', 'messages']);
        assert.match(error.message, /reads no images/);
        assert.equal((await fake.requests()).length, requestsBefore + 1, 'only the text turn went upstream');
      } finally {
        await admin.request('PUT', '/api/admin/models/gpt-4o-mini', { json: catalogue });
      }
    });
  });
}

/**
 * A site whose small /v1 body limit (4 KB) stands for the history one request may send upstream,
 * with one model and a registered user.
 */
async function startSmallSite(backend, username) {
  const fake = await startFake({ requireKeys: ['sk-up'] });
  const plaza = await startPlaza({ backend, settings: { 'api-rate-per-minute': 100000, 'max-v1-body-bytes': 4096 } });
  const admin = await adminClient(plaza);
  await addChannel(admin, { base_url: `${fake.url}/v1`, keys: ['sk-up'], models: ['gpt-4o-mini'] });
  const user = new Client(plaza.url);
  await user.register(username);
  return { plaza, fake, user };
}

for (const backend of backends) {
  describe(`a conversation's images past the size limit on ${backend}`, () => {
    let plaza, fake, user;
    before(async () => ({ plaza, fake, user } = await startSmallSite(backend, 'pictures')));
    after(async () => { await plaza?.stop(); await fake?.stop(); });

    it('leaves the oldest images out of a conversation that would be too large to send', async () => {
      // 1,200 bytes of image are a data URL of about 1,622: two fit in the 4,096-byte limit, three do not.
      const png = (fill) => Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(1184, fill)]);
      const dataUrl = (bytes) => `data:image/png;base64,${bytes.toString('base64')}`;
      const images = [png(1), png(2), png(3)];
      const urls = [];
      for (const bytes of images) {
        const up = await user.request('POST', '/api/uploads', { body: bytes, headers: { 'content-type': 'image/png' } });
        assert.equal(up.status, 201, up.text);
        urls.push(up.data.url);
      }
      const sentImages = async () => JSON.parse((await fake.requests()).at(-1).body).messages
        .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
        .filter((p) => p.type === 'image_url').map((p) => p.image_url.url);
      const meta = (r) => JSON.parse(parseEvents(r.text).find((e) => e.event === 'meta').data);

      const first = await user.post('/api/chat', { model: 'gpt-4o-mini', content: 'one', images: [urls[0]] });
      assert.equal(first.status, 200, first.text);
      const id = meta(first).conversation_id;
      const second = await user.post('/api/chat', { model: 'gpt-4o-mini', conversation_id: id, content: 'two', images: [urls[1]] });
      assert.equal(meta(second).images_left_out, 0);
      assert.deepEqual(await sentImages(), [dataUrl(images[0]), dataUrl(images[1])]);

      const third = await user.post('/api/chat', { model: 'gpt-4o-mini', conversation_id: id, content: 'three', images: [urls[2]] });
      assert.equal(third.status, 200, third.text);
      assert.equal(meta(third).images_left_out, 1);
      assert.deepEqual(await sentImages(), [dataUrl(images[1]), dataUrl(images[2])], 'the oldest left out, the question\'s kept');
      const messages = (await user.get(`/api/conversations/${id}`)).data.messages;
      assert.deepEqual(messages.map((m) => m.images), [[urls[0]], [], [urls[1]], [], [urls[2]], []], 'all still in the conversation');
      assert.deepEqual(messages.map((m) => m.images_left_out), [0, 0, 0, 0, 0, 1], 'the answer says so after a reload');
      const again = await user.post('/api/chat', { model: 'gpt-4o-mini', conversation_id: id, regenerate: true });
      assert.equal(meta(again).images_left_out, 1);

      // An image sent again with the question is not counted as left out where an older message had it.
      const fourth = await user.post('/api/chat', { model: 'gpt-4o-mini', conversation_id: id, images: [urls[1]] });
      assert.equal(fourth.status, 200, fourth.text);
      assert.deepEqual(await sentImages(), [dataUrl(images[2]), dataUrl(images[1])]);
      assert.equal(meta(fourth).images_left_out, 1, 'the first image only');
      const sent = JSON.parse((await fake.requests()).at(-1).body).messages;
      assert.deepEqual(sent.map((m) => m.role), ['user', 'assistant', 'user', 'assistant', 'user', 'assistant', 'user']);
      assert.deepEqual(sent.slice(0, 3).map((m) => m.content), ['one', 'Hello from fake upstream.', 'two'], 'their text is sent');
    });
  });
}

describe('bounds on conversations', () => {
  let plaza, fake, user;
  before(async () => ({ plaza, fake, user } = await startSmallSite(undefined, 'bounded')));
  after(async () => { await plaza?.stop(); await fake?.stop(); });

  it('refuses a message whose history is too long to send, storing nothing', async () => {
    const long = 'x'.repeat(1500);
    const first = await user.post('/api/chat', { model: 'gpt-4o-mini', content: long });
    assert.equal(first.status, 200);
    const id = JSON.parse(parseEvents(first.text).find((e) => e.event === 'meta').data).conversation_id;
    assert.equal((await user.post('/api/chat', { model: 'gpt-4o-mini', conversation_id: id, content: long })).status, 200);
    const before = (await user.get(`/api/conversations/${id}`)).data.messages.length;
    const refused = await user.post('/api/chat', { model: 'gpt-4o-mini', conversation_id: id, content: long });
    assert.equal(refused.status, 413);
    assert.match(refused.data.error.message, /start a new one/);
    assert.equal(refused.data.error.field, 'conversation_id', 'the page tells it from the other 413s by the field');
    assert.equal((await user.get(`/api/conversations/${id}`)).data.messages.length, before, 'no question stored');
    assert.equal((await user.post('/api/chat', { model: 'gpt-4o-mini', content: 'a fresh start' })).status, 200, 'a new conversation goes');

    // Images count as the data URLs they are sent as: 3,216 bytes of image are 4,288 of base64, past the limit.
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(3200, 7)]);
    const up = await user.request('POST', '/api/uploads', { body: png, headers: { 'content-type': 'image/png' } });
    assert.equal(up.status, 201);
    const conversations = (await user.get('/api/conversations')).data.conversations.length;
    const tooBig = await user.post('/api/chat', { model: 'gpt-4o-mini', content: 'look', images: [up.data.url] });
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.data.error.field, 'images', 'the question alone is too large: a new conversation would not help');
    assert.equal((await user.get('/api/conversations')).data.conversations.length, conversations, 'nothing stored');
    // The same in a short conversation: the question is the trouble, not what came before.
    const short = await user.post('/api/chat', { model: 'gpt-4o-mini', content: 'hi' });
    const shortId = JSON.parse(parseEvents(short.text).find((e) => e.event === 'meta').data).conversation_id;
    const inShort = await user.post('/api/chat', { model: 'gpt-4o-mini', conversation_id: shortId, content: 'look', images: [up.data.url] });
    assert.equal(inShort.status, 413);
    assert.equal(inShort.data.error.field, 'images');
  });

  it('leaves out the oldest turns the model\'s context has no room for, starting with a question', async () => {
    const admin = await adminClient(plaza);
    // 600 tokens of context: a quarter kept for the answer leaves about 450 for the prompt.
    await admin.request('PUT', '/api/admin/models/small-context', { json: { display_name: 'Small', context_length: 600 } });
    await addChannel(admin, { name: 'small', base_url: `${fake.url}/v1`, keys: ['sk-up'], models: ['small-context'] });
    const turn = (i) => `turn ${i}: ${'word '.repeat(60)}`; // about 65 tokens
    let id;
    const metas = [];
    for (let i = 1; i <= 8; i++) {
      const r = await user.post('/api/chat', { model: 'small-context', content: `${turn(i)}[[fake:ok text="answer ${i}"]]`, ...(id ? { conversation_id: id } : {}) });
      assert.equal(r.status, 200);
      const meta = JSON.parse(parseEvents(r.text).find((e) => e.event === 'meta').data);
      id = meta.conversation_id;
      metas.push(meta.left_out);
    }
    assert.deepEqual(metas.slice(0, 3), [0, 0, 0], 'a short conversation goes whole');
    assert.ok(metas.at(-1) > 0, `the eighth leaves some out (${metas})`);
    const sent = JSON.parse((await fake.requests()).at(-1).body).messages;
    assert.equal(sent.length, 15 - metas.at(-1), 'all but the ones left out');
    assert.equal(sent[0].role, 'user', 'what is sent starts with a question');
    assert.match(sent.at(-1).content, /^turn 8:/);
    assert.match(sent[0].content, new RegExp(`^turn ${9 - (sent.length + 1) / 2}:`), 'the newest turns, in order');
    const stored = (await user.get(`/api/conversations/${id}`)).data.messages;
    assert.equal(stored.length, 16, 'the conversation itself keeps everything');
    assert.deepEqual(stored.filter((m) => m.role === 'assistant').map((m) => m.left_out), metas,
      'each answer keeps how many messages its question went without, for a reload');

    // An Anthropic channel of the model sends its own answer length (half the context here) in place
    // of a max_tokens the request lacks: that much is kept free too, so two more turns are left out.
    const claude = await addChannel(admin, { type: 'anthropic', name: 'small-claude', base_url: `${fake.url}/v1`, keys: ['sk-up'], models: ['small-context'], default_max_tokens: 300 });
    assert.equal(claude.default_max_tokens, 300);
    const ninth = await user.post('/api/chat', { model: 'small-context', conversation_id: id, content: `${turn(9)}[[fake:ok text="answer 9"]]` });
    assert.equal(ninth.status, 200);
    const leftOut = JSON.parse(parseEvents(ninth.text).find((e) => e.event === 'meta').data).left_out;
    assert.ok(leftOut >= metas.at(-1) + 2 + 4, `one more turn, and two turns fewer sent (${metas.at(-1)} → ${leftOut})`);
  });

  it('refuses a new conversation past 10,000, through either way in', async () => {
    const [[userId]] = sql(plaza, "SELECT id FROM users WHERE username = 'bounded'");
    const have = Number(sql(plaza, `SELECT COUNT(*) FROM conversations WHERE user_id = ${userId}`)[0][0]);
    sql(plaza, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${10_000 - have}) ` +
      `INSERT INTO conversations (user_id, title, model, created_at, updated_at) SELECT ${userId}, 'filler', 'gpt-4o-mini', 1, 1 FROM n`);
    const created = await user.post('/api/conversations', { title: 'one more' });
    assert.equal(created.status, 409);
    const chatted = await user.post('/api/chat', { model: 'gpt-4o-mini', content: 'one more' });
    assert.equal(chatted.status, 409);
    assert.equal(Number(sql(plaza, `SELECT COUNT(*) FROM conversations WHERE user_id = ${userId}`)[0][0]), 10_000);
  });
});
