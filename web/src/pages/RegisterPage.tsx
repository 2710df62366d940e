import { AuthCard } from '../components/AuthCard';
import { Alert, bindField, Field, NewPasswordFields } from '../components/Field';
import { useI18n, useTitle } from '../i18n';
import { api } from '../lib/api';
import { useAuth } from '../lib/auth';
import { Link, safeNext, signInPath, useQuery, useRouter } from '../lib/router';
import { useForm, type FormFields } from '../lib/useForm';
import { useSubmit } from '../lib/useSubmit';
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
        {...bindField(form, 'username')}
        label={t('field.username')}
        hint={t('hint.username')}
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        maxLength={64}
      />
      <Field
        {...bindField(form, 'email')}
        type="email"
        label={t('field.email')}
        optional
        autoComplete="email"
      />
      <NewPasswordFields form={form} name="password" label={t('field.password')} />
    </>
  );
}

export function RegisterPage() {
  useTitle('register.title');
  const { t } = useI18n();
  const { signedIn } = useAuth();
  const { navigate } = useRouter();
  // Where a visitor was going when an action needed an account (an app's chat, its page).
  const next = useQuery().get('next');
  const form = useForm<keyof V>({ username: '', email: '', password: '', confirm: '' }, accountValidators);
  const { busy, error, submit } = useSubmit(
    form,
    async () => {
      const email = form.values.email.trim();
      const s = await api.register({
        username: form.values.username.trim(),
        password: form.values.password,
        ...(email ? { email } : {}),
      });
      signedIn(s);
      navigate(safeNext(next, homePath), { replace: true });
    },
    { keepBusy: true },
  );

  return (
    <AuthCard
      title={t('register.title')}
      subtitle={t('register.subtitle')}
      testId="register-page"
      footer={
        <>
          {t('register.haveAccount')}{' '}
          <Link to={signInPath(next ?? '')} data-testid="link-login">
            {t('nav.signIn')}
          </Link>
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
