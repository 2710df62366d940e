// Admin › Audit log: who changed what on the site (reviews, takedowns, settings, keys…), newest first.
import { useCallback } from 'react';
import { AdminTabs } from '../components/AdminTabs';
import { LoadState, MoreButton } from '../components/billing/LoadState';
import { TableHead } from '../components/Table';
import { useI18n, useTitle } from '../i18n';
import type { Id } from '../lib/api';
import { appsApi } from '../lib/apps';
import { actorName, auditText } from '../lib/appDisplay';
import { usePaged } from '../lib/usePaged';

const pageSize = 50;

export function AdminAuditPage() {
  useTitle('audit.title');
  const { t, formatDate } = useI18n();
  const fetchPage = useCallback(async (before: Id | null) => (await appsApi.audit(pageSize, before)).entries, []);
  const { rows, error, loading, more, loadMore, reload } = usePaged(fetchPage, pageSize);

  return (
    <section className="page wide" data-testid="admin-audit-page">
      <AdminTabs />
      <header className="page-header row spread">
        <div>
          <h1>{t('audit.title')}</h1>
          <p className="muted">{t('audit.subtitle')}</p>
        </div>
        <button type="button" className="button secondary" onClick={reload} data-testid="audit-refresh">
          {t('wallet.refresh')}
        </button>
      </header>
      <div className="card flush">
        <LoadState error={error} loading={!rows && error == null} testId="audit-load" onRetry={reload} />
        {rows && rows.length === 0 && (
          <p className="empty" data-testid="audit-empty">
            {t('audit.empty')}
          </p>
        )}
        {rows && rows.length > 0 && (
          <table className="table responsive" data-testid="audit-table">
            <TableHead columns={[t('billing.time'), t('audit.actor'), t('audit.action'), t('audit.target'), t('audit.detail')]} />
            <tbody>
              {rows.map((e) => (
                <tr key={e.id} data-testid="audit-row" data-action={e.action} data-id={e.id}>
                  <td data-label={t('billing.time')} className="nowrap">
                    {formatDate(e.created_at, true)}
                  </td>
                  <td data-label={t('audit.actor')} className="strong" data-testid="audit-actor">
                    {/* No actor: the server itself (a command-line tool, an automatic approval). */}
                    {actorName(e.actor) || <span className="muted">{t('audit.system')}</span>}
                  </td>
                  <td data-label={t('audit.action')}>
                    <code className="mono" data-testid="audit-action">
                      {e.action}
                    </code>
                  </td>
                  <td data-label={t('audit.target')} data-testid="audit-target">
                    {auditText(e.target)}
                  </td>
                  <td data-label={t('audit.detail')} className="audit-detail" data-testid="audit-detail">
                    {auditText(e.detail)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <MoreButton show={more} loading={loading} testId="audit-more" onClick={loadMore} />
    </section>
  );
}
