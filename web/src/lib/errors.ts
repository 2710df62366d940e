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
  if (e.code === 'upstream_error') return upstreamFailure(e.message, t);
  if (isConversationBusy(e)) return t('error.conversationBusy');
  if (e.code === 'unsupported_media_type' && e.field === 'file') return t('error.notAnImage');
  if (e.code === 'upstream_timeout') return t('error.upstreamTimeout', { detail: e.message });
  return null;
}

/**
 * Plaza's own words for an upstream that failed ("the upstream failed (502)", "the upstream could
 * not be reached", "no upstream channel could serve the request"…): said in the reader's language,
 * with the HTTP status if one is named. Anything else is the upstream's own reason, which may say
 * what to change: it follows as the server gave it.
 */
function upstreamFailure(message: string, t: TFunction): string {
  // "the upstream failed mid-stream: Overloaded": the upstream's words after Plaza's.
  const said = message.indexOf(': ');
  if (said >= 0 && /^the upstream\b/i.test(message)) return t('error.upstream', { detail: message.slice(said + 2) });
  if (message === '' || /^(the|no) upstream\b/i.test(message)) {
    const status = /\((\d{3})\)/.exec(message)?.[1];
    return status ? t('error.upstreamStatus', { status }) : t('error.upstreamFailed');
  }
  return t('error.upstream', { detail: message });
}

/**
 * POST /api/chat refused a message because the conversation is answering another one (asked in
 * another tab or window): the one conflict of a chat that names the conversation.
 */
export function isConversationBusy(e: unknown): boolean {
  return e instanceof ApiError && e.status === 409 && e.code === 'conflict' && e.field === 'conversation_id';
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
