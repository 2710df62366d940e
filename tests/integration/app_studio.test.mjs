// What a creator meets in the Studio, over real HTTP on SQLite and PostgreSQL: an app runs on a model
// the site serves (never another app), needs no plan level nobody sells, keeps the reviewer's reason
// while it is being fixed, changes its pricing mode with a partial patch, and the buyer's wallet
// names the app a surcharge or an unlock was paid for.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlaza, backends } from '../lib/server.mjs';
import { startFake } from '../fake_upstream/fake.mjs';
import { Client } from '../lib/client.mjs';
import { adminClient, addChannel, userWithKey, chatCompletion, ask, waitFor } from '../lib/site.mjs';

const CREDIT = 1_000_000; // µc

for (const backend of backends) {
  describe(`the studio on ${backend}`, () => {
    let plaza, fake, admin, creator, channel;
    const body = (slug, extra = {}) => ({
      slug, title: `App ${slug}`, default_model: 'gpt-4o-mini', visibility: 'public', preset: { system_prompt: 'be brief' }, ...extra,
    });
    const refused = (r, field, message) => {
      assert.equal(r.status, 400, r.text);
      assert.equal(r.data.error.field, field, r.text);
      if (message) assert.match(r.data.error.message, message);
    };
    const publish = async (slug, extra = {}) => {
      const created = await creator.post('/api/apps', body(slug, extra));
      assert.equal(created.status, 201, created.text);
      assert.equal((await creator.post(`/api/apps/${slug}/submit`)).status, 200);
      const ok = await admin.post(`/api/admin/reviews/${slug}/approve`);
      assert.equal(ok.status, 200, ok.text);
      return ok.data;
    };

    before(async () => {
      fake = await startFake();
      plaza = await startPlaza({ backend, settings: { 'api-rate-per-minute': 1000000 } });
      admin = await adminClient(plaza);
      channel = await addChannel(admin, { base_url: `${fake.url}/v1`, keys: ['sk-up'], models: ['gpt-4o-mini', 'gpt-4o', 'spare'] });
      await addChannel(admin, { base_url: `${fake.url}/v1`, keys: ['sk-up'], models: ['retired'], enabled: false });
      creator = new Client(plaza.url);
      await creator.register('studio-maker', 'password-1');
    });
    after(async () => { await plaza?.stop(); await fake?.stop(); });

    it('refuses a model the site does not serve, or an app or market model, on create, update and submit', async () => {
      refused(await creator.post('/api/apps', body('ultra', { default_model: 'gpt-9-ultra' })), 'default_model', /gpt-9-ultra/);
      refused(await creator.post('/api/apps', body('nested', { default_model: 'app/writing-coach' })), 'default_model', /app/);
      refused(await creator.post('/api/apps', body('nested', { default_model: 'market/someone' })), 'default_model');
      refused(await creator.post('/api/apps', body('retired', { default_model: 'retired' })), 'default_model', /retired/);
      refused(await creator.post('/api/apps', body('extra', { allowed_models: ['gpt-4o', 'app/writing-coach'] })), 'allowed_models');
      refused(await creator.post('/api/apps', body('extra', { allowed_models: ['gpt-9-ultra'] })), 'allowed_models');
      assert.equal((await creator.get('/api/studio/apps')).data.apps.length, 0, 'nothing was stored');

      const made = await creator.post('/api/apps', body('modelled', { allowed_models: ['gpt-4o'] }));
      assert.equal(made.status, 201, made.text);
      refused(await creator.patch('/api/apps/modelled', { default_model: 'gpt-9-ultra' }), 'default_model');
      // The operator switches a model off in the catalogue: it is not reachable, so not offered.
      assert.equal((await admin.request('PUT', '/api/admin/models/spare', { json: { display_name: 'Spare', enabled: false } })).status, 200);
      refused(await creator.patch('/api/apps/modelled', { allowed_models: ['spare'] }), 'allowed_models', /switched off/);
      // A draft saved while its model was served, submitted after its channel was switched off.
      assert.equal((await creator.patch('/api/apps/modelled', { default_model: 'gpt-4o' })).status, 200);
      assert.equal((await admin.patch(`/api/admin/channels/${channel.id}`, { enabled: false })).status, 200);
      refused(await creator.post('/api/apps/modelled/submit'), 'default_model', /gpt-4o/);
      assert.equal((await admin.patch(`/api/admin/channels/${channel.id}`, { enabled: true })).status, 200);
      const submitted = await creator.post('/api/apps/modelled/submit');
      assert.equal(submitted.status, 200, submitted.text);
      assert.equal(submitted.data.draft.review_status, 'pending');
      // Switched off again while in review: approval refuses it too, and approves it once it is back.
      assert.equal((await admin.patch(`/api/admin/channels/${channel.id}`, { enabled: false })).status, 200);
      try {
        refused(await admin.post('/api/admin/reviews/modelled/approve'), 'default_model', /gpt-4o/);
        assert.equal((await creator.get('/api/apps/modelled')).data.draft.review_status, 'pending', 'still in review');
      } finally {
        assert.equal((await admin.patch(`/api/admin/channels/${channel.id}`, { enabled: true })).status, 200);
      }
      assert.equal((await admin.post('/api/admin/reviews/modelled/approve')).status, 200);
    });

    it('saves an edit of a live app whose model was switched off, checking only the models it changes, and submits it once the model is fixed', async () => {
      await publish('stale', { default_model: 'gpt-4o', pricing: { mode: 'per_message', price: CREDIT } });
      const off = (id, name, enabled) => admin.request('PUT', `/api/admin/models/${id}`, { json: { display_name: name, enabled } });
      assert.equal((await off('gpt-4o', 'GPT-4o', false)).status, 200);
      assert.equal((await off('spare', 'Spare', false)).status, 200);
      try {
        const titled = await creator.patch('/api/apps/stale', { title: 'Stale, fixed' });
        assert.equal(titled.status, 200, `a title fix on the live version: ${titled.text}`);
        assert.equal(titled.data.draft.title, 'Stale, fixed');
        const cheaper = await creator.patch('/api/apps/stale', { pricing: { price: CREDIT / 2 }, visibility: 'unlisted' });
        assert.equal(cheaper.status, 200, `a price cut and a visibility change on the draft: ${cheaper.text}`);
        refused(await creator.patch('/api/apps/stale', { default_model: 'spare' }), 'default_model', /switched off/);
        refused(await creator.patch('/api/apps/stale', { allowed_models: ['spare'] }), 'allowed_models', /switched off/);
        refused(await creator.post('/api/apps/stale/submit'), 'default_model', /gpt-4o/);
        assert.equal((await creator.patch('/api/apps/stale', { default_model: 'gpt-4o-mini' })).status, 200);
        const submitted = await creator.post('/api/apps/stale/submit');
        assert.equal(submitted.status, 200, submitted.text);
        assert.equal(submitted.data.draft.review_status, 'pending');
      } finally {
        assert.equal((await off('gpt-4o', 'GPT-4o', true)).status, 200);
      }
    });

    it('refuses a minimum plan level above every plan, naming the highest', async () => {
      refused(await creator.post('/api/apps', body('leveled', { min_plan_level: 1 })), 'min_plan_level', /sells no plans/);
      const made = await creator.post('/api/apps', body('leveled', { min_plan_level: 0 }));
      assert.equal(made.status, 201, made.text);
      assert.equal((await admin.post('/api/admin/plans', { name: 'Silver', level: 2, period_days: 30, price: CREDIT })).status, 201);
      const off = await admin.post('/api/admin/plans', { name: 'Old gold', level: 3, period_days: 30, price: CREDIT, enabled: false });
      assert.equal(off.status, 201, off.text);
      refused(await creator.patch('/api/apps/leveled', { min_plan_level: 4 }), 'min_plan_level', /highest plan level on this site is 3/);
      const ok = await creator.patch('/api/apps/leveled', { min_plan_level: 3 });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.data.draft.min_plan_level, 3);
    });

    it('keeps the reviewer\'s reason while the creator fixes the draft, until it is submitted again', async () => {
      await creator.post('/api/apps', body('fixme'));
      await creator.post('/api/apps/fixme/submit');
      assert.equal((await admin.post('/api/admin/reviews/fixme/reject', { reason: 'say what it does' })).status, 200);
      const edited = await creator.patch('/api/apps/fixme', { description: 'Answers briefly.' });
      assert.equal(edited.status, 200, edited.text);
      assert.equal(edited.data.draft.review_status, 'draft');
      assert.equal(edited.data.draft.review_reason, 'say what it does', 'still there to fix against');
      await creator.patch('/api/apps/fixme', { description: 'Answers briefly, in English.' });
      const mine = (await creator.get('/api/studio/apps')).data.apps.find((a) => a.slug === 'fixme');
      assert.equal(mine.draft.review_reason, 'say what it does', 'after a second save too');
      const again = await creator.post('/api/apps/fixme/submit');
      assert.equal(again.data.draft.review_status, 'pending');
      assert.equal(again.data.draft.review_reason, '', 'a new submission has no reason yet');
    });

    it('changes the pricing mode with a partial patch, dropping the old mode\'s amounts', async () => {
      const made = await creator.post('/api/apps', body('priced', { pricing: { mode: 'per_message', price: CREDIT / 2, paying_only: true } }));
      assert.equal(made.status, 201, made.text);
      const pricing = async (patch) => {
        const r = await creator.patch('/api/apps/priced', { pricing: patch });
        assert.equal(r.status, 200, `${JSON.stringify(patch)}: ${r.text}`);
        return r.data.draft.pricing;
      };
      assert.deepEqual(await pricing({ mode: 'per_token', surcharge_ppm: 200_000 }), { mode: 'per_token', price: 0, surcharge_ppm: 200_000, paying_only: true });
      assert.deepEqual(await pricing({ surcharge_ppm: 300_000 }), { mode: 'per_token', price: 0, surcharge_ppm: 300_000, paying_only: true }, 'the same mode keeps what is not named');
      assert.deepEqual(await pricing({ mode: 'free' }), { mode: 'free', price: 0, surcharge_ppm: 0, paying_only: true });
      assert.deepEqual(await pricing({ mode: 'one_time', price: 3 * CREDIT }), { mode: 'one_time', price: 3 * CREDIT, surcharge_ppm: 0, paying_only: true });
      // A per-message price is no unlock price: the new mode's amount is asked for, not carried over.
      refused(await creator.patch('/api/apps/priced', { pricing: { mode: 'per_message' } }), 'pricing');
      // What the request sets for a mode that has no such field is still refused.
      refused(await creator.patch('/api/apps/priced', { pricing: { mode: 'free', price: 5 } }), 'pricing', /free app has no price/);
      refused(await creator.patch('/api/apps/priced', { pricing: { mode: 'per_token', surcharge_ppm: 10, price: 5 } }), 'pricing');
      assert.equal((await creator.get('/api/apps/priced')).data.draft.pricing.mode, 'one_time', 'refusals changed nothing');
    });

    it('names the app on the buyer\'s wallet entries for its surcharge and its unlock, and tells the studio the creator\'s share', async () => {
      await publish('tipped', { title: 'Tipped helper', pricing: { mode: 'per_message', price: CREDIT / 10 } });
      await publish('vault', { title: 'The vault', pricing: { mode: 'one_time', price: CREDIT } });
      const { user, key } = await userWithKey(plaza, 'studio-buyer');
      const me = (await user.get('/api/me')).data.user.id;
      assert.equal((await admin.post(`/api/admin/users/${me}/credits`, { source: 'paid', amount: 5 * CREDIT, reason: 'test funds' })).status, 200);
      assert.equal((await admin.put('/api/admin/prices/gpt-4o-mini', { mode: 'per_call', per_call: 1000 })).status, 200);
      const r = await chatCompletion(plaza, key, ask('app/tipped'));
      assert.equal(r.status, 200, await r.text());
      assert.equal((await user.post('/api/apps/vault/unlock')).status, 200);
      let moves = [];
      // A call paid from a lease is written just after its answer (README, "Leases").
      await waitFor(async () => {
        moves = (await user.get('/api/wallet/transactions')).data.transactions;
        return moves.some((t) => t.kind === 'surcharge');
      }, 'the surcharge on the wallet');
      const memo = (kind) => moves.filter((t) => t.kind === kind).map((t) => t.memo);
      assert.deepEqual(memo('surcharge'), ['app/tipped']);
      assert.deepEqual(memo('unlock'), ['The vault (app/vault)']);
      assert.deepEqual(memo('charge'), ['gpt-4o-mini'], 'the model cost beside it names the model');

      assert.equal((await creator.get('/api/studio/apps')).data.creator_share_ppm, 700_000);
    });
  });
}
