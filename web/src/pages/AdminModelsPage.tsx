// Admin › Models: the catalogue that names, describes and hides the models channels serve.
// A model served by a channel but not in the catalogue is shown under its own id; hiding it
// or giving it a name adds it to the catalogue.
import { useCallback, useEffect, useRef, useState } from 'react';
import { AdminTabs } from '../components/AdminTabs';
import { ConfirmDialog, useConfirm } from '../components/ConfirmDialog';
import { SmallButton, TableHead } from '../components/Table';
import { Alert, bindField, Field, FormActions, PageAlerts, TextAreaField } from '../components/Field';
import { PlusIcon } from '../components/Icons';
import { useI18n, useTitle } from '../i18n';
import { api, type CatalogueModel } from '../lib/api';
import { emojiIcon, siteImageIcon } from '../components/chat/chatMessages';
import { useAuth } from '../lib/auth';
import { billingApi } from '../lib/billing';
import { Link } from '../lib/router';
import { describeError } from '../lib/errors';
import { useForm, type Validator } from '../lib/useForm';
import { useSubmit } from '../lib/useSubmit';
import { parseList, validateInt } from '../lib/validation';

type K = 'id' | 'display_name' | 'description' | 'icon' | 'tags' | 'context_length' | 'image_tokens' | 'position';
type V = Record<K, string>;
const validators: Partial<Record<K, Validator<V>>> = {
  id: (v) => (!v.id.trim() ? 'validate.required' : /\s/.test(v.id.trim()) || v.id.trim().length > 128 ? 'validate.modelId' : null),
  display_name: (v) => (v.display_name.trim().length > 64 ? 'validate.nameLength' : null),
  description: (v) => (v.description.length > 4000 ? 'validate.tooLong' : null),
  icon: (v) => (!v.icon.trim() || emojiIcon(v.icon.trim()) || (siteImageIcon(v.icon.trim()) && v.icon.length <= 2048) ? null : 'validate.icon'),
  context_length: (v) => validateInt(v.context_length, 0, 100_000_000),
  image_tokens: (v) => validateInt(v.image_tokens, 0, 1_000_000),
  position: (v) => validateInt(v.position, -1_000_000, 1_000_000),
};

/** A row of the page: a catalogue entry, or a served model the catalogue doesn't know yet. */
interface Row {
  id: string;
  entry: CatalogueModel | null;
  servedBy: string[];
  /** No price on Admin › Prices: free to every user. */
  unpriced: boolean;
}

function bodyOf(m: Omit<CatalogueModel, 'id'>): Omit<CatalogueModel, 'id'> {
  return {
    display_name: m.display_name,
    description: m.description,
    icon: m.icon,
    tags: m.tags,
    context_length: m.context_length,
    enabled: m.enabled,
    image_tokens: m.image_tokens ?? 0,
    reads_images: m.reads_images ?? true,
    position: m.position ?? 0,
  };
}

/** The order of the chat's picker, which the server sorts the same way: by position, then by id. */
function byPickerOrder(a: Row, b: Row): number {
  const pa = a.entry?.position ?? 0;
  const pb = b.entry?.position ?? 0;
  if (pa !== pb) return pa - pb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
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
      image_tokens: e?.image_tokens ? String(e.image_tokens) : '',
      position: e?.position ? String(e.position) : '',
    },
    validators,
  );
  const [enabled, setEnabled] = useState(e?.enabled ?? true);
  const [readsImages, setReadsImages] = useState(e?.reads_images ?? true);
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
    document.getElementById(row ? 'f-display_name' : 'f-id')?.focus();
  }, [row]);

  const { busy, error, submit } = useSubmit(form, async () => {
    const v = form.values;
    const id = v.id.trim();
    await api.putModel(
      id,
      bodyOf({
        display_name: v.display_name.trim() || id,
        description: v.description.trim(),
        icon: v.icon.trim(),
        tags: parseList(v.tags),
        context_length: v.context_length.trim() ? Number(v.context_length.trim()) : 0,
        image_tokens: v.image_tokens.trim() ? Number(v.image_tokens.trim()) : 0,
        position: v.position.trim() ? Number(v.position.trim()) : 0,
        reads_images: readsImages,
        enabled,
      }),
    );
    onSaved(id);
  });

  return (
    <form ref={ref} className="card" onSubmit={submit} noValidate data-testid="model-form">
      <h2>{row ? t('models.editTitle', { id: row.id }) : t('models.addTitle')}</h2>
      <div className="grid-2">
        <Field
          {...bindField(form, 'id')}
          label={t('models.id')}
          readOnly={row !== null}
          hint={row ? undefined : t('models.idHint')}
          className="mono"
          autoComplete="off"
          spellCheck={false}
        />
        <Field
          {...bindField(form, 'display_name')}
          label={t('models.displayName')}
          maxLength={64}
          autoComplete="off"
        />
      </div>
      <TextAreaField
        {...bindField(form, 'description')}
        label={t('models.description')}
        optional
        rows={2}
      />
      <div className="grid-3 even">
        <Field
          {...bindField(form, 'tags')}
          label={t('models.tags')}
          optional
          placeholder="fast, vision"
          hint={t('models.tagsHint')}
          autoComplete="off"
        />
        <Field
          {...bindField(form, 'context_length')}
          type="number"
          inputMode="numeric"
          label={t('models.contextLength')}
          optional
          placeholder="128000"
        />
        <Field
          {...bindField(form, 'icon')}
          label={t('models.icon')}
          optional
          hint={t('models.iconHint')}
          autoComplete="off"
        />
      </div>
      <div className="grid-2">
        <Field
          {...bindField(form, 'image_tokens')}
          type="number"
          inputMode="numeric"
          label={t('models.imageTokens')}
          optional
          placeholder="1600"
          hint={t('models.imageTokensHint')}
        />
        <Field
          {...bindField(form, 'position')}
          type="number"
          label={t('models.position')}
          optional
          placeholder="0"
          hint={t('models.positionHint')}
        />
      </div>
      <label className="check">
        <input
          type="checkbox"
          checked={readsImages}
          onChange={(ev) => setReadsImages(ev.target.checked)}
          data-testid="field-reads-images"
        />
        {t('models.readsImagesLabel')}
      </label>
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(ev) => setEnabled(ev.target.checked)} data-testid="field-enabled" />
        {t('models.enabledLabel')}
      </label>
      {error && (
        <Alert kind="error" testId="form-error">
          {error}
        </Alert>
      )}
      <FormActions testIdPrefix="model" busy={busy} saveLabel={t('common.save')} onCancel={onCancel} />
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
  const { target: toDelete, open: deleteOpen, ask: askDelete, cancel: cancelDelete } = useConfirm<Row>();
  const [busyId, setBusyId] = useState<string | null>(null);
  const isAdmin = user?.role === 'admin';

  const load = useCallback(async () => {
    if (!isAdmin) return;
    try {
      const [cat, ch, prices] = await Promise.all([api.listCatalogue(), api.listChannels(), billingApi.prices()]);
      const priced = new Set(prices.prices.map((p) => p.model));
      const served = new Map<string, string[]>();
      // A switched-off channel serves nothing: named as off, so the list does not promise it.
      for (const c of ch.channels) {
        const name = c.enabled && !c.auto_disabled ? c.name : t('models.channelOff', { name: c.name });
        for (const m of c.models) served.set(m.model, [...(served.get(m.model) ?? []), name]);
      }
      const out: Row[] = cat.models.map((m) => ({ id: m.id, entry: m, servedBy: served.get(m.id) ?? [], unpriced: !priced.has(m.id) }));
      for (const [id, by] of served) if (!out.some((r) => r.id === id)) out.push({ id, entry: null, servedBy: by, unpriced: !priced.has(id) });
      out.sort(byPickerOrder);
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
      // The entry as it is (bodyOf fills what older servers leave out), with only the switch changed.
      const entry = e ?? { display_name: '', description: '', icon: '', tags: [], context_length: 0, enabled: true };
      await api.putModel(r.id, bodyOf({ ...entry, display_name: entry.display_name || r.id, enabled: next }));
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
      cancelDelete();
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

      <PageAlerts
        testIdPrefix="models"
        notice={notice}
        error={error}
        onDismissNotice={() => setNotice(null)}
        onDismissError={() => setError(null)}
      />

      <div className="card flush">
        {rows === undefined && !error && <p className="muted pad">{t('app.loading')}</p>}
        {rows && rows.length === 0 && (
          <p className="empty" data-testid="models-empty">
            {t('models.empty')}
          </p>
        )}
        {rows && rows.length > 0 && (
          <table className="table responsive" data-testid="models-table">
            <TableHead
              columns={[
                t('models.colModel'),
                t('models.colDescription'),
                t('models.colContext'),
                t('models.colChannels'),
                t('models.colStatus'),
              ]}
              actions
            />
            <tbody>
              {rows.map((r) => {
                const e = r.entry;
                const on = e?.enabled ?? true;
                const busy = busyId === r.id;
                return (
                  <tr key={r.id} data-testid="model-row" data-id={r.id} className={on ? '' : 'dim'}>
                    <td data-label={t('models.colModel')}>
                      <div className="model-cell">
                        <span className="strong">
                          {e && emojiIcon(e.icon) && <span aria-hidden="true">{e.icon} </span>}
                          {e && siteImageIcon(e.icon) && <img className="model-icon" src={e.icon} alt="" data-testid="model-icon" />}
                          {e?.display_name || r.id}
                        </span>
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
                      {r.unpriced && r.servedBy.length > 0 && (
                        <Link to="/admin/prices" className="tag tag-warn" data-testid="model-unpriced" title={t('models.unpricedHint')}>
                          {t('models.unpriced')}
                        </Link>
                      )}
                      {!!e?.position && (
                        <span className="tag" data-testid="model-position">
                          {t('models.positionTag', { n: e.position })}
                        </span>
                      )}
                      {e?.reads_images === false && (
                        <span className="tag" data-testid="model-text-only">
                          {t('models.textOnly')}
                        </span>
                      )}
                    </td>
                    <td className="cell-actions">
                      <SmallButton kind="secondary" onClick={() => setEditing(r)} data-testid="model-edit">
                        {t('models.edit')}
                      </SmallButton>{' '}
                      <SmallButton kind="secondary" disabled={busy} onClick={() => void toggle(r)} data-testid="model-toggle">
                        {on ? t('models.disable') : t('models.enable')}
                      </SmallButton>{' '}
                      {e && (
                        <SmallButton kind="danger-ghost" disabled={busy} onClick={() => askDelete(r)} data-testid="model-delete">
                          {t('models.delete')}
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

      <ConfirmDialog
        open={deleteOpen}
        title={t('models.deleteTitle', { id: toDelete?.id ?? '' })}
        body={t('models.deleteBody')}
        confirmLabel={t('models.delete')}
        danger
        busy={busyId !== null}
        onConfirm={() => void remove()}
        onCancel={cancelDelete}
      />
    </section>
  );
}
