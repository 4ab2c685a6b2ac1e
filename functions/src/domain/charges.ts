import type { CostEstimate } from '@agent-marketplace/contract/billing';
import { AppError } from './errors.js';
import type { Manifest } from './manifest.js';
import { add, money, mulDiv, priceOfMilli, type Money } from './money.js';

/**
 * What an install's usage costs under its agent's pricing, what one more run is expected to
 * cost, and whether a spend cap lets it start; free of I/O (docs/billing.md).
 */
export type Pricing = Manifest['pricing'];

/** An install's usage in one month, from the usage ledger. */
export interface UsageCounters {
  runs: number;
  computeSeconds: number;
  /** Reported units, in thousandths. */
  milliUnits: number;
}

export const noUsage = (): UsageCounters => ({ runs: 0, computeSeconds: 0, milliUnits: 0 });

/**
 * The month's charge for one install: a subscription's monthly price (the month it is used),
 * runs at the per-run price, or units at the per-unit price (rounded once, half up, on the
 * month's total: a fraction of a cent per run is never lost or doubled). Compute is included in
 * the workspace's plan: metered, not charged here.
 */
export function monthCharge(pricing: Pricing, usage: UsageCounters): Money {
  switch (pricing.model) {
    case 'free':
      return money(0, pricing.currency);
    case 'subscription':
      return money(usage.runs > 0 ? pricing.amountCents : 0, pricing.currency);
    case 'per_run':
      return money(pricing.amountCents * usage.runs, pricing.currency);
    case 'per_unit':
      return priceOfMilli(pricing.amountCents, usage.milliUnits, pricing.currency);
  }
}

/**
 * One more run's expected cost: what it adds to the month's charge. For per-unit pricing the
 * units are this month's average per run, else last month's, else one unit (the basis says which).
 */
export function estimateRun(pricing: Pricing, month: UsageCounters, lastMonth: UsageCounters = noUsage()): CostEstimate {
  const of = (amountMinor: number, basis: string): CostEstimate => ({ amountMinor, currency: pricing.currency, basis });
  switch (pricing.model) {
    case 'free':
      return of(0, 'free');
    case 'subscription':
      // The month's price is due with its first run; later runs add nothing.
      return of(month.runs > 0 ? 0 : pricing.amountCents, month.runs > 0 ? 'subscription: paid this month' : 'subscription: the monthly price, due with the first run this month');
    case 'per_run':
      return of(pricing.amountCents, 'per_run');
    case 'per_unit': {
      const from = month.runs > 0 ? { u: month, when: 'this month' } : lastMonth.runs > 0 ? { u: lastMonth, when: 'last month' } : null;
      const milli = from ? mulDiv(from.u.milliUnits, 1, from.u.runs) : 1000;
      const before = priceOfMilli(pricing.amountCents, month.milliUnits, pricing.currency);
      const after = priceOfMilli(pricing.amountCents, month.milliUnits + milli, pricing.currency);
      const units = (milli / 1000).toLocaleString('en-US', { maximumFractionDigits: 3 });
      const unit = `unit: ${pricing.unit ?? 'unit'}`;
      return of(after.amountMinor - before.amountMinor, from ? `per_unit: an average of ${units} per run ${from.when} (${unit})` : `per_unit: 1 assumed, no runs yet (${unit})`);
    }
  }
}

const dollars = (m: Money) => `$${(m.amountMinor / 100).toFixed(2)}`;

/**
 * Refuses a run that would take the month's spend past a cap (402 `spend_cap_reached`), saying
 * which cap, what is spent, what the run would add and when the month starts over.
 */
export function checkSpendCap(cap: Money | null, spent: Money, estimate: Money, whose: 'workspace' | 'install', monthEnds: Date): void {
  if (!cap || estimate.amountMinor === 0) return;
  const after = add(spent, estimate);
  if (after.amountMinor <= cap.amountMinor) return;
  throw new AppError(
    'payment_required',
    'spend_cap_reached',
    `This run would take the ${whose}'s spend this month to ${dollars(after)}, past its cap of ${dollars(cap)} (${dollars(spent)} spent, about ${dollars(estimate)} for this run). Raise the cap, or wait for the month to start over on ${monthEnds.toISOString().slice(0, 10)}.`,
  );
}
