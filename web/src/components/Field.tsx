import type { ChangeEvent, InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from 'react';
import { useI18n } from '../i18n';
import type { FormFields } from '../lib/useForm';

interface Labelled {
  name: string;
  label: string;
  value: string;
  error?: string;
  hint?: ReactNode;
  optional?: boolean;
}

interface FieldProps extends Labelled, Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value' | 'name'> {
  onChange: (e: ChangeEvent<HTMLInputElement>) => void;
}

interface TextAreaFieldProps extends Labelled, Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'onChange' | 'value' | 'name'> {
  onChange: (e: ChangeEvent<HTMLTextAreaElement>) => void;
}

interface SelectFieldProps extends Labelled, Omit<SelectHTMLAttributes<HTMLSelectElement>, 'onChange' | 'value' | 'name'> {
  onChange: (e: ChangeEvent<HTMLSelectElement>) => void;
  children: ReactNode;
}

/** The props that tie a Field (or TextAreaField) to one entry of a useForm form. */
export function bindField<K extends string>(form: FormFields<K>, name: K) {
  return {
    name,
    value: form.values[name],
    onChange: form.onChange(name),
    onBlur: form.onBlur(name),
    error: form.errorText(name),
  };
}

/** The ids and aria attributes a control needs to be tied to its label, hint and error. */
function controlProps(name: string, error?: string, hint?: ReactNode) {
  const id = `f-${name}`;
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(' ');
  return {
    id,
    name,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy || undefined,
    'data-testid': `field-${name}`,
  };
}

/** The label, hint and error around a control (ids are f-NAME). */
function FieldShell({ name, label, error, hint, optional, children }: Omit<Labelled, 'value'> & { children: ReactNode }) {
  const { t } = useI18n();
  const id = `f-${name}`;
  return (
    <div className={`field${error ? ' has-error' : ''}`}>
      <label htmlFor={id}>
        {label}
        {optional && <span className="optional"> ({t('field.optional')})</span>}
      </label>
      {children}
      {hint && !error && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`} data-testid={`error-${name}`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** A labelled input with its hint and error wired up for screen readers (ids are f-NAME). */
export function Field({ name, label, error, hint, optional, ...input }: FieldProps) {
  return (
    <FieldShell name={name} label={label} error={error} hint={hint} optional={optional}>
      <input {...controlProps(name, error, hint)} {...input} />
    </FieldShell>
  );
}

/** Field's multi-line sibling (same ids and test ids). */
export function TextAreaField({ name, label, error, hint, optional, ...area }: TextAreaFieldProps) {
  return (
    <FieldShell name={name} label={label} error={error} hint={hint} optional={optional}>
      <textarea {...controlProps(name, error, hint)} {...area} />
    </FieldShell>
  );
}

/** Field's drop-down sibling (same ids and test ids); the options are its children. */
export function SelectField({ name, label, error, hint, optional, children, className, ...select }: SelectFieldProps) {
  return (
    <FieldShell name={name} label={label} error={error} hint={hint} optional={optional}>
      <select {...controlProps(name, error, hint)} className={className ?? 'full'} {...select}>
        {children}
      </select>
    </FieldShell>
  );
}

/**
 * A new password and its confirmation (field `confirm`), as on sign-up, setup and the account
 * page; `name` is the form's field for the new password.
 */
export function NewPasswordFields<K extends string>({ form, name, label }: { form: FormFields<K | 'confirm'>; name: K; label: string }) {
  const { t } = useI18n();
  return (
    <>
      <Field
        {...bindField(form, name)}
        type="password"
        label={label}
        hint={t('hint.password')}
        autoComplete="new-password"
      />
      <Field
        {...bindField(form, 'confirm')}
        type="password"
        label={t('field.confirmPassword')}
        autoComplete="new-password"
      />
    </>
  );
}

export function Alert({
  kind,
  children,
  testId,
  onDismiss,
}: {
  kind: 'error' | 'success' | 'warning' | 'info';
  children: ReactNode;
  testId?: string;
  onDismiss?: () => void;
}) {
  const { t } = useI18n();
  return (
    <div
      className={`alert alert-${kind}`}
      role={kind === 'error' ? 'alert' : 'status'}
      data-testid={testId}
    >
      <div className="alert-body">{children}</div>
      {onDismiss && (
        <button type="button" className="icon-button small" onClick={onDismiss} aria-label={t('common.dismiss')}>
          ×
        </button>
      )}
    </div>
  );
}

/** A page's dismissible success note and error, with test ids PREFIX-notice and PREFIX-error. */
export function PageAlerts({
  testIdPrefix,
  notice,
  error,
  onDismissNotice,
  onDismissError,
}: {
  testIdPrefix: string;
  notice: string | null;
  error: string | null;
  onDismissNotice: () => void;
  onDismissError: () => void;
}) {
  return (
    <>
      {notice && (
        <Alert kind="success" testId={`${testIdPrefix}-notice`} onDismiss={onDismissNotice}>
          {notice}
        </Alert>
      )}
      {error && (
        <Alert kind="error" testId={`${testIdPrefix}-error`} onDismiss={onDismissError}>
          {error}
        </Alert>
      )}
    </>
  );
}

/** The Cancel and Save buttons at the end of an editing form (test ids PREFIX-cancel, PREFIX-save). */
export function FormActions({
  testIdPrefix,
  busy,
  saveLabel,
  onCancel,
}: {
  testIdPrefix: string;
  busy: boolean;
  saveLabel: ReactNode;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  return (
    <div className="actions-end">
      <button type="button" className="button secondary" onClick={onCancel} data-testid={`${testIdPrefix}-cancel`}>
        {t('common.cancel')}
      </button>
      <button type="submit" className="button primary" disabled={busy} data-testid={`${testIdPrefix}-save`}>
        {saveLabel}
      </button>
    </div>
  );
}

/** A form's one submit button at its end, showing `busyLabel` while the form is being sent. */
export function SubmitActions({ testId, busy, label, busyLabel }: { testId: string; busy: boolean; label: ReactNode; busyLabel: ReactNode }) {
  return (
    <div className="actions-end">
      <button type="submit" className="button primary" disabled={busy} data-testid={testId}>
        {busy ? busyLabel : label}
      </button>
    </div>
  );
}
