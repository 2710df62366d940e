import { describe, expect, test } from 'vitest';
import { settleUpload, uploadedAttachments, uploadedUrls, type Attachment } from './attachmentList';

const pending = (key: string): Attachment => ({ key, url: null });
const ready = (key: string, url: string): Attachment => ({ key, url });

describe('settleUpload', () => {
  test('gives the finished attachment its URL in place', () => {
    const r = settleUpload([ready('a', '/uploads/1.png'), pending('b'), pending('c')], 'b', '/uploads/2.png');
    expect(r).toEqual({ list: [ready('a', '/uploads/1.png'), ready('b', '/uploads/2.png'), pending('c')], duplicate: false });
  });

  test('drops the later copy of an image attached already (the server gave the same URL)', () => {
    const r = settleUpload([ready('a', '/uploads/1.png'), pending('b')], 'b', '/uploads/1.png');
    expect(r).toEqual({ list: [ready('a', '/uploads/1.png')], duplicate: true });
  });

  test('the copy that finishes first stays, wherever it was attached', () => {
    const first = settleUpload([pending('a'), pending('b')], 'b', '/uploads/1.png');
    expect(first.duplicate).toBe(false);
    const second = settleUpload(first.list, 'a', '/uploads/1.png');
    expect(second).toEqual({ list: [ready('b', '/uploads/1.png')], duplicate: true });
  });

  test('an attachment removed while it uploaded stays removed', () => {
    const list = [ready('a', '/uploads/1.png')];
    expect(settleUpload(list, 'gone', '/uploads/1.png')).toEqual({ list, duplicate: false });
    expect(settleUpload([], 'gone', '/uploads/2.png')).toEqual({ list: [], duplicate: false });
  });
});

test('uploadedUrls names the finished uploads in order and skips those still uploading', () => {
  expect(uploadedUrls([ready('a', '/uploads/1.png'), pending('b'), ready('c', '/uploads/3.gif')])).toEqual(['/uploads/1.png', '/uploads/3.gif']);
  expect(uploadedUrls([])).toEqual([]);
});

test('uploadedAttachments turns given-back URLs into ready attachments under new keys', () => {
  let n = 0;
  const list = uploadedAttachments(['/uploads/1.png', '/uploads/2.webp'], () => `k${++n}`);
  expect(list).toEqual([ready('k1', '/uploads/1.png'), ready('k2', '/uploads/2.webp')]);
  expect(uploadedUrls(list)).toEqual(['/uploads/1.png', '/uploads/2.webp']);
});
