import { memo, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useI18n } from '../../i18n';
import type { Id, MessageStatus } from '../../lib/api';
import type { ChatNotice } from '../../lib/chat';
import { AppAvatar } from '../apps/AppAvatar';
import { EditIcon, RefreshIcon, SparkIcon } from '../Icons';
import { CopyButton, Markdown } from '../Markdown';
import { enterSends, isTouchScreen } from './composerInput';
import { MessageImages } from './MessageImages';
import { WaitingForAnswer } from './WaitingForAnswer';

export interface ChatMessage {
  /** Stable React key: the server id once known, a local one before. */
  key: string;
  id?: Id;
  role: 'user' | 'assistant';
  content: string;
  /** A user message's images ("/uploads/…" URLs); the content may be empty when there are some. */
  images?: string[];
  model: string;
  prompt_tokens?: number;
  completion_tokens?: number;
  status: MessageStatus | 'streaming';
  /** Why an answer failed, in words for people. */
  error?: string;
  /** What the server said about the answer while it streamed (e.g. that it was cut). */
  notice?: ChatNotice;
  /** Earlier messages this answer was asked without: the model's context had no room for them. */
  leftOut?: number;
  /** Earlier images this answer was asked without: the request would have been too large. */
  imagesLeftOut?: number;
  /** Left by a request the server refused before storing anything: shown for its error until the next message. */
  unsaved?: boolean;
}

interface Props {
  m: ChatMessage;
  modelName: string;
  /** Regenerate is offered on the last message only (an unanswered question, or the last answer). */
  isLast: boolean;
  busy: boolean;
  onRegenerate: () => void;
  /** Resolves false when the reader decided not to (the edit box stays open with what was written). */
  onEdit: (m: ChatMessage, content: string) => Promise<boolean>;
  /** In a chat with an app, its picture stands for the assistant. */
  app?: { avatar: string; title: string } | null;
  /** The name of the model that would answer, when it reads no images (an edit sends its message's again). */
  noImagesModel?: string | null;
}

/** The edit box's height limit: past it, it scrolls. */
const editMaxHeight = 320;

/** Edits a message's text; `mayBeEmpty` when the message has images, which are sent again unchanged. */
function EditBox({
  initial,
  mayBeEmpty,
  blocked,
  busy,
  onCancel,
  onSubmit,
}: {
  initial: string;
  mayBeEmpty: boolean;
  /** Why it cannot be sent as it is (its images, to a model that reads none), or null. */
  blocked: string | null;
  busy: boolean;
  onCancel: () => void;
  onSubmit: (v: string) => void;
}) {
  const { t } = useI18n();
  const [value, setValue] = useState(initial);
  const ref = useRef<HTMLTextAreaElement>(null);
  const [touch] = useState(isTouchScreen);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
  // Grow with the text, as the composer does, so a long question is seen whole while it is edited.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight + el.offsetHeight - el.clientHeight, editMaxHeight)}px`;
  }, [value]);
  const sendable = blocked === null && (mayBeEmpty || value.trim() !== '');
  const submit = () => {
    if (sendable && !busy) onSubmit(value);
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onCancel();
    } else if (enterSends({ key: e.key, shiftKey: e.shiftKey, isComposing: e.nativeEvent.isComposing, keyCode: e.keyCode }, touch)) {
      e.preventDefault();
      submit();
    }
  };
  return (
    <div className="msg-edit">
      <textarea
        ref={ref}
        value={value}
        rows={3}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={onKey}
        aria-label={t('chat.editLabel')}
        data-testid="message-edit-input"
      />
      {blocked && (
        <p className="composer-error" role="alert" data-testid="message-edit-blocked">
          {blocked}
        </p>
      )}
      <div className="msg-edit-actions">
        <button type="button" className="button secondary small" onClick={onCancel} data-testid="message-edit-cancel">
          {t('common.cancel')}
        </button>
        <button type="button" className="button primary small" disabled={busy || !sendable} onClick={submit} data-testid="message-edit-submit">
          {t('chat.editSend')}
        </button>
      </div>
    </div>
  );
}

export const MessageItem = memo(function MessageItem({ m, modelName, isLast, busy, onRegenerate, onEdit, app, noImagesModel = null }: Props) {
  const { t, lang } = useI18n();
  const [editing, setEditing] = useState(false);
  const nf = new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en');

  if (m.role === 'user') {
    const images = m.images ?? [];
    return (
      <article className="msg msg-user" data-testid="message" data-role="user" data-id={m.id ?? ''} data-status={m.status}>
        {editing ? (
          <EditBox
            initial={m.content}
            mayBeEmpty={images.length > 0}
            blocked={images.length > 0 && noImagesModel !== null ? t('chat.noImagesEdit', { model: noImagesModel }) : null}
            busy={busy}
            onCancel={() => setEditing(false)}
            onSubmit={async (v) => {
              if (await onEdit(m, v)) setEditing(false);
            }}
          />
        ) : (
          <>
            <MessageImages images={images} />
            {(m.content || images.length === 0) && (
              <div className="msg-bubble" data-testid="message-content">
                {m.content}
              </div>
            )}
            <div className="msg-actions">
              {m.content && <CopyButton text={m.content} testId="message-copy" className="icon-button tiny" />}
              {m.id !== undefined && (
                <button
                  type="button"
                  className="icon-button tiny"
                  disabled={busy}
                  onClick={() => setEditing(true)}
                  aria-label={t('chat.edit')}
                  title={t('chat.edit')}
                  data-testid="message-edit"
                >
                  <EditIcon />
                </button>
              )}
              {isLast && m.id !== undefined && (
                <button
                  type="button"
                  className="icon-button tiny"
                  disabled={busy}
                  onClick={onRegenerate}
                  aria-label={t('chat.answerAgain')}
                  title={t('chat.answerAgain')}
                  data-testid="message-regenerate"
                >
                  <RefreshIcon />
                </button>
              )}
            </div>
          </>
        )}
      </article>
    );
  }

  const streaming = m.status === 'streaming';
  const tokens = (m.prompt_tokens ?? 0) + (m.completion_tokens ?? 0) > 0;
  return (
    <article
      className={`msg msg-assistant${streaming ? ' is-streaming' : ''}`}
      data-testid="message"
      data-role="assistant"
      data-id={m.id ?? ''}
      data-status={m.status}
      aria-busy={streaming || undefined}
    >
      <div className="msg-avatar" aria-hidden="true">
        {app ? <AppAvatar avatar={app.avatar} title={app.title} size="sm" /> : <SparkIcon />}
      </div>
      <div className="msg-body">
        <div className="msg-meta">
          <span className="msg-model">{modelName}</span>
          {m.status === 'cancelled' && (
            <span className="badge badge-expired" data-testid="message-status">
              {t('chat.statusStopped')}
            </span>
          )}
          {m.status === 'error' && (
            <span className="badge badge-revoked" data-testid="message-status">
              {t('chat.statusError')}
            </span>
          )}
        </div>
        <div className="msg-content" data-testid="message-content">
          {m.content ? <Markdown text={m.content} /> : null}
          {streaming && !m.content && <WaitingForAnswer />}
          {m.status === 'cancelled' && !m.content && <p className="muted small">{t('chat.stoppedEmpty')}</p>}
        </div>
        {m.status === 'error' && (
          <div className="msg-error" role="alert" data-testid="message-error">
            {m.error || t('chat.failed')}
          </div>
        )}
        {m.notice && (
          <div className="msg-notice" role="status" data-testid="message-notice" data-code={m.notice.code} title={m.notice.message || undefined}>
            {m.notice.code === 'preset_leak' ? t('chat.noticePresetLeak') : m.notice.message || m.notice.code}
          </div>
        )}
        {!streaming && (
          <div className="msg-footer">
            <div className="msg-actions">
              {m.content && <CopyButton text={m.content} testId="message-copy" className="icon-button tiny" />}
              {isLast && (
                <button
                  type="button"
                  className="icon-button tiny"
                  disabled={busy}
                  onClick={onRegenerate}
                  aria-label={t('chat.regenerate')}
                  title={t('chat.regenerate')}
                  data-testid="message-regenerate"
                >
                  <RefreshIcon />
                </button>
              )}
            </div>
            {!!m.leftOut && (
              <span className="msg-tokens" data-testid="message-left-out" title={t('chat.leftOutTitle')}>
                {t('chat.leftOut', { n: nf.format(m.leftOut) })}
              </span>
            )}
            {!!m.imagesLeftOut && (
              <span className="msg-tokens" data-testid="message-images-left-out" title={t('chat.imagesLeftOutTitle')}>
                {t('chat.imagesLeftOut', { n: nf.format(m.imagesLeftOut) })}
              </span>
            )}
            {tokens && (
              <span
                className="msg-tokens"
                data-testid="message-tokens"
                title={t('chat.tokensTitle', { prompt: m.prompt_tokens ?? 0, completion: m.completion_tokens ?? 0 })}
              >
                {t('chat.tokens', { prompt: nf.format(m.prompt_tokens ?? 0), completion: nf.format(m.completion_tokens ?? 0) })}
              </span>
            )}
          </div>
        )}
      </div>
    </article>
  );
});
