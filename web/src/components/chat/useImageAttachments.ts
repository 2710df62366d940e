// The images attached to the message being written: each is uploaded as soon as it is chosen,
// so sending only has to name the uploaded URLs.
import { useCallback, useRef, useState } from 'react';
import { useI18n } from '../../i18n';
import { uploadImage } from '../../lib/apps';
import { maxImagesPerMessage, screenImages, type ImageRefusal } from '../../lib/chatImages';
import { describeError } from '../../lib/errors';

export interface Attachment {
  key: string;
  /** The uploaded image's "/uploads/…" URL; null while it uploads. */
  url: string | null;
}

let keySeq = 0;

export function useImageAttachments() {
  const { t } = useI18n();
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const [error, setError] = useState<string | null>(null);
  // The list as of the last change, not the last render: two quick picks must both count
  // against the limit.
  const latest = useRef<Attachment[]>([]);
  const change = useCallback((f: (as: Attachment[]) => Attachment[]) => {
    latest.current = f(latest.current);
    setAttachments(latest.current);
  }, []);

  const refusalText = (r: ImageRefusal) =>
    r.reason === 'type'
      ? t('chat.imageType', { name: r.name })
      : r.reason === 'size'
        ? t('chat.imageTooBig', { name: r.name })
        : t('chat.imageTooMany', { max: maxImagesPerMessage });

  const add = (files: File[]) => {
    const { accepted, refused } = screenImages(files, latest.current.length);
    setError(refused.length > 0 ? refusalText(refused[0]) : null);
    for (const file of accepted) {
      const key = `image-${++keySeq}`;
      change((as) => [...as, { key, url: null }]);
      // A result for an attachment removed meanwhile finds no entry and changes nothing.
      uploadImage(file).then(
        (url) => change((as) => as.map((a) => (a.key === key ? { ...a, url } : a))),
        (e: unknown) => {
          change((as) => as.filter((a) => a.key !== key));
          setError(describeError(e, t).message);
        },
      );
    }
  };

  const remove = (key: string) => {
    change((as) => as.filter((a) => a.key !== key));
    setError(null);
  };

  const clear = () => {
    change(() => []);
    setError(null);
  };

  return {
    attachments,
    error,
    uploading: attachments.some((a) => a.url === null),
    urls: attachments.flatMap((a) => (a.url ? [a.url] : [])),
    add,
    remove,
    clear,
  };
}
