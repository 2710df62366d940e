// A plan's daily allowances as edited on the admin plans page: one row per model, each with a
// number of calls a day or "unlimited" (sent as per_day -1).
import type { Allowance } from './billing';
import type { Check } from './validation';

export interface AllowanceDraft {
  model: string;
  perDay: string;
  unlimited: boolean;
}

export const blankAllowance = (): AllowanceDraft => ({ model: '', perDay: '', unlimited: false });

export function draftsOf(allowances: Allowance[]): AllowanceDraft[] {
  return allowances.map((a) => ({ model: a.model, perDay: a.per_day < 0 ? '' : String(a.per_day), unlimited: a.per_day < 0 }));
}

/** Rows without a model are skipped; a row's problem is reported for the first bad row. */
export function checkDrafts(drafts: AllowanceDraft[]): { allowances: Allowance[] } | { error: Check; row: number } {
  const out: Allowance[] = [];
  for (const [row, d] of drafts.entries()) {
    const model = d.model.trim();
    if (!model) continue;
    if (/\s/.test(model) || model.length > 128) return { error: 'validate.modelId', row };
    if (out.some((a) => a.model === model)) return { error: 'validate.duplicateModel', row };
    if (d.unlimited) {
      out.push({ model, per_day: -1 });
      continue;
    }
    const s = d.perDay.trim();
    if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 1_000_000_000) return { error: 'validate.perDay', row };
    out.push({ model, per_day: Number(s) });
  }
  return { allowances: out };
}
