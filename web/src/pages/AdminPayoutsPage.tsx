// Admin › Payouts: creators' requests to be paid their earnings. An administrator sends the money
// outside Plaza, then marks the request paid with the transfer's reference, or rejects it with a
// reason (its amount goes back to the creator's available earnings).
import { useCallback, useState, type FormEvent } from 'react';
import { AdminTabs } from '../components/AdminTabs';
import { Credits } from '../components/billing/Credits';
import { LoadState } from '../components/billing/LoadState';
import { payoutStatusLabel, PayoutStatusBadge } from '../components/earnings/PayoutStatusBadge';
import { PageAlerts } from '../components/Field';
import { TableHead } from '../components/Table';
import { useI18n, useTitle } from '../i18n';
import { earningsApi, payoutStatuses, type AdminPayout, type PayoutStatus } from '../lib/earnings';
import { describeError } from '../lib/errors';
import { formatCredits } from '../lib/money';
import { useLoader } from '../lib/useLoader';

type Decide = (p: AdminPayout, how: 'paid' | 'reject', text: string) => Promise<boolean>;

/** One text box and its button: the transfer's reference, or the reason for rejecting. */
function DecideForm({
  label,
  ariaLabel,
  maxLength,
  testId,
  button,
  busy,
  onSend,
}: {
  label: string;
  ariaLabel: string;
  maxLength: number;
  testId: string;
  button: { kind: 'primary' | 'danger-ghost'; testId: string; label: string };
  busy: boolean;
  onSend: (text: string) => void;
}) {
  const [text, setText] = useState('');
  const send = (e: FormEvent) => {
    e.preventDefault();
    onSend(text.trim());
  };
  return (
    <form className="inline-form" onSubmit={send} noValidate>
      <input
        className="small-input wide"
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder={label}
        aria-label={ariaLabel}
        maxLength={maxLength}
        autoComplete="off"
        data-testid={testId}
      />
      <button type="submit" className={`button ${button.kind} small`} disabled={busy} data-testid={button.testId}>
        {button.label}
      </button>
    </form>
  );
}

/** Mark paid (with the transfer's reference) or reject (with a reason the creator sees). */
function DecideForms({ payout, busy, onDecide }: { payout: AdminPayout; busy: boolean; onDecide: Decide }) {
  const { t } = useI18n();
  const id = String(payout.id);
  return (
    <div className="payout-actions">
      <DecideForm
        label={t('payouts.reference')}
        ariaLabel={t('payouts.referenceFor', { id })}
        maxLength={200}
        testId="payout-reference"
        button={{ kind: 'primary', testId: 'payout-mark-paid', label: t('payouts.markPaid') }}
        busy={busy}
        onSend={(text) => void onDecide(payout, 'paid', text)}
      />
      <DecideForm
        label={t('payouts.rejectReason')}
        ariaLabel={t('payouts.rejectReasonFor', { id })}
        maxLength={500}
        testId="payout-reject-reason"
        button={{ kind: 'danger-ghost', testId: 'payout-reject', label: t('payouts.reject') }}
        busy={busy}
        onSend={(text) => void onDecide(payout, 'reject', text)}
      />
    </div>
  );
}

export function AdminPayoutsPage() {
  useTitle('payouts.title');
  const { t, formatDate } = useI18n();
  const [status, setStatus] = useState<PayoutStatus | ''>('requested');
  const { data, error, reload } = useLoader(useCallback(() => earningsApi.payouts(status).then((r) => r.payouts), [status]));
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const decide: Decide = async (p, how, text) => {
    setNotice(null);
    setActionError(null);
    if (!text) {
      setActionError(t(how === 'paid' ? 'payouts.referenceRequired' : 'payouts.reasonRequired'));
      return false;
    }
    setBusy(true);
    try {
      if (how === 'paid') await earningsApi.markPaid(p.id, text);
      else await earningsApi.reject(p.id, text);
      const params = { id: String(p.id), user: p.user.username, amount: formatCredits(p.amount) };
      setNotice(t(how === 'paid' ? 'payouts.markedPaid' : 'payouts.rejected', params));
      reload();
      return true;
    } catch (e) {
      setActionError(describeError(e, t).message);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const columns = [
    t('billing.time'),
    t('payouts.user'),
    t('billing.amount'),
    t('earnings.destination'),
    t('billing.status'),
    t('payouts.note'),
    t('payouts.decided'),
  ];
  return (
    <section className="page wide" data-testid="admin-payouts-page">
      <AdminTabs />
      <header className="page-header row spread">
        <div>
          <h1>{t('payouts.title')}</h1>
          <p className="muted">{t('payouts.subtitle')}</p>
        </div>
        <label className="sort-select">
          <span className="muted small">{t('payouts.filter')}</span>
          <select value={status} onChange={(e) => setStatus(e.target.value as PayoutStatus | '')} data-testid="payouts-status">
            {payoutStatuses.map((s) => (
              <option key={s} value={s}>
                {t(payoutStatusLabel[s])}
              </option>
            ))}
            <option value="">{t('payouts.all')}</option>
          </select>
        </label>
      </header>

      <PageAlerts testIdPrefix="admin" notice={notice} error={actionError} onDismissNotice={() => setNotice(null)} onDismissError={() => setActionError(null)} />

      <div className="card flush">
        <LoadState error={error} loading={!data} testId="payouts-load" onRetry={reload} />
        {data && data.length === 0 && (
          <p className="empty" data-testid="payouts-empty">
            {t('payouts.empty')}
          </p>
        )}
        {data && data.length > 0 && (
          <table className="table responsive" data-testid="payouts-table" data-status={status}>
            <TableHead columns={columns} actions />
            <tbody>
              {data.map((p) => {
                const note = p.status === 'rejected' ? p.reason : p.reference;
                return (
                  <tr key={String(p.id)} data-testid="payout-row" data-id={p.id} data-status={p.status} data-user={p.user.username}>
                    <td data-label={columns[0]}>{formatDate(p.created_at, true)}</td>
                    <td data-label={columns[1]} className="strong">
                      {p.user.username}
                    </td>
                    <td data-label={columns[2]} className="num">
                      <Credits uc={p.amount} testId="payout-amount-value" />
                    </td>
                    <td data-label={columns[3]} className="desc-cell pre-wrap">
                      {p.destination}
                    </td>
                    <td data-label={columns[4]}>
                      <PayoutStatusBadge status={p.status} />
                    </td>
                    <td data-label={columns[5]} className="desc-cell" data-testid="payout-note">
                      {note || <span className="muted">—</span>}
                    </td>
                    <td data-label={columns[6]}>{p.decided_at ? formatDate(p.decided_at, true) : <span className="muted">—</span>}</td>
                    <td className="cell-actions">{p.status === 'requested' && <DecideForms payout={p} busy={busy} onDecide={decide} />}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
