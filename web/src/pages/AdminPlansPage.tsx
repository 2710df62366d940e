// Admin › Plans: subscription plans people buy on their Wallet page. Plans are never deleted
// (subscriptions point at them); disabling one takes it off sale.
import { useCallback, useState } from 'react';
import { AdminTabs } from '../components/AdminTabs';
import { PlanForm } from '../components/admin/PlanForm';
import { Credits } from '../components/billing/Credits';
import { LoadState } from '../components/billing/LoadState';
import { AllowanceList } from '../components/billing/PlanList';
import { PageAlerts } from '../components/Field';
import { PlusIcon } from '../components/Icons';
import { SmallButton, TableHead } from '../components/Table';
import { useI18n, useTitle } from '../i18n';
import { billingApi, knownModels, planBody, type AdminPlan } from '../lib/billing';
import { describeError } from '../lib/errors';
import { useLoader } from '../lib/useLoader';

async function loadPlans() {
  const [plans, models] = await Promise.all([billingApi.adminPlans(), knownModels().catch(() => [])]);
  return { plans: [...plans.plans].sort((a, b) => a.level - b.level || a.price - b.price), models };
}

export function AdminPlansPage() {
  useTitle('plans.title');
  const { t } = useI18n();
  const { data, error, reload } = useLoader(useCallback(loadPlans, []));
  const [editing, setEditing] = useState<AdminPlan | 'new' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<AdminPlan['id'] | null>(null);

  const toggle = async (p: AdminPlan) => {
    setBusyId(p.id);
    setNotice(null);
    try {
      await billingApi.updatePlan(p.id, { ...planBody(p), enabled: !p.enabled });
      setNotice(t(p.enabled ? 'plans.disabled' : 'plans.enabled', { name: p.name }));
      reload();
    } catch (e) {
      setActionError(describeError(e, t).message);
    } finally {
      setBusyId(null);
    }
  };

  return (
    <section className="page wide" data-testid="admin-plans-page">
      <AdminTabs />
      <header className="page-header row spread">
        <div>
          <h1>{t('plans.title')}</h1>
          <p className="muted">{t('plans.subtitle')}</p>
        </div>
        {editing === null && (
          <button type="button" className="button primary" onClick={() => setEditing('new')} data-testid="plan-add">
            <PlusIcon />
            {t('plans.add')}
          </button>
        )}
      </header>

      {editing !== null && (
        <PlanForm
          key={editing === 'new' ? 'new' : String(editing.id)}
          plan={editing === 'new' ? null : editing}
          models={data?.models ?? []}
          onCancel={() => setEditing(null)}
          onSaved={(name) => {
            setEditing(null);
            setNotice(t('plans.saved', { name }));
            reload();
          }}
        />
      )}

      <PageAlerts
        testIdPrefix="plans"
        notice={notice}
        error={actionError}
        onDismissNotice={() => setNotice(null)}
        onDismissError={() => setActionError(null)}
      />

      <div className="card flush">
        <LoadState error={error} loading={!data} testId="plans-load" onRetry={reload} />
        {data && data.plans.length === 0 && (
          <p className="empty" data-testid="plans-empty">
            {t('plans.empty')}
          </p>
        )}
        {data && data.plans.length > 0 && (
          <table className="table responsive" data-testid="plans-table">
            <TableHead
              columns={[t('plans.name'), t('plans.level'), t('plans.period'), t('billing.price'), t('plans.allowances'), t('billing.status')]}
              actions
            />
            <tbody>
              {data.plans.map((p) => (
                <tr key={p.id} data-testid="plan-row" data-plan-id={p.id} data-name={p.name} className={p.enabled ? '' : 'dim'}>
                  <td data-label={t('plans.name')} className="strong">
                    {p.name}
                  </td>
                  <td data-label={t('plans.level')}>{p.level}</td>
                  <td data-label={t('plans.period')}>{t('plans.days', { days: p.period_days })}</td>
                  <td data-label={t('billing.price')}>
                    <Credits uc={p.price} />
                  </td>
                  <td data-label={t('plans.allowances')}>
                    <AllowanceList allowances={p.allowances} />
                  </td>
                  <td data-label={t('billing.status')}>
                    <span className={`badge ${p.enabled ? 'badge-active' : 'badge-neutral'}`} data-testid="plan-status" data-enabled={p.enabled}>
                      {p.enabled ? t('billing.onSale') : t('billing.offSale')}
                    </span>
                  </td>
                  <td className="cell-actions">
                    <SmallButton kind="secondary" onClick={() => setEditing(p)} data-testid="plan-edit">
                      {t('common.edit')}
                    </SmallButton>{' '}
                    <SmallButton kind="secondary" disabled={busyId === p.id} onClick={() => void toggle(p)} data-testid="plan-toggle">
                      {p.enabled ? t('billing.takeOffSale') : t('billing.putOnSale')}
                    </SmallButton>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
