import { useEffect, useState } from 'react';
import { AuthCard } from '../components/AuthCard';
import { Alert, bindField, Field } from '../components/Field';
import { useI18n, useTitle } from '../i18n';
import { api, ApiError } from '../lib/api';
import { useAuth } from '../lib/auth';
import { describeError } from '../lib/errors';
import { Link, safeNext, signInPath, useQuery, useRouter } from '../lib/router';
import { useForm, type Validator } from '../lib/useForm';
import { useSubmit } from '../lib/useSubmit';
import { homePath } from '../App';

type V = { username: string; password: string };
const validators: Record<keyof V, Validator<V>> = {
  username: (v) => (v.username.trim() ? null : 'validate.required'),
  password: (v) => (v.password ? null : 'validate.required'),
};

export function LoginPage() {
  useTitle('login.title');
  const { t } = useI18n();
  const { signedIn, expired } = useAuth();
  const { navigate } = useRouter();
  const query = useQuery();
  const form = useForm<keyof V>({ username: '', password: '' }, validators);
  const [setupNeeded, setSetupNeeded] = useState(false);

  useEffect(() => {
    let live = true;
    api.setupStatus().then(
      (s) => live && setSetupNeeded(Boolean(s.needed)),
      () => {},
    );
    return () => {
      live = false;
    };
  }, []);

  const { busy, error, submit } = useSubmit(
    form,
    async () => {
      const s = await api.login({ username: form.values.username.trim(), password: form.values.password });
      signedIn(s);
      navigate(safeNext(query.get('next'), homePath), { replace: true });
    },
    {
      keepBusy: true,
      // Here 401 means wrong credentials and 403 a banned account, whatever the server's wording.
      explain: (err) =>
        err instanceof ApiError && err.status === 401
          ? { message: t('login.wrong') }
          : err instanceof ApiError && err.status === 403
            ? { message: t('error.banned') }
            : describeError(err, t),
    },
  );

  return (
    <AuthCard
      title={t('login.title')}
      subtitle={t('login.subtitle')}
      testId="login-page"
      footer={
        <>
          {t('login.noAccount')}{' '}
          {/* A new account goes where this sign-in was going to. */}
          <Link to={signInPath(query.get('next') ?? '', '/register')} data-testid="link-register">
            {t('login.createOne')}
          </Link>
        </>
      }
    >
      {expired && <Alert kind="warning">{t('error.sessionExpired')}</Alert>}
      {setupNeeded && <Alert kind="info" testId="setup-needed">{t('login.setupNeeded')}</Alert>}
      <form onSubmit={submit} noValidate data-testid="login-form">
        <Field
          {...bindField(form, 'username')}
          label={t('field.username')}
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          autoFocus
        />
        <Field
          {...bindField(form, 'password')}
          type="password"
          label={t('field.password')}
          autoComplete="current-password"
        />
        {error && <Alert kind="error" testId="form-error">{error}</Alert>}
        <button type="submit" className="button primary block" disabled={busy} data-testid="login-submit">
          {t('login.submit')}
        </button>
      </form>
    </AuthCard>
  );
}
