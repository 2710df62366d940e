// Admin › Settlements: the daily runs that turn a day's usage and sales into creator earnings
// (settling a day by hand, or re-running one, which only adds rows that are missing), and freezes:
// holding an app's or a creator's pending earnings, or sending them back to the platform.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { AdminTabs } from '../components/AdminTabs';
import { Credits } from '../components/billing/Credits';
import { LoadState } from '../components/billing/LoadState';
import { ConfirmDialog, useConfirm } from '../components/ConfirmDialog';
import { streamLabel } from '../components/earnings/EarningsChart';
import { Alert, bindField, Field, PageAlerts, SelectField } from '../components/Field';
import { SmallButton, TableHead } from '../components/Table';
import { useI18n, useTitle, type MessageKey } from '../i18n';
import { ApiError, type Id } from '../lib/api';
import { isDay } from '../lib/days';
import { earningsApi, earningStreams, mergeRun, settling, yesterday, type Freeze, type FreezeScope, type Settlements } from '../lib/earnings';
import { describeError } from '../lib/errors';
import { formatCredits } from '../lib/money';
import { useForm, type Validator } from '../lib/useForm';
import { useLoader } from '../lib/useLoader';
import { useSubmit } from '../lib/useSubmit';

/** How often a day being settled is checked on. */
const pollMs = 1000;

const scopeLabel: Record<FreezeScope, MessageKey> = {
  app: 'settlements.scopeApp',
  creator: 'settlements.scopeCreator',
};

/**
 * Watches days until their runs are done: GET every second while any is being settled, one request
 * at a time, and never after the page is gone.
 */
function useSettling(setData: (s: Settlements) => void, onDone: (day: string, s: Settlements) => void, onError: (e: unknown) => void) {
  const [days, setDays] = useState<string[]>([]);
  // The latest callbacks, so a poll that is under way reports to the current page state.
  const handlers = useRef({ setData, onDone, onError });
  handlers.current = { setData, onDone, onError };

  useEffect(() => {
    if (days.length === 0) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      try {
        const s = await earningsApi.settlements();
        if (!live) return;
        handlers.current.setData(s);
        const finished = days.filter((d) => !settling(s.runs, d));
        if (finished.length > 0) {
          for (const d of finished) handlers.current.onDone(d, s);
          setDays((all) => all.filter((d) => !finished.includes(d)));
          return; // the effect runs again for the days left
        }
      } catch (e) {
        if (!live) return;
        handlers.current.onError(e);
        setDays([]);
        return;
      }
      if (live) timer = setTimeout(() => void tick(), pollMs);
    };
    timer = setTimeout(() => void tick(), pollMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [days]);

  const watch = useCallback((day: string) => setDays((all) => (all.includes(day) ? all : [...all, day])), []);
  return { watching: days, watch };
}

type FreezeKey = 'freeze_scope' | 'freeze_name' | 'freeze_reason';
const freezeValidators: Record<FreezeKey, Validator<Record<FreezeKey, string>>> = {
  freeze_scope: (v) => (v.freeze_scope === 'app' || v.freeze_scope === 'creator' ? null : 'validate.required'),
  freeze_name: (v) => (v.freeze_name.trim() ? null : 'validate.required'),
  freeze_reason: (v) => {
    const s = v.freeze_reason.trim();
    if (!s) return 'validate.required';
    return s.length > 500 ? 'validate.tooLong' : null;
  },
};
/** The server's field names for the freeze and reverse forms. */
const freezeFields: Record<string, FreezeKey> = { scope: 'freeze_scope', name: 'freeze_name', reason: 'freeze_reason' };

function FreezeSection({ onNotice }: { onNotice: (text: string | null) => void }) {
  const { t, formatDate } = useI18n();
  const { data, error, reload } = useLoader(useCallback(() => earningsApi.freezes().then((r) => r.freezes), []));
  const form = useForm<FreezeKey>({ freeze_scope: 'app', freeze_name: '', freeze_reason: '' }, freezeValidators);
  const reverseAsk = useConfirm<{ scope: FreezeScope; name: string; reason: string }>();
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [liftingId, setLiftingId] = useState<Id | null>(null);

  const body = () => ({ scope: form.values.freeze_scope as FreezeScope, name: form.values.freeze_name.trim(), reason: form.values.freeze_reason.trim() });
  const explain = (err: unknown) => {
    const d = describeError(err, t);
    if (err instanceof ApiError && err.status === 404) d.message = t('settlements.unknownName', { name: form.values.freeze_name.trim() });
    return { message: d.message, field: d.field ? freezeFields[d.field] : undefined };
  };

  const freeze = useSubmit(
    form,
    async () => {
      const b = body();
      await earningsApi.freeze(b);
      onNotice(t('settlements.frozen', { name: b.name }));
      form.reset({ ...form.values, freeze_name: '', freeze_reason: '' });
      reload();
    },
    {
      onStart: () => {
        onNotice(null);
        setActionError(null);
      },
      explain,
    },
  );

  const askReverse = () => {
    onNotice(null);
    setActionError(null);
    freeze.setError(null);
    if (form.validateAll()) reverseAsk.ask(body());
  };

  const reverse = async () => {
    const b = reverseAsk.target;
    if (!b) return;
    setBusy(true);
    try {
      const r = await earningsApi.reverse(b);
      onNotice(t('settlements.reversed', { name: b.name, rows: r.rows, amount: formatCredits(r.amount) }));
      form.reset({ ...form.values, freeze_name: '', freeze_reason: '' });
      reload();
    } catch (e) {
      const d = explain(e);
      if (!form.setServerError(d.field, d.message)) setActionError(d.message);
    } finally {
      setBusy(false);
      reverseAsk.cancel();
    }
  };

  const lift = async (f: Freeze) => {
    onNotice(null);
    setActionError(null);
    setLiftingId(f.id);
    try {
      await earningsApi.lift(f.id);
      onNotice(t('settlements.lifted', { name: f.name }));
      reload();
    } catch (e) {
      setActionError(describeError(e, t).message);
    } finally {
      setLiftingId(null);
    }
  };

  const columns = [t('settlements.scope'), t('settlements.name'), t('settlements.reason'), t('settlements.held'), t('redeem.created')];
  const formError = freeze.error ?? actionError;
  return (
    <>
      <form className="card" onSubmit={freeze.submit} noValidate data-testid="freeze-form">
        <h2>{t('settlements.freezeTitle')}</h2>
        <p className="muted small">{t('settlements.freezeIntro')}</p>
        <div className="grid-2">
          <SelectField {...bindField(form, 'freeze_scope')} label={t('settlements.scope')} data-testid="freeze-scope">
            <option value="app">{t('settlements.scopeApp')}</option>
            <option value="creator">{t('settlements.scopeCreator')}</option>
          </SelectField>
          <Field
            {...bindField(form, 'freeze_name')}
            label={form.values.freeze_scope === 'creator' ? t('settlements.nameCreator') : t('settlements.nameApp')}
            autoComplete="off"
            spellCheck={false}
            maxLength={64}
            data-testid="freeze-name"
          />
        </div>
        <Field {...bindField(form, 'freeze_reason')} label={t('settlements.reason')} hint={t('settlements.reasonHint')} maxLength={500} autoComplete="off" data-testid="freeze-reason" />
        {formError && (
          <Alert kind="error" testId="freeze-error">
            {formError}
          </Alert>
        )}
        <div className="actions-end wrap">
          <button type="button" className="button danger-ghost" disabled={freeze.busy || busy} onClick={askReverse} data-testid="reverse-submit">
            {t('settlements.reverse')}
          </button>
          <button type="submit" className="button primary" disabled={freeze.busy || busy} data-testid="freeze-submit">
            {t('settlements.freeze')}
          </button>
        </div>
      </form>

      <div className="card">
        <h2>{t('settlements.freezesTitle')}</h2>
        <LoadState error={error} loading={!data} testId="freezes-load" onRetry={reload} />
        {data && data.length === 0 && (
          <p className="empty" data-testid="freezes-empty">
            {t('settlements.freezesEmpty')}
          </p>
        )}
        {data && data.length > 0 && (
          <table className="table responsive" data-testid="freezes-table">
            <TableHead columns={columns} actions />
            <tbody>
              {data.map((f) => (
                <tr key={String(f.id)} data-testid="freeze-row" data-id={f.id} data-scope={f.scope} data-name={f.name}>
                  <td data-label={columns[0]}>{t(scopeLabel[f.scope] ?? 'settlements.scopeApp')}</td>
                  <td data-label={columns[1]} className="strong mono">
                    {f.name}
                  </td>
                  <td data-label={columns[2]} className="desc-cell">
                    {f.reason || <span className="muted">—</span>}
                  </td>
                  <td data-label={columns[3]} className="num">
                    <Credits uc={f.pending} testId="freeze-pending" />
                  </td>
                  <td data-label={columns[4]}>{formatDate(f.created_at, true)}</td>
                  <td className="cell-actions">
                    <SmallButton kind="secondary" disabled={liftingId !== null} onClick={() => void lift(f)} data-testid="freeze-lift">
                      {t('settlements.lift')}
                    </SmallButton>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      <ConfirmDialog
        open={reverseAsk.open}
        title={t('settlements.reverseTitle', { name: reverseAsk.target?.name ?? '' })}
        body={t(reverseAsk.target?.scope === 'creator' ? 'settlements.reverseBodyCreator' : 'settlements.reverseBodyApp', { name: reverseAsk.target?.name ?? '' })}
        confirmLabel={t('settlements.reverse')}
        danger
        busy={busy}
        onConfirm={() => void reverse()}
        onCancel={reverseAsk.cancel}
      />
    </>
  );
}

export function AdminSettlementsPage() {
  useTitle('settlements.title');
  const { t, formatDate } = useI18n();
  const { data, setData, error, reload } = useLoader(useCallback(() => earningsApi.settlements(), []));
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [day, setDay] = useState(yesterday);
  const [dayError, setDayError] = useState<string | null>(null);
  const [posting, setPosting] = useState<string | null>(null);

  const { watching, watch } = useSettling(
    setData,
    (d, s) => {
      const run = s.runs.find((r) => r.day === d);
      setNotice(t('settlements.done', { day: d, rows: run?.rows ?? 0 }));
    },
    (e) => setActionError(describeError(e, t).message),
  );

  // Runs already under way when the page opens (the scheduler's, another admin's) are watched too.
  useEffect(() => {
    for (const r of data?.runs ?? []) if (r.status === 'running') watch(r.day);
  }, [data, watch]);

  const settle = async (d: string) => {
    setNotice(null);
    setActionError(null);
    setPosting(d);
    try {
      const { run } = await earningsApi.settle(d);
      if (run?.day) setData((s) => (s ? { ...s, runs: mergeRun(s.runs, run) } : s));
      setNotice(t('settlements.started', { day: d }));
      watch(d);
    } catch (e) {
      setActionError(
        e instanceof ApiError && e.code === 'conflict' ? t('settlements.leaseHeld', { day: d }) : describeError(e, t).message,
      );
    } finally {
      setPosting(null);
    }
  };

  const submitDay = (e: FormEvent) => {
    e.preventDefault();
    if (!isDay(day)) return setDayError(t('validate.day'));
    setDayError(null);
    void settle(day);
  };

  const busyDay = (d: string) => posting === d || watching.includes(d);
  const streamColumns = earningStreams.map((s) => t(streamLabel[s]));
  const columns = [t('revenue.day'), t('billing.status'), t('settlements.attempts'), t('settlements.rows'), ...streamColumns, t('settlements.finished')];

  return (
    <section className="page wide" data-testid="admin-settlements-page">
      <AdminTabs />
      <header className="page-header">
        <h1>{t('settlements.title')}</h1>
        <p className="muted">
          {data
            ? t('settlements.subtitleWhen', { hour: String(data.settlement_hour).padStart(2, '0'), timezone: data.timezone })
            : t('settlements.subtitle')}
        </p>
      </header>

      <PageAlerts testIdPrefix="admin" notice={notice} error={actionError} onDismissNotice={() => setNotice(null)} onDismissError={() => setActionError(null)} />

      <form className="card filters" onSubmit={submitDay} noValidate data-testid="settle-form">
        <div className={`field${dayError ? ' has-error' : ''}`}>
          <label htmlFor="f-settle-day">{t('settlements.day')}</label>
          <input
            id="f-settle-day"
            type="date"
            value={day}
            onChange={(e) => setDay(e.target.value)}
            aria-invalid={dayError ? true : undefined}
            aria-describedby={dayError ? 'f-settle-day-error' : undefined}
            data-testid="settle-day"
          />
          {dayError && (
            <p className="field-error" id="f-settle-day-error" data-testid="error-settle-day">
              {dayError}
            </p>
          )}
        </div>
        <div className="filter-actions">
          <button type="submit" className="button primary" disabled={busyDay(day)} data-testid="settle-submit">
            {busyDay(day) ? t('settlements.settling') : t('settlements.settle')}
          </button>
        </div>
      </form>

      <div className="card flush">
        <LoadState error={error} loading={!data} testId="settlements-load" onRetry={reload} />
        {data && data.runs.length === 0 && (
          <p className="empty" data-testid="settlements-empty">
            {t('settlements.empty')}
          </p>
        )}
        {data && data.runs.length > 0 && (
          <table className="table responsive" data-testid="settlements-table">
            <TableHead columns={columns} actions />
            <tbody>
              {data.runs.map((r) => (
                <tr key={r.day} data-testid="settlement-row" data-day={r.day} data-status={r.status}>
                  <td data-label={columns[0]} className="strong">
                    {r.day}
                  </td>
                  <td data-label={columns[1]}>
                    <span className={`badge ${r.status === 'done' ? 'badge-active' : 'badge-admin'}`} data-testid="settlement-status">
                      {t(r.status === 'done' ? 'settlements.statusDone' : 'settlements.statusRunning')}
                    </span>
                  </td>
                  <td data-label={columns[2]} className="num">
                    {r.attempts}
                    {r.batches > 0 && <span className="muted small"> · {t('settlements.batches', { count: r.batches })}</span>}
                  </td>
                  <td data-label={columns[3]} className="num" data-testid="settlement-rows">
                    {r.rows}
                  </td>
                  {earningStreams.map((s, i) => (
                    <td key={s} data-label={streamColumns[i]} className="num">
                      <Credits uc={r.totals?.[s] ?? 0} testId={`settlement-total-${s}`} />
                    </td>
                  ))}
                  <td data-label={columns[columns.length - 1]}>
                    {r.finished_at ? formatDate(r.finished_at, true) : r.lease_owner ? <span className="muted small">{r.lease_owner}</span> : <span className="muted">—</span>}
                  </td>
                  <td className="cell-actions">
                    <SmallButton kind="secondary" disabled={busyDay(r.day)} onClick={() => void settle(r.day)} data-testid="settlement-rerun">
                      {busyDay(r.day) ? t('settlements.settling') : t('settlements.rerun')}
                    </SmallButton>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      <FreezeSection onNotice={setNotice} />
    </section>
  );
}
