import { forwardRef, useEffect, useImperativeHandle, useLayoutEffect, useRef, useState, type ChangeEvent, type ClipboardEvent, type KeyboardEvent, type MouseEvent } from 'react';
import { useI18n } from '../../i18n';
import { uploadImageTypes } from '../../lib/apps';
import { pastedImages } from '../../lib/chatImages';
import { ImageIcon, SendIcon, StopIcon } from '../Icons';
import { ComposerAttachments } from './ComposerAttachments';
import { enterSends, isStrayStopClick, isTouchScreen } from './composerInput';
import { useDraft } from './useDraft';
import { useImageAttachments } from './useImageAttachments';

interface Props {
  streaming: boolean;
  disabled: boolean;
  placeholder: string;
  /** The name of the model that will answer when it reads no images (none can be attached or sent), else null. */
  noImagesModel: string | null;
  /**
   * `images` are the uploaded images' URLs. False keeps the message in the composer (it was not
   * taken); otherwise the composer empties at once, and `onRefused` is to be called if the server
   * then refuses the message before storing anything: the composer takes the text and the images
   * (uploaded already) back, so nothing has to be written or picked again, and says whether it did.
   */
  onSend: (text: string, images: string[], onRefused: () => boolean) => boolean | void;
  onStop: () => void;
}

export interface ComposerHandle {
  focus: () => void;
  /**
   * Writes for another chat (`draftKey` from lib/chatDrafts): its own draft comes back, and the
   * attached images and their error go (they were meant for the chat left).
   */
  open: (draftKey: string) => void;
  /** The chat in view got a new key (a new chat its id): what is written and attached stays. */
  adopt: (draftKey: string) => void;
  /** Attaches files dropped on the chat, as chosen ones are. */
  attach: (files: File[]) => void;
}

const maxHeight = 220;

/**
 * The message box: Enter sends, Shift+Enter is a new line (on a touch screen Enter is a new line
 * and the button sends); it can't send while an answer streams
 * or an attached image is still uploading. Images are attached with the button, by pasting or by
 * dropping them on the chat, unless the model reads none.
 */
export const Composer = forwardRef<ComposerHandle, Props>(function Composer({ streaming, disabled, placeholder, noImagesModel, onSend, onStop }, ref) {
  const { t } = useI18n();
  const { text, latest: latestText, setText, open, adopt } = useDraft();
  const area = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const images = useImageAttachments();
  const [touch] = useState(isTouchScreen);
  // When the Stop button took the Send button's place: a tap on it just after may be the end of a double tap on Send.
  const stopShownAt = useRef(0);
  useLayoutEffect(() => {
    if (streaming) stopShownAt.current = performance.now();
  }, [streaming]);
  const noImages = noImagesModel === null ? null : t('chat.noImages', { model: noImagesModel });
  // Images attached before the model was changed for one that reads none: said, not dropped.
  const imagesBlocked = noImagesModel !== null && images.attachments.length > 0;
  // What was said of the model left behind says nothing of the one chosen now.
  const { dismissError } = images;
  useEffect(() => dismissError(), [noImagesModel, dismissError]);

  // Every way of attaching comes here, so they refuse alike.
  const attach = (files: File[]) => {
    if (disabled || files.length === 0) return;
    if (noImages) images.refuse(noImages);
    else images.add(files);
  };
  const attachRef = useRef(attach);
  attachRef.current = attach;
  useImperativeHandle(
    ref,
    () => ({
      focus: () => area.current?.focus(),
      open: (key: string) => {
        open(key);
        images.clear();
      },
      adopt,
      attach: (files: File[]) => attachRef.current(files),
    }),
    [open, adopt, images.clear],
  );

  // Grow with the text up to a limit, then scroll.
  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, maxHeight)}px`;
  }, [text]);

  const canSend = !disabled && !streaming && !images.uploading && !imagesBlocked && (text.trim().length > 0 || images.urls.length > 0);
  const send = () => {
    if (!canSend) return;
    const sent = text;
    const urls = images.urls;
    // A refused message comes back only into an empty composer: what was written or attached
    // while the server answered is newer, and is not overwritten.
    const takeBack = () => {
      if (latestText.current.trim() !== '' || !images.giveBack(urls)) return false;
      setText(sent);
      return true;
    };
    if (onSend(sent, urls, takeBack) !== false) {
      setText('');
      images.clear();
    }
  };
  const choose = (e: ChangeEvent<HTMLInputElement>) => {
    const files = [...(e.target.files ?? [])];
    e.target.value = ''; // choosing the same file again still fires
    attach(files);
  };
  const onPaste = (e: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = pastedImages([...e.clipboardData.files], e.clipboardData.getData('text/plain'));
    if (files.length === 0) return; // the browser pastes the text
    e.preventDefault();
    attach(files);
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (enterSends({ key: e.key, shiftKey: e.shiftKey, isComposing: e.nativeEvent.isComposing, keyCode: e.keyCode }, touch)) {
      e.preventDefault();
      send();
    }
  };
  const stop = (e: MouseEvent<HTMLButtonElement>) => {
    if (isStrayStopClick(e.detail, performance.now() - stopShownAt.current, touch)) return;
    onStop();
    area.current?.focus(); // the button pressed is gone: the keyboard goes on from the message box
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
      <ComposerAttachments
        attachments={images.attachments}
        onRemove={(key) => {
          images.remove(key);
          area.current?.focus(); // the button pressed is gone: the keyboard goes on from the message box
        }}
      />
      {imagesBlocked ? (
        <p className="composer-error" role="alert" data-testid="attach-blocked">
          {t('chat.noImagesAttached', { model: noImagesModel })}
        </p>
      ) : (
        images.error && (
          <p className="composer-error" role="alert" data-testid="attach-error">
            {images.error}
          </p>
        )
      )}
      {/* For a model that reads no images it stays focusable and a tap says why: a phone shows no title. */}
      <button
        type="button"
        className="composer-attach"
        disabled={disabled}
        aria-disabled={noImages ? true : undefined}
        onClick={() => (noImages ? images.refuse(noImages) : fileInput.current?.click())}
        aria-label={t('chat.attachImages')}
        title={noImages ?? t('chat.attachImages')}
        data-testid="attach-button"
      >
        <ImageIcon />
      </button>
      <input
        ref={fileInput}
        type="file"
        accept={uploadImageTypes.join(',')}
        multiple
        className="sr-only"
        tabIndex={-1}
        disabled={disabled || noImages !== null}
        onChange={choose}
        aria-label={t('chat.attachInput')}
        data-testid="attach-input"
      />
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
        onPaste={onPaste}
        data-testid="chat-input"
        enterKeyHint={touch ? 'enter' : 'send'}
      />
      {/* Distinct keys: the Stop click must not land on a Send button reusing its element. */}
      {streaming ? (
        <button key="stop" type="button" className="composer-button stop" onClick={stop} aria-label={t('chat.stop')} title={t('chat.stop')} data-testid="chat-stop">
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
