// The studio's live preview: a small chat with the app through /api/chat, which for its owner
// answers from the saved draft. Each preview is a conversation of the owner's like any other.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n';
import type { Id } from '../../lib/api';
import type { App } from '../../lib/apps';
import { streamChat, type ChatNotice } from '../../lib/chat';
import { describeError } from '../../lib/errors';
import { AppOpening } from '../chat/AppIntro';
import { Markdown } from '../Markdown';
import { SmallButton } from '../Table';

interface Turn {
  key: number;
  role: 'user' | 'assistant';
  content: string;
  status: 'ok' | 'streaming' | 'error' | 'cancelled';
  error?: string;
  notice?: ChatNotice;
}

let seq = 0;

export function PreviewChat({ app, dirty }: { app: App; dirty: boolean }) {
  const { t } = useI18n();
  const [turns, setTurns] = useState<Turn[]>([]);
  const [text, setText] = useState('');
  const [streaming, setStreaming] = useState(false);
  const conversation = useRef<Id | null>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const ask = async (question: string) => {
    if (!question.trim() || streaming) return;
    const answerKey = ++seq;
    setTurns((ts) => [...ts, { key: ++seq, role: 'user', content: question, status: 'ok' }, { key: answerKey, role: 'assistant', content: '', status: 'streaming' }]);
    setText('');
    const update = (f: (a: Turn) => Turn) => setTurns((ts) => ts.map((x) => (x.key === answerKey ? f(x) : x)));
    const ac = new AbortController();
    abort.current = ac;
    setStreaming(true);
    try {
      const id = conversation.current;
      const ending = await streamChat(
        id === null ? { app: app.slug, content: question } : { conversation_id: id, content: question },
        {
          onMeta: (m) => (conversation.current = m.conversation_id),
          onDelta: (d) => update((a) => ({ ...a, content: a.content + d })),
          onNotice: (n) => update((a) => ({ ...a, notice: n })),
          onError: (e) => update((a) => ({ ...a, status: 'error', error: e.message || e.code })),
          onDone: (m) => update((a) => ({ ...a, content: m.content, status: 'ok' })),
        },
        ac.signal,
      );
      if (ending === 'noticed') update((a) => ({ ...a, status: 'ok' }));
      if (ending === 'aborted') update((a) => ({ ...a, status: 'cancelled' }));
      if (ending === 'cut') update((a) => ({ ...a, status: 'error', error: t('chat.connectionLost') }));
    } catch (e) {
      update((a) => ({ ...a, status: 'error', error: describeError(e, t).message }));
    } finally {
      setStreaming(false);
      abort.current = null;
    }
  };

  const restart = () => {
    abort.current?.abort();
    conversation.current = null;
    setTurns([]);
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void ask(text);
  };

  return (
    <section className="card preview" data-testid="preview-panel">
      <div className="row spread">
        <h2>{t('studio.preview')}</h2>
        <SmallButton kind="secondary" onClick={restart} disabled={turns.length === 0} data-testid="preview-reset">
          {t('studio.previewRestart')}
        </SmallButton>
      </div>
      <p className="muted small">{dirty ? t('studio.previewUnsaved') : t('studio.previewHint')}</p>
      <div className="preview-log" aria-live="polite">
        {turns.length === 0 && <AppOpening app={app} />}
        {turns.length === 0 && app.suggested_questions.length > 0 && (
          <div className="suggestions">
            {app.suggested_questions.map((q) => (
              <button key={q} type="button" className="suggestion" disabled={streaming} onClick={() => void ask(q)} data-testid="preview-suggestion">
                {q}
              </button>
            ))}
          </div>
        )}
        {turns.map((m) => (
          <div key={m.key} className={`preview-turn ${m.role}`} data-testid="preview-message" data-role={m.role} data-status={m.status}>
            {m.role === 'user' ? <div className="msg-bubble">{m.content}</div> : m.content ? <Markdown text={m.content} /> : m.status === 'streaming' ? <span className="muted">{t('chat.thinking')}</span> : null}
            {m.status === 'error' && (
              <div className="msg-error" role="alert" data-testid="preview-error">
                {m.error || t('chat.failed')}
              </div>
            )}
            {m.notice && (
              <div className="msg-notice" role="status" data-testid="preview-notice" data-code={m.notice.code}>
                {m.notice.code === 'preset_leak' ? t('chat.noticePresetLeak') : m.notice.message || m.notice.code}
              </div>
            )}
          </div>
        ))}
      </div>
      <form className="preview-form" onSubmit={onSubmit}>
        <label htmlFor="preview-input" className="sr-only">
          {t('chat.inputLabel')}
        </label>
        <input id="preview-input" value={text} onChange={(e) => setText(e.target.value)} placeholder={t('chat.placeholder')} autoComplete="off" data-testid="preview-input" />
        {streaming ? (
          <button type="button" className="button secondary" onClick={() => abort.current?.abort()} data-testid="preview-stop">
            {t('chat.stop')}
          </button>
        ) : (
          <button type="submit" className="button primary" disabled={!text.trim()} data-testid="preview-send">
            {t('chat.send')}
          </button>
        )}
      </form>
    </section>
  );
}
