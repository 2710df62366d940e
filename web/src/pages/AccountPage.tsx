import { useState } from 'react';
import { Alert, bindField, Field, NewPasswordFields } from '../components/Field';
import { useI18n, useTitle } from '../i18n';
import { api } from '../lib/api';
import { useAuth } from '../lib/auth';
import { useForm, type Validator } from '../lib/useForm';
import { useSubmit } from '../lib/useSubmit';
import { validateConfirm, validateEmail, validatePassword } from '../lib/validation';

type EmailV = { email: string };
const emailValidators: Record<keyof EmailV, Validator<EmailV>> = { email: (v) => validateEmail(v.email) };

type PwV = { current_password: string; new_password: string; confirm: string };
const pwValidators: Record<keyof PwV, Validator<PwV>> = {
  current_password: (v) => (v.current_password ? null : 'validate.required'),
  new_password: (v) => validatePassword(v.new_password),
  confirm: (v) => validateConfirm(v.new_password, v.confirm),
};

function EmailForm() {
  const { t } = useI18n();
  const { user, setUser } = useAuth();
  const form = useForm<keyof EmailV>({ email: user?.email ?? '' }, emailValidators);
  const [saved, setSaved] = useState(false);
  const { busy, error, submit } = useSubmit(
    form,
    async () => {
      const r = await api.updateMe({ email: form.values.email.trim() });
      setUser(r.user);
      form.reset({ email: r.user.email ?? '' });
      setSaved(true);
    },
    { onStart: () => setSaved(false) },
  );

  return (
    <form className="card" onSubmit={submit} noValidate data-testid="email-form">
      <h2>{t('account.emailTitle')}</h2>
      <Field
        name="email"
        type="email"
        label={t('field.email')}
        value={form.values.email}
        onChange={(e) => {
          setSaved(false);
          form.onChange('email')(e);
        }}
        onBlur={form.onBlur('email')}
        error={form.errorText('email')}
        hint={t('account.emailHint')}
        autoComplete="email"
      />
      {error && <Alert kind="error" testId="email-error">{error}</Alert>}
      {saved && <Alert kind="success" testId="email-saved">{t('account.emailSaved')}</Alert>}
      <div className="actions-end">
        <button type="submit" className="button primary" disabled={busy} data-testid="email-submit">
          {t('account.emailSave')}
        </button>
      </div>
    </form>
  );
}

function PasswordForm() {
  const { t } = useI18n();
  const { refresh, user } = useAuth();
  const form = useForm<keyof PwV>({ current_password: '', new_password: '', confirm: '' }, pwValidators);
  const [done, setDone] = useState(false);
  const { busy, error, submit } = useSubmit(
    form,
    async () => {
      await api.changePassword({
        current_password: form.values.current_password,
        new_password: form.values.new_password,
      });
      form.reset();
      setDone(true);
      // The server may rotate this session's tokens along with the others it ended.
      await refresh();
    },
    { onStart: () => setDone(false) },
  );

  return (
    <form className="card" onSubmit={submit} noValidate data-testid="password-form">
      <h2>{t('account.passwordTitle')}</h2>
      {/* Lets password managers tie the new password to the right account. */}
      <input type="text" name="username" autoComplete="username" value={user?.username ?? ''} readOnly hidden />
      <Field
        {...bindField(form, 'current_password')}
        type="password"
        label={t('field.currentPassword')}
        autoComplete="current-password"
      />
      <NewPasswordFields form={form} name="new_password" label={t('field.newPassword')} />
      {error && <Alert kind="error" testId="password-error">{error}</Alert>}
      {done && <Alert kind="success" testId="password-changed">{t('account.passwordChanged')}</Alert>}
      <div className="actions-end">
        <button type="submit" className="button primary" disabled={busy} data-testid="password-submit">
          {t('account.passwordSubmit')}
        </button>
      </div>
    </form>
  );
}

export function AccountPage() {
  useTitle('account.title');
  const { t, formatDate } = useI18n();
  const { user } = useAuth();
  if (!user) return null;
  return (
    <section className="page" data-testid="account-page">
      <header className="page-header">
        <h1>{t('account.title')}</h1>
      </header>
      <div className="card profile" data-testid="profile">
        <div className="avatar" aria-hidden="true">
          {user.username.slice(0, 1).toUpperCase()}
        </div>
        <div className="profile-main">
          <h2 className="profile-name" data-testid="profile-username">{user.username}</h2>
          <p className="muted">{user.email ?? t('account.noEmail')}</p>
        </div>
        <dl className="profile-facts">
          <div>
            <dt>{t('account.role')}</dt>
            <dd>
              <span className={`badge ${user.role === 'admin' ? 'badge-admin' : 'badge-neutral'}`} data-testid="profile-role">
                {t(user.role === 'admin' ? 'admin.roleAdmin' : 'admin.roleUser')}
              </span>
            </dd>
          </div>
          <div>
            <dt>{t('account.group')}</dt>
            <dd>{user.group}</dd>
          </div>
          <div>
            <dt>{t('account.created')}</dt>
            <dd>{formatDate(user.created_at)}</dd>
          </div>
        </dl>
      </div>
      <div className="grid-2">
        <EmailForm />
        <PasswordForm />
      </div>
    </section>
  );
}
