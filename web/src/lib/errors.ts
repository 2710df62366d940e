import { ApiError, NetworkError } from './api';
import type { TFunction } from '../i18n';

export interface FormError {
  message: string;
  field?: string;
}

/** Turns any thrown value into a message for people, preferring the server's own words. */
export function describeError(e: unknown, t: TFunction): FormError {
  if (e instanceof NetworkError) return { message: t('error.network') };
  if (e instanceof ApiError) {
    if (e.status === 429) {
      return {
        message: e.retryAfter !== undefined ? t('error.rateLimited', { seconds: e.retryAfter }) : e.message || t('error.rateLimitedShort'),
      };
    }
    // Messages the UI knows the meaning of are shown in the reader's language; anything
    // else is the server's own (English) text.
    const known =
      e.code === 'conflict' && e.field === 'username'
        ? t('error.usernameTaken')
        : e.code === 'forbidden' && e.field === 'token'
          ? t('error.setupToken')
          : e.code === 'invalid_request' && e.field === 'current_password'
            ? t('error.currentPassword')
            : e.code === 'insufficient_balance'
              ? t('error.insufficientBalance')
              : null;
    return { message: known ?? (e.message || t('error.generic', { status: e.status })), field: e.field };
  }
  return { message: e instanceof Error ? e.message : String(e) };
}
