// Admin › Packs: count packs and credit packs people buy on their Wallet page. Like plans,
// packs are taken off sale rather than deleted.
import { useCallback, useState } from 'react';
import { AdminTabs } from '../components/AdminTabs';
import { PackForm } from '../components/admin/PackForm';
import { Credits } from '../components/billing/Credits';
import { LoadState } from '../components/billing/LoadState';
import { PageAlerts } from '../components/Field';
import { PlusIcon } from '../components/Icons';
import { SmallButton, TableHead } from '../components/Table';
import { useI18n, useTitle } from '../i18n';
import { billingApi, packBody, type AdminPack } from '../lib/billing';
import { describeError } from '../lib/errors';
import { useLoader } from '../lib/useLoader';

export function AdminPacksPage() {
  useTitle('packs.title');
  const { t } = useI18n();
  const { data: packs, error, reload } = useLoader(useCallback(() => billingApi.adminPacks().then((r) => r.packs), []));
  const [editing, setEditing] = useState<AdminPack | 'new' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<AdminPack['id'] | null>(null);

  const toggle = async (p: AdminPack) => {
    setBusyId(p.id);
    setNotice(null);
    try {
      await billingApi.updatePack(p.id, { ...packBody(p), enabled: !p.enabled });
      setNotice(t(p.enabled ? 'packs.disabled' : 'packs.enabled', { name: p.name }));
      reload();
    } catch (e) {
      setActionError(describeError(e, t).message);
    } finally {
      setBusyId(null);
    }
  };

  return (
    <section className="page wide" data-testid="admin-packs-page">
      <AdminTabs />
      <header className="page-header row spread">
        <div>
          <h1>{t('packs.title')}</h1>
          <p className="muted">{t('packs.subtitle')}</p>
        </div>
        {editing === null && (
          <button type="button" className="button primary" onClick={() => setEditing('new')} data-testid="pack-add">
            <PlusIcon />
            {t('packs.add')}
          </button>
        )}
      </header>

      {editing !== null && (
        <PackForm
          key={editing === 'new' ? 'new' : String(editing.id)}
          pack={editing === 'new' ? null : editing}
          onCancel={() => setEditing(null)}
          onSaved={(name) => {
            setEditing(null);
            setNotice(t('packs.saved', { name }));
            reload();
          }}
        />
      )}

      <PageAlerts
        testIdPrefix="packs"
        notice={notice}
        error={actionError}
        onDismissNotice={() => setNotice(null)}
        onDismissError={() => setActionError(null)}
      />

      <div className="card flush">
        <LoadState error={error} loading={!packs} testId="packs-load" onRetry={reload} />
        {packs && packs.length === 0 && (
          <p className="empty" data-testid="packs-empty">
            {t('packs.empty')}
          </p>
        )}
        {packs && packs.length > 0 && (
          <table className="table responsive" data-testid="packs-table">
            <TableHead
              columns={[t('packs.name'), t('packs.kind'), t('billing.price'), t('packs.contents'), t('packs.validDays'), t('packs.perUser'), t('billing.status')]}
              actions
            />
            <tbody>
              {packs.map((p) => (
                <tr key={p.id} data-testid="pack-row" data-pack-id={p.id} data-name={p.name} className={p.enabled ? '' : 'dim'}>
                  <td data-label={t('packs.name')} className="strong">
                    {p.name}
                  </td>
                  <td data-label={t('packs.kind')}>{p.kind === 'count' ? t('packs.kindCount') : t('packs.kindCredit')}</td>
                  <td data-label={t('billing.price')}>
                    <Credits uc={p.price} />
                  </td>
                  <td data-label={t('packs.contents')}>
                    {p.kind === 'count' ? (
                      <>
                        {t('packs.callsOf', { calls: p.calls })}{' '}
                        <span className="muted">{p.models.length ? p.models.join(', ') : t('billing.allModels')}</span>
                      </>
                    ) : (
                      <Credits uc={p.credits} />
                    )}
                  </td>
                  <td data-label={t('packs.validDays')}>{p.valid_days > 0 ? t('plans.days', { days: p.valid_days }) : t('wallet.noExpiry')}</td>
                  <td data-label={t('packs.perUser')} data-testid="pack-per-user-limit">
                    {p.per_user_limit != null ? p.per_user_limit : <span className="muted">{t('packs.noLimit')}</span>}
                  </td>
                  <td data-label={t('billing.status')}>
                    <span className={`badge ${p.enabled ? 'badge-active' : 'badge-neutral'}`} data-testid="pack-status" data-enabled={p.enabled}>
                      {p.enabled ? t('billing.onSale') : t('billing.offSale')}
                    </span>
                  </td>
                  <td className="cell-actions">
                    <SmallButton kind="secondary" onClick={() => setEditing(p)} data-testid="pack-edit">
                      {t('common.edit')}
                    </SmallButton>{' '}
                    <SmallButton kind="secondary" disabled={busyId === p.id} onClick={() => void toggle(p)} data-testid="pack-toggle">
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
