// Admin › Redeem codes: generate batches of codes (their codes are shown once, and stay
// downloadable as CSV), see how many were redeemed, and disable a batch that leaked.
import { useCallback, useState } from 'react';
import { AdminTabs } from '../components/AdminTabs';
import { CodesPanel } from '../components/admin/CodesPanel';
import { RedeemBatchForm } from '../components/admin/RedeemBatchForm';
import { Credits } from '../components/billing/Credits';
import { LoadState } from '../components/billing/LoadState';
import { ConfirmDialog, useConfirm } from '../components/ConfirmDialog';
import { PageAlerts } from '../components/Field';
import { PlusIcon } from '../components/Icons';
import { SmallButton, TableHead } from '../components/Table';
import { useI18n, useTitle, type MessageKey } from '../i18n';
import { billingApi, redeemCodesCsvUrl, type RedeemBatch, type RedeemKind } from '../lib/billing';
import { describeError } from '../lib/errors';
import { useLoader } from '../lib/useLoader';

async function loadAll() {
  const [batches, plans, packs] = await Promise.all([billingApi.redeemBatches(), billingApi.adminPlans(), billingApi.adminPacks()]);
  return { batches: batches.batches, plans: plans.plans, packs: packs.packs };
}

const kindLabels: Record<RedeemKind, MessageKey> = {
  paid: 'redeem.kindPaid',
  gift: 'redeem.kindGift',
  count_pack: 'redeem.kindPack',
  plan_days: 'redeem.kindPlanDays',
};

type BatchStatus = 'active' | 'disabled' | 'expired';
function batchStatus(b: RedeemBatch, now: number): BatchStatus {
  if (b.disabled) return 'disabled';
  return b.expires_at !== null && b.expires_at <= now ? 'expired' : 'active';
}

export function AdminRedeemPage() {
  useTitle('redeem.title');
  const { t, formatDate } = useI18n();
  const { data, error, reload } = useLoader(useCallback(loadAll, []));
  const [creating, setCreating] = useState(false);
  const [fresh, setFresh] = useState<{ batch: RedeemBatch; codes: string[] } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const { target: toDisable, open: disableOpen, ask: askDisable, cancel: cancelDisable } = useConfirm<RedeemBatch>();
  const [disabling, setDisabling] = useState(false);

  const disable = async () => {
    if (!toDisable) return;
    setDisabling(true);
    try {
      await billingApi.disableRedeemBatch(toDisable.id);
      setNotice(t('redeem.disabledNotice', { name: toDisable.name }));
      reload();
    } catch (e) {
      setActionError(describeError(e, t).message);
    } finally {
      setDisabling(false);
      cancelDisable();
    }
  };

  const what = (b: RedeemBatch) => {
    switch (b.kind) {
      case 'paid':
      case 'gift':
        return <Credits uc={b.amount} />;
      case 'plan_days': {
        const plan = data?.plans.find((p) => String(p.id) === String(b.plan_id));
        return t('redeem.daysOf', { days: b.amount, plan: plan?.name ?? `#${b.plan_id}` });
      }
      case 'count_pack':
        return data?.packs.find((p) => String(p.id) === String(b.pack_id))?.name ?? `#${b.pack_id}`;
      default:
        return String(b.amount);
    }
  };

  const now = Math.floor(Date.now() / 1000);
  return (
    <section className="page wide" data-testid="admin-redeem-page">
      <AdminTabs />
      <header className="page-header row spread">
        <div>
          <h1>{t('redeem.title')}</h1>
          <p className="muted">{t('redeem.subtitle')}</p>
        </div>
        {!creating && (
          <button
            type="button"
            className="button primary"
            onClick={() => {
              setFresh(null);
              setCreating(true);
            }}
            data-testid="batch-add"
          >
            <PlusIcon />
            {t('redeem.add')}
          </button>
        )}
      </header>

      {creating && data && (
        <RedeemBatchForm
          plans={data.plans}
          packs={data.packs}
          onCancel={() => setCreating(false)}
          onCreated={(batch, codes) => {
            setCreating(false);
            setFresh({ batch, codes });
            reload();
          }}
        />
      )}
      {fresh && (
        <CodesPanel name={fresh.batch.name} codes={fresh.codes} csvUrl={redeemCodesCsvUrl(fresh.batch.id)} onDone={() => setFresh(null)} />
      )}

      <PageAlerts
        testIdPrefix="redeem"
        notice={notice}
        error={actionError}
        onDismissNotice={() => setNotice(null)}
        onDismissError={() => setActionError(null)}
      />

      <div className="card flush">
        <LoadState error={error} loading={!data} testId="batches-load" onRetry={reload} />
        {data && data.batches.length === 0 && (
          <p className="empty" data-testid="batches-empty">
            {t('redeem.empty')}
          </p>
        )}
        {data && data.batches.length > 0 && (
          <table className="table responsive" data-testid="batches-table">
            <TableHead
              columns={[
                t('redeem.name'),
                t('redeem.kind'),
                t('redeem.value'),
                t('redeem.redeemed'),
                t('redeem.expires'),
                t('redeem.created'),
                t('billing.status'),
              ]}
              actions
            />
            <tbody>
              {data.batches.map((b) => {
                const status = batchStatus(b, now);
                return (
                  <tr
                    key={b.id}
                    data-testid="batch-row"
                    data-batch-id={b.id}
                    data-name={b.name}
                    data-status={status}
                    className={status === 'active' ? '' : 'dim'}
                  >
                    <td data-label={t('redeem.name')} className="strong">
                      {b.name}
                    </td>
                    <td data-label={t('redeem.kind')}>{t(kindLabels[b.kind] ?? 'redeem.kindPaid')}</td>
                    <td data-label={t('redeem.value')}>{what(b)}</td>
                    <td data-label={t('redeem.redeemed')} data-testid="batch-redeemed" data-redeemed={b.redeemed}>
                      {t('redeem.redeemedOf', { redeemed: b.redeemed, count: b.count })}
                    </td>
                    <td data-label={t('redeem.expires')}>{b.expires_at ? formatDate(b.expires_at) : t('keys.never')}</td>
                    <td data-label={t('redeem.created')}>{formatDate(b.created_at)}</td>
                    <td data-label={t('billing.status')}>
                      <span className={`badge badge-${status === 'active' ? 'active' : status === 'disabled' ? 'revoked' : 'expired'}`} data-testid="batch-status">
                        {t(status === 'active' ? 'redeem.statusActive' : status === 'disabled' ? 'redeem.statusDisabled' : 'redeem.statusExpired')}
                      </span>
                    </td>
                    <td className="cell-actions">
                      <a className="button secondary small" href={redeemCodesCsvUrl(b.id)} download data-testid="batch-csv">
                        {t('redeem.csv')}
                      </a>{' '}
                      {!b.disabled && (
                        <SmallButton kind="danger-ghost" onClick={() => askDisable(b)} data-testid="batch-disable">
                          {t('redeem.disable')}
                        </SmallButton>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>

      <ConfirmDialog
        open={disableOpen}
        title={t('redeem.disableTitle', { name: toDisable?.name ?? '' })}
        body={t('redeem.disableBody')}
        confirmLabel={t('redeem.disable')}
        danger
        busy={disabling}
        onConfirm={() => void disable()}
        onCancel={cancelDisable}
      />
    </section>
  );
}
