import { describe, expect, test } from 'vitest';
import { maxUploadBytes } from './apps';
import type { ChatModel } from './api';
import { imagelessModelName, imagesField, maxImagesPerMessage, pastedImages, readsImages, screenImages } from './chatImages';

const png = (name: string, size = 1000) => ({ name, type: 'image/png', size });

describe('screenImages', () => {
  test('accepts the four image types the upload endpoint takes', () => {
    const files = ['png', 'jpeg', 'gif', 'webp'].map((ext) => ({ name: `a.${ext}`, type: `image/${ext}`, size: 10 }));
    expect(screenImages(files, 0)).toEqual({ accepted: files, refused: [] });
  });

  test('refuses other types by name, an SVG too', () => {
    const r = screenImages([{ name: 'x.svg', type: 'image/svg+xml', size: 10 }, { name: 'n.txt', type: 'text/plain', size: 10 }, png('ok.png')], 0);
    expect(r.accepted.map((f) => f.name)).toEqual(['ok.png']);
    expect(r.refused).toEqual([
      { name: 'x.svg', reason: 'type' },
      { name: 'n.txt', reason: 'type' },
    ]);
  });

  test('takes a file of exactly 512 KB and refuses one byte more', () => {
    const r = screenImages([png('edge.png', maxUploadBytes), png('big.png', maxUploadBytes + 1)], 0);
    expect(r.accepted.map((f) => f.name)).toEqual(['edge.png']);
    expect(r.refused).toEqual([{ name: 'big.png', reason: 'size' }]);
  });

  test('fills the free places in order and refuses the rest', () => {
    expect(maxImagesPerMessage).toBe(4);
    const r = screenImages([png('1.png'), png('2.png'), png('3.png')], 2);
    expect(r.accepted.map((f) => f.name)).toEqual(['1.png', '2.png']);
    expect(r.refused).toEqual([{ name: '3.png', reason: 'count' }]);
    expect(screenImages([png('5.png')], 4).refused).toEqual([{ name: '5.png', reason: 'count' }]);
  });

  test('takes a file over the limit that can be made smaller, and still refuses one that cannot', () => {
    const big = [png('photo.jpg', 3_000_000), { name: 'moving.gif', type: 'image/gif', size: 3_000_000 }];
    const r = screenImages(big, 0, (f) => f.type !== 'image/gif');
    expect(r.accepted.map((f) => f.name)).toEqual(['photo.jpg']);
    expect(r.refused).toEqual([{ name: 'moving.gif', reason: 'size' }]);
  });

  test('a refused file takes no place', () => {
    const r = screenImages([png('big.png', maxUploadBytes + 1), png('a.png'), png('b.png')], 3);
    expect(r.accepted.map((f) => f.name)).toEqual(['a.png']);
    expect(r.refused.map((x) => x.reason)).toEqual(['size', 'count']);
  });
});

test('pastedImages keeps pictures of any type and leaves other files to the browser', () => {
  const files = [png('a.png'), { name: 'b.bmp', type: 'image/bmp', size: 1 }, { name: 'c.pdf', type: 'application/pdf', size: 1 }];
  expect(pastedImages(files, '').map((f) => f.name)).toEqual(['a.png', 'b.bmp']);
});

test('pastedImages leaves a paste with text to the text (a spreadsheet also offers a picture of it)', () => {
  expect(pastedImages([png('cells.png')], 'A1\tB1')).toEqual([]);
  expect(pastedImages([png('shot.png')], '  ')).toHaveLength(1);
});

test('imagesField leaves the field out when there are no images', () => {
  expect(imagesField([])).toEqual({});
  expect(imagesField(undefined)).toEqual({});
  expect(imagesField(['/uploads/a.png'])).toEqual({ images: ['/uploads/a.png'] });
});

describe('models that read no images', () => {
  const model = (id: string, over: Partial<ChatModel> = {}): ChatModel => ({ id, name: '', description: '', icon: '', context_length: 0, ...over });
  const catalogue = [model('vision', { reads_images: true }), model('text-only', { name: 'Text Only', reads_images: false }), model('plain-id', { reads_images: false }), model('older-server')];

  test('a model reads images unless the server says it does not', () => {
    expect(catalogue.map(readsImages)).toEqual([true, false, false, true]);
  });

  test('imagelessModelName names the model by its name, else its id', () => {
    expect(imagelessModelName(catalogue, 'text-only')).toBe('Text Only');
    expect(imagelessModelName(catalogue, 'plain-id')).toBe('plain-id');
  });

  test('imagelessModelName refuses nothing for a model that reads them, or one it does not know', () => {
    expect(imagelessModelName(catalogue, 'vision')).toBeNull();
    expect(imagelessModelName(catalogue, 'older-server')).toBeNull();
    expect(imagelessModelName(catalogue, 'an-apps-hidden-model')).toBeNull();
    expect(imagelessModelName(undefined, 'text-only')).toBeNull();
    expect(imagelessModelName(catalogue, '')).toBeNull();
  });
});
