import type { BillingStatus } from '@agent-marketplace/contract/billing';
import { AppError } from './errors.js';
import type { Manifest } from './manifest.js';
import type { Plan } from './runLimits.js';

/**
 * A workspace's standing with the billing provider, derived from its subscription (docs/billing.md
 * "Plans, subscriptions and webhooks"); free of I/O.
 */

/** What the workspace document keeps of the subscription its plan comes from. */
export interface SubscriptionState {
  subscriptionId: string;
  customerId: string;
  /** The subscription's own creation time (Unix seconds): a newer subscription wins over an older one. */
  created: number;
  status: BillingStatus;
  plan: Plan;
}

/** The workspace's current billing fields (absent until it first deals with billing). */
export interface WorkspaceBilling {
  status: BillingStatus;
  subscriptionId?: string | null | undefined;
  subscriptionCreated?: number | null | undefined;
}

/** Stripe's subscription status as the platform's standing. */
export function standingOf(stripeStatus: string): BillingStatus {
  switch (stripeStatus) {
    case 'active':
    case 'trialing':
      return 'active';
    case 'canceled':
    case 'incomplete_expired':
      return 'canceled';
    // past_due, unpaid, incomplete (first payment not made), paused: paid agents wait for payment.
    default:
      return 'past_due';
  }
}

/**
 * The plan a subscription pays for: the plan whose price is among its items (the dearest if
 * several), or free when it holds none or has ended.
 */
export function planOf(status: BillingStatus, priceIds: readonly string[], planPrices: Readonly<Record<'team' | 'enterprise', string>>): Plan {
  if (status === 'canceled') return 'free';
  if (priceIds.includes(planPrices.enterprise)) return 'enterprise';
  if (priceIds.includes(planPrices.team)) return 'team';
  return 'free';
}

/**
 * Whether a refetched subscription may set the workspace's plan and standing. The same
 * subscription always may (it was refetched: it is the provider's current state); another one
 * only if it is newer by its own `created`, or as new and not ended while the current one is
 * (a live subscription wins a tie), so an old subscription's late or replayed event never
 * takes the workspace back.
 */
export function subscriptionApplies(current: WorkspaceBilling | undefined, incoming: SubscriptionState): boolean {
  if (!current?.subscriptionId || current.subscriptionId === incoming.subscriptionId) return true;
  const currentCreated = current.subscriptionCreated ?? 0;
  if (incoming.created !== currentCreated) return incoming.created > currentCreated;
  if ((current.status === 'canceled') !== (incoming.status === 'canceled')) return current.status === 'canceled';
  return incoming.subscriptionId > current.subscriptionId;
}

/**
 * A workspace whose subscription is past due runs no paid agent until it pays (402
 * `payment_past_due`); free agents keep running.
 */
export function checkPaymentStanding(billing: { status: BillingStatus } | undefined, pricing: Manifest['pricing']): void {
  if (billing?.status !== 'past_due' || pricing.model === 'free') return;
  throw new AppError(
    'payment_required',
    'payment_past_due',
    "This workspace's subscription is past due, so paid agents do not start new runs. Pay the open invoice in the billing portal; free agents keep running.",
  );
}

/** Pricing models billed through a subscription item: a monthly price, or a metered one. */
export const isPaid = (pricing: Manifest['pricing']): boolean => pricing.model !== 'free';
