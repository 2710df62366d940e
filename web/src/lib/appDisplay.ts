// Small formatting rules for apps: avatars, ratings, and the loosely shaped audit log fields.

/**
 * Whether an avatar is an image this site may show. The CSP allows images from this site only,
 * so anything else (an outside URL) is shown as a letter instead of being blocked with an error.
 */
export function isImageAvatar(avatar: string): boolean {
  return /^\/(?!\/)\S+$/.test(avatar) || /^data:image\//.test(avatar);
}

/** The text an avatar shows when it is not an image: the emoji, or the title's first letter. */
export function avatarText(avatar: string, title: string): string {
  const a = avatar.trim();
  if (a && !isImageAvatar(a) && !/^[a-z]+:/i.test(a)) return [...a].slice(0, 4).join('');
  const first = [...title.trim()][0];
  return first ? first.toUpperCase() : '?';
}

/** An average rating with one decimal ("4.5"), or "–" before anyone rated. */
export function formatRating(avg: number, count: number): string {
  if (!count || !Number.isFinite(avg)) return '–';
  return (Math.round(avg * 10) / 10).toFixed(1);
}

/** The audit log's actor: a username, an object with one, or an id. */
export function actorName(actor: unknown): string {
  if (actor === null || actor === undefined) return '';
  if (typeof actor === 'string' || typeof actor === 'number') return String(actor);
  if (typeof actor === 'object') {
    const o = actor as Record<string, unknown>;
    if (typeof o.username === 'string') return o.username;
    if (o.id !== undefined) return `#${String(o.id)}`;
  }
  return JSON.stringify(actor);
}

/** A target or detail of the audit log as one line of text. */
export function auditText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 0) return '';
    return keys.map((k) => `${k}: ${typeof o[k] === 'string' ? o[k] : JSON.stringify(o[k])}`).join(' · ');
  }
  return String(v);
}
