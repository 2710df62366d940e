// Wallet: balances, topping up paid credits (Stripe Checkout), the subscription and count packs,
// redeeming codes, buying plans and packs, what was spent (chart, usage rows, CSV), every movement
// of credits and the top-ups.
import { useCallback, useState } from 'react';
import { LoadState } from '../components/billing/LoadState';
import { PackStore } from '../components/billing/PackStore';
import { PaymentReturn } from '../components/billing/PaymentReturn';
import { PlanList } from '../components/billing/PlanList';
import { PurchaseDialog, type Pending } from '../components/billing/PurchaseDialog';
import { RedeemForm } from '../components/billing/RedeemForm';
import { TopUpDialog } from '../components/billing/TopUpDialog';
import { TopUpList } from '../components/billing/TopUpList';
import { TransactionList } from '../components/billing/TransactionList';
import { UsageSection } from '../components/billing/UsageSection';
import { Balances, CountPacks, SubscriptionInfo } from '../components/billing/WalletSummary';
import { PageAlerts } from '../components/Field';
import { SmallButton } from '../components/Table';
import { useI18n, useTitle } from '../i18n';
import { api, ApiError } from '../lib/api';
import { billingApi, isPurchase, purchasePrice, renewalTerms, type Plan, type Wallet } from '../lib/billing';
import { describeError } from '../lib/errors';
import { formatCredits } from '../lib/money';
import { paymentsApi } from '../lib/payments';
import { sendPurchase, startPurchase, type PurchaseAttempt } from '../lib/purchase';
import { useLoader } from '../lib/useLoader';

async function loadStore() {
  const [plans, packs, keys, models] = await Promise.all([
    billingApi.plans(),
    billingApi.packs(),
    api.listKeys(),
    api.models().catch(() => ({ models: [] })), // only feeds the model filter's suggestions
  ]);
  return { plans: plans.plans, packs: packs.packs, keys: keys.keys, models: models.models.map((m) => m.id) };
}

// Whether top-ups are on: a server without payments (or a failed read) offers none.
const loadPaymentTerms = () => paymentsApi.terms().catch(() => null);

export function WalletPage() {
  useTitle('wallet.title');
  const { t } = useI18n();
  const walletLoader = useLoader(billingApi.wallet);
  const store = useLoader(useCallback(loadStore, []));
  const wallet = walletLoader.data;
  const payments = useLoader(loadPaymentTerms).data ?? null;
  const canTopUp = payments?.enabled === true;
  // Each opening of the top-up dialog mounts a fresh one (an empty amount, a new attempt).
  const [topUp, setTopUp] = useState({ open: false, key: 0 });
  // Bumped whenever the wallet changed, so the usage, chart and transactions read again.
  const [version, setVersion] = useState(0);
  // The purchase in the dialog, with its request id: every try of it sends that id, so one whose
  // answer was lost is not bought again (see purchase.ts).
  const [attempt, setAttempt] = useState<PurchaseAttempt<Pending> | null>(null);
  const pending = attempt?.pending ?? null;
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // A purchase's failure stays in its dialog, where the buyer is looking.
  const [purchaseError, setPurchaseError] = useState<string | null>(null);

  const ask = (p: Pending) => {
    setPurchaseError(null);
    // A renewal charges the subscription's stored price and period, which the dialog states.
    const sub = walletLoader.data?.subscription ?? null;
    setAttempt(startPurchase(p.what === 'plan' && p.action === 'renew' ? { ...p, plan: renewalTerms(p.plan, sub) } : p));
  };

  const changed = (w: Wallet) => {
    walletLoader.setData(w);
    setVersion((v) => v + 1);
  };

  const refresh = () => {
    setNotice(null);
    walletLoader.reload();
    store.reload();
    setVersion((v) => v + 1);
  };

  // Purchases are paid from paid credits alone: short of them, the buyer hears what it costs and
  // what they have (gift credits do not count).
  // A renewal is charged the price stored on the subscription, not the plan's current price.
  const priceOf = (p: Pending) => purchasePrice(p, wallet?.subscription ?? null);
  const explain = (e: unknown, p: Pending) => {
    if (!(e instanceof ApiError && e.code === 'insufficient_balance')) return describeError(e, t).message;
    if (p.what === 'cancel' || !wallet) return t('wallet.notEnough');
    // An upgrade costs less than the plan's price (the unused days count): the server's words say how much.
    if (p.what === 'plan' && p.action === 'upgrade') return e.message || t('wallet.notEnough');
    return t('wallet.notEnoughPaid', { price: formatCredits(priceOf(p)), available: formatCredits(wallet.paid - wallet.paid_held) });
  };

  const confirm = async () => {
    const a = attempt;
    if (!a) return;
    const p = a.pending;
    setBusy(true);
    setNotice(null);
    setError(null);
    setPurchaseError(null);
    let failed = false;
    try {
      changed(await sendPurchase(a));
      if (p.what === 'pack') setNotice(t('wallet.bought', { name: p.pack.name }));
      else if (p.what === 'cancel') setNotice(t('wallet.autoRenewCancelled'));
      else
        setNotice(t(p.action === 'renew' ? 'wallet.renewed' : p.action === 'upgrade' ? 'wallet.upgraded' : 'wallet.subscribed', { name: p.plan.name }));
    } catch (e) {
      failed = true;
      setPurchaseError(explain(e, p));
      // The purchase may have gone through with its answer lost: the balances show what happened.
      walletLoader.reload();
    } finally {
      setBusy(false);
      if (!failed) setAttempt(null);
    }
  };

  const sub = wallet?.subscription ?? null;
  // Renewing needs no plan list: the subscription carries what the dialog shows.
  const currentPlan: Plan | null = sub && {
    id: sub.plan_id,
    name: sub.plan_name,
    level: sub.level,
    period_days: sub.period_days,
    price: sub.price,
    daily_value: sub.daily_value,
    allowances: sub.allowances,
  };

  return (
    <section className="page" data-testid="wallet-page">
      <header className="page-header row spread">
        <div>
          <h1>{t('wallet.title')}</h1>
          <p className="muted">{t('wallet.subtitle')}</p>
        </div>
        <div className="row wrap">
          <button type="button" className="button secondary" onClick={refresh} data-testid="wallet-refresh">
            {t('wallet.refresh')}
          </button>
          {canTopUp && (
            <button type="button" className="button primary" onClick={() => setTopUp((d) => ({ open: true, key: d.key + 1 }))} data-testid="topup-open">
              {t('topUp.button')}
            </button>
          )}
        </div>
      </header>

      <PaymentReturn
        onPaid={() => {
          walletLoader.reload();
          setVersion((v) => v + 1);
        }}
      />

      <PageAlerts
        testIdPrefix="wallet"
        notice={notice}
        error={error}
        onDismissNotice={() => setNotice(null)}
        onDismissError={() => setError(null)}
      />
      <LoadState error={walletLoader.error} loading={!wallet} testId="wallet-load" onRetry={walletLoader.reload} />

      {wallet && <Balances wallet={wallet} />}

      <div className="grid-2">
        <div className="card" data-testid="subscription-card">
          <h2>{t('wallet.subscriptionTitle')}</h2>
          {wallet && (
            <SubscriptionInfo
              sub={sub}
              actions={
                sub && (
                  <>
                    {sub.auto_renew && (
                      <SmallButton kind="danger-ghost" disabled={busy} onClick={() => ask({ what: 'cancel' })} data-testid="subscription-cancel">
                        {t('wallet.cancelAutoRenew')}
                      </SmallButton>
                    )}
                    {currentPlan && !sub.from_code && (
                      <SmallButton
                        kind="secondary"
                        disabled={busy}
                        onClick={() => ask({ what: 'plan', plan: currentPlan, action: 'renew' })}
                        data-testid="subscription-renew"
                      >
                        {t('wallet.renew')}
                      </SmallButton>
                    )}
                  </>
                )
              }
            />
          )}
          <h3 className="sub-heading">{t('wallet.countPacksTitle')}</h3>
          {wallet && <CountPacks packs={wallet.packs} />}
        </div>
        <RedeemForm
          onRedeemed={(w) => {
            setNotice(null);
            changed(w);
          }}
        />
      </div>

      <div className="card" data-testid="store">
        <h2>{t('wallet.plansTitle')}</h2>
        <LoadState error={store.error} loading={!store.data} testId="store-load" onRetry={store.reload} />
        {store.data && wallet && (
          <PlanList
            plans={store.data.plans}
            current={sub}
            busy={busy}
            onChoose={(plan, action) => isPurchase(action) && ask({ what: 'plan', plan, action })}
          />
        )}
        <h2 className="section-heading">{t('wallet.packsTitle')}</h2>
        {store.data && <PackStore packs={store.data.packs} wallet={wallet} busy={busy} onBuy={(pack) => ask({ what: 'pack', pack })} />}
      </div>

      <UsageSection version={version} keys={store.data?.keys ?? []} models={store.data?.models ?? []} />
      <TopUpList version={version} enabled={canTopUp} />
      <TransactionList version={version} />
      {payments && (
        <TopUpDialog key={topUp.key} open={topUp.open && canTopUp} terms={payments} onClose={() => setTopUp((d) => ({ ...d, open: false }))} />
      )}

      <PurchaseDialog
        pending={pending}
        current={sub?.plan_name ?? ''}
        busy={busy}
        error={purchaseError}
        onConfirm={() => void confirm()}
        onCancel={() => {
          setAttempt(null);
          setPurchaseError(null);
        }}
      />
    </section>
  );
}
