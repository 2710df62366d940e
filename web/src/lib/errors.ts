import { ApiError, NetworkError } from './api';
import type { TFunction } from '../i18n';

export interface FormError {
  message: string;
  field?: string;
}

/**
 * What the UI can say of an API error in the reader's language, or null to show the server's own
 * (English) words.
 */
function knownMessage(e: ApiError, t: TFunction): string | null {
  if (e.code === 'conflict' && e.field === 'username') return t('error.usernameTaken');
  if (e.code === 'forbidden' && e.field === 'token') return t('error.setupToken');
  if (e.code === 'invalid_request' && e.field === 'current_password') return t('error.currentPassword');
  if (e.code === 'insufficient_balance') return t('error.insufficientBalance');
  if (e.code === 'payload_too_large' && e.field === 'content') return t('error.messageTooLong');
  if (e.code === 'payload_too_large' && e.field === 'images') return t('error.imagesTooLarge');
  if (e.code === 'payload_too_large' && e.field === 'conversation_id') return t('error.conversationTooLong');
  // The model's service is rate limiting (the site's own limits name no model).
  if (e.code === 'rate_limited' && e.field === 'model')
    return e.retryAfter !== undefined ? t('error.upstreamBusy', { seconds: e.retryAfter }) : t('error.upstreamBusyShort');
  // The upstream's own reason follows as the server gave it: it may say what to change.
  if (e.code === 'upstream_error') return t('error.upstream', { detail: e.message });
  if (e.code === 'upstream_timeout') return t('error.upstreamTimeout', { detail: e.message });
  return null;
}

/** Turns any thrown value into a message for people, preferring the server's own words. */
export function describeError(e: unknown, t: TFunction): FormError {
  if (e instanceof NetworkError) return { message: t('error.network') };
  if (e instanceof ApiError) {
    const known = knownMessage(e, t);
    if (known) return { message: known, field: e.field };
    if (e.status === 429) {
      return {
        message: e.retryAfter !== undefined ? t('error.rateLimited', { seconds: e.retryAfter }) : e.message || t('error.rateLimitedShort'),
      };
    }
    return { message: e.message || t('error.generic', { status: e.status }), field: e.field };
  }
  return { message: e instanceof Error ? e.message : String(e) };
}

/** An error event that ended a streamed answer (its code and the server's English words), in the reader's language where the UI knows it. */
export function describeStreamError(e: { code: string; message: string }, t: TFunction): string {
  return knownMessage(new ApiError(0, e.code, e.message), t) ?? (e.message || e.code);
}
