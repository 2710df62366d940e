// Admin › Payments: top-ups of paid credits through Stripe Checkout. The provider's settings (its
// secrets never shown), the webhook address to give Stripe, and every order.
import { useCallback } from 'react';
import { PaymentOrders } from '../components/admin/PaymentOrders';
import { PaymentProviderForm } from '../components/admin/PaymentProviderForm';
import { AdminTabs } from '../components/AdminTabs';
import { LoadState } from '../components/billing/LoadState';
import { useI18n, useTitle } from '../i18n';
import { formatCredits } from '../lib/money';
import { paymentsApi } from '../lib/payments';
import { useLoader } from '../lib/useLoader';

// The limits are typed in the site's currency, which the public terms name.
async function loadSettings() {
  const [provider, terms] = await Promise.all([paymentsApi.provider(), paymentsApi.terms()]);
  return { provider, terms };
}

export function AdminPaymentsPage() {
  useTitle('payments.title');
  const { t } = useI18n();
  const settings = useLoader(useCallback(loadSettings, []));
  const terms = settings.data?.terms;
  return (
    <section className="page wide" data-testid="admin-payments-page">
      <AdminTabs />
      <header className="page-header">
        <h1>{t('payments.title')}</h1>
        <p className="muted">{t('payments.subtitle')}</p>
      </header>
      <div className="card" data-testid="payment-provider-card">
        <h2>{t('payments.providerTitle')}</h2>
        {terms && (
          <p className="muted small" data-testid="payment-rate">
            {t('payments.rate', { currency: terms.currency, credits: formatCredits(terms.credits_per_currency_unit * 1_000_000) })}
          </p>
        )}
        <LoadState error={settings.error} loading={!settings.data && settings.error == null} testId="payment-provider-load" onRetry={settings.reload} />
        {settings.data && <PaymentProviderForm initial={settings.data.provider} currency={settings.data.terms.currency} />}
      </div>
      <PaymentOrders />
    </section>
  );
}
