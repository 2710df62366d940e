// Admin › Models: the catalogue that names, describes and hides the models channels serve.
// A model served by a channel but not in the catalogue is shown under its own id; hiding it
// or giving it a name adds it to the catalogue.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { AdminTabs } from '../components/AdminTabs';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Alert, Field, TextAreaField } from '../components/Field';
import { PlusIcon } from '../components/Icons';
import { useI18n, useTitle } from '../i18n';
import { api, type CatalogueModel } from '../lib/api';
import { useAuth } from '../lib/auth';
import { describeError } from '../lib/errors';
import { useForm, type Validator } from '../lib/useForm';
import { parseList, validateInt } from '../lib/validation';

type K = 'id' | 'display_name' | 'description' | 'icon' | 'tags' | 'context_length';
type V = Record<K, string>;
const validators: Partial<Record<K, Validator<V>>> = {
  id: (v) => (!v.id.trim() ? 'validate.required' : /\s/.test(v.id.trim()) || v.id.trim().length > 128 ? 'validate.modelId' : null),
  display_name: (v) => (v.display_name.trim().length > 64 ? 'validate.nameLength' : null),
  description: (v) => (v.description.length > 4000 ? 'validate.tooLong' : null),
  icon: (v) => (v.icon.length > 2048 ? 'validate.tooLong' : null),
  context_length: (v) => validateInt(v.context_length, 0, 100_000_000),
};

/** A row of the page: a catalogue entry, or a served model the catalogue doesn't know yet. */
interface Row {
  id: string;
  entry: CatalogueModel | null;
  servedBy: string[];
}

function bodyOf(m: Omit<CatalogueModel, 'id'>): Omit<CatalogueModel, 'id'> {
  return {
    display_name: m.display_name,
    description: m.description,
    icon: m.icon,
    tags: m.tags,
    context_length: m.context_length,
    enabled: m.enabled,
  };
}

function ModelForm({ row, onSaved, onCancel }: { row: Row | null; onSaved: (id: string) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const e = row?.entry;
  const form = useForm<K>(
    {
      id: row?.id ?? '',
      display_name: e?.display_name ?? row?.id ?? '',
      description: e?.description ?? '',
      icon: e?.icon ?? '',
      tags: e?.tags.join(', ') ?? '',
      context_length: e?.context_length ? String(e.context_length) : '',
    },
    validators,
  );
  const [enabled, setEnabled] = useState(e?.enabled ?? true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
    document.getElementById(row ? 'f-display_name' : 'f-id')?.focus();
  }, [row]);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setError(null);
    if (!form.validateAll()) return;
    const v = form.values;
    const id = v.id.trim();
    setBusy(true);
    try {
      await api.putModel(
        id,
        bodyOf({
          display_name: v.display_name.trim() || id,
          description: v.description.trim(),
          icon: v.icon.trim(),
          tags: parseList(v.tags),
          context_length: v.context_length.trim() ? Number(v.context_length.trim()) : 0,
          enabled,
        }),
      );
      onSaved(id);
    } catch (err) {
      const d = describeError(err, t);
      if (!form.setServerError(d.field, d.message)) setError(d.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form ref={ref} className="card" onSubmit={submit} noValidate data-testid="model-form">
      <h2>{row ? t('models.editTitle', { id: row.id }) : t('models.addTitle')}</h2>
      <div className="grid-2">
        <Field
          name="id"
          label={t('models.id')}
          value={form.values.id}
          onChange={form.onChange('id')}
          onBlur={form.onBlur('id')}
          error={form.errorText('id')}
          readOnly={row !== null}
          hint={row ? undefined : t('models.idHint')}
          className="mono"
          autoComplete="off"
          spellCheck={false}
        />
        <Field
          name="display_name"
          label={t('models.displayName')}
          value={form.values.display_name}
          onChange={form.onChange('display_name')}
          onBlur={form.onBlur('display_name')}
          error={form.errorText('display_name')}
          maxLength={64}
          autoComplete="off"
        />
      </div>
      <TextAreaField
        name="description"
        label={t('models.description')}
        optional
        rows={2}
        value={form.values.description}
        onChange={form.onChange('description')}
        onBlur={form.onBlur('description')}
        error={form.errorText('description')}
      />
      <div className="grid-3 even">
        <Field
          name="tags"
          label={t('models.tags')}
          optional
          value={form.values.tags}
          onChange={form.onChange('tags')}
          onBlur={form.onBlur('tags')}
          error={form.errorText('tags')}
          placeholder="fast, vision"
          hint={t('models.tagsHint')}
          autoComplete="off"
        />
        <Field
          name="context_length"
          type="number"
          inputMode="numeric"
          label={t('models.contextLength')}
          optional
          value={form.values.context_length}
          onChange={form.onChange('context_length')}
          onBlur={form.onBlur('context_length')}
          error={form.errorText('context_length')}
          placeholder="128000"
        />
        <Field
          name="icon"
          label={t('models.icon')}
          optional
          value={form.values.icon}
          onChange={form.onChange('icon')}
          onBlur={form.onBlur('icon')}
          error={form.errorText('icon')}
          hint={t('models.iconHint')}
          autoComplete="off"
        />
      </div>
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(ev) => setEnabled(ev.target.checked)} data-testid="field-enabled" />
        {t('models.enabledLabel')}
      </label>
      {error && (
        <Alert kind="error" testId="form-error">
          {error}
        </Alert>
      )}
      <div className="actions-end">
        <button type="button" className="button secondary" onClick={onCancel} data-testid="model-cancel">
          {t('common.cancel')}
        </button>
        <button type="submit" className="button primary" disabled={busy} data-testid="model-save">
          {t('common.save')}
        </button>
      </div>
    </form>
  );
}

export function AdminModelsPage() {
  useTitle('models.title');
  const { t, lang } = useI18n();
  const { user } = useAuth();
  const [rows, setRows] = useState<Row[] | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [editing, setEditing] = useState<Row | null | 'new'>(null);
  const [toDelete, setToDelete] = useState<Row | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const isAdmin = user?.role === 'admin';

  const load = useCallback(async () => {
    if (!isAdmin) return;
    try {
      const [cat, ch] = await Promise.all([api.listCatalogue(), api.listChannels()]);
      const served = new Map<string, string[]>();
      for (const c of ch.channels) for (const m of c.models) served.set(m.model, [...(served.get(m.model) ?? []), c.name]);
      const out: Row[] = cat.models.map((m) => ({ id: m.id, entry: m, servedBy: served.get(m.id) ?? [] }));
      for (const [id, by] of served) if (!out.some((r) => r.id === id)) out.push({ id, entry: null, servedBy: by });
      out.sort((a, b) => a.id.localeCompare(b.id));
      setRows(out);
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

  const toggle = async (r: Row) => {
    setBusyId(r.id);
    setNotice(null);
    const e = r.entry;
    const next = !(e?.enabled ?? true);
    try {
      await api.putModel(
        r.id,
        bodyOf({
          display_name: e?.display_name || r.id,
          description: e?.description ?? '',
          icon: e?.icon ?? '',
          tags: e?.tags ?? [],
          context_length: e?.context_length ?? 0,
          enabled: next,
        }),
      );
      setNotice(t(next ? 'models.enabled' : 'models.disabled', { id: r.id }));
      await load();
    } catch (err) {
      setError(describeError(err, t).message);
    } finally {
      setBusyId(null);
    }
  };

  const remove = async () => {
    const r = toDelete;
    if (!r) return;
    setBusyId(r.id);
    try {
      await api.deleteModel(r.id);
      setNotice(t('models.deleted', { id: r.id }));
      await load();
    } catch (err) {
      setError(describeError(err, t).message);
    } finally {
      setBusyId(null);
      setToDelete(null);
    }
  };

  const nf = new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en');

  return (
    <section className="page wide" data-testid="admin-models-page">
      <AdminTabs />
      <header className="page-header row spread">
        <div>
          <h1>{t('models.title')}</h1>
          <p className="muted">{t('models.subtitle')}</p>
        </div>
        {editing === null && (
          <button type="button" className="button primary" onClick={() => setEditing('new')} data-testid="model-add">
            <PlusIcon />
            {t('models.add')}
          </button>
        )}
      </header>

      {editing !== null && (
        <ModelForm
          key={editing === 'new' ? 'new' : editing.id}
          row={editing === 'new' ? null : editing}
          onCancel={() => setEditing(null)}
          onSaved={(id) => {
            setEditing(null);
            setNotice(t('models.saved', { id }));
            void load();
          }}
        />
      )}

      {notice && (
        <Alert kind="success" testId="models-notice" onDismiss={() => setNotice(null)}>
          {notice}
        </Alert>
      )}
      {error && (
        <Alert kind="error" testId="models-error" onDismiss={() => setError(null)}>
          {error}
        </Alert>
      )}

      <div className="card flush">
        {rows === undefined && !error && <p className="muted pad">{t('app.loading')}</p>}
        {rows && rows.length === 0 && (
          <p className="empty" data-testid="models-empty">
            {t('models.empty')}
          </p>
        )}
        {rows && rows.length > 0 && (
          <table className="table responsive" data-testid="models-table">
            <thead>
              <tr>
                <th scope="col">{t('models.colModel')}</th>
                <th scope="col">{t('models.colDescription')}</th>
                <th scope="col">{t('models.colContext')}</th>
                <th scope="col">{t('models.colChannels')}</th>
                <th scope="col">{t('models.colStatus')}</th>
                <th scope="col">
                  <span className="sr-only">{t('admin.colActions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const e = r.entry;
                const on = e?.enabled ?? true;
                const busy = busyId === r.id;
                return (
                  <tr key={r.id} data-testid="model-row" data-id={r.id} className={on ? '' : 'dim'}>
                    <td data-label={t('models.colModel')}>
                      <div className="model-cell">
                        <span className="strong">{e?.display_name || r.id}</span>
                        <code className="mono muted small">{r.id}</code>
                        {e && e.tags.length > 0 && (
                          <span className="chips">
                            {e.tags.map((tag) => (
                              <span key={tag} className="chip">
                                {tag}
                              </span>
                            ))}
                          </span>
                        )}
                      </div>
                    </td>
                    <td data-label={t('models.colDescription')} className="desc-cell">
                      {e?.description || <span className="muted">—</span>}
                    </td>
                    <td data-label={t('models.colContext')}>{e?.context_length ? nf.format(e.context_length) : <span className="muted">—</span>}</td>
                    <td data-label={t('models.colChannels')}>
                      {r.servedBy.length ? r.servedBy.join(', ') : <span className="badge badge-expired">{t('models.notServed')}</span>}
                    </td>
                    <td data-label={t('models.colStatus')}>
                      <span className={`badge ${on ? 'badge-active' : 'badge-neutral'}`} data-testid="model-status" data-enabled={on}>
                        {on ? t('models.statusEnabled') : t('models.statusDisabled')}
                      </span>
                      {!e && <span className="tag">{t('models.uncatalogued')}</span>}
                    </td>
                    <td className="cell-actions">
                      <button type="button" className="button secondary small" onClick={() => setEditing(r)} data-testid="model-edit">
                        {t('models.edit')}
                      </button>{' '}
                      <button type="button" className="button secondary small" disabled={busy} onClick={() => void toggle(r)} data-testid="model-toggle">
                        {on ? t('models.disable') : t('models.enable')}
                      </button>{' '}
                      {e && (
                        <button type="button" className="button danger-ghost small" disabled={busy} onClick={() => setToDelete(r)} data-testid="model-delete">
                          {t('models.delete')}
                        </button>
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
        open={toDelete !== null}
        title={t('models.deleteTitle', { id: toDelete?.id ?? '' })}
        body={t('models.deleteBody')}
        confirmLabel={t('models.delete')}
        danger
        busy={busyId !== null}
        onConfirm={() => void remove()}
        onCancel={() => setToDelete(null)}
      />
    </section>
  );
}
