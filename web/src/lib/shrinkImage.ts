// Phone photos are several megabytes; the server takes 512 KB an image. A photo over that is drawn
// smaller in the browser and sent as a JPEG, as chat apps do, rather than refused.

/** Whether this browser can redraw an image, and the file is one worth redrawing (a GIF may move). */
export function canShrink(file: { type: string }): boolean {
  return file.type !== 'image/gif' && typeof createImageBitmap === 'function' && typeof document !== 'undefined';
}

/** The longest sides tried, largest first: about what the big models read an image at (Claude 1,568). */
const longestSides = [2048, 1568, 1024, 768, 512];

function encode(bitmap: ImageBitmap, longest: number, quality: number): Promise<Blob | null> {
  const scale = Math.min(1, longest / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  const context = canvas.getContext('2d');
  if (!context) return Promise.resolve(null);
  context.fillStyle = '#fff'; // JPEG has no transparency: what was clear becomes white, not black
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
}

/**
 * The image as a JPEG of at most `maxBytes`, at the largest of `longestSides` that fits, or null
 * when it cannot be read or made small enough.
 */
export async function shrinkImage(file: File, maxBytes: number): Promise<File | null> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return null; // not an image this browser can read
  }
  try {
    for (const longest of longestSides) {
      for (const quality of [0.85, 0.7]) {
        const blob = await encode(bitmap, longest, quality);
        if (blob && blob.size <= maxBytes) return new File([blob], file.name.replace(/\.[^.]*$/, '') + '.jpg', { type: 'image/jpeg' });
      }
    }
    return null;
  } finally {
    bitmap.close();
  }
}
