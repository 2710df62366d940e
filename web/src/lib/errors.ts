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
    return { message: e.message || t('error.generic', { status: e.status }), field: e.field };
  }
  return { message: e instanceof Error ? e.message : String(e) };
}
