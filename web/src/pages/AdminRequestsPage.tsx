// Admin › Requests: every chat and API call on the site, newest first, with who made it, the channel
// that served it, its tokens, cost, time and outcome; filtered by user, model, channel, status,
// surface and days. The server reads a bounded window of the newest calls per page (the site's, or
// the user's); when that leaves a page short, the operator may search on from where it stopped.
import { useCallback, useEffect, useState } from 'react';
import { AdminTabs } from '../components/AdminTabs';
import { Credits } from '../components/billing/Credits';
import { LoadState, MoreButton } from '../components/billing/LoadState';
import { bindField, Field, SelectField } from '../components/Field';
import { TableHead } from '../components/Table';
import { DayRangeFields, FilterActions, SurfaceSelect } from '../components/UsageFilterFields';
import { useI18n, useTitle } from '../i18n';
import { api, type Channel, type Id } from '../lib/api';
import { billingApi, noRequestLogFilters, type RequestLogFilters, type RequestLogRow } from '../lib/billing';
import { dayRangeValidators } from '../lib/days';
import { useForm } from '../lib/useForm';
import { usePaged } from '../lib/usePaged';
import { useSubmit } from '../lib/useSubmit';

const pageSize = 50;

type K = keyof RequestLogFilters;
const validators = dayRangeValidators<K>();

/** A failed call is the row an operator most needs to read; a cancelled one (the caller stopped it) the least. */
const failed = (row: RequestLogRow) => row.status !== 'ok' && row.status !== 'cancelled';
const rowClass = (row: RequestLogRow) => (failed(row) ? 'failed' : row.status === 'cancelled' ? 'dim' : '');

function Outcome({ row }: { row: RequestLogRow }) {
  const { t } = useI18n();
  const label =
    row.status === 'ok' ? t('requests.statusOk') : row.status === 'cancelled' ? t('requests.statusCancelled') : t('requests.statusError');
  return (
    <span data-testid="requests-status">
      {failed(row) ? <span className="badge badge-revoked">{label}</span> : label}
      {row.error_code && <code className="mono small"> {row.error_code}</code>}
      {row.attempts > 1 && <span className="muted small"> · {t('requests.attempts', { count: row.attempts })}</span>}
      {row.error_detail && (
        <span className="request-detail small" data-testid="requests-detail">
          {row.error_detail}
        </span>
      )}
    </span>
  );
}

export function AdminRequestsPage() {
  useTitle('requests.title');
  const { t, formatDate } = useI18n();
  const [channels, setChannels] = useState<Channel[]>([]);
  const [applied, setApplied] = useState<RequestLogFilters>(noRequestLogFilters);
  const [start, setStart] = useState<Id | null>(null); // where the newest page begins ("search older")
  const [searchedTo, setSearchedTo] = useState<Id | null>(null);
  const form = useForm<K>({ ...noRequestLogFilters }, validators);
  const { busy, submit } = useSubmit(form, async () => {
    setStart(null);
    setApplied({ ...(form.values as RequestLogFilters) });
  });

  useEffect(() => {
    api.listChannels().then(
      (r) => setChannels(r.channels),
      () => setChannels([]), // the filter then offers "all channels" only
    );
  }, []);

  const fetchPage = useCallback(
    async (before: Id | null) => {
      const r = await billingApi.requestLog(applied, pageSize, before ?? start);
      setSearchedTo(r.searched_to);
      return r.usage;
    },
    [applied, start],
  );
  const { rows, error, loading, more, loadMore, reload } = usePaged(fetchPage, pageSize);

  const reset = () => {
    form.reset({ ...noRequestLogFilters });
    setStart(null);
    setApplied(noRequestLogFilters);
  };

  return (
    <section className="page wide" data-testid="admin-requests-page">
      <AdminTabs />
      <header className="page-header row spread">
        <div>
          <h1>{t('requests.title')}</h1>
          <p className="muted">{t('requests.subtitle')}</p>
        </div>
        <button type="button" className="button secondary" onClick={reload} data-testid="requests-refresh">
          {t('wallet.refresh')}
        </button>
      </header>
      <div className="card">
        <form className="filters" onSubmit={submit} noValidate data-testid="requests-filters">
          <Field {...bindField(form, 'user')} label={t('requests.user')} optional autoComplete="off" spellCheck={false} />
          <Field {...bindField(form, 'model')} label={t('billing.model')} optional autoComplete="off" spellCheck={false} />
          <SelectField {...bindField(form, 'channel_id')} label={t('requests.channel')}>
            <option value="">{t('requests.allChannels')}</option>
            {channels.map((c) => (
              <option key={c.id} value={String(c.id)}>
                {c.name}
              </option>
            ))}
          </SelectField>
          <SelectField {...bindField(form, 'status')} label={t('wallet.status')}>
            <option value="">{t('requests.allStatuses')}</option>
            <option value="ok">{t('requests.statusOk')}</option>
            <option value="error">{t('requests.statusError')}</option>
            <option value="cancelled">{t('requests.statusCancelled')}</option>
          </SelectField>
          <SurfaceSelect form={form} />
          <DayRangeFields form={form} />
          <FilterActions busy={busy} onReset={reset} testIdPrefix="requests" />
        </form>
        <LoadState error={error} loading={rows === undefined && loading} testId="requests" onRetry={reload} />
        {rows && rows.length === 0 && (
          <p className="empty" data-testid="requests-empty">
            {t('requests.empty')}
          </p>
        )}
        {rows && rows.length > 0 && (
          <table className="table responsive" data-testid="requests-table">
            <TableHead
              columns={[
                t('billing.time'),
                t('requests.user'),
                t('billing.model'),
                t('requests.channel'),
                t('wallet.surface'),
                t('wallet.tokens'),
                t('wallet.cost'),
                t('requests.latency'),
                t('wallet.status'),
              ]}
            />
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-testid="requests-row" data-id={r.id} data-status={r.status} className={rowClass(r)}>
                  <td data-label={t('billing.time')} className="nowrap" title={r.request_id}>
                    {formatDate(r.created_at, true)}
                  </td>
                  <td data-label={t('requests.user')} className="strong" data-testid="requests-user">
                    {r.username ?? <span className="muted">{t('requests.deletedUser', { id: r.user_id })}</span>}
                  </td>
                  <td data-label={t('billing.model')} className="mono">
                    {r.model}
                  </td>
                  <td data-label={t('requests.channel')} data-testid="requests-channel">
                    {r.channel ?? <span className="muted">{r.channel_id === null ? t('requests.noChannel') : `#${r.channel_id}`}</span>}
                  </td>
                  <td data-label={t('wallet.surface')} className="nowrap">
                    {r.surface === 'api' ? t('wallet.surfaceApi') : t('wallet.surfaceWeb')}
                  </td>
                  <td data-label={t('wallet.tokens')}>
                    {t('wallet.tokensInOut', { prompt: r.prompt_tokens, completion: r.completion_tokens })}
                    {!r.tokens_reported && r.status === 'ok' && <span className="muted small"> · {t('requests.counted')}</span>}
                  </td>
                  <td data-label={t('wallet.cost')} className="num">
                    <Credits uc={r.cost} />
                  </td>
                  <td data-label={t('requests.latency')} className="nowrap">
                    {t('requests.latencyValue', { total: r.latency_ms })}
                    {r.ttft_ms !== null && <span className="muted small"> · {t('requests.firstToken', { ms: r.ttft_ms })}</span>}
                  </td>
                  <td data-label={t('wallet.status')}>
                    <Outcome row={r} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <MoreButton show={more} loading={loading} testId="requests-more" onClick={loadMore} />
        {!more && searchedTo !== null && (
          <p className="muted row wrap" data-testid="requests-searched-to">
            {t('requests.searchedTo', { id: searchedTo })}{' '}
            <button type="button" className="button secondary small" onClick={() => setStart(searchedTo)} data-testid="requests-search-older">
              {t('requests.searchOlder')}
            </button>
          </p>
        )}
      </div>
    </section>
  );
}
