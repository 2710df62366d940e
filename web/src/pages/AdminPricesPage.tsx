// Admin › Prices: what each model costs (a model without a price row is free), and the group
// multipliers applied on top. Models the catalogue or a channel knows are listed even without
// a price, so setting one is a click away.
import { useCallback, useState } from 'react';
import { AdminTabs } from '../components/AdminTabs';
import { GroupMultipliers } from '../components/admin/GroupMultipliers';
import { emptyPrice, PriceForm } from '../components/admin/PriceForm';
import { Credits } from '../components/billing/Credits';
import { LoadState } from '../components/billing/LoadState';
import { ConfirmDialog, useConfirm } from '../components/ConfirmDialog';
import { PageAlerts } from '../components/Field';
import { PlusIcon } from '../components/Icons';
import { SmallButton, TableHead } from '../components/Table';
import { useI18n, useTitle } from '../i18n';
import { billingApi, knownModels, type Price } from '../lib/billing';
import { describeError } from '../lib/errors';
import { useLoader } from '../lib/useLoader';

interface Row {
  model: string;
  price: Price | null;
}

async function loadRows(): Promise<Row[]> {
  const [prices, models] = await Promise.all([billingApi.prices(), knownModels()]);
  const rows = new Map<string, Row>(models.map((m) => [m, { model: m, price: null }]));
  for (const p of prices.prices) rows.set(p.model, { model: p.model, price: p });
  return [...rows.values()].sort((a, b) => a.model.localeCompare(b.model));
}

/** The price in one line: "0.02 per call", "in 0.15 · out 0.6 · cached 0.075 per 1M tokens". */
function PriceSummary({ p }: { p: Price | null }) {
  const { t, tn } = useI18n();
  if (!p || p.mode === 'free') return <span className="badge badge-active">{t('prices.modeFree')}</span>;
  if (p.mode === 'per_call') return <span>{tn('prices.summaryPerCall', { price: <Credits uc={p.per_call} /> })}</span>;
  return (
    <span>
      {tn('prices.summaryPerToken', {
        input: <Credits uc={p.input_per_m} />,
        output: <Credits uc={p.output_per_m} />,
        cached: <Credits uc={p.cached_per_m} />,
      })}
    </span>
  );
}

export function AdminPricesPage() {
  useTitle('prices.title');
  const { t } = useI18n();
  const { data: rows, error, reload } = useLoader(useCallback(loadRows, []));
  const [editing, setEditing] = useState<{ price: Price; isNew: boolean } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const { target: toRemove, open: removeOpen, ask: askRemove, cancel: cancelRemove } = useConfirm<string>();
  const [removing, setRemoving] = useState(false);

  const remove = async () => {
    if (!toRemove) return;
    setRemoving(true);
    try {
      await billingApi.deletePrice(toRemove);
      setNotice(t('prices.removed', { model: toRemove }));
      reload();
    } catch (e) {
      setActionError(describeError(e, t).message);
    } finally {
      setRemoving(false);
      cancelRemove();
    }
  };

  return (
    <section className="page wide" data-testid="admin-prices-page">
      <AdminTabs />
      <header className="page-header row spread">
        <div>
          <h1>{t('prices.title')}</h1>
          <p className="muted">{t('prices.subtitle')}</p>
        </div>
        {editing === null && (
          <button type="button" className="button primary" onClick={() => setEditing({ price: emptyPrice(''), isNew: true })} data-testid="price-add">
            <PlusIcon />
            {t('prices.add')}
          </button>
        )}
      </header>

      {editing && (
        <PriceForm
          key={editing.isNew ? 'new' : editing.price.model}
          price={editing.price}
          isNew={editing.isNew}
          onCancel={() => setEditing(null)}
          onSaved={(p) => {
            setEditing(null);
            setNotice(t('prices.saved', { model: p?.model ?? editing.price.model }));
            reload();
          }}
        />
      )}

      <PageAlerts
        testIdPrefix="prices"
        notice={notice}
        error={actionError}
        onDismissNotice={() => setNotice(null)}
        onDismissError={() => setActionError(null)}
      />

      <div className="card flush">
        <LoadState error={error} loading={!rows} testId="prices-load" onRetry={reload} />
        {rows && rows.length === 0 && (
          <p className="empty" data-testid="prices-empty">
            {t('prices.empty')}
          </p>
        )}
        {rows && rows.length > 0 && (
          <table className="table responsive" data-testid="prices-table">
            <TableHead columns={[t('billing.model'), t('prices.mode'), t('billing.price'), t('prices.web'), t('prices.maxOutput')]} actions />
            <tbody>
              {rows.map((r) => {
                const p = r.price;
                return (
                  <tr key={r.model} data-testid="price-row" data-model={r.model} data-mode={p?.mode ?? 'free'} data-priced={p !== null}>
                    <td data-label={t('billing.model')} className="mono strong">
                      {r.model}
                    </td>
                    <td data-label={t('prices.mode')} data-testid="price-mode">
                      {!p ? (
                        <span className="muted">{t('prices.noRow')}</span>
                      ) : p.mode === 'per_call' ? (
                        t('prices.modePerCall')
                      ) : p.mode === 'per_token' ? (
                        t('prices.modePerToken')
                      ) : (
                        t('prices.modeFree')
                      )}
                    </td>
                    <td data-label={t('billing.price')} data-testid="price-summary">
                      <PriceSummary p={p} />
                    </td>
                    <td data-label={t('prices.web')}>
                      {p && p.mode !== 'free' && p.web_free
                        ? p.web_free_daily_cap > 0
                          ? t('prices.webFreeUpTo', { count: p.web_free_daily_cap })
                          : t('prices.webFreeAlways')
                        : <span className="muted">—</span>}
                    </td>
                    <td data-label={t('prices.maxOutput')}>{p?.max_output_tokens ? p.max_output_tokens : <span className="muted">—</span>}</td>
                    <td className="cell-actions">
                      <SmallButton
                        kind="secondary"
                        onClick={() => setEditing({ price: p ?? emptyPrice(r.model), isNew: false })}
                        data-testid="price-edit"
                      >
                        {p ? t('prices.edit') : t('prices.setPrice')}
                      </SmallButton>{' '}
                      {p && (
                        <SmallButton kind="danger-ghost" onClick={() => askRemove(r.model)} data-testid="price-remove">
                          {t('prices.remove')}
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

      <GroupMultipliers />

      <ConfirmDialog
        open={removeOpen}
        title={t('prices.removeTitle', { model: toRemove ?? '' })}
        body={t('prices.removeBody')}
        confirmLabel={t('prices.remove')}
        danger
        busy={removing}
        onConfirm={() => void remove()}
        onCancel={cancelRemove}
      />
    </section>
  );
}
