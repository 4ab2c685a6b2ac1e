import type { Manifest } from './manifest.js';

/**
 * How an agent's price is named at the billing provider, derived from its pricing alone so
 * every instance finds the same price and meter without a lookup table; free of I/O.
 */
export type PaidPricing = Manifest['pricing'] & { model: 'subscription' | 'per_run' | 'per_unit' };

/** The meter an agent's metered usage goes to: one per agent and kind, so each is priced on its own. */
export function meterEventName(agentId: string, kind: 'run' | 'units'): string {
  return `am_${kind === 'run' ? 'runs' : 'units'}_${agentId}`;
}

/** A stable key for an agent's price (Stripe `lookup_key`): a changed price is a new price. */
export function agentPriceKey(agentId: string, pricing: PaidPricing): string {
  return `am_agent_${agentId}_${pricing.model}_${pricing.amountCents}_${pricing.currency}`;
}

/**
 * A per-unit price applies to thousandths of a unit (the ledger's quantity): its unit amount in
 * cents with three more decimals, as an exact decimal string (2 cents a unit: "0.002").
 */
export function milliUnitAmountDecimal(amountCents: number): string {
  const whole = Math.floor(amountCents / 1000);
  const frac = String(amountCents % 1000).padStart(3, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : String(whole);
}
