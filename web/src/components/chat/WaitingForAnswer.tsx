import { useEffect, useState } from 'react';
import { useI18n } from '../../i18n';

/** How long an answer may be silent before the reader is told it is slow (a model can take a minute
 *  to start, and three dots alone look like a hang). */
export const SLOW_ANSWER_MS = 10_000;

/** The dots shown until an answer's first words, and, past SLOW_ANSWER_MS, a word that it is still coming. */
export function WaitingForAnswer() {
  const { t } = useI18n();
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    const timer = window.setTimeout(() => setSlow(true), SLOW_ANSWER_MS);
    return () => window.clearTimeout(timer);
  }, []);
  return (
    <>
      <span className="typing" role="status" aria-label={t('chat.thinking')}>
        <span />
        <span />
        <span />
      </span>
      {slow && (
        <p className="muted small" role="status" data-testid="answer-slow">
          {t('chat.answerSlow')}
        </p>
      )}
    </>
  );
}
