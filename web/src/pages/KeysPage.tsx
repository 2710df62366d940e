import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { ConfirmDialog, useConfirm } from '../components/ConfirmDialog';
import { SmallButton, TableHead } from '../components/Table';
import { Alert, bindField, Field, SubmitActions } from '../components/Field';
import { CopyIcon } from '../components/Icons';
import { useI18n, useTitle } from '../i18n';
import { api, ApiError, type ApiKey } from '../lib/api';
import { Credits } from '../components/billing/Credits';
import { localDay } from '../lib/days';
import { formatCredits, parseCredits } from '../lib/money';
import { keyLimitBody, keyLimitEffect } from '../lib/keyLimit';
import { Modal } from '../components/Modal';
import { describeError } from '../lib/errors';
import { useForm, type Validator } from '../lib/useForm';
import { useSubmit } from '../lib/useSubmit';
import {
  expiryFromDateInput,
  modelsNotOffered,
  parseModelList,
  validateExpiry,
  validateKeyName,
  validateCredits,
  validateModelList,
} from '../lib/validation';

type V = { name: string; expires: string; models: string; spend_limit: string };
const validators: Record<keyof V, Validator<V>> = {
  name: (v) => validateKeyName(v.name),
  spend_limit: (v) => validateCredits(v.spend_limit, { positive: true }),
  expires: (v) => validateExpiry(v.expires, Math.floor(Date.now() / 1000)),
  models: (v) => validateModelList(v.models),
};

type Status = 'active' | 'revoked' | 'expired';
function keyStatus(k: ApiKey, now: number): Status {
  if (k.revoked) return 'revoked';
  if (k.expires_at !== null && k.expires_at <= now) return 'expired';
  return 'active';
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

function SecretPanel({ name, secret, onDone }: { name: string; secret: string; onDone: () => void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    panelRef.current?.scrollIntoView({ block: 'nearest' });
    inputRef.current?.select();
  }, []);

  const copy = async () => {
    const ok = await copyText(secret);
    if (!ok) inputRef.current?.select();
    setCopied(ok ? 'yes' : 'failed');
  };

  return (
    <div className="card secret-panel" ref={panelRef} data-testid="secret-panel" role="region" aria-labelledby="secret-title">
      <h2 id="secret-title">{t('keys.secretTitle', { name })}</h2>
      <Alert kind="warning" testId="secret-warning">{t('keys.secretWarning')}</Alert>
      <div className="secret-row">
        <textarea
          ref={inputRef}
          className="secret-value mono"
          readOnly
          rows={1}
          spellCheck={false}
          value={secret}
          aria-label={t('keys.colKey')}
          data-testid="key-secret"
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" className="button primary" onClick={copy} data-testid="copy-secret">
          <CopyIcon />
          {copied === 'yes' ? t('keys.copied') : t('keys.copy')}
        </button>
      </div>
      {copied === 'failed' && <p className="field-error">{t('keys.copyFailed')}</p>}
      <div className="actions-end">
        <button type="button" className="button secondary" onClick={onDone} data-testid="secret-done">
          {t('keys.done')}
        </button>
      </div>
    </div>
  );
}

/** Sets, raises, lowers or removes a key's spending limit; says what a limit at or below what the
 * key has spent means (it spends nothing more) before it is saved. */
function LimitDialog({ apiKey, onSaved, onCancel }: { apiKey: ApiKey | null; onSaved: (k: ApiKey) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const titleId = useId();
  // Mounted afresh for each key opened (see its `key`): the box shows the limit from the first frame.
  const [text, setText] = useState(() => (apiKey?.spend_limit != null ? formatCredits(apiKey.spend_limit) : ''));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const spent = apiKey?.spent ?? 0;
  const effect = keyLimitEffect(text, spent);
  const save = async () => {
    if (!apiKey) return;
    const check = validateCredits(text);
    if (check || effect.kind === 'invalid') {
      setError(t('validate.credits'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const r = await api.updateKeyLimit(apiKey.id, keyLimitBody(text));
      onSaved(r.key);
    } catch (e) {
      setError(describeError(e, t).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open={apiKey !== null} labelledBy={titleId} testId="key-limit-dialog" onCancel={onCancel}>
      <h2 id={titleId}>{t('keys.limitTitle', { name: apiKey?.name ?? '' })}</h2>
      <form
        className="dialog-body"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <Field
          name="key_limit"
          value={text}
          onChange={(e) => setText(e.target.value)}
          label={t('keys.spendLimit')}
          optional
          inputMode="decimal"
          autoComplete="off"
          error={error ?? undefined}
          hint={t('keys.limitHint', { spent: formatCredits(spent) })}
          data-testid="key-limit-input"
        />
        <p className={effect.kind === 'stopped' ? 'field-error' : 'muted small'} data-testid="key-limit-effect" data-effect={effect.kind}>
          {effect.kind === 'none'
            ? t('keys.limitNone')
            : effect.kind === 'room'
              ? t('keys.limitRoom', { left: formatCredits(effect.left) })
              : effect.kind === 'stopped'
                ? t('keys.limitStopped', { spent: formatCredits(spent) })
                : ''}
        </p>
        <div className="dialog-actions">
          <button type="button" className="button secondary" onClick={onCancel} data-testid="key-limit-cancel">
            {t('common.cancel')}
          </button>
          <button type="submit" className="button primary" disabled={busy} data-testid="key-limit-save">
            {t('common.save')}
          </button>
        </div>
      </form>
    </Modal>
  );
}

export function KeysPage() {
  useTitle('keys.title');
  const { t, tn, formatDate } = useI18n();
  const [keys, setKeys] = useState<ApiKey[] | undefined>(undefined);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const { target: toRevoke, open: revokeOpen, ask: askRevoke, cancel: cancelRevoke } = useConfirm<ApiKey>();
  const [revoking, setRevoking] = useState(false);
  const [limitOf, setLimitOf] = useState<ApiKey | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const form = useForm<keyof V>({ name: '', expires: '', models: '', spend_limit: '' }, validators);
  // The models offered to the user, to warn of a name in the key's list that is none of them.
  const [offered, setOffered] = useState<string[] | null>(null);
  useEffect(() => {
    api.models().then((r) => setOffered(r.models.map((m) => m.id)), () => setOffered(null));
  }, []);
  const notOffered = offered ? modelsNotOffered(parseModelList(form.values.models), offered) : [];

  const load = useCallback(async () => {
    try {
      const r = await api.listKeys();
      setKeys(r.keys);
      setLoadError(null);
    } catch (e) {
      setLoadError(e);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const {
    busy,
    error: createError,
    submit,
  } = useSubmit(
    form,
    async () => {
      const name = form.values.name.trim();
      const limit = parseCredits(form.values.spend_limit);
      const r = await api.createKey({
        name,
        expires_at: expiryFromDateInput(form.values.expires),
        models: parseModelList(form.values.models),
        ...(limit !== null ? { spend_limit: limit } : {}),
      });
      setCreated({ name: r.key.name || name, secret: r.secret });
      form.reset();
      await load();
    },
    {
      onStart: () => setNotice(null),
      explain: (err) => {
        const d = describeError(err, t);
        if (err instanceof ApiError && err.code === 'conflict') d.message = t('error.tooManyKeys');
        return { field: d.field === 'expires_at' ? 'expires' : d.field, message: d.message };
      },
    },
  );

  const revoke = async () => {
    if (!toRevoke) return;
    setRevoking(true);
    try {
      await api.revokeKey(toRevoke.id);
      setNotice(t('keys.revoked', { name: toRevoke.name }));
      cancelRevoke();
      await load();
    } catch (e) {
      cancelRevoke();
      setLoadError(e);
    } finally {
      setRevoking(false);
    }
  };

  const now = Math.floor(Date.now() / 1000);
  const base = `${window.location.origin}/v1`;

  return (
    <section className="page" data-testid="keys-page">
      <header className="page-header">
        <h1>{t('keys.title')}</h1>
        <p className="muted">
          {tn('keys.subtitle', { base: <code data-testid="api-base">{base}</code> })}
        </p>
      </header>

      {created && <SecretPanel name={created.name} secret={created.secret} onDone={() => setCreated(null)} />}

      <div className="card">
        <h2>{t('keys.createTitle')}</h2>
        <form onSubmit={submit} noValidate className="key-form" data-testid="key-form">
          <div className="grid-3">
            <Field
              {...bindField(form, 'name')}
              label={t('keys.name')}
              placeholder={t('keys.namePlaceholder')}
              maxLength={64}
              autoComplete="off"
            />
            <Field
              {...bindField(form, 'expires')}
              type="date"
              label={t('keys.expires')}
              optional
              min={localDay()}
              hint={t('keys.expiresHint')}
            />
            <Field
              {...bindField(form, 'models')}
              label={t('keys.models')}
              optional
              placeholder={t('keys.modelsPlaceholder')}
              hint={notOffered.length > 0 ? t('keys.modelsNotOffered', { models: notOffered.join(', ') }) : t('keys.modelsHint')}
              autoComplete="off"
              spellCheck={false}
            />
            <Field
              {...bindField(form, 'spend_limit')}
              label={t('keys.spendLimit')}
              optional
              inputMode="decimal"
              hint={t('keys.spendLimitHint')}
              autoComplete="off"
            />
          </div>
          {createError && <Alert kind="error" testId="form-error">{createError}</Alert>}
          <SubmitActions testId="key-create" busy={busy} label={t('keys.create')} busyLabel={t('keys.creating')} />
        </form>
      </div>

      <div className="card">
        <h2>{t('keys.listTitle')}</h2>
        {notice && <Alert kind="success" testId="keys-notice" onDismiss={() => setNotice(null)}>{notice}</Alert>}
        {loadError != null && (
          <Alert kind="error" testId="keys-error">
            {describeError(loadError, t).message}{' '}
            <button type="button" className="link-button" onClick={() => void load()}>
              {t('common.retry')}
            </button>
          </Alert>
        )}
        {keys === undefined && loadError == null && <p className="muted">{t('app.loading')}</p>}
        {keys && keys.length === 0 && (
          <p className="empty" data-testid="keys-empty">
            {t('keys.empty')}
          </p>
        )}
        {keys && keys.length > 0 && (
          <table className="table responsive" data-testid="keys-table">
            <TableHead
              columns={[
                t('keys.colName'),
                t('keys.colKey'),
                t('keys.colStatus'),
                t('keys.colModels'),
                t('keys.colSpent'),
                t('keys.colCreated'),
                t('keys.colExpires'),
                t('keys.colLastUsed'),
              ]}
              actions
            />
            <tbody>
              {keys.map((k) => {
                const status = keyStatus(k, now);
                return (
                  <tr key={k.id} data-testid="key-row" data-key-id={k.id} data-status={status} className={status !== 'active' ? 'dim' : ''}>
                    <td data-label={t('keys.colName')} className="strong" data-testid="key-name">
                      {k.name}
                    </td>
                    <td data-label={t('keys.colKey')}>
                      <code className="mono" data-testid="key-masked">{k.masked}</code>
                    </td>
                    <td data-label={t('keys.colStatus')}>
                      <span className={`badge badge-${status}`} data-testid="key-status">
                        {t(status === 'active' ? 'keys.statusActive' : status === 'revoked' ? 'keys.statusRevoked' : 'keys.statusExpired')}
                      </span>
                    </td>
                    <td data-label={t('keys.colModels')}>
                      {k.models.length === 0 ? (
                        <span className="muted">{t('keys.allModels')}</span>
                      ) : (
                        <span className="chips">
                          {k.models.map((m) => (
                            <span className="chip mono" key={m}>{m}</span>
                          ))}
                        </span>
                      )}
                    </td>
                    <td data-label={t('keys.colSpent')} data-testid="key-spent">
                      <Credits uc={k.spent ?? 0} />
                      {k.spend_limit != null && (
                        <span className="muted">
                          {' / '}
                          <Credits uc={k.spend_limit} />
                        </span>
                      )}
                    </td>
                    <td data-label={t('keys.colCreated')}>{formatDate(k.created_at)}</td>
                    <td data-label={t('keys.colExpires')}>{k.expires_at ? formatDate(k.expires_at) : t('keys.never')}</td>
                    <td data-label={t('keys.colLastUsed')}>{k.last_used_at ? formatDate(k.last_used_at, true) : t('keys.never')}</td>
                    <td className="cell-actions">
                      {!k.revoked && (
                        <SmallButton kind="secondary" onClick={() => setLimitOf(k)} data-testid="key-limit">
                          {t('keys.editLimit')}
                        </SmallButton>
                      )}{' '}
                      {!k.revoked && (
                        <SmallButton
                          kind="danger-ghost"
                          onClick={() => askRevoke(k)}
                          data-testid="key-revoke"
                        >
                          {t('keys.revoke')}
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

      <LimitDialog
        key={limitOf ? String(limitOf.id) : 'closed'}
        apiKey={limitOf}
        onCancel={() => setLimitOf(null)}
        onSaved={(k) => {
          setLimitOf(null);
          // The list shows the saved limit at once (the reload below may come after the next click).
          setKeys((list) => list?.map((x) => (x.id === k.id ? k : x)));
          setNotice(k.spend_limit != null ? t('keys.limitSaved', { name: k.name, limit: formatCredits(k.spend_limit) }) : t('keys.limitRemoved', { name: k.name }));
          void load();
        }}
      />

      <ConfirmDialog
        open={revokeOpen}
        title={t('keys.revokeTitle', { name: toRevoke?.name ?? '' })}
        body={t('keys.revokeBody')}
        confirmLabel={t('keys.revoke')}
        danger
        busy={revoking}
        onConfirm={revoke}
        onCancel={cancelRevoke}
      />
    </section>
  );
}
