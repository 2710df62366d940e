// A thin fetch wrapper for Plaza's JSON API: same-origin cookies, the CSRF double-submit
// header on state-changing requests, and one error type carrying the server's error body.
import type { ConversationApp } from './apps';

export interface User {
  id: number | string;
  username: string;
  email: string | null;
  role: 'user' | 'admin';
  group: string;
  banned: boolean;
  created_at: number;
  /** In the admin list: the built-in account that owns the square's system apps; nobody signs in as it. */
  system?: boolean;
}

export interface ApiKey {
  id: number | string;
  name: string;
  masked: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  models: string[];
  revoked: boolean;
  /** µc this key may spend in all (null: no limit beyond the wallet). */
  spend_limit?: number | null;
  /** µc spent through this key so far. */
  spent?: number;
}

export interface SessionResponse {
  user: User;
  csrf_token: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Raised when fetch itself fails (server down, offline). */
export class NetworkError extends Error {
  constructor() {
    super('network error');
    this.name = 'NetworkError';
  }
}

export const csrfCookieName = 'plaza_csrf';

export function readCookie(cookieString: string, name: string): string | null {
  for (const part of cookieString.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return null;
}

// The cookie is the source of truth (the server may rotate it); the token from the last
// session response is the fallback for browsers that hide the cookie from us.
let lastCsrfToken: string | null = null;
export function rememberCsrfToken(token: string | null | undefined) {
  lastCsrfToken = token ?? null;
}
export function csrfToken(): string | null {
  const fromCookie = typeof document !== 'undefined' ? readCookie(document.cookie, csrfCookieName) : null;
  return fromCookie || lastCsrfToken;
}

type UnauthorizedListener = () => void;
let onUnauthorized: UnauthorizedListener | null = null;
/** Called when a request that needed a session got 401 (the session ended elsewhere). */
export function setUnauthorizedListener(l: UnauthorizedListener | null) {
  onUnauthorized = l;
}
export function notifyUnauthorized() {
  onUnauthorized?.();
}

export async function parseError(res: Response): Promise<ApiError> {
  let code = 'internal';
  let message = '';
  let field: string | undefined;
  try {
    const body = await res.json();
    if (body && typeof body === 'object' && body.error) {
      code = String(body.error.code ?? code);
      message = String(body.error.message ?? '');
      if (typeof body.error.field === 'string' && body.error.field) field = body.error.field;
    }
  } catch {
    /* not JSON: keep the defaults */
  }
  const ra = res.headers.get('Retry-After');
  const retryAfter = ra && /^\d+$/.test(ra.trim()) ? Number(ra.trim()) : undefined;
  return new ApiError(res.status, code, message, field, retryAfter);
}

interface RequestOptions {
  body?: unknown;
  /** Don't report a 401 as "session ended" (login, /api/me probe). */
  expectUnauthorized?: boolean;
  /** Sent as X-Request-Id: the server does an operation sent again with the same id once (wallet purchases). */
  requestId?: string;
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') {
    const token = csrfToken();
    if (token) headers['X-CSRF-Token'] = token;
  }
  if (opts.requestId) headers['X-Request-Id'] = opts.requestId;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    });
  } catch {
    throw new NetworkError();
  }
  if (!res.ok) {
    const err = await parseError(res);
    if (res.status === 401 && !opts.expectUnauthorized) onUnauthorized?.();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export type Id = number | string;

export interface ChatModel {
  id: string;
  name: string;
  description: string;
  icon: string;
  tags?: string[];
  context_length: number;
  /** False for a model that reads no images (POST /api/chat refuses images for it); servers before it leave it out. */
  reads_images?: boolean;
  /** What it costs this user (the group's multiplier applied) before a plan or pack pays; servers before it leave it out. */
  price?: ModelPrice;
}

/** µc amounts, as the operator's price list has them. */
export interface ModelPrice {
  mode: 'free' | 'per_call' | 'per_token';
  per_call: number;
  input_per_m: number;
  output_per_m: number;
  /** Free on the web (within web_free_daily_cap a day, 0: no cap), priced on the API. */
  web_free: boolean;
  web_free_daily_cap: number;
}

export interface Conversation {
  id: Id;
  title: string;
  model: string;
  /** The app the conversation is with (docs/apps-api.md), or null for a plain chat. */
  app?: ConversationApp | null;
  created_at: number;
  updated_at: number;
}

export type MessageStatus = 'ok' | 'error' | 'cancelled';

export interface Message {
  id: Id;
  role: 'user' | 'assistant';
  content: string;
  /** A user message's images ("/uploads/…" URLs); servers before images leave it out. */
  images?: string[];
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  status: MessageStatus;
  created_at: number;
  /** An answer: the earlier messages its question went without (the model's context had no room). */
  left_out?: number;
  /** An answer: the earlier images its question went without (the request would have been too large). */
  images_left_out?: number;
}

export type ChannelType = 'openai' | 'anthropic';

export interface ChannelKey {
  id: Id;
  hint: string;
  enabled: boolean;
  disabled_reason: string;
}

export interface Channel {
  id: Id;
  type: ChannelType;
  name: string;
  base_url: string;
  models: { model: string; upstream: string }[];
  groups: string[];
  priority: number;
  weight: number;
  enabled: boolean;
  auto_disabled: boolean;
  disabled_reason: string;
  connect_timeout_ms: number;
  first_byte_timeout_ms: number;
  idle_timeout_ms: number;
  proxy: string;
  /** Anthropic: max_tokens of a request that sets none; 0 for Plaza's 4,096. */
  default_max_tokens: number;
  keys: ChannelKey[];
  created_at: number;
  updated_at: number;
}

export interface ChannelInput {
  type?: ChannelType;
  name?: string;
  base_url?: string;
  keys?: string[];
  models?: (string | { model: string; upstream: string })[];
  groups?: string[];
  priority?: number;
  weight?: number;
  enabled?: boolean;
  connect_timeout_ms?: number;
  first_byte_timeout_ms?: number;
  idle_timeout_ms?: number;
  proxy?: string;
  default_max_tokens?: number;
}

/** How a channel did in the site's newest requests (`window` of them, every channel's). */
export interface ChannelHealth {
  channel_id: Id;
  requests: number;
  ok: number;
  errors: number;
  cancelled: number;
  avg_latency_ms: number;
  avg_ttft_ms: number | null;
  last_at: number;
}

/** One key's answer to a channel test; `tried` false: not asked (its `error` says why). */
export interface KeyTest {
  id: Id;
  hint: string;
  tried: boolean;
  ok: boolean;
  status: number;
  latency_ms: number;
  error: string;
}

/** A channel test: the summary is the first failing key's (or the first key's); `ok` when every key works. */
export interface ChannelTest {
  ok: boolean;
  latency_ms: number;
  status: number;
  model: string;
  error: string;
  keys?: KeyTest[];
}

export interface CatalogueModel {
  id: string;
  display_name: string;
  description: string;
  icon: string;
  tags: string[];
  context_length: number;
  enabled: boolean;
  /** What one image counts in a prompt to this model; 0: the server's default (1,600). */
  image_tokens?: number;
  /** false: a text-only model, refused images and sent none; missing: true. */
  reads_images?: boolean;
  /** Its place in the chat's picker: smallest first, then by id; missing: 0. */
  position?: number;
}

const enc = (id: Id | string) => encodeURIComponent(String(id));

export const api = {
  setupStatus: () => request<{ needed: boolean }>('GET', '/api/setup', { expectUnauthorized: true }),
  setup: (b: { token: string; username: string; password: string; email?: string }) =>
    request<SessionResponse>('POST', '/api/setup', { body: b, expectUnauthorized: true }),
  register: (b: { username: string; password: string; email?: string }) =>
    request<SessionResponse>('POST', '/api/auth/register', { body: b, expectUnauthorized: true }),
  login: (b: { username: string; password: string }) =>
    request<SessionResponse>('POST', '/api/auth/login', { body: b, expectUnauthorized: true }),
  logout: () => request<void>('POST', '/api/auth/logout', { expectUnauthorized: true }),
  me: () => request<SessionResponse>('GET', '/api/me', { expectUnauthorized: true }),
  updateMe: (b: { email: string }) => request<{ user: User }>('PATCH', '/api/me', { body: b }),
  changePassword: (b: { current_password: string; new_password: string }) =>
    request<void>('POST', '/api/me/password', { body: b }),
  listKeys: () => request<{ keys: ApiKey[] }>('GET', '/api/keys'),
  createKey: (b: { name: string; expires_at: number | null; models: string[]; spend_limit?: number }) =>
    request<{ key: ApiKey; secret: string }>('POST', '/api/keys', { body: b }),
  /** Sets, changes or (null) removes a key's spending limit. */
  updateKeyLimit: (id: ApiKey['id'], b: { spend_limit: number | null }) =>
    request<{ key: ApiKey }>('PATCH', `/api/keys/${encodeURIComponent(String(id))}`, { body: b }),
  revokeKey: (id: ApiKey['id']) => request<void>('DELETE', `/api/keys/${encodeURIComponent(String(id))}`),
  listUsers: (q: string, offset: number, limit: number) =>
    request<{ users: User[]; total: number }>(
      'GET',
      `/api/admin/users?${new URLSearchParams({ q, offset: String(offset), limit: String(limit) })}`,
    ),
  updateUser: (id: User['id'], b: { role?: User['role']; group?: string; banned?: boolean }) =>
    request<{ user: User }>('PATCH', `/api/admin/users/${encodeURIComponent(String(id))}`, { body: b }),

  models: () => request<{ models: ChatModel[] }>('GET', '/api/models'),
  /** A page of the user's conversations, most recently used first; `next` is the `before` of the page after it. */
  listConversations: (opts: { q?: string; before?: string | null } = {}) => {
    const params = new URLSearchParams();
    if (opts.q) params.set('q', opts.q);
    if (opts.before) params.set('before', opts.before);
    const qs = params.toString();
    return request<{ conversations: Conversation[]; next: string | null }>('GET', `/api/conversations${qs ? `?${qs}` : ''}`);
  },
  getConversation: (id: Id) =>
    request<{ conversation: Conversation; messages: Message[] }>('GET', `/api/conversations/${enc(id)}`),
  renameConversation: (id: Id, title: string) =>
    request<{ conversation: Conversation }>('PATCH', `/api/conversations/${enc(id)}`, { body: { title } }),
  deleteConversation: (id: Id) => request<void>('DELETE', `/api/conversations/${enc(id)}`),
  clearConversations: () => request<void>('DELETE', '/api/conversations'),

  listChannels: () => request<{ channels: Channel[] }>('GET', '/api/admin/channels'),
  createChannel: (b: ChannelInput) => request<{ channel: Channel }>('POST', '/api/admin/channels', { body: b }),
  updateChannel: (id: Id, b: ChannelInput) =>
    request<{ channel: Channel }>('PATCH', `/api/admin/channels/${enc(id)}`, { body: b }),
  deleteChannel: (id: Id) => request<void>('DELETE', `/api/admin/channels/${enc(id)}`),
  testChannel: (id: Id) => request<ChannelTest>('POST', `/api/admin/channels/${enc(id)}/test`),
  channelHealth: () => request<{ window: number; channels: ChannelHealth[] }>('GET', '/api/admin/channels/health'),
  /** The models an upstream lists: a stored channel's (its key unless one is given) or a new one's. */
  upstreamModels: (b: Partial<ChannelInput> & { channel_id?: Id }) =>
    request<{ models: string[] }>('POST', '/api/admin/channels/upstream-models', { body: b }),
  enableChannel: (id: Id) => request<{ channel: Channel }>('POST', `/api/admin/channels/${enc(id)}/enable`),
  listCatalogue: () => request<{ models: CatalogueModel[] }>('GET', '/api/admin/models'),
  putModel: (id: string, b: Omit<CatalogueModel, 'id'>) => request<unknown>('PUT', `/api/admin/models/${enc(id)}`, { body: b }),
  deleteModel: (id: string) => request<void>('DELETE', `/api/admin/models/${enc(id)}`),
};
