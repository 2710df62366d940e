import { useState, type FormEvent } from 'react';
import { AuthCard } from '../components/AuthCard';
import { Alert, Field } from '../components/Field';
import { useI18n, useTitle } from '../i18n';
import { api } from '../lib/api';
import { useAuth } from '../lib/auth';
import { describeError } from '../lib/errors';
import { Link, useRouter } from '../lib/router';
import { useForm, type FormFields } from '../lib/useForm';
import { validateConfirm, validateEmail, validatePassword, validateUsername } from '../lib/validation';
import { homePath } from '../App';

type V = { username: string; email: string; password: string; confirm: string };
export const accountValidators = {
  username: (v: V) => validateUsername(v.username.trim()),
  email: (v: V) => validateEmail(v.email),
  password: (v: V) => validatePassword(v.password),
  confirm: (v: V) => validateConfirm(v.password, v.confirm),
};

/** The username/email/password/confirm fields shared by sign-up and first-admin setup. */
export function AccountFields({ form }: { form: FormFields<keyof V> }) {
  const { t } = useI18n();
  return (
    <>
      <Field
        name="username"
        label={t('field.username')}
        value={form.values.username}
        onChange={form.onChange('username')}
        onBlur={form.onBlur('username')}
        error={form.errorText('username')}
        hint={t('hint.username')}
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        maxLength={64}
      />
      <Field
        name="email"
        type="email"
        label={t('field.email')}
        optional
        value={form.values.email}
        onChange={form.onChange('email')}
        onBlur={form.onBlur('email')}
        error={form.errorText('email')}
        autoComplete="email"
      />
      <Field
        name="password"
        type="password"
        label={t('field.password')}
        value={form.values.password}
        onChange={form.onChange('password')}
        onBlur={form.onBlur('password')}
        error={form.errorText('password')}
        hint={t('hint.password')}
        autoComplete="new-password"
      />
      <Field
        name="confirm"
        type="password"
        label={t('field.confirmPassword')}
        value={form.values.confirm}
        onChange={form.onChange('confirm')}
        onBlur={form.onBlur('confirm')}
        error={form.errorText('confirm')}
        autoComplete="new-password"
      />
    </>
  );
}

export function RegisterPage() {
  useTitle('register.title');
  const { t } = useI18n();
  const { signedIn } = useAuth();
  const { navigate } = useRouter();
  const form = useForm<keyof V>({ username: '', email: '', password: '', confirm: '' }, accountValidators);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!form.validateAll()) return;
    setBusy(true);
    try {
      const email = form.values.email.trim();
      const s = await api.register({
        username: form.values.username.trim(),
        password: form.values.password,
        ...(email ? { email } : {}),
      });
      signedIn(s);
      navigate(homePath, { replace: true });
    } catch (err) {
      const d = describeError(err, t);
      if (!form.setServerError(d.field, d.message)) setError(d.message);
      setBusy(false);
    }
  };

  return (
    <AuthCard
      title={t('register.title')}
      subtitle={t('register.subtitle')}
      testId="register-page"
      footer={
        <>
          {t('register.haveAccount')} <Link to="/login" data-testid="link-login">{t('nav.signIn')}</Link>
        </>
      }
    >
      <form onSubmit={submit} noValidate data-testid="register-form">
        <AccountFields form={form} />
        {error && <Alert kind="error" testId="form-error">{error}</Alert>}
        <button type="submit" className="button primary block" disabled={busy} data-testid="register-submit">
          {t('register.submit')}
        </button>
      </form>
    </AuthCard>
  );
}
