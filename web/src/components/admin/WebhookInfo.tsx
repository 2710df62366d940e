import { useState } from 'react';
import { useI18n } from '../../i18n';
import { webhookEvents } from '../../lib/payments';
import { webhookNeedsHttps } from '../../lib/paymentProvider';
import { Alert } from '../Field';
import { copyToClipboard } from '../Markdown';
import { SmallButton } from '../Table';

/** The address to give Stripe's dashboard for the webhook, with the events to send it. */
export function WebhookInfo({ url }: { url: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async () => setCopied((await copyToClipboard(url)) ? 'yes' : 'failed');
  return (
    <section aria-labelledby="webhook-title" data-testid="payment-webhook">
      <h3 id="webhook-title" className="sub-heading">
        {t('payments.webhookTitle')}
      </h3>
      <p className="hint">{t('payments.webhookHint')}</p>
      {webhookNeedsHttps(url) && (
        <Alert kind="warning" testId="payment-webhook-https">
          {t('payments.webhookNeedsHttps')}
        </Alert>
      )}
      <div className="row">
        <input
          className="mono"
          readOnly
          value={url}
          aria-label={t('payments.webhookUrl')}
          onFocus={(e) => e.currentTarget.select()}
          data-testid="payment-webhook-url"
        />
        <SmallButton kind="secondary" onClick={() => void copy()} data-testid="payment-webhook-copy">
          {copied === 'yes' ? t('payments.copied') : t('payments.copy')}
        </SmallButton>
      </div>
      {copied === 'failed' && <p className="hint">{t('payments.copyFailed')}</p>}
      <ul className="plain-list tight" data-testid="payment-webhook-events">
        {webhookEvents.map((e) => (
          <li key={e} className="mono small">
            {e}
          </li>
        ))}
      </ul>
    </section>
  );
}
