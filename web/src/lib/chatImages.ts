// The images a chat message may carry. The composer checks them before uploading so a refusal
// is immediate and names the file; the server checks again.
import type { ChatModel } from './api';
import { maxUploadBytes, uploadImageTypes } from './apps';

/** POST /api/chat takes at most this many images with one message. */
export const maxImagesPerMessage = 4;

/** The part of a File the checks read (so tests need no File). */
export interface ImageCandidate {
  name: string;
  type: string;
  size: number;
}

export interface ImageRefusal {
  name: string;
  reason: 'type' | 'size' | 'count';
}

/**
 * Splits chosen files into those to upload and those refused, given how many the message
 * already has. Type and size are checked first, so a file refused for them takes no place.
 */
export function screenImages<T extends ImageCandidate>(
  files: readonly T[],
  attached: number,
  /** A file over the size limit that can be made smaller (see shrinkImage.ts) is accepted. */
  shrinkable: (f: T) => boolean = () => false,
): { accepted: T[]; refused: ImageRefusal[] } {
  const accepted: T[] = [];
  const refused: ImageRefusal[] = [];
  let free = Math.max(0, maxImagesPerMessage - attached);
  for (const f of files) {
    if (!uploadImageTypes.includes(f.type)) refused.push({ name: f.name, reason: 'type' });
    else if (f.size > maxUploadBytes && !shrinkable(f)) refused.push({ name: f.name, reason: 'size' });
    else if (free === 0) refused.push({ name: f.name, reason: 'count' });
    else {
      accepted.push(f);
      free--;
    }
  }
  return { accepted, refused };
}

/**
 * The pictures to attach from a paste. Pasted text wins: office programs put a picture of the
 * copied cells or slide beside their text, and the reader meant the text. Other files are left
 * to the browser, and a picture of a type the server refuses is kept so the reader learns why
 * nothing attached.
 */
export function pastedImages<T extends ImageCandidate>(files: readonly T[], text: string): T[] {
  if (text.trim() !== '') return [];
  return files.filter((f) => f.type.startsWith('image/'));
}

/** The `images` field of a chat request: left out when there are none (older servers know no such field). */
export function imagesField(images: readonly string[] | undefined): { images?: string[] } {
  return images && images.length > 0 ? { images: [...images] } : {};
}

/** Whether a model reads images; a server that does not say sends them to every model. */
export const readsImages = (model: Pick<ChatModel, 'reads_images'>): boolean => model.reads_images !== false;

/**
 * The name of the model `id` when the catalogue says it reads no images, else null. A model the
 * catalogue does not list (not loaded yet, or an app's model hidden from the reader) is given
 * the benefit of the doubt: the server refuses images it cannot send.
 */
export function imagelessModelName(catalogue: readonly ChatModel[] | undefined, id: string): string | null {
  const model = catalogue?.find((m) => m.id === id);
  return model && !readsImages(model) ? model.name || model.id : null;
}
