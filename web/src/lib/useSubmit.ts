import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n';
import { describeError, type FormError } from './errors';

interface Options {
  /** Runs on every submit before validation (e.g. to clear a success note). */
  onStart?: () => void;
  /** Explains an error (shown next to its field when the form has it); describeError by default. */
  explain?: (err: unknown) => FormError;
  /** Stay busy after success (the page navigates away). */
  keepBusy?: boolean;
}

interface SubmittableForm {
  validateAll: () => boolean;
  setServerError: (field: string | undefined, text: string) => boolean;
}

/**
 * The submit handler shared by the app's forms: validates, runs `action` while busy, and shows
 * a failure next to its field or as the form's error.
 */
export function useSubmit(form: SubmittableForm, action: () => Promise<void>, options: Options = {}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    options.onStart?.();
    if (!form.validateAll()) return;
    setBusy(true);
    try {
      await action();
      if (!options.keepBusy) setBusy(false);
    } catch (err) {
      const d = options.explain ? options.explain(err) : describeError(err, t);
      if (!form.setServerError(d.field, d.message)) setError(d.message);
      setBusy(false);
    }
  };

  return { busy, error, setError, submit };
}
