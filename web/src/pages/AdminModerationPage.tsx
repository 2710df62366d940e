// Admin › Moderation: the words that flag a submission for review, whether unflagged submissions
// are published without review, the outside service that checks submissions as well, and how the
// leak guard spots an app's hidden preset in answers.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { AdminTabs } from '../components/AdminTabs';
import { LoadState } from '../components/billing/LoadState';
import { Alert, Field, PageAlerts, SelectField } from '../components/Field';
import { useI18n, useTitle } from '../i18n';
import { appsApi, type AppsSettings, type ModerationProvider } from '../lib/apps';
import { describeError } from '../lib/errors';
import {
  isProviderKind,
  keysFromOtherService,
  providerBody,
  providerChecks,
  providerDefaults,
  providerForm,
  providerFormAfterSave,
  type ProviderField,
} from '../lib/moderationProvider';
import { useLoader } from '../lib/useLoader';
import { validateInt } from '../lib/validation';
import { parseShare, textFromWords, wordsFromText } from '../lib/words';

function WordsCard() {
  const { t } = useI18n();
  const loader = useLoader(useCallback(appsApi.words, []));
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (loader.data) setText(textFromWords(loader.data.words));
  }, [loader.data]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setNotice(null);
    setError(null);
    try {
      const r = await appsApi.putWords(wordsFromText(text));
      const words = r?.words ?? wordsFromText(text);
      setText(textFromWords(words));
      setNotice(t('moderation.wordsSaved', { count: words.length }));
    } catch (err) {
      setError(describeError(err, t).message);
    } finally {
      setBusy(false);
    }
  };

  const count = wordsFromText(text).length;
  return (
    <form className="card" onSubmit={save} data-testid="words-form">
      <h2>{t('moderation.wordsTitle')}</h2>
      <p className="muted small">{t('moderation.wordsHint')}</p>
      <PageAlerts testIdPrefix="words" notice={notice} error={error} onDismissNotice={() => setNotice(null)} onDismissError={() => setError(null)} />
      <LoadState error={loader.error} loading={!loader.data && loader.error == null} testId="words-load" onRetry={loader.reload} />
      {loader.data && (
        <>
          <div className="field">
            <label htmlFor="f-words">{t('moderation.words')}</label>
            <textarea id="f-words" rows={10} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} data-testid="field-words" />
            <p className="hint" data-testid="words-count" data-count={count}>
              {t('moderation.wordCount', { count })}
            </p>
          </div>
          <div className="actions-end">
            <button type="submit" className="button primary" disabled={busy} data-testid="words-save">
              {t('common.save')}
            </button>
          </div>
        </>
      )}
    </form>
  );
}

function SettingsForm({ initial }: { initial: AppsSettings }) {
  const { t } = useI18n();
  const [autoApprove, setAutoApprove] = useState(initial.auto_approve);
  const [run, setRun] = useState(String(initial.leak_word_run));
  const [share, setShare] = useState(String(initial.leak_ngram_share));
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The server's ranges: 4..200 words, a share above 0.05 and at most 1.
  const runError = validateInt(run, 4, 200, true);
  const parsedShare = parseShare(share);
  const shareValue = parsedShare !== null && parsedShare > 0.05 ? parsedShare : null;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setNotice(null);
    setError(null);
    if (runError || shareValue === null) return setError(t('moderation.invalid'));
    setBusy(true);
    try {
      const s = await appsApi.putSettings({ auto_approve: autoApprove, leak_word_run: Number(run.trim()), leak_ngram_share: shareValue });
      if (s) {
        setAutoApprove(s.auto_approve);
        setRun(String(s.leak_word_run));
        setShare(String(s.leak_ngram_share));
      }
      setNotice(t('moderation.settingsSaved'));
    } catch (err) {
      setError(describeError(err, t).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={save} noValidate data-testid="settings-form">
      <PageAlerts testIdPrefix="settings" notice={notice} error={error} onDismissNotice={() => setNotice(null)} onDismissError={() => setError(null)} />
      <label className="check">
        <input type="checkbox" checked={autoApprove} onChange={(e) => setAutoApprove(e.target.checked)} data-testid="field-auto_approve" />
        {t('moderation.autoApprove')}
      </label>
      <p className="hint">{t('moderation.autoApproveHint')}</p>
      <h3 className="sub-heading">{t('moderation.leakTitle')}</h3>
      <p className="hint">{t('moderation.leakHint')}</p>
      <div className="grid-2">
        <div className={`field${runError ? ' has-error' : ''}`}>
          <label htmlFor="f-leak_word_run">{t('moderation.leakWordRun')}</label>
          <input id="f-leak_word_run" type="number" min={4} max={200} inputMode="numeric" value={run} onChange={(e) => setRun(e.target.value)} aria-invalid={!!runError || undefined} data-testid="field-leak_word_run" />
          <p className="hint">{t('moderation.leakWordRunHint')}</p>
        </div>
        <div className={`field${shareValue === null ? ' has-error' : ''}`}>
          <label htmlFor="f-leak_ngram_share">{t('moderation.leakNgramShare')}</label>
          <input id="f-leak_ngram_share" inputMode="decimal" value={share} onChange={(e) => setShare(e.target.value)} aria-invalid={shareValue === null || undefined} data-testid="field-leak_ngram_share" />
          <p className="hint">{t('moderation.leakNgramShareHint')}</p>
        </div>
      </div>
      <div className="actions-end">
        <button type="submit" className="button primary" disabled={busy} data-testid="settings-save">
          {t('common.save')}
        </button>
      </div>
    </form>
  );
}

const providerFieldOrder: ProviderField[] = ['base_url', 'model', 'api_key', 'secret_key'];

function ProviderForm({ initial }: { initial: ModerationProvider }) {
  const { t } = useI18n();
  // What the server holds (keys only as "set or not"), and what is being typed.
  const [saved, setSaved] = useState(initial);
  const [form, setForm] = useState(() => providerForm(initial));
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const checks = providerChecks(form, saved);
  const fieldError = (f: ProviderField) => {
    const c = tried ? checks[f] : null;
    return c ? t(c) : undefined;
  };
  const kind = form.kind;
  const url = kind ? form.urls[kind] : null;
  const setUrl = (change: Partial<{ base_url: string; model: string }>) => {
    if (kind) setForm((f) => ({ ...f, urls: { ...f.urls, [kind]: { ...f.urls[kind], ...change } } }));
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setNotice(null);
    setError(null);
    const first = providerFieldOrder.find((f) => checks[f]);
    if (first) {
      setTried(true);
      document.getElementById(`f-provider_${first}`)?.focus();
      return;
    }
    setBusy(true);
    try {
      const p = await appsApi.putProvider(providerBody(form, saved));
      setSaved(p);
      setForm(providerFormAfterSave(form, p));
      setTried(false);
      setNotice(t('moderation.providerSaved'));
    } catch (err) {
      setError(describeError(err, t).message);
    } finally {
      setBusy(false);
    }
  };

  // Keys are never shown: only whether one is stored, and whether it was stored for this service.
  const keyState = (has: boolean, optional: boolean, testId: string) => {
    const state = !has ? 'none' : keysFromOtherService(form, saved) ? 'other' : 'set';
    const text =
      state === 'set'
        ? t('moderation.providerKeySet')
        : state === 'other'
          ? t('moderation.providerKeyOther')
          : t(optional ? 'moderation.providerKeyOptional' : 'moderation.providerKeyNone');
    return (
      <span data-testid={testId} data-state={state}>
        {text}
      </span>
    );
  };

  return (
    <form onSubmit={save} noValidate data-testid="provider-form">
      {notice && (
        <Alert kind="success" testId="provider-saved" onDismiss={() => setNotice(null)}>
          {notice}
        </Alert>
      )}
      {error && (
        <Alert kind="error" testId="provider-error" onDismiss={() => setError(null)}>
          {error}
        </Alert>
      )}
      <div className="grid-2">
        <SelectField
          name="provider_kind"
          label={t('moderation.providerKind')}
          value={kind}
          onChange={(e) => {
            const v = e.target.value;
            if (isProviderKind(v)) setForm((f) => ({ ...f, kind: v }));
          }}
          data-testid="provider-kind"
        >
          <option value="">{t('moderation.providerNone')}</option>
          <option value="openai">{t('moderation.providerOpenai')}</option>
          <option value="baidu">{t('moderation.providerBaidu')}</option>
        </SelectField>
        {url && (
          <Field
            name="provider_base_url"
            type="url"
            inputMode="url"
            label={t('moderation.providerBaseUrl')}
            optional={kind === 'baidu'}
            value={url.base_url}
            onChange={(e) => setUrl({ base_url: e.target.value })}
            placeholder={kind === 'openai' ? providerDefaults.openaiBaseUrl : providerDefaults.baiduBaseUrl}
            hint={t(kind === 'openai' ? 'moderation.providerBaseUrlOpenaiHint' : 'moderation.providerBaseUrlBaiduHint')}
            error={fieldError('base_url')}
            maxLength={500}
            autoComplete="off"
            spellCheck={false}
            data-testid="provider-base-url"
          />
        )}
        {url && kind === 'openai' && (
          <Field
            name="provider_model"
            label={t('moderation.providerModel')}
            optional
            value={url.model}
            onChange={(e) => setUrl({ model: e.target.value })}
            placeholder={providerDefaults.openaiModel}
            hint={t('moderation.providerModelHint')}
            error={fieldError('model')}
            maxLength={500}
            autoComplete="off"
            spellCheck={false}
            data-testid="provider-model"
          />
        )}
        {kind && (
          <Field
            name="provider_api_key"
            type="password"
            label={t('moderation.providerApiKey')}
            optional={kind === 'openai' || (saved.has_api_key && !keysFromOtherService(form, saved))}
            value={form.api_key}
            onChange={(e) => setForm((f) => ({ ...f, api_key: e.target.value }))}
            hint={keyState(saved.has_api_key, kind === 'openai', 'provider-api-key-state')}
            error={fieldError('api_key')}
            maxLength={500}
            autoComplete="new-password"
            spellCheck={false}
            data-testid="provider-api-key"
          />
        )}
        {kind === 'baidu' && (
          <Field
            name="provider_secret_key"
            type="password"
            label={t('moderation.providerSecretKey')}
            optional={saved.has_secret_key && !keysFromOtherService(form, saved)}
            value={form.secret_key}
            onChange={(e) => setForm((f) => ({ ...f, secret_key: e.target.value }))}
            hint={keyState(saved.has_secret_key, false, 'provider-secret-key-state')}
            error={fieldError('secret_key')}
            maxLength={500}
            autoComplete="new-password"
            spellCheck={false}
            data-testid="provider-secret-key"
          />
        )}
      </div>
      <div className="actions-end">
        <button type="submit" className="button primary" disabled={busy} data-testid="provider-save">
          {t('common.save')}
        </button>
      </div>
    </form>
  );
}

export function AdminModerationPage() {
  useTitle('moderation.title');
  const { t } = useI18n();
  const settings = useLoader(useCallback(appsApi.settings, []));
  const provider = useLoader(useCallback(appsApi.provider, []));
  return (
    <section className="page wide" data-testid="admin-moderation-page">
      <AdminTabs />
      <header className="page-header">
        <h1>{t('moderation.title')}</h1>
        <p className="muted">{t('moderation.subtitle')}</p>
      </header>
      <div className="grid-2">
        <WordsCard />
        <div className="card">
          <h2>{t('moderation.settingsTitle')}</h2>
          <LoadState error={settings.error} loading={!settings.data && settings.error == null} testId="settings-load" onRetry={settings.reload} />
          {settings.data && <SettingsForm initial={settings.data} />}
        </div>
      </div>
      <div className="card" data-testid="provider-card">
        <h2>{t('moderation.providerTitle')}</h2>
        <p className="muted small">{t('moderation.providerHint')}</p>
        <LoadState error={provider.error} loading={!provider.data && provider.error == null} testId="provider-load" onRetry={provider.reload} />
        {provider.data && <ProviderForm initial={provider.data} />}
      </div>
    </section>
  );
}
