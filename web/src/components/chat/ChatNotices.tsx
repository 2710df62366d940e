// The notices above the messages: a conversation answering in another tab, a model gone, an action that failed.
import { useI18n } from '../../i18n';
import { Alert } from '../Field';

interface Props {
  answeringElsewhere: boolean;
  onDismissAnsweringElsewhere: () => void;
  /** The conversation's model the site no longer offers, and the one answering instead. */
  modelGone: { gone: string; instead: string } | null;
  notice: string | null;
  onDismissNotice: () => void;
}

export function ChatNotices({ answeringElsewhere, onDismissAnsweringElsewhere, modelGone, notice, onDismissNotice }: Props) {
  const { t } = useI18n();
  return (
    <>
      {answeringElsewhere && (
        <div className="chat-notice">
          <Alert kind="info" onDismiss={onDismissAnsweringElsewhere} testId="chat-answering-elsewhere">
            {t('error.conversationBusy')}
          </Alert>
        </div>
      )}
      {modelGone && (
        <div className="chat-notice">
          <Alert kind="info" testId="chat-model-gone">
            {t('chat.modelGone', modelGone)}
          </Alert>
        </div>
      )}
      {notice && (
        <div className="chat-notice">
          <Alert kind="error" onDismiss={onDismissNotice} testId="chat-notice">
            {notice}
          </Alert>
        </div>
      )}
    </>
  );
}
