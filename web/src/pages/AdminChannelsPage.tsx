// Admin › Channels: the upstream providers Plaza relays to. Keys are write-only: the API returns
// only their hints, and editing a channel keeps its keys unless new ones are typed.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ChannelTestResult } from '../components/admin/ChannelTestResult';
import { AdminTabs } from '../components/AdminTabs';
import { ConfirmDialog, useConfirm } from '../components/ConfirmDialog';
import { SmallButton } from '../components/Table';
import { Alert, bindField, Field, FormActions, PageAlerts, TextAreaField } from '../components/Field';
import { PlusIcon } from '../components/Icons';
import { useI18n, useTitle } from '../i18n';
import { api, type Channel, type ChannelHealth, type ChannelInput, type ChannelTest, type ChannelType, type Id } from '../lib/api';
import { useAuth } from '../lib/auth';
import { describeError } from '../lib/errors';
import { useForm, type Validator } from '../lib/useForm';
import { useSubmit } from '../lib/useSubmit';
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
  | 'idle_timeout_ms'
  | 'proxy'
  | 'default_max_tokens';
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
  // Only an Anthropic channel has (and shows) it.
  default_max_tokens: (v) => (v.type === 'anthropic' ? validateInt(v.default_max_tokens, 1, 1000000) : null),
  proxy: (v) => (v.proxy.trim() === '' || /^http:\/\/[^\s/]+(\/)?$/.test(v.proxy.trim()) ? null : 'validate.proxy'),
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
    proxy: ch?.proxy ?? '',
    default_max_tokens: ch?.default_max_tokens ? String(ch.default_max_tokens) : '',
  };
}

function ChannelForm({
  channel,
  onSaved,
  onCancel,
  onDirty,
}: {
  channel: Channel | null;
  onSaved: (c: Channel, created: boolean) => void;
  onCancel: () => void;
  /** Told whether the form holds changes not saved (typed keys among them), so they are not dropped unasked. */
  onDirty: (dirty: boolean) => void;
}) {
  const { t } = useI18n();
  const editing = channel !== null;
  const [initial] = useState(() => initialValues(channel));
  const form = useForm<K>(initial, editing ? editValidators : createValidators);
  const [enabled, setEnabled] = useState(channel?.enabled ?? true);
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => {
    onDirty((Object.keys(initial) as K[]).some((k) => form.values[k] !== initial[k]) || enabled !== (channel?.enabled ?? true));
  }, [form.values, enabled, initial, channel, onDirty]);

  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
    document.getElementById('f-name')?.focus();
  }, []);

  const { busy, error, submit } = useSubmit(form, async () => {
    const v = form.values;
    const body: ChannelInput = {
      type: v.type as ChannelType,
      name: v.name.trim(),
      base_url: v.base_url.trim().replace(/\/+$/, ''),
      models: parseChannelModels(v.models),
      groups: parseList(v.groups),
      proxy: v.proxy.trim(),
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
    // Left empty: Plaza's default (an edit that empties the field goes back to it).
    if (body.type === 'anthropic') body.default_max_tokens = num(v.default_max_tokens) ?? 0;
    const r = editing ? await api.updateChannel(channel.id, body) : await api.createChannel(body);
    onSaved(r.channel, !editing);
  });

  // The upstream's own list, added to the models field (what is there stays): asked with the first
  // key typed, or, editing, the channel's stored key.
  const [fetching, setFetching] = useState(false);
  const [fetched, setFetched] = useState<{ ok: boolean; text: string } | null>(null);
  const fetchModels = async () => {
    const v = form.values;
    const body: Partial<ChannelInput> & { channel_id?: Id } = {
      type: v.type as ChannelType,
      base_url: v.base_url.trim().replace(/\/+$/, ''),
      proxy: v.proxy.trim(),
    };
    const keys = parseKeyLines(v.keys);
    if (keys.length > 0) body.keys = keys.slice(0, 1);
    if (editing) body.channel_id = channel.id;
    setFetching(true);
    setFetched(null);
    try {
      const { models } = await api.upstreamModels(body);
      // Into the field as it is now: the admin may have typed while the upstream was asked.
      const unlisted = (text: string) => {
        const known = new Set(parseChannelModels(text).flatMap((m) => (typeof m === 'string' ? [m] : [m.model, m.upstream])));
        return models.filter((m) => !known.has(m));
      };
      form.setValues((cur) => ({ ...cur, models: [cur.models.trim(), ...unlisted(cur.models)].filter(Boolean).join('\n') }));
      setFetched({ ok: true, text: t('channels.modelsFetched', { added: unlisted(v.models).length, listed: models.length }) });
    } catch (e) {
      // An error about a field (the key, the URL, the proxy) goes under that field; others by the button.
      const { message, field } = describeError(e, t);
      if (!form.setServerError(field, message)) setFetched({ ok: false, text: message });
    } finally {
      setFetching(false);
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
          {...bindField(form, 'name')}
          label={t('channels.name')}
          placeholder={t('channels.namePlaceholder')}
          maxLength={64}
          autoComplete="off"
        />
      </div>
      <Field
        {...bindField(form, 'base_url')}
        type="url"
        label={t('channels.baseUrl')}
        placeholder={baseUrlExample[type]}
        hint={t(type === 'anthropic' ? 'channels.baseUrlHintAnthropic' : 'channels.baseUrlHintOpenai')}
        autoComplete="off"
        spellCheck={false}
      />
      <div className="grid-2">
        <TextAreaField
          {...bindField(form, 'keys')}
          label={t('channels.keys')}
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
          {...bindField(form, 'models')}
          label={t('channels.models')}
          rows={4}
          placeholder={'gpt-4o-mini\nfast=gpt-4o-mini'}
          hint={t('channels.modelsHint')}
          className="mono"
          spellCheck={false}
        />
      </div>
      <div className="row wrap fetch-models">
        <button type="button" className="button secondary small" onClick={fetchModels} disabled={fetching} data-testid="channel-fetch-models">
          {fetching ? t('channels.fetchingModels') : t('channels.fetchModels')}
        </button>
        {fetched && (
          <span className={fetched.ok ? 'muted small' : 'field-error'} role="status" data-testid="channel-fetch-result" data-ok={fetched.ok}>
            {fetched.text}
          </span>
        )}
      </div>
      <div className="grid-3 even">
        <Field
          {...bindField(form, 'groups')}
          label={t('channels.groups')}
          optional
          hint={t('channels.groupsHint')}
          placeholder="default, vip"
          autoComplete="off"
        />
        <Field
          {...bindField(form, 'priority')}
          type="number"
          inputMode="numeric"
          label={t('channels.priority')}
          optional
          hint={t('channels.priorityHint')}
          placeholder="0"
        />
        <Field
          {...bindField(form, 'weight')}
          type="number"
          inputMode="numeric"
          label={t('channels.weight')}
          optional
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
        <Field
          {...bindField(form, 'proxy')}
          label={t('channels.proxy')}
          optional
          hint={t('channels.proxyHint')}
          placeholder="http://host:port"
        />
        {type === 'anthropic' && (
          <Field
            {...bindField(form, 'default_max_tokens')}
            type="number"
            inputMode="numeric"
            label={t('channels.defaultMaxTokens')}
            optional
            hint={t('channels.defaultMaxTokensHint')}
            placeholder="4096"
          />
        )}
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
      <FormActions
        testIdPrefix="channel"
        busy={busy}
        saveLabel={busy ? t('channels.saving') : editing ? t('common.save') : t('channels.create')}
        onCancel={onCancel}
      />
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

/** How the channel did in the site's newest requests: how many, how many failed, how long they took. */
function HealthLine({ h, window: requestsRead }: { h: ChannelHealth | undefined; window: number }) {
  const { t, lang } = useI18n();
  const window = new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en').format(requestsRead);  // 10,000, not 10000
  if (!h)
    return (
      <p className="muted small channel-health" data-testid="channel-health" data-requests="0">
        {t('channels.healthNone', { window })}
      </p>
    );
  const okShare = Math.round((h.ok * 1000) / h.requests) / 10;
  return (
    <p className={`small channel-health${h.errors > h.ok ? ' bad' : ''}`} data-testid="channel-health" data-requests={h.requests} data-errors={h.errors}>
      {t('channels.health', { window, requests: h.requests, ok: okShare, errors: h.errors, ms: h.avg_latency_ms })}
      {h.avg_ttft_ms !== null && <span className="muted"> · {t('channels.healthTtft', { ms: h.avg_ttft_ms })}</span>}
    </p>
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
  const [health, setHealth] = useState<{ window: number; byChannel: Map<string, ChannelHealth> } | null>(null);
  const { target: toDelete, open: deleteOpen, ask: askDelete, cancel: cancelDelete } = useConfirm<Channel>();
  // Another form asked for while the open one holds unsaved changes: confirmed before they go.
  const { target: switchTo, open: switchOpen, ask: askSwitch, cancel: cancelSwitch } = useConfirm<Channel | 'new'>();
  const formDirty = useRef(false);
  const setFormDirty = useCallback((dirty: boolean) => {
    formDirty.current = dirty;
  }, []);
  const openForm = (next: Channel | 'new') => {
    const same = editing !== null && (next === 'new' ? editing === 'new' : editing !== 'new' && String(editing.id) === String(next.id));
    if (same) return;
    if (editing !== null && formDirty.current) askSwitch(next);
    else setEditing(next);
  };
  const closeForm = () => {
    formDirty.current = false;
    setEditing(null);
  };
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
    // Secondary: without it the page shows the channels alone.
    api.channelHealth().then(
      (h) => setHealth({ window: h.window, byChannel: new Map(h.channels.map((c) => [String(c.channel_id), c])) }),
      () => setHealth(null),
    );
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

  // The quick switch: an operator takes a channel out of rotation (and back) without opening its form.
  const switchOnOff = async (c: Channel) => {
    setBusyId(c.id);
    setNotice(null);
    try {
      const r = await api.updateChannel(c.id, { enabled: !c.enabled });
      replace(r.channel);
      setNotice(t(r.channel.enabled ? 'channels.switchedOn' : 'channels.switchedOff', { name: r.channel.name }));
    } catch (e) {
      setError(describeError(e, t).message);
    } finally {
      setBusyId(null);
    }
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
      cancelDelete();
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
          <button type="button" className="button primary" onClick={() => openForm('new')} data-testid="channel-add">
            <PlusIcon />
            {t('channels.add')}
          </button>
        )}
      </header>

      {editing !== null && (
        <ChannelForm
          key={editing === 'new' ? 'new' : String(editing.id)}
          channel={editing === 'new' ? null : editing}
          onCancel={closeForm}
          onDirty={setFormDirty}
          onSaved={(c, created) => {
            closeForm();
            if (created) setChannels((list) => [...(list ?? []), c]);
            else replace(c);
            setNotice(t(created ? 'channels.created' : 'channels.saved', { name: c.name }));
          }}
        />
      )}

      <PageAlerts
        testIdPrefix="channels"
        notice={notice}
        error={error}
        onDismissNotice={() => setNotice(null)}
        onDismissError={() => setError(null)}
      />

      {channels === undefined && !error && <p className="muted">{t('app.loading')}</p>}
      {channels && channels.length === 0 && editing === null && (
        <div className="card empty-state" data-testid="channels-empty">
          <h2>{t('channels.emptyTitle')}</h2>
          <p className="muted">{t('channels.emptyBody')}</p>
          <button type="button" className="button primary" onClick={() => openForm('new')}>
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
                    <SmallButton kind="secondary" disabled={ts?.pending} onClick={() => void test(c)} data-testid="channel-test">
                      {ts?.pending ? t('channels.testing') : t('channels.test')}
                    </SmallButton>
                    {(c.auto_disabled || c.keys.some((k) => !k.enabled)) && (
                      <SmallButton kind="primary" disabled={busy} onClick={() => void enable(c)} data-testid="channel-enable">
                        {t('channels.reenable')}
                      </SmallButton>
                    )}
                    <SmallButton kind="secondary" disabled={busy} onClick={() => void switchOnOff(c)} data-testid="channel-switch">
                      {c.enabled ? t('channels.switchOff') : t('channels.switchOn')}
                    </SmallButton>
                    <SmallButton kind="secondary" onClick={() => openForm(c)} data-testid="channel-edit">
                      {t('channels.edit')}
                    </SmallButton>
                    <SmallButton kind="danger-ghost" disabled={busy} onClick={() => askDelete(c)} data-testid="channel-delete">
                      {t('channels.delete')}
                    </SmallButton>
                  </div>
                </div>
                <code className="channel-url mono">{c.base_url}</code>
                {c.auto_disabled && (
                  <p className="channel-reason" data-testid="channel-reason">
                    {t('channels.autoReason', { reason: c.disabled_reason || '—' })}
                  </p>
                )}
                {health && <HealthLine h={health.byChannel.get(String(c.id))} window={health.window} />}
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
                        <span key={k.id} className={`chip mono${k.enabled ? '' : ' chip-off'}`} title={k.enabled ? undefined : k.disabled_reason} data-testid="channel-key" data-enabled={k.enabled}>
                          {k.hint}
                          {!k.enabled && <span className="chip-reason">{t('channels.keyOff', { reason: k.disabled_reason || '—' })}</span>}
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
                {ts && !ts.pending && 'result' in ts && <ChannelTestResult result={ts.result} />}
                {ts && !ts.pending && 'error' in ts && (
                  <div className="test-result bad" role="status" data-testid="channel-test-result" data-ok="false">
                    {ts.error}
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}

      {/* One dialog asks both questions (the page's tests and readers find one confirm button). */}
      <ConfirmDialog
        open={switchOpen || deleteOpen}
        title={switchOpen ? t('channels.discardTitle') : t('channels.deleteTitle', { name: toDelete?.name ?? '' })}
        body={switchOpen ? t('channels.discardBody') : t('channels.deleteBody')}
        confirmLabel={switchOpen ? t('channels.discard') : t('channels.delete')}
        danger
        busy={!switchOpen && busyId !== null}
        onConfirm={
          switchOpen
            ? () => {
                formDirty.current = false;
                if (switchTo !== null) setEditing(switchTo);
                cancelSwitch();
              }
            : () => void remove()
        }
        onCancel={switchOpen ? cancelSwitch : cancelDelete}
      />
    </section>
  );
}
