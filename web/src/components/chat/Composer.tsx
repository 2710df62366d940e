import { forwardRef, useImperativeHandle, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useI18n } from '../../i18n';
import { SendIcon, StopIcon } from '../Icons';

interface Props {
  streaming: boolean;
  disabled: boolean;
  placeholder: string;
  onSend: (text: string) => boolean | void;
  onStop: () => void;
}

export interface ComposerHandle {
  focus: () => void;
}

const maxHeight = 220;

/** The message box: Enter sends, Shift+Enter is a new line; it can't send while an answer streams. */
export const Composer = forwardRef<ComposerHandle, Props>(function Composer({ streaming, disabled, placeholder, onSend, onStop }, ref) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const area = useRef<HTMLTextAreaElement>(null);
  useImperativeHandle(ref, () => ({ focus: () => area.current?.focus() }), []);

  // Grow with the text up to a limit, then scroll.
  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, maxHeight)}px`;
  }, [text]);

  const canSend = !disabled && !streaming && text.trim().length > 0;
  const send = () => {
    if (!canSend) return;
    if (onSend(text) !== false) setText('');
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter while an input method is composing (Chinese, Japanese…) picks a candidate instead.
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      send();
    }
  };

  return (
    <form
      className={`composer${disabled ? ' is-disabled' : ''}`}
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
      data-testid="composer"
    >
      <label htmlFor="chat-input" className="sr-only">
        {t('chat.inputLabel')}
      </label>
      <textarea
        id="chat-input"
        ref={area}
        rows={1}
        value={text}
        placeholder={placeholder}
        disabled={disabled}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKey}
        data-testid="chat-input"
        enterKeyHint="send"
      />
      {/* Distinct keys: the Stop click must not land on a Send button reusing its element. */}
      {streaming ? (
        <button key="stop" type="button" className="composer-button stop" onClick={onStop} aria-label={t('chat.stop')} title={t('chat.stop')} data-testid="chat-stop">
          <StopIcon />
        </button>
      ) : (
        <button key="send" type="submit" className="composer-button" disabled={!canSend} aria-label={t('chat.send')} title={t('chat.send')} data-testid="chat-send">
          <SendIcon />
        </button>
      )}
    </form>
  );
});
