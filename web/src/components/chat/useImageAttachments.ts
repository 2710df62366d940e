// The images attached to the message being written: each is uploaded as soon as it is chosen,
// so sending only has to name the uploaded URLs.
import { useCallback, useRef, useState } from 'react';
import { useI18n } from '../../i18n';
import { maxUploadBytes, uploadImage } from '../../lib/apps';
import { maxImagesPerMessage, screenImages, type ImageRefusal } from '../../lib/chatImages';
import { describeError } from '../../lib/errors';
import { canShrink, shrinkImage } from '../../lib/shrinkImage';
import { settleUpload, uploadedAttachments, uploadedUrls, type Attachment } from './attachmentList';

/** A photo that could not be made small enough to upload (its name is the message). */
class TooBig extends Error {}

let keySeq = 0;
const newKey = () => `image-${++keySeq}`;

export function useImageAttachments() {
  const { t } = useI18n();
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const [error, setError] = useState<string | null>(null);
  // The list as of the last change, not the last render: two quick picks must both count
  // against the limit, and an upload finishing late must see what was removed meanwhile.
  const latest = useRef<Attachment[]>([]);
  const change = useCallback((f: (as: Attachment[]) => Attachment[]) => {
    latest.current = f(latest.current);
    setAttachments(latest.current);
  }, []);
  const attached = (key: string) => latest.current.some((a) => a.key === key);

  const refusalText = (r: ImageRefusal) =>
    r.reason === 'type'
      ? t('chat.imageType', { name: r.name })
      : r.reason === 'size'
        ? t('chat.imageTooBig', { name: r.name })
        : t('chat.imageTooMany', { max: maxImagesPerMessage });

  const add = (files: File[]) => {
    const { accepted, refused } = screenImages(files, latest.current.length, canShrink);
    setError(refused.length > 0 ? refusalText(refused[0]) : null);
    for (const file of accepted) {
      const key = newKey();
      change((as) => [...as, { key, url: null }]);
      const small = file.size <= maxUploadBytes ? Promise.resolve(file) : shrinkImage(file, maxUploadBytes);
      small.then(async (fit) => {
        if (!fit) throw new TooBig(file.name);
        return uploadImage(fit);
      }).then(
        (url) => {
          const settled = settleUpload(latest.current, key, url);
          if (settled.duplicate) setError(t('chat.imageAlreadyAttached'));
          change(() => settled.list);
        },
        (e: unknown) => {
          // Removed (or cleared with its conversation) meanwhile: its failure is no news.
          if (!attached(key)) return;
          change((as) => as.filter((a) => a.key !== key));
          setError(e instanceof TooBig ? refusalText({ name: e.message, reason: 'size' }) : describeError(e, t).message);
        },
      );
    }
  };

  const remove = (key: string) => {
    change((as) => as.filter((a) => a.key !== key));
    setError(null);
  };

  // Stable: the page calls it through the composer's handle when the conversation changes.
  const clear = useCallback(() => {
    change(() => []);
    setError(null);
  }, [change]);

  /** Says why files were not attached, when the composer refuses them itself (a model that reads none). */
  const refuse = useCallback((message: string) => setError(message), []);
  const dismissError = useCallback(() => setError(null), []);

  /**
   * Puts back the images of a message the server refused (they are uploaded already), unless
   * others were attached since: those are the newer thought. Says whether it did.
   */
  const giveBack = (urls: readonly string[]) => {
    if (latest.current.length > 0) return false;
    change(() => uploadedAttachments(urls, newKey));
    return true;
  };

  return {
    attachments,
    error,
    uploading: attachments.some((a) => a.url === null),
    urls: uploadedUrls(attachments),
    add,
    remove,
    clear,
    refuse,
    dismissError,
    giveBack,
  };
}
