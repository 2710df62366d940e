// The avatar field: type an emoji, or upload a small image (it becomes a /uploads/ path).
import { useRef, useState, type ChangeEvent } from 'react';
import { useI18n } from '../../i18n';
import { maxUploadBytes, uploadImage, uploadImageTypes } from '../../lib/apps';
import { describeError } from '../../lib/errors';
import { AppAvatar } from '../apps/AppAvatar';

export function AvatarInput({
  value,
  title,
  error,
  onChange,
  onBlur,
}: {
  value: string;
  title: string;
  error?: string;
  onChange: (v: string) => void;
  onBlur: () => void;
}) {
  const { t } = useI18n();
  const [uploading, setUploading] = useState(false);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const file = useRef<HTMLInputElement>(null);

  const upload = async (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    e.target.value = ''; // choosing the same file again still fires
    if (!f) return;
    setUploadError(null);
    if (!uploadImageTypes.includes(f.type)) return setUploadError(t('studio.avatarType'));
    if (f.size > maxUploadBytes) return setUploadError(t('studio.avatarTooBig'));
    setUploading(true);
    try {
      onChange(await uploadImage(f));
    } catch (err) {
      setUploadError(describeError(err, t).message);
    } finally {
      setUploading(false);
    }
  };

  const shown = error ?? uploadError ?? undefined;
  return (
    <div className={`field${shown ? ' has-error' : ''}`}>
      <label htmlFor="f-avatar">{t('studio.avatar')}</label>
      <div className="avatar-input">
        <AppAvatar avatar={value} title={title} size="lg" />
        <input
          id="f-avatar"
          name="avatar"
          value={value}
          maxLength={256}
          placeholder="🤖"
          onChange={(e) => onChange(e.target.value)}
          onBlur={onBlur}
          aria-describedby="f-avatar-hint"
          data-testid="field-avatar"
        />
        <button type="button" className="button secondary small" disabled={uploading} onClick={() => file.current?.click()} data-testid="avatar-upload-button">
          {uploading ? t('studio.uploading') : t('studio.upload')}
        </button>
        <input ref={file} type="file" accept={uploadImageTypes.join(',')} className="sr-only" tabIndex={-1} onChange={(e) => void upload(e)} data-testid="avatar-upload" />
      </div>
      {shown ? (
        <p className="field-error" data-testid="error-avatar">
          {shown}
        </p>
      ) : (
        <p className="hint" id="f-avatar-hint">
          {t('studio.avatarHint')}
        </p>
      )}
    </div>
  );
}
