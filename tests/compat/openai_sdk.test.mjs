// The official openai npm SDK, a real client, against Plaza in front of the fake upstream.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startPlaza } from '../lib/server.mjs';
import { startFake } from '../fake_upstream/fake.mjs';
import { adminClient, addChannel, userWithKey } from '../lib/site.mjs';

describe('openai SDK against plaza', () => {
  let plaza, fake, client, admin;
  before(async () => {
    fake = await startFake({ requireKeys: ['sk-upstream'] });
    plaza = await startPlaza();
    admin = await adminClient(plaza);
    await addChannel(admin, { base_url: `${fake.url}/v1`, keys: ['sk-upstream'], models: ['gpt-4o-mini', 'gpt-4o'] });
    const { key } = await userWithKey(plaza);
    client = new OpenAI({ apiKey: key, baseURL: `${plaza.url}/v1`, maxRetries: 0 });
  });
  after(async () => { await plaza?.stop(); await fake?.stop(); });

  it('lists models', async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.deepEqual(ids.sort(), ['gpt-4o', 'gpt-4o-mini']);
  });

  it('retrieves one model by id, slashes and all', async () => {
    const m = await client.models.retrieve('gpt-4o');
    assert.equal(m.id, 'gpt-4o');
    assert.equal(m.object, 'model');
    await addChannel(admin, { name: 'slashed', base_url: `${fake.url}/v1`, keys: ['sk-upstream'], models: ['deepseek-ai/DeepSeek-V3'] });
    assert.equal((await client.models.retrieve('deepseek-ai/DeepSeek-V3')).id, 'deepseek-ai/DeepSeek-V3');
    await assert.rejects(client.models.retrieve('gpt-5-nonexistent'),
      (e) => e instanceof OpenAI.NotFoundError && e.param === 'model' && /does not exist/.test(e.message));
  });

  it('completes a chat with usage', async () => {
    const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] });
    assert.equal(r.model, 'gpt-4o-mini');
    assert.equal(r.choices[0].message.content, 'Hello from fake upstream.');
    assert.ok(r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0);
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
  });

  it('streams a chat, with usage when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o', stream: true, stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Say hello' }],
    });
    let text = '';
    let usage = null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      assert.equal(chunk.model, 'gpt-4o');
      text += chunk.choices[0]?.delta?.content || '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.ok(chunks > 5, 'event by event');
    assert.equal(text, 'Hello from fake upstream.');
    assert.ok(usage.completion_tokens > 0);
  });

  it('streams tool calls', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o', stream: true,
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      messages: [{ role: 'user', content: 'Weather? [[fake:tool_call]]' }],
    });
    let args = '';
    let name = '';
    for await (const chunk of stream) {
      const call = chunk.choices[0]?.delta?.tool_calls?.[0];
      if (call?.function?.name) name = call.function.name;
      if (call?.function?.arguments) args += call.function.arguments;
    }
    assert.equal(name, 'get_weather');
    assert.deepEqual(JSON.parse(args), { city: 'Paris' });
  });

  describe('on an Anthropic channel', () => {
    let claudeFake;
    before(async () => {
      claudeFake = await startFake({ requireKeys: ['sk-ant'] });
      await addChannel(admin, { type: 'anthropic', name: 'claude', base_url: `${claudeFake.url}/v1`, keys: ['sk-ant'], models: [{ model: 'claude', upstream: 'claude-sonnet-4' }] });
    });
    after(async () => { await claudeFake?.stop(); });
    const lastSent = async () => JSON.parse((await claudeFake.requests()).at(-1).body);
    const city = { type: 'json_schema', json_schema: { name: 'city', strict: true,
      schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } } };

    it('answers a structured output request with the JSON it asked for, streamed or not', async () => {
      const r = await client.chat.completions.create({ model: 'claude', response_format: city, messages: [{ role: 'user', content: 'Name a city' }] });
      assert.deepEqual(JSON.parse(r.choices[0].message.content), { city: 'Paris' });
      assert.equal(r.choices[0].finish_reason, 'stop');
      assert.equal(r.choices[0].message.tool_calls, undefined, 'the answer is not a tool call for the client');
      const sent = await lastSent();
      assert.deepEqual(sent.tool_choice, { type: 'tool', name: 'plaza_json_answer', disable_parallel_tool_use: true });
      assert.deepEqual(sent.tools[0].input_schema, city.json_schema.schema);

      const stream = await client.chat.completions.create({ model: 'claude', stream: true, response_format: { type: 'json_object' },
        messages: [{ role: 'user', content: 'Name a city as JSON' }] });
      let content = '', finish;
      for await (const chunk of stream) {
        content += chunk.choices[0]?.delta?.content ?? '';
        assert.equal(chunk.choices[0]?.delta?.tool_calls, undefined);
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      assert.deepEqual(JSON.parse(content), { city: 'Paris' });
      assert.equal(finish, 'stop');
    });

    it('streams a call of a tool without parameters with arguments that parse', async () => {
      const stream = await client.chat.completions.create({ model: 'claude', stream: true,
        tools: [{ type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } }],
        tool_choice: { type: 'function', function: { name: 'now' } },
        messages: [{ role: 'user', content: 'What time is it? [[fake:tool_call arguments=""]]' }] });
      let name = '', args = '';
      for await (const chunk of stream) {
        for (const call of chunk.choices[0]?.delta?.tool_calls ?? []) {
          name += call.function?.name ?? '';
          args += call.function?.arguments ?? '';
        }
      }
      assert.equal(name, 'now');
      assert.deepEqual(JSON.parse(args), {});
    });

    it('goes on from earlier tool calls when the request offers no more tools', async () => {
      const r = await client.chat.completions.create({ model: 'claude', messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '18C and sunny' },
        { role: 'user', content: 'Thanks! Summarise.' }] });
      assert.equal(r.choices[0].message.content, 'Hello from fake upstream.');
      const sent = await lastSent();
      assert.deepEqual(sent.tools.map((t) => t.name), ['get_weather']);
      assert.deepEqual(sent.tool_choice, { type: 'none' }, 'declared, and not to be called');
    });
  });

  it('surfaces errors as APIError with OpenAI fields', async () => {
    for (const model of ['no-such-model', 'app/no-such-app']) {
      await assert.rejects(
        client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }),
        (e) => e instanceof OpenAI.APIError && e.status === 404 && e.param === 'model' && e.code === 'model_not_found' &&
          e.message.includes(`'${model}' does not exist`),
      );
    }
    const stranger = new OpenAI({ apiKey: `sk-${'x'.repeat(48)}`, baseURL: `${plaza.url}/v1`, maxRetries: 0 });
    await assert.rejects(stranger.models.list(),
      (e) => e instanceof OpenAI.AuthenticationError && e.status === 401 && e.code === 'invalid_api_key');
  });
});
