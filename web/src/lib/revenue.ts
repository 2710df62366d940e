// Sums for the admin revenue page: the range's totals per source and per model.
import type { RevenueDay } from './billing';

export interface ModelTotal {
  model: string;
  calls: number;
  cost: number;
  paid_uc: number;
  gift_uc: number;
}

export interface RevenueTotals {
  usage_paid: number;
  usage_gift: number;
  plan_sales: number;
  pack_sales: number;
  credit_packs: number;
  app_surcharges: number;
  app_unlocks: number;
  earnings_converted: number;
  top_ups: number;
  /** Biggest spend first. */
  by_model: ModelTotal[];
}

export function revenueTotals(days: RevenueDay[]): RevenueTotals {
  const models = new Map<string, ModelTotal>();
  const out: RevenueTotals = {
    usage_paid: 0,
    usage_gift: 0,
    plan_sales: 0,
    pack_sales: 0,
    credit_packs: 0,
    app_surcharges: 0,
    app_unlocks: 0,
    earnings_converted: 0,
    top_ups: 0,
    by_model: [],
  };
  for (const d of days) {
    out.usage_paid += d.usage_paid;
    out.usage_gift += d.usage_gift;
    out.plan_sales += d.plan_sales;
    out.pack_sales += d.pack_sales;
    out.credit_packs += d.credit_packs;
    // Servers before these columns leave them out.
    out.app_surcharges += d.app_surcharges ?? 0;
    out.app_unlocks += d.app_unlocks ?? 0;
    out.earnings_converted += d.earnings_converted ?? 0;
    out.top_ups += d.top_ups ?? 0;
    for (const m of d.by_model) {
      const t = models.get(m.model) ?? { model: m.model, calls: 0, cost: 0, paid_uc: 0, gift_uc: 0 };
      t.calls += m.calls;
      t.cost += m.cost;
      t.paid_uc += m.paid_uc;
      t.gift_uc += m.gift_uc;
      models.set(m.model, t);
    }
  }
  out.by_model = [...models.values()].sort((a, b) => b.cost - a.cost || a.model.localeCompare(b.model));
  return out;
}
