import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { AdminTabs } from '../components/AdminTabs';
import { UserWalletDialog } from '../components/admin/UserWalletDialog';
import { ConfirmDialog, useConfirm } from '../components/ConfirmDialog';
import { SmallButton, TableHead } from '../components/Table';
import { Alert, PageAlerts } from '../components/Field';
import { useI18n, useTitle } from '../i18n';
import { api, type User } from '../lib/api';
import { useAuth } from '../lib/auth';
import { describeError } from '../lib/errors';
import { useLoader } from '../lib/useLoader';

const pageSize = 20;

function GroupEditor({ user, busy, onSave }: { user: User; busy: boolean; onSave: (group: string) => void }) {
  const { t } = useI18n();
  const [value, setValue] = useState(user.group);
  useEffect(() => setValue(user.group), [user.group]);
  const dirty = value.trim() !== user.group;
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (dirty && value.trim()) onSave(value.trim());
      }}
    >
      <input
        value={value}
        onChange={(e) => setValue(e.target.value)}
        aria-label={`${t('admin.colGroup')}: ${user.username}`}
        className="small-input"
        maxLength={64}
        data-testid="user-group"
      />
      {dirty && (
        <button type="submit" className="button primary small" disabled={busy || !value.trim()} data-testid="user-group-save">
          {t('admin.saveGroup')}
        </button>
      )}
    </form>
  );
}

export function AdminUsersPage() {
  useTitle('admin.title');
  const { t, formatDate } = useI18n();
  const { user: me } = useAuth();
  const [query, setQuery] = useState('');
  const [applied, setApplied] = useState('');
  const [offset, setOffset] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<User['id'] | null>(null);
  const { target: toBan, open: banOpen, ask: askBan, cancel: cancelBan } = useConfirm<User>();
  const [walletOf, setWalletOf] = useState<User | null>(null);

  const isAdmin = me?.role === 'admin';

  // Through useLoader: the first page's answer may come after a search's, and must not replace it.
  const listUsers = useCallback(
    async () => (isAdmin ? api.listUsers(applied, offset, pageSize) : undefined),
    [applied, offset, isAdmin],
  );
  const { data, setData, error, setError, reload } = useLoader(listUsers);

  if (!isAdmin) {
    return (
      <section className="page narrow" data-testid="admin-forbidden">
        <Alert kind="error">{t('admin.forbidden')}</Alert>
      </section>
    );
  }

  const update = async (u: User, change: { role?: User['role']; group?: string; banned?: boolean }) => {
    setBusyId(u.id);
    setNotice(null);
    setError(null);
    try {
      const r = await api.updateUser(u.id, change);
      setData((d) => d && { ...d, users: d.users.map((x) => (x.id === r.user.id ? r.user : x)) });
      setNotice(t('admin.updated', { name: r.user.username }));
    } catch (e) {
      setError(e);
      reload(); // put the row back the way the server has it
    } finally {
      setBusyId(null);
    }
  };

  const search = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setOffset(0);
    setApplied(query.trim());
  };

  const total = data?.total ?? 0;
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(offset + pageSize, total);

  return (
    <section className="page wide" data-testid="admin-users-page">
      <AdminTabs />
      <header className="page-header row">
        <h1>{t('admin.title')}</h1>
        {data && <span className="muted" data-testid="users-total">{total === 1 ? t('admin.totalOne') : t('admin.total', { count: total })}</span>}
      </header>

      <form className="search-bar" role="search" onSubmit={search}>
        <label htmlFor="user-search" className="sr-only">
          {t('admin.search')}
        </label>
        <input
          id="user-search"
          type="search"
          placeholder={t('admin.searchPlaceholder')}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          data-testid="user-search"
        />
        <button type="submit" className="button primary" data-testid="user-search-submit">
          {t('admin.searchSubmit')}
        </button>
      </form>

      <PageAlerts
        testIdPrefix="admin"
        notice={notice}
        error={error != null ? describeError(error, t).message : null}
        onDismissNotice={() => setNotice(null)}
        onDismissError={() => setError(null)}
      />

      <div className="card flush">
        {data === undefined && error == null && <p className="muted pad">{t('app.loading')}</p>}
        {data && data.users.length === 0 && <p className="empty">{t('admin.empty')}</p>}
        {data && data.users.length > 0 && (
          <table className="table responsive" data-testid="users-table">
            <TableHead
              columns={[
                t('admin.colUser'),
                t('admin.colEmail'),
                t('admin.colRole'),
                t('admin.colGroup'),
                t('admin.colStatus'),
                t('admin.colCreated'),
                t('admin.colActions'),
              ]}
            />
            <tbody>
              {data.users.map((u) => {
                const self = u.id === me?.id;
                const busy = busyId === u.id;
                return (
                  <tr key={u.id} data-testid="user-row" data-username={u.username} className={u.banned ? 'dim' : ''}>
                    <td data-label={t('admin.colUser')} className="strong">
                      {u.username}
                      {self && <span className="tag">{t('admin.you')}</span>}
                      {u.system && (
                        <span className="tag" title={t('admin.systemUserHint')} data-testid="user-system">
                          {t('admin.systemUser')}
                        </span>
                      )}
                    </td>
                    <td data-label={t('admin.colEmail')}>{u.email ?? <span className="muted">—</span>}</td>
                    <td data-label={t('admin.colRole')}>
                      <select
                        value={u.role}
                        disabled={busy || self || u.system}
                        aria-label={`${t('admin.colRole')}: ${u.username}`}
                        onChange={(e) => void update(u, { role: e.target.value as User['role'] })}
                        data-testid="user-role"
                      >
                        <option value="user">{t('admin.roleUser')}</option>
                        <option value="admin">{t('admin.roleAdmin')}</option>
                      </select>
                    </td>
                    <td data-label={t('admin.colGroup')}>
                      <GroupEditor user={u} busy={busy} onSave={(group) => void update(u, { group })} />
                    </td>
                    <td data-label={t('admin.colStatus')}>
                      <span className={`badge ${u.banned ? 'badge-revoked' : 'badge-active'}`} data-testid="user-status">
                        {u.banned ? t('admin.banned') : t('admin.active')}
                      </span>
                    </td>
                    <td data-label={t('admin.colCreated')}>{formatDate(u.created_at)}</td>
                    <td className="cell-actions">
                      <SmallButton kind="secondary" onClick={() => setWalletOf(u)} data-testid="user-wallet">
                        {t('admin.wallet')}
                      </SmallButton>{' '}
                      {!self &&
                        !u.system &&
                        (u.banned ? (
                          <SmallButton
                            kind="secondary"
                            disabled={busy}
                            onClick={() => void update(u, { banned: false })}
                            data-testid="user-unban"
                          >
                            {t('admin.unban')}
                          </SmallButton>
                        ) : (
                          <SmallButton
                            kind="danger-ghost"
                            disabled={busy}
                            onClick={() => askBan(u)}
                            data-testid="user-ban"
                          >
                            {t('admin.ban')}
                          </SmallButton>
                        ))}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>

      {total > pageSize && (
        <nav className="pager" aria-label={t('admin.pagination')}>
          <SmallButton kind="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - pageSize))}>
            {t('admin.prev')}
          </SmallButton>
          <span className="muted">{t('admin.page', { from, to, total })}</span>
          <SmallButton kind="secondary" disabled={to >= total} onClick={() => setOffset(offset + pageSize)}>
            {t('admin.next')}
          </SmallButton>
        </nav>
      )}

      {walletOf && <UserWalletDialog user={walletOf} onClose={() => setWalletOf(null)} />}

      <ConfirmDialog
        open={banOpen}
        title={t('admin.banTitle', { name: toBan?.username ?? '' })}
        body={t('admin.banBody')}
        confirmLabel={t('admin.ban')}
        danger
        onConfirm={() => {
          const u = toBan;
          cancelBan();
          if (u) void update(u, { banned: true });
        }}
        onCancel={cancelBan}
      />
    </section>
  );
}
