import { useEffect, useState } from 'react';
import { AuthCard } from '../components/AuthCard';
import { Alert, bindField, Field } from '../components/Field';
import { useI18n, useTitle } from '../i18n';
import { api } from '../lib/api';
import { useAuth } from '../lib/auth';
import { describeError } from '../lib/errors';
import { Link, useQuery, useRouter } from '../lib/router';
import { useForm } from '../lib/useForm';
import { useSubmit } from '../lib/useSubmit';
import { AccountFields, accountValidators } from './RegisterPage';

type V = { token: string; username: string; email: string; password: string; confirm: string };
const validators = {
  token: (v: V) => (v.token.trim() ? null : 'validate.required'),
  ...accountValidators,
} as const;

export function SetupPage() {
  useTitle('setup.title');
  const { t } = useI18n();
  const { signedIn } = useAuth();
  const { navigate } = useRouter();
  const query = useQuery();
  const urlToken = query.get('token') ?? '';
  const form = useForm<keyof V>({ token: urlToken, username: '', email: '', password: '', confirm: '' }, validators);
  const [needed, setNeeded] = useState<boolean | undefined>(undefined);

  const { busy, error, setError, submit } = useSubmit(
    form,
    async () => {
      const email = form.values.email.trim();
      const s = await api.setup({
        token: form.values.token.trim(),
        username: form.values.username.trim(),
        password: form.values.password,
        ...(email ? { email } : {}),
      });
      signedIn(s);
      // A new site has nothing to chat with yet: connecting a channel is the operator's next step.
      navigate('/admin/channels', { replace: true });
    },
    { keepBusy: true },
  );

  useEffect(() => {
    let live = true;
    api.setupStatus().then(
      (s) => live && setNeeded(Boolean(s.needed)),
      (e) => {
        if (!live) return;
        setNeeded(true);
        setError(describeError(e, t).message);
      },
    );
    return () => {
      live = false;
    };
  }, []);

  if (needed === false) {
    return (
      <AuthCard title={t('setup.title')} testId="setup-page">
        <Alert kind="info" testId="setup-done">{t('setup.done')}</Alert>
        <Link to="/login" className="button primary block">
          {t('setup.goLogin')}
        </Link>
      </AuthCard>
    );
  }

  return (
    <AuthCard title={t('setup.title')} subtitle={t('setup.subtitle')} testId="setup-page">
      <form onSubmit={submit} noValidate data-testid="setup-form">
        {/* The token normally arrives in the link; ask for it only when it didn't. */}
        {urlToken && !form.errorText('token') ? null : (
          <Field
            {...bindField(form, 'token')}
            label={t('field.token')}
            hint={t('setup.tokenHint')}
            autoComplete="off"
            spellCheck={false}
          />
        )}
        <AccountFields form={form} />
        {error && <Alert kind="error" testId="form-error">{error}</Alert>}
        <button type="submit" className="button primary block" disabled={busy || needed === undefined} data-testid="setup-submit">
          {t('setup.submit')}
        </button>
      </form>
    </AuthCard>
  );
}

