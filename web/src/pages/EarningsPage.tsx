// Earnings: what a creator's apps earned (pending until it clears, then available), per day by
// stream and per app, converting earnings into paid credits, asking for payouts and their history.
import { useCallback, useMemo, useState } from 'react';
import { Credits, CreditsStat } from '../components/billing/Credits';
import { LoadState } from '../components/billing/LoadState';
import { EarningsChart, streamLabel } from '../components/earnings/EarningsChart';
import { PayoutStatusBadge } from '../components/earnings/PayoutStatusBadge';
import { ConvertForm, PayoutForm } from '../components/earnings/WithdrawForms';
import { PageAlerts } from '../components/Field';
import { TableHead } from '../components/Table';
import { useI18n, useTitle } from '../i18n';
import { appRows, earningsApi, earningsChart, earningStreams, noEarnings, type Earnings } from '../lib/earnings';
import { ppmToPercent } from '../lib/pricing';
import { Link } from '../lib/router';
import { useLoader } from '../lib/useLoader';

const spans = [7, 30, 90] as const;

function Stat({ label, uc, testId, note }: { label: string; uc: number; testId: string; note?: string }) {
  return (
    <CreditsStat label={label} uc={uc} testId={testId}>
      {note && <span className="muted small">{note}</span>}
    </CreditsStat>
  );
}

function Balances({ e }: { e: Earnings }) {
  const { t } = useI18n();
  return (
    <div className="card" data-testid="earnings-balances">
      <div className="balance-grid earnings-grid">
        <Stat label={t('earnings.pending')} uc={e.pending} testId="earnings-pending" note={t('earnings.pendingNote', { days: e.clearing_days })} />
        <Stat label={t('earnings.available')} uc={e.available} testId="earnings-available" note={t('earnings.availableNote')} />
        <Stat label={t('earnings.frozen')} uc={e.frozen} testId="earnings-frozen" note={t('earnings.frozenNote')} />
        <Stat label={t('earnings.requested')} uc={e.requested} testId="earnings-requested" />
        <Stat label={t('earnings.paidOut')} uc={e.paid_out} testId="earnings-paid-out" />
      </div>
      <p className="muted small earnings-terms" data-testid="earnings-terms">
        {t('earnings.terms', {
          share: ppmToPercent(e.creator_share_ppm),
          subscription: ppmToPercent(e.subscription_pool_ppm),
          pack: ppmToPercent(e.pack_pool_ppm),
          days: e.clearing_days,
        })}
      </p>
    </div>
  );
}

function AppTable({ e }: { e: Earnings }) {
  const { t } = useI18n();
  const rows = appRows(e.apps);
  const columns = [
    t('earnings.app'),
    t('earnings.calls'),
    t('earnings.payingUsers'),
    ...earningStreams.map((s) => t(streamLabel[s])),
    t('earnings.total'),
  ];
  return (
    <div className="card" data-testid="earnings-apps">
      <h2>{t('earnings.appsTitle')}</h2>
      {rows.length === 0 ? (
        <p className="empty" data-testid="earnings-apps-empty">
          {t('earnings.appsEmpty')}
        </p>
      ) : (
        <table className="table responsive" data-testid="earnings-apps-table">
          <TableHead columns={columns} />
          <tbody>
            {rows.map((a) => (
              <tr key={String(a.app_id)} data-testid="earnings-app-row" data-slug={a.slug}>
                <td data-label={columns[0]} className="strong">
                  <Link to={`/apps/${encodeURIComponent(a.slug)}`}>{a.title || a.slug}</Link>
                </td>
                <td data-label={columns[1]} className="num" data-testid="earnings-app-calls">
                  {a.calls}
                </td>
                <td data-label={columns[2]} className="num" data-testid="earnings-app-paying-users">
                  {a.paying_users}
                </td>
                {earningStreams.map((s, i) => (
                  <td key={s} data-label={columns[3 + i]} className="num">
                    <Credits uc={a[s]} testId={`earnings-app-${s}`} />
                  </td>
                ))}
                <td data-label={columns[columns.length - 1]} className="num strong">
                  <Credits uc={a.total} testId="earnings-app-total" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function PayoutList({ e }: { e: Earnings }) {
  const { t, formatDate } = useI18n();
  const columns = [t('billing.time'), t('billing.amount'), t('earnings.destination'), t('billing.status'), t('payouts.note'), t('payouts.decided')];
  const payouts = [...e.payouts].sort((a, b) => b.created_at - a.created_at);
  return (
    <div className="card" data-testid="payouts">
      <h2>{t('earnings.payoutsTitle')}</h2>
      {payouts.length === 0 ? (
        <p className="empty" data-testid="payouts-empty">
          {t('earnings.payoutsEmpty')}
        </p>
      ) : (
        <table className="table responsive" data-testid="payouts-table">
          <TableHead columns={columns} />
          <tbody>
            {payouts.map((p) => {
              const note = p.status === 'rejected' ? p.reason : p.reference;
              return (
                <tr key={String(p.id)} data-testid="payout-row" data-id={p.id} data-status={p.status}>
                  <td data-label={columns[0]}>{formatDate(p.created_at, true)}</td>
                  <td data-label={columns[1]} className="num">
                    <Credits uc={p.amount} testId="payout-amount-value" />
                  </td>
                  <td data-label={columns[2]} className="desc-cell pre-wrap">
                    {p.destination}
                  </td>
                  <td data-label={columns[3]}>
                    <PayoutStatusBadge status={p.status} />
                  </td>
                  <td data-label={columns[4]} className="desc-cell" data-testid="payout-note">
                    {note || <span className="muted">—</span>}
                  </td>
                  <td data-label={columns[5]}>{p.decided_at ? formatDate(p.decided_at, true) : <span className="muted">—</span>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function EarningsPage() {
  useTitle('earnings.title');
  const { t } = useI18n();
  const [span, setSpan] = useState<number>(30);
  const loader = useLoader(useCallback(() => earningsApi.get(span), [span]));
  const e = loader.data;
  const [notice, setNotice] = useState<string | null>(null);
  const chart = useMemo(() => (e ? earningsChart(e.days, span) : undefined), [e, span]);
  const empty = !!e && noEarnings(e);

  // Converting and payouts change the balances and payouts only; the answer covers the server's
  // default period, so the days and apps shown for the chosen one stay.
  const done = (next: Earnings, text: string) => {
    loader.setData((cur) => (cur ? { ...next, days: cur.days, apps: cur.apps } : next));
    setNotice(text);
  };
  const start = () => setNotice(null);

  return (
    <section className="page" data-testid="earnings-page">
      <header className="page-header row spread wrap">
        <div>
          <h1>{t('earnings.title')}</h1>
          <p className="muted">{t('earnings.subtitle')}</p>
        </div>
        <div className="row wrap">
          <label className="sort-select">
            <span className="muted small">{t('earnings.period')}</span>
            <select value={span} onChange={(ev) => setSpan(Number(ev.target.value))} data-testid="earnings-days">
              {spans.map((d) => (
                <option key={d} value={d}>
                  {t('earnings.lastDays', { days: d })}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            className="button secondary"
            onClick={() => {
              start();
              loader.reload();
            }}
            data-testid="earnings-refresh"
          >
            {t('wallet.refresh')}
          </button>
        </div>
      </header>

      {/* Form errors show in their form; this is for what went through. */}
      <PageAlerts testIdPrefix="earnings" notice={notice} error={null} onDismissNotice={() => setNotice(null)} onDismissError={() => undefined} />
      <LoadState error={loader.error} loading={!e} testId="earnings-load" onRetry={loader.reload} />

      {e && <Balances e={e} />}

      {e && empty && (
        <div className="card empty-state" data-testid="earnings-empty">
          <h2>{t('earnings.emptyTitle')}</h2>
          <p className="muted">{t('earnings.emptyBody')}</p>
          <Link to="/studio" className="button primary" data-testid="earnings-studio">
            {t('earnings.toStudio')}
          </Link>
        </div>
      )}

      {e && !empty && chart && (
        <>
          <EarningsChart chart={chart} />
          <AppTable e={e} />
          <div className="grid-2">
            <ConvertForm available={e.available} onDone={done} onStart={start} />
            <PayoutForm available={e.available} minimum={e.payout_minimum} currency={e.currency} onDone={done} onStart={start} />
          </div>
          <PayoutList e={e} />
        </>
      )}
    </section>
  );
}
