// The app square API (docs/apps-api.md): apps, the square and its leaderboard, creators, the
// studio, favorites and ratings, uploads, and the admin side of reviews, moderation and the audit log.
import { csrfToken, NetworkError, notifyUnauthorized, parseError, request, type Id } from './api';

export type AppStatus = 'draft' | 'published' | 'unpublished' | 'taken_down';
export type Visibility = 'private' | 'unlisted' | 'public';
export type ReviewStatus = 'draft' | 'pending' | 'rejected';
export type PrefixRole = 'user' | 'assistant';

/** How an app charges (docs/earnings-api.md); amounts in µc, the surcharge in ppm of the model cost. */
export type PricingMode = 'free' | 'per_message' | 'per_token' | 'one_time';
export const pricingModes: PricingMode[] = ['free', 'per_message', 'per_token', 'one_time'];

export interface AppPricing {
  mode: PricingMode;
  /** µc: per message, or the one-time unlock. */
  price: number;
  /** per_token: parts per million on top of the model cost (200000 = 20%). */
  surcharge_ppm: number;
  /** Only people with an active plan or paid credits may chat with it. */
  paying_only: boolean;
}

/** What stops the viewer from chatting with an app (null reason: nothing). */
export type AccessReason = 'unlock' | 'paying' | 'plan_level';
export interface AppAccess {
  ok: boolean;
  reason: AccessReason | null;
}

export interface PrefixMessage {
  role: PrefixRole;
  content: string;
}

/** The hidden part of an app: sent to the model, shown to the owner, admins, or when hide_preset is off. */
export interface Preset {
  system_prompt: string;
  prefix_messages: PrefixMessage[];
  suffix: string;
}

/** What a version of an app holds (the live one, or the draft being edited or reviewed). */
export interface AppContent {
  title: string;
  /** An emoji, or "/uploads/<file>". */
  avatar: string;
  tags: string[];
  category: string;
  description: string;
  instructions: string;
  opening_message: string;
  suggested_questions: string[];
  default_model: string;
  allowed_models: string[];
  parameters: Record<string, unknown>;
  visibility: Visibility;
  hide_preset: boolean;
  min_plan_level: number;
  /** Absent from servers older than creator revenue: read it through pricingOf(). */
  pricing?: AppPricing;
  preset?: Preset;
}

export interface ModerationFlag {
  field: string;
  word: string;
}

export interface AppDraft extends AppContent {
  review_status: ReviewStatus;
  review_reason: string;
  moderation_flags: ModerationFlag[];
  submitted_at: number | null;
  /** The submission as it stands, for approve and reject. */
  revision: string;
}

export interface AppStats {
  uses: number;
  users: number;
  favorites: number;
  rating_avg: number;
  rating_count: number;
}

export interface App extends AppContent {
  id: Id;
  slug: string;
  kind: 'user' | 'system';
  status: AppStatus;
  takedown_reason: string;
  /** homepage: whether the author's page answers this viewer (only on an app's own page; absent elsewhere). */
  owner: { id: Id; username: string; homepage?: boolean };
  stats: AppStats;
  favorited: boolean;
  my_rating: number | null;
  created_at: number;
  updated_at: number;
  published_at: number | null;
  /** A one-time app this viewer has unlocked (always true for its owner). */
  unlocked?: boolean;
  /** Whether the viewer may chat with it, and if not, why. */
  access?: AppAccess;
  /** Owner and admins only: the version being edited or reviewed, or null. */
  draft?: AppDraft | null;
}

/** What a conversation remembers of its app. */
export interface ConversationApp {
  slug: string;
  title: string;
  avatar: string;
}

export type SquareSort = 'trending' | 'most_used' | 'newest' | 'top_rated';
export const squareSorts: SquareSort[] = ['trending', 'most_used', 'newest', 'top_rated'];

export type LeaderboardPeriod = 'day' | 'week' | 'month' | 'all';
export const leaderboardPeriods: LeaderboardPeriod[] = ['day', 'week', 'month', 'all'];

export interface SquareFilters {
  q: string;
  tag: string;
  category: string;
  author: string;
  sort: SquareSort;
  page: number;
}

export interface SquarePage {
  apps: App[];
  total: number;
  page: number;
  per_page: number;
}

export interface NameCount {
  name: string;
  count: number;
}

export interface LeaderboardRow {
  rank: number;
  users: number;
  uses: number;
  app: App;
}

export interface Creator {
  creator: { id: Id; username: string; joined_at: number };
  apps: App[];
  totals: { apps: number; uses: number; favorites: number };
}

/** The body of POST /api/apps and PATCH /api/apps/{slug}. */
export type AppInput = Partial<AppContent> & { slug?: string };

export interface ReviewEntry {
  app: App;
  draft: AppDraft;
  /** The live version, for the diff, or null for a first submission. */
  live: AppContent | null;
}

export interface AppsSettings {
  auto_approve: boolean;
  leak_word_run: number;
  leak_ngram_share: number;
}

/** The external moderation service every submission is also checked by ("" = none). */
export type ModerationProviderKind = '' | 'openai' | 'baidu';

/** GET/PUT /api/admin/moderation/provider: keys are write-only, so only whether one is set. */
export interface ModerationProvider {
  kind: ModerationProviderKind;
  base_url: string;
  model: string;
  has_api_key: boolean;
  has_secret_key: boolean;
}

/** The body of PUT /api/admin/moderation/provider: a missing or empty key keeps the stored one. */
export interface ModerationProviderInput {
  kind: ModerationProviderKind;
  base_url: string;
  model: string;
  api_key?: string;
  secret_key?: string;
}

export interface AuditEntry {
  id: Id;
  /** A username, or {id, username}; read through actorName(). */
  actor: unknown;
  action: string;
  target: unknown;
  detail: unknown;
  created_at: number;
}

export const squarePageSize = 24;

const enc = (s: Id | string) => encodeURIComponent(String(s));

/** The query string of GET /api/apps for the filters (empty ones left out). */
export function squareApiQuery(f: SquareFilters): string {
  const p = new URLSearchParams();
  if (f.q.trim()) p.set('q', f.q.trim());
  if (f.tag) p.set('tag', f.tag);
  if (f.category) p.set('category', f.category);
  if (f.author) p.set('author', f.author);
  p.set('sort', f.sort);
  p.set('page', String(f.page));
  p.set('per_page', String(squarePageSize));
  return p.toString();
}

/** The image types POST /api/uploads takes. */
export const uploadImageTypes = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
/** The largest image POST /api/uploads takes. */
export const maxUploadBytes = 512 * 1024;

/**
 * Uploads an image as the raw request body (the server takes `uploadImageTypes` up to
 * `maxUploadBytes`) and returns its "/uploads/<file>" URL.
 */
export async function uploadImage(file: Blob): Promise<string> {
  const headers: Record<string, string> = { 'Content-Type': file.type, Accept: 'application/json' };
  const token = csrfToken();
  if (token) headers['X-CSRF-Token'] = token;
  let res: Response;
  try {
    res = await fetch('/api/uploads', { method: 'POST', headers, credentials: 'same-origin', body: file });
  } catch {
    throw new NetworkError();
  }
  if (!res.ok) {
    const err = await parseError(res);
    if (res.status === 401) notifyUnauthorized();
    throw err;
  }
  const body = (await res.json()) as { url: string };
  return body.url;
}

export const appsApi = {
  square: (f: SquareFilters) => request<SquarePage>('GET', `/api/apps?${squareApiQuery(f)}`),
  categories: () => request<{ categories: NameCount[]; tags: NameCount[] }>('GET', '/api/apps/categories'),
  leaderboard: (period: LeaderboardPeriod) =>
    request<{ period: LeaderboardPeriod; apps: LeaderboardRow[] }>('GET', `/api/leaderboard?period=${period}`),
  creator: (username: string) => request<Creator>('GET', `/api/creators/${enc(username)}`),
  favorites: () => request<{ apps: App[] }>('GET', '/api/me/favorites'),

  get: (slug: string) => request<App>('GET', `/api/apps/${enc(slug)}`),
  create: (b: AppInput) => request<App>('POST', '/api/apps', { body: b }),
  update: (slug: string, b: AppInput) => request<App>('PATCH', `/api/apps/${enc(slug)}`, { body: b }),
  submit: (slug: string) => request<App>('POST', `/api/apps/${enc(slug)}/submit`),
  unpublish: (slug: string) => request<App>('POST', `/api/apps/${enc(slug)}/unpublish`),
  republish: (slug: string) => request<App>('POST', `/api/apps/${enc(slug)}/republish`),
  favorite: (slug: string, on: boolean) => request<App>(on ? 'POST' : 'DELETE', `/api/apps/${enc(slug)}/favorite`),
  rate: (slug: string, stars: number) => request<App>('POST', `/api/apps/${enc(slug)}/rate`, { body: { stars } }),
  unlock: (slug: string) => request<App>('POST', `/api/apps/${enc(slug)}/unlock`),
  /** With the share (ppm) of an app's price paid with paid credits that its creator earns. */
  mine: () => request<{ apps: App[]; creator_share_ppm?: number }>('GET', '/api/studio/apps'),

  reviews: () => request<{ queue: ReviewEntry[] }>('GET', '/api/admin/reviews'),
  // `revision`: the submission as the reviewer saw it (409 when the creator changed it since).
  approve: (slug: string, revision?: string) =>
    request<App>('POST', `/api/admin/reviews/${enc(slug)}/approve`, { body: revision ? { revision } : {} }),
  reject: (slug: string, reason: string, revision?: string) =>
    request<App>('POST', `/api/admin/reviews/${enc(slug)}/reject`, { body: { reason, revision } }),
  takedown: (slug: string, reason: string) => request<App>('POST', `/api/admin/apps/${enc(slug)}/takedown`, { body: { reason } }),
  words: () => request<{ words: string[] }>('GET', '/api/admin/moderation/words'),
  putWords: (words: string[]) => request<{ words: string[] }>('PUT', '/api/admin/moderation/words', { body: { words } }),
  settings: () => request<AppsSettings>('GET', '/api/admin/settings/apps'),
  putSettings: (s: AppsSettings) => request<AppsSettings>('PUT', '/api/admin/settings/apps', { body: s }),
  provider: () => request<ModerationProvider>('GET', '/api/admin/moderation/provider'),
  putProvider: (p: ModerationProviderInput) => request<ModerationProvider>('PUT', '/api/admin/moderation/provider', { body: p }),
  audit: (limit: number, before: Id | null) =>
    request<{ entries: AuditEntry[] }>(
      'GET',
      `/api/admin/audit?${new URLSearchParams({ limit: String(limit), ...(before !== null ? { before: String(before) } : {}) })}`,
    ),
};
