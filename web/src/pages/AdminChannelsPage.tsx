// Admin › Channels: the upstream providers Plaza relays to. Keys are write-only: the API returns
// only their hints, and editing a channel keeps its keys unless new ones are typed.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { AdminTabs } from '../components/AdminTabs';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Alert, Field, TextAreaField } from '../components/Field';
import { PlusIcon } from '../components/Icons';
import { useI18n, useTitle } from '../i18n';
import { api, type Channel, type ChannelInput, type ChannelTest, type ChannelType, type Id } from '../lib/api';
import { useAuth } from '../lib/auth';
import { describeError } from '../lib/errors';
import { useForm, type Validator } from '../lib/useForm';
import {
  formatChannelModels,
  parseChannelModels,
  parseKeyLines,
  parseList,
  validateChannelKeys,
  validateChannelModels,
  validateHttpUrl,
  validateInt,
} from '../lib/validation';

type K =
  | 'type'
  | 'name'
  | 'base_url'
  | 'keys'
  | 'models'
  | 'groups'
  | 'priority'
  | 'weight'
  | 'connect_timeout_ms'
  | 'first_byte_timeout_ms'
  | 'idle_timeout_ms';
type V = Record<K, string>;

const common: Partial<Record<K, Validator<V>>> = {
  name: (v) => (v.name.trim() ? (v.name.trim().length > 64 ? 'validate.nameLength' : null) : 'validate.required'),
  base_url: (v) => validateHttpUrl(v.base_url),
  models: (v) => validateChannelModels(v.models),
  priority: (v) => validateInt(v.priority, -1000000, 1000000),
  weight: (v) => validateInt(v.weight, 1, 10000),
  connect_timeout_ms: (v) => validateInt(v.connect_timeout_ms, 100, 3600000),
  first_byte_timeout_ms: (v) => validateInt(v.first_byte_timeout_ms, 100, 3600000),
  idle_timeout_ms: (v) => validateInt(v.idle_timeout_ms, 100, 3600000),
};
const createValidators: Partial<Record<K, Validator<V>>> = { ...common, keys: (v) => validateChannelKeys(v.keys, true) };
const editValidators: Partial<Record<K, Validator<V>>> = { ...common, keys: (v) => validateChannelKeys(v.keys, false) };

const baseUrlExample: Record<ChannelType, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
};

function initialValues(ch: Channel | null): V {
  return {
    type: ch?.type ?? 'openai',
    name: ch?.name ?? '',
    base_url: ch?.base_url ?? '',
    keys: '',
    models: ch ? formatChannelModels(ch.models) : '',
    groups: ch?.groups.join(', ') ?? '',
    priority: ch ? String(ch.priority) : '',
    weight: ch ? String(ch.weight) : '',
    connect_timeout_ms: ch ? String(ch.connect_timeout_ms) : '',
    first_byte_timeout_ms: ch ? String(ch.first_byte_timeout_ms) : '',
    idle_timeout_ms: ch ? String(ch.idle_timeout_ms) : '',
  };
}

function ChannelForm({ channel, onSaved, onCancel }: { channel: Channel | null; onSaved: (c: Channel, created: boolean) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const editing = channel !== null;
  const form = useForm<K>(initialValues(channel), editing ? editValidators : createValidators);
  const [enabled, setEnabled] = useState(channel?.enabled ?? true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLFormElement>(null);

  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
    document.getElementById('f-name')?.focus();
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!form.validateAll()) return;
    const v = form.values;
    const body: ChannelInput = {
      type: v.type as ChannelType,
      name: v.name.trim(),
      base_url: v.base_url.trim().replace(/\/+$/, ''),
      models: parseChannelModels(v.models),
      groups: parseList(v.groups),
      enabled,
    };
    const keys = parseKeyLines(v.keys);
    if (keys.length > 0) body.keys = keys;
    const num = (s: string) => (s.trim() ? Number(s.trim()) : undefined);
    const n: Partial<Record<K, number | undefined>> = {
      priority: num(v.priority),
      weight: num(v.weight),
      connect_timeout_ms: num(v.connect_timeout_ms),
      first_byte_timeout_ms: num(v.first_byte_timeout_ms),
      idle_timeout_ms: num(v.idle_timeout_ms),
    };
    for (const [k, val] of Object.entries(n)) if (val !== undefined) (body as Record<string, unknown>)[k] = val;
    setBusy(true);
    try {
      const r = editing ? await api.updateChannel(channel.id, body) : await api.createChannel(body);
      onSaved(r.channel, !editing);
    } catch (err) {
      const d = describeError(err, t);
      if (!form.setServerError(d.field, d.message)) setError(d.message);
    } finally {
      setBusy(false);
    }
  };

  const type = form.values.type as ChannelType;
  return (
    <form ref={ref} className="card channel-form" onSubmit={submit} noValidate data-testid="channel-form">
      <h2>{editing ? t('channels.editTitle', { name: channel.name }) : t('channels.addTitle')}</h2>
      <div className="grid-2">
        <div className="field">
          <label htmlFor="f-type">{t('channels.type')}</label>
          <select id="f-type" className="full" value={form.values.type} onChange={form.onChange('type')} data-testid="field-type">
            <option value="openai">{t('channels.typeOpenai')}</option>
            <option value="anthropic">{t('channels.typeAnthropic')}</option>
          </select>
        </div>
        <Field
          name="name"
          label={t('channels.name')}
          value={form.values.name}
          onChange={form.onChange('name')}
          onBlur={form.onBlur('name')}
          error={form.errorText('name')}
          placeholder={t('channels.namePlaceholder')}
          maxLength={64}
          autoComplete="off"
        />
      </div>
      <Field
        name="base_url"
        type="url"
        label={t('channels.baseUrl')}
        value={form.values.base_url}
        onChange={form.onChange('base_url')}
        onBlur={form.onBlur('base_url')}
        error={form.errorText('base_url')}
        placeholder={baseUrlExample[type]}
        hint={t(type === 'anthropic' ? 'channels.baseUrlHintAnthropic' : 'channels.baseUrlHintOpenai')}
        autoComplete="off"
        spellCheck={false}
      />
      <div className="grid-2">
        <TextAreaField
          name="keys"
          label={t('channels.keys')}
          value={form.values.keys}
          onChange={form.onChange('keys')}
          onBlur={form.onBlur('keys')}
          error={form.errorText('keys')}
          rows={4}
          placeholder={editing ? t('channels.keysKeepPlaceholder') : 'sk-…'}
          hint={
            editing
              ? t('channels.keysKeep', { hints: channel.keys.map((k) => k.hint).join(', ') || '—' })
              : t('channels.keysHint')
          }
          className="mono"
          spellCheck={false}
          autoComplete="off"
          optional={editing}
        />
        <TextAreaField
          name="models"
          label={t('channels.models')}
          value={form.values.models}
          onChange={form.onChange('models')}
          onBlur={form.onBlur('models')}
          error={form.errorText('models')}
          rows={4}
          placeholder={'gpt-4o-mini\nfast=gpt-4o-mini'}
          hint={t('channels.modelsHint')}
          className="mono"
          spellCheck={false}
        />
      </div>
      <div className="grid-3 even">
        <Field
          name="groups"
          label={t('channels.groups')}
          optional
          value={form.values.groups}
          onChange={form.onChange('groups')}
          onBlur={form.onBlur('groups')}
          error={form.errorText('groups')}
          hint={t('channels.groupsHint')}
          placeholder="default, vip"
          autoComplete="off"
        />
        <Field
          name="priority"
          type="number"
          inputMode="numeric"
          label={t('channels.priority')}
          optional
          value={form.values.priority}
          onChange={form.onChange('priority')}
          onBlur={form.onBlur('priority')}
          error={form.errorText('priority')}
          hint={t('channels.priorityHint')}
          placeholder="0"
        />
        <Field
          name="weight"
          type="number"
          inputMode="numeric"
          label={t('channels.weight')}
          optional
          value={form.values.weight}
          onChange={form.onChange('weight')}
          onBlur={form.onBlur('weight')}
          error={form.errorText('weight')}
          hint={t('channels.weightHint')}
          placeholder="1"
        />
      </div>
      <details className="advanced">
        <summary>{t('channels.timeouts')}</summary>
        <div className="grid-3 even">
          {(['connect_timeout_ms', 'first_byte_timeout_ms', 'idle_timeout_ms'] as const).map((k) => (
            <Field
              key={k}
              name={k}
              type="number"
              inputMode="numeric"
              label={t(k === 'connect_timeout_ms' ? 'channels.connectTimeout' : k === 'first_byte_timeout_ms' ? 'channels.firstByteTimeout' : 'channels.idleTimeout')}
              optional
              value={form.values[k]}
              onChange={form.onChange(k)}
              onBlur={form.onBlur(k)}
              error={form.errorText(k)}
              placeholder={t('channels.timeoutDefault')}
            />
          ))}
        </div>
      </details>
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} data-testid="field-enabled" />
        {t('channels.enabled')}
      </label>
      {error && (
        <Alert kind="error" testId="form-error">
          {error}
        </Alert>
      )}
      <div className="actions-end">
        <button type="button" className="button secondary" onClick={onCancel} data-testid="channel-cancel">
          {t('common.cancel')}
        </button>
        <button type="submit" className="button primary" disabled={busy} data-testid="channel-save">
          {busy ? t('channels.saving') : editing ? t('common.save') : t('channels.create')}
        </button>
      </div>
    </form>
  );
}

type TestState = { pending: true } | { pending: false; result: ChannelTest } | { pending: false; error: string };

function StatusBadge({ ch }: { ch: Channel }) {
  const { t } = useI18n();
  if (ch.auto_disabled)
    return (
      <span className="badge badge-revoked" data-testid="channel-status" data-status="auto_disabled">
        {t('channels.statusAuto')}
      </span>
    );
  if (!ch.enabled)
    return (
      <span className="badge badge-neutral" data-testid="channel-status" data-status="disabled">
        {t('channels.statusDisabled')}
      </span>
    );
  return (
    <span className="badge badge-active" data-testid="channel-status" data-status="enabled">
      {t('channels.statusEnabled')}
    </span>
  );
}

export function AdminChannelsPage() {
  useTitle('channels.title');
  const { t, formatDate } = useI18n();
  const { user } = useAuth();
  const [channels, setChannels] = useState<Channel[] | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [editing, setEditing] = useState<Channel | null | 'new'>(null);
  const [tests, setTests] = useState<Record<string, TestState>>({});
  const [toDelete, setToDelete] = useState<Channel | null>(null);
  const [busyId, setBusyId] = useState<Id | null>(null);
  const isAdmin = user?.role === 'admin';

  const load = useCallback(async () => {
    if (!isAdmin) return;
    try {
      const r = await api.listChannels();
      setChannels(r.channels);
      setError(null);
    } catch (e) {
      setError(describeError(e, t).message);
    }
  }, [isAdmin, t]);

  useEffect(() => {
    void load();
  }, [load]);

  if (!isAdmin) {
    return (
      <section className="page narrow" data-testid="admin-forbidden">
        <Alert kind="error">{t('admin.forbidden')}</Alert>
      </section>
    );
  }

  const replace = (c: Channel) => setChannels((list) => list?.map((x) => (String(x.id) === String(c.id) ? c : x)));

  const test = async (c: Channel) => {
    setTests((s) => ({ ...s, [String(c.id)]: { pending: true } }));
    try {
      const result = await api.testChannel(c.id);
      setTests((s) => ({ ...s, [String(c.id)]: { pending: false, result } }));
    } catch (e) {
      setTests((s) => ({ ...s, [String(c.id)]: { pending: false, error: describeError(e, t).message } }));
    }
    void load(); // a failed test may have disabled a key
  };

  const enable = async (c: Channel) => {
    setBusyId(c.id);
    setNotice(null);
    try {
      const r = await api.enableChannel(c.id);
      replace(r.channel);
      setNotice(t('channels.reenabled', { name: r.channel.name }));
    } catch (e) {
      setError(describeError(e, t).message);
    } finally {
      setBusyId(null);
    }
  };

  const remove = async () => {
    const c = toDelete;
    if (!c) return;
    setBusyId(c.id);
    try {
      await api.deleteChannel(c.id);
      setChannels((list) => list?.filter((x) => String(x.id) !== String(c.id)));
      setNotice(t('channels.deleted', { name: c.name }));
    } catch (e) {
      setError(describeError(e, t).message);
    } finally {
      setBusyId(null);
      setToDelete(null);
    }
  };

  return (
    <section className="page wide" data-testid="admin-channels-page">
      <AdminTabs />
      <header className="page-header row spread">
        <div>
          <h1>{t('channels.title')}</h1>
          <p className="muted">{t('channels.subtitle')}</p>
        </div>
        {editing === null && (
          <button type="button" className="button primary" onClick={() => setEditing('new')} data-testid="channel-add">
            <PlusIcon />
            {t('channels.add')}
          </button>
        )}
      </header>

      {editing !== null && (
        <ChannelForm
          key={editing === 'new' ? 'new' : String(editing.id)}
          channel={editing === 'new' ? null : editing}
          onCancel={() => setEditing(null)}
          onSaved={(c, created) => {
            setEditing(null);
            if (created) setChannels((list) => [...(list ?? []), c]);
            else replace(c);
            setNotice(t(created ? 'channels.created' : 'channels.saved', { name: c.name }));
          }}
        />
      )}

      {notice && (
        <Alert kind="success" testId="channels-notice" onDismiss={() => setNotice(null)}>
          {notice}
        </Alert>
      )}
      {error && (
        <Alert kind="error" testId="channels-error" onDismiss={() => setError(null)}>
          {error}
        </Alert>
      )}

      {channels === undefined && !error && <p className="muted">{t('app.loading')}</p>}
      {channels && channels.length === 0 && editing === null && (
        <div className="card empty-state" data-testid="channels-empty">
          <h2>{t('channels.emptyTitle')}</h2>
          <p className="muted">{t('channels.emptyBody')}</p>
          <button type="button" className="button primary" onClick={() => setEditing('new')}>
            <PlusIcon />
            {t('channels.add')}
          </button>
        </div>
      )}
      {channels && channels.length > 0 && (
        <ul className="channel-list" data-testid="channel-list">
          {channels.map((c) => {
            const ts = tests[String(c.id)];
            const busy = busyId !== null && String(busyId) === String(c.id);
            return (
              <li key={c.id} className={`card channel${!c.enabled || c.auto_disabled ? ' is-off' : ''}`} data-testid="channel-row" data-name={c.name} data-id={c.id}>
                <div className="channel-head">
                  <div className="channel-title">
                    <h2 data-testid="channel-name">{c.name}</h2>
                    <span className="chip">{c.type === 'anthropic' ? t('channels.typeAnthropicShort') : t('channels.typeOpenaiShort')}</span>
                    <StatusBadge ch={c} />
                  </div>
                  <div className="channel-actions">
                    <button type="button" className="button secondary small" disabled={ts?.pending} onClick={() => void test(c)} data-testid="channel-test">
                      {ts?.pending ? t('channels.testing') : t('channels.test')}
                    </button>
                    {c.auto_disabled && (
                      <button type="button" className="button primary small" disabled={busy} onClick={() => void enable(c)} data-testid="channel-enable">
                        {t('channels.reenable')}
                      </button>
                    )}
                    <button type="button" className="button secondary small" onClick={() => setEditing(c)} data-testid="channel-edit">
                      {t('channels.edit')}
                    </button>
                    <button type="button" className="button danger-ghost small" disabled={busy} onClick={() => setToDelete(c)} data-testid="channel-delete">
                      {t('channels.delete')}
                    </button>
                  </div>
                </div>
                <code className="channel-url mono">{c.base_url}</code>
                {c.auto_disabled && (
                  <p className="channel-reason" data-testid="channel-reason">
                    {t('channels.autoReason', { reason: c.disabled_reason || '—' })}
                  </p>
                )}
                <dl className="channel-facts">
                  <div>
                    <dt>{t('channels.models')}</dt>
                    <dd className="chips">
                      {c.models.map((m) => (
                        <span key={m.model} className="chip mono" title={m.upstream ? `${m.model} → ${m.upstream}` : undefined}>
                          {m.model}
                          {m.upstream && m.upstream !== m.model ? ` → ${m.upstream}` : ''}
                        </span>
                      ))}
                    </dd>
                  </div>
                  <div>
                    <dt>{t('channels.keys')}</dt>
                    <dd className="chips">
                      {c.keys.map((k) => (
                        <span key={k.id} className={`chip mono${k.enabled ? '' : ' chip-off'}`} title={k.enabled ? undefined : k.disabled_reason}>
                          {k.hint}
                        </span>
                      ))}
                    </dd>
                  </div>
                  <div>
                    <dt>{t('channels.groups')}</dt>
                    <dd>{c.groups.length ? c.groups.join(', ') : <span className="muted">{t('channels.allGroups')}</span>}</dd>
                  </div>
                  <div>
                    <dt>{t('channels.priorityWeight')}</dt>
                    <dd>
                      {c.priority} / {c.weight}
                    </dd>
                  </div>
                  <div>
                    <dt>{t('channels.updated')}</dt>
                    <dd>{formatDate(c.updated_at, true)}</dd>
                  </div>
                </dl>
                {ts && !ts.pending && (
                  <div
                    className={`test-result ${'result' in ts && ts.result.ok ? 'ok' : 'bad'}`}
                    role="status"
                    data-testid="channel-test-result"
                    data-ok={'result' in ts && ts.result.ok ? 'true' : 'false'}
                  >
                    {'result' in ts
                      ? ts.result.ok
                        ? t('channels.testOk', { ms: ts.result.latency_ms, model: ts.result.model })
                        : t('channels.testFailed', {
                            error: ts.result.error || (ts.result.status ? `HTTP ${ts.result.status}` : '—'),
                            ms: ts.result.latency_ms,
                          })
                      : ts.error}
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}

      <ConfirmDialog
        open={toDelete !== null}
        title={t('channels.deleteTitle', { name: toDelete?.name ?? '' })}
        body={t('channels.deleteBody')}
        confirmLabel={t('channels.delete')}
        danger
        busy={busyId !== null}
        onConfirm={() => void remove()}
        onCancel={() => setToDelete(null)}
      />
    </section>
  );
}
