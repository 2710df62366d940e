import { expect, test } from 'vitest';
import { translate } from '../i18n';
import { ApiError, NetworkError } from './api';
import { describeError, describeStreamError, isConversationBusy } from './errors';

const zh = (key: Parameters<typeof translate>[1], params?: Parameters<typeof translate>[2]) => translate('zh', key, params);

test('an upstream failure is said in the reader\'s language, with the upstream\'s own reason after it', () => {
  const e = new ApiError(502, 'upstream_error', 'the upstream could not be reached');
  expect(describeError(e, zh).message).toBe(zh('error.upstreamFailed'));
  expect(describeError(new ApiError(502, 'upstream_error', 'the upstream failed (503)'), zh).message).toBe('模型服务出错（HTTP 503）。');
  expect(describeError(new ApiError(502, 'upstream_error', 'the upstream failed mid-stream: Overloaded'), zh).message).toBe('模型服务出错：Overloaded');
  expect(describeError(new ApiError(502, 'upstream_error', 'no upstream channel could serve the request'), zh).message).toBe(zh('error.upstreamFailed'));
  // The upstream's own words cannot be translated, and may say what to change.
  const own = new ApiError(400, 'upstream_error', "This model's maximum context length is 8192 tokens");
  expect(describeError(own, zh).message).toBe("模型服务出错：This model's maximum context length is 8192 tokens");
  expect(describeError(new ApiError(504, 'upstream_timeout', 'the upstream timed out'), zh).message).toBe('模型服务响应超时：the upstream timed out');
});

test('a conversation answering in another tab is told apart from the other conflicts of a chat', () => {
  const busy = new ApiError(409, 'conflict', 'this conversation is already answering; stop it first', 'conversation_id');
  expect(isConversationBusy(busy)).toBe(true);
  expect(describeError(busy, zh).message).toBe(zh('error.conversationBusy'));
  const full = new ApiError(409, 'conflict', 'this conversation has reached 1,000 messages: start a new one');
  expect(isConversationBusy(full)).toBe(false);
  expect(describeError(full, zh).message).toBe(full.message);
});

test('an upload that is not an image is said in the reader\'s language', () => {
  const e = new ApiError(415, 'unsupported_media_type', 'only PNG, JPEG, GIF and WebP images', 'file');
  expect(describeError(e, zh).message).toBe(zh('error.notAnImage'));
  const json = new ApiError(415, 'unsupported_media_type', 'send the body as application/json');
  expect(describeError(json, zh).message).toBe(json.message);
});

test('the kinds of too large are told apart by the field the server names', () => {
  expect(describeError(new ApiError(413, 'payload_too_large', 'the message is too long', 'content'), zh).message).toBe('这条消息太长，无法发送。');
  const grown = new ApiError(413, 'payload_too_large', 'this conversation has grown too long to go on: start a new one', 'conversation_id');
  expect(describeError(grown, zh).message).toBe('这个对话已经太长，无法继续：请开始新对话。');
  const unnamed = new ApiError(413, 'payload_too_large', 'this conversation has grown too long to go on: start a new one');
  expect(describeError(unnamed, zh).message).toBe(unnamed.message); // the words alone decide nothing
  const images = new ApiError(413, 'payload_too_large', 'this message and its images are too large to send', 'images');
  expect(describeError(images, zh).message).toBe(zh('error.imagesTooLarge'));
  const body = new ApiError(413, 'payload_too_large', 'the request body is too large');
  expect(describeError(body, zh).message).toBe('the request body is too large');
});

test('what the UI does not know is the server\'s own words, with the field it names', () => {
  const e = new ApiError(400, 'invalid_request', "the model 'x' reads no images", 'images');
  expect(describeError(e, zh)).toEqual({ message: "the model 'x' reads no images", field: 'images' });
  expect(describeError(new NetworkError(), zh).message).toBe(zh('error.network'));
});

test('the model\'s service rate limiting is not the site\'s own limit', () => {
  const busy = new ApiError(429, 'rate_limited', 'the upstream is rate limiting; try again shortly', 'model', 7);
  expect(describeError(busy, zh).message).toBe(zh('error.upstreamBusy', { seconds: 7 }));
  expect(describeError(new ApiError(429, 'rate_limited', 'x', 'model'), zh).message).toBe(zh('error.upstreamBusyShort'));
  const site = new ApiError(429, 'rate_limited', 'too many requests; slow down', undefined, 5);
  expect(describeError(site, zh).message).toBe(zh('error.rateLimited', { seconds: 5 }));
});

test('an error event that ends a stream is said in the reader\'s language where the UI knows its code', () => {
  expect(describeStreamError({ code: 'upstream_error', message: 'the upstream failed (500)' }, zh)).toBe('模型服务出错（HTTP 500）。');
  expect(describeStreamError({ code: 'upstream_error', message: 'the upstream broke off its answer' }, zh)).toBe(zh('error.upstreamFailed'));
  expect(describeStreamError({ code: 'upstream_timeout', message: 'late' }, zh)).toBe('模型服务响应超时：late');
  expect(describeStreamError({ code: 'internal', message: 'something broke' }, zh)).toBe('something broke');
  expect(describeStreamError({ code: 'internal', message: '' }, zh)).toBe('internal');
});
