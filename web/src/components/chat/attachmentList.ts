// The composer's list of attached images, changed as uploads finish and a refused message's
// images come back. Pure, so the rules are tested without a browser.

export interface Attachment {
  key: string;
  /** The uploaded image's "/uploads/…" URL; null while it uploads. */
  url: string | null;
}

/**
 * The list once the upload of `key` gave `url`. The server names an upload by its bytes, so the
 * same file attached twice comes back with the same URL and the message would carry it once (a
 * reload shows one image): the later copy is dropped, and `duplicate` says so. An attachment
 * removed while it uploaded stays removed.
 */
export function settleUpload(list: readonly Attachment[], key: string, url: string): { list: Attachment[]; duplicate: boolean } {
  if (!list.some((a) => a.key === key)) return { list: [...list], duplicate: false };
  if (list.some((a) => a.key !== key && a.url === url)) return { list: list.filter((a) => a.key !== key), duplicate: true };
  return { list: list.map((a) => (a.key === key ? { ...a, url } : a)), duplicate: false };
}

/** The URLs a message sends: the finished uploads, in the order they were attached. */
export const uploadedUrls = (list: readonly Attachment[]): string[] => list.flatMap((a) => (a.url ? [a.url] : []));

/** Attachments for images already uploaded (a refused message's, given back), each under a new key. */
export const uploadedAttachments = (urls: readonly string[], newKey: () => string): Attachment[] =>
  urls.map((url) => ({ key: newKey(), url }));
