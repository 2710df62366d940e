// Words the server sends as fixed identifiers (a call's status, an app's category), in the
// reader's language where the UI knows them; anything else is shown as the server wrote it.
import type { MessageKey, TFunction } from '../i18n';

const statusKeys: Record<string, MessageKey> = {
  ok: 'requests.statusOk',
  error: 'requests.statusError',
  cancelled: 'requests.statusCancelled',
};

/** A metered call's status (ok, error, cancelled). */
export const statusLabel = (status: string, t: TFunction): string => (Object.hasOwn(statusKeys, status) ? t(statusKeys[status]) : status);

// The categories the site's starter apps come with; a creator may write any other, shown as written.
const categoryKeys: Record<string, MessageKey> = {
  writing: 'apps.categoryWriting',
  programming: 'apps.categoryProgramming',
  productivity: 'apps.categoryProductivity',
};

/** An app's category. */
export const categoryLabel = (category: string, t: TFunction): string =>
  Object.hasOwn(categoryKeys, category) ? t(categoryKeys[category]) : category;
