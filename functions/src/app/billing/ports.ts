import type { UsageEvent } from '@agent-marketplace/contract/billing';
import type { PaidPlan } from '@agent-marketplace/contract/billingAccount';
import type { UsageCounters } from '../../domain/charges.js';
import type { PaidPricing } from '../../domain/billingCatalog.js';
import type { BillingStatus } from '@agent-marketplace/contract/billing';
import type { Plan } from '../../domain/runLimits.js';
import type { SubscriptionState } from '../../domain/billingAccount.js';

/** One usage fact sent to the provider's meters: its event id is the identifier and the idempotency key. */
export interface MeterEvent {
  identifier: string;
  /** The meter's event name (`adapters/billing` maps agents and kinds to meters). */
  eventName: string;
  customerId: string;
  value: number;
  timestamp: Date;
}

/**
 * The billing provider: Stripe in production, a stand-in that keeps the same objects in
 * Firestore locally (Stripe is unreachable here). docs/billing.md.
 */
export interface BillingProvider {
  /** Reports meter events; a repeated identifier is harmless. Says which went and which did not (and why). */
  reportUsage(events: readonly MeterEvent[]): Promise<{ reported: string[]; failed: { identifier: string; error: string }[] }>;

  // Every creating call takes an idempotency key derived from our document's id (a retry
  // finds what the first attempt created instead of creating a second one).
  createCustomer(input: { wsId: string; name: string }, idempotencyKey: string): Promise<ProviderCustomer>;
  /** A hosted checkout page that starts a subscription to the plan's price. */
  createCheckoutSession(input: { wsId: string; customerId: string; plan: PaidPlan; successUrl: string; cancelUrl: string }, idempotencyKey: string): Promise<ProviderCheckoutSession>;
  /** A hosted billing portal page for the customer. */
  createPortalSession(input: { customerId: string; returnUrl: string }, idempotencyKey: string): Promise<{ id: string; url: string }>;
  /** The price of each paid plan. */
  readonly planPrices: Readonly<Record<PaidPlan, string>>;
  /** The price of a paid agent (monthly, or metered on the agent's meter), created once. */
  agentPrice(agentId: string, agentName: string, pricing: PaidPricing): Promise<string>;
  addSubscriptionItem(input: { subscriptionId: string; priceId: string; metadata: Record<string, string> }, idempotencyKey: string): Promise<{ id: string }>;
  /** Removes an item; one already gone is not an error. */
  removeSubscriptionItem(itemId: string): Promise<void>;
  /** Connect (Express) accounts for publishers' payouts, their onboarding links, and transfers to them. */
  createConnectAccount(input: { publisherId: string; email: string | null }, idempotencyKey: string): Promise<ProviderAccount>;
  createAccountLink(input: { accountId: string; refreshUrl: string; returnUrl: string }): Promise<{ url: string }>;
  createTransfer(input: { amountMinor: number; currency: 'usd'; destination: string; metadata: Record<string, string> }, idempotencyKey: string): Promise<{ id: string }>;

  /** The provider's current objects: a webhook refetches instead of trusting the event's copy. */
  retrieveCustomer(id: string): Promise<ProviderCustomer>;
  retrieveCheckoutSession(id: string): Promise<ProviderCheckoutSession>;
  retrieveSubscription(id: string): Promise<ProviderSubscription>;
  retrieveInvoice(id: string): Promise<ProviderInvoice>;
  retrieveAccount(id: string): Promise<ProviderAccount>;

  /** Verifies a webhook's signature on its raw body; throws AppError `stripe_signature_invalid`. */
  verifyWebhook(rawBody: Buffer, signature: string | undefined): ProviderEvent;
}

/** The fields of the provider's objects the platform reads; `raw` is the whole object, for the mirror. */
export interface ProviderObject {
  id: string;
  metadata: Record<string, string>;
  raw: Record<string, unknown>;
}

export type ProviderCustomer = ProviderObject;

export interface ProviderCheckoutSession extends ProviderObject {
  url: string | null;
  /** open, complete or expired. */
  status: string;
  customerId: string | null;
  subscriptionId: string | null;
}

export interface ProviderSubscription extends ProviderObject {
  customerId: string;
  /** Stripe's status: active, past_due, canceled, ... */
  status: string;
  /** Unix seconds. */
  created: number;
  items: { id: string; priceId: string; metadata: Record<string, string> }[];
}

export interface ProviderInvoice extends ProviderObject {
  customerId: string;
  subscriptionId: string | null;
  /** draft, open, paid, uncollectible or void. */
  status: string;
  created: number;
}

export interface ProviderAccount extends ProviderObject {
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
  detailsSubmitted: boolean;
}

/** A verified webhook event: its type and the object it is about (to refetch). */
export interface ProviderEvent {
  id: string;
  type: string;
  created: number;
  object: { id: string; object: string };
}

export type MirrorKind = 'customers' | 'checkoutSessions' | 'subscriptions' | 'invoices' | 'accounts';

/**
 * The platform's side of billing: each workspace's plan and standing, and a mirror of the
 * provider's objects keyed by their ids (upserted from refetched objects).
 */
export interface BillingAccountStore {
  /** Records the workspace's customer (standing `active` if it had none). */
  setCustomer(wsId: string, customerId: string): Promise<void>;
  /**
   * In one transaction: applies the subscription's plan and standing to the workspace unless
   * domain/billingAccount.ts `subscriptionApplies` says an newer one holds it. Whether it applied.
   */
  applySubscription(wsId: string, state: SubscriptionState): Promise<boolean>;
  upsertMirror(kind: MirrorKind, object: ProviderObject, at: Date): Promise<void>;
  /** A publisher's payout account (Connect), as the provider last said. */
  setPayoutAccount(publisherId: string, account: { accountId: string; chargesEnabled: boolean; payoutsEnabled: boolean; detailsSubmitted: boolean }, at: Date): Promise<void>;
}

/** Where hosted pages send the browser back to. */
export interface BillingConfig {
  appUrl: string;
}

export type { BillingStatus, Plan };

/** A recorded usage fact, as the ledger keeps it. */
export interface LedgerEntry extends UsageEvent {
  recordedAt: Date;
  /** When the provider accepted it; null until then (or for facts that bill nothing). */
  reportedAt: Date | null;
}

/** An install's counters in a month for one version of its agent (each version is priced by its own manifest). */
export interface InstallMonthUsage extends UsageCounters {
  installId: string;
  agentId: string;
  agentVersion: string;
}

export interface UsageMonth {
  month: string;
  /** One line per install and agent version used in the month. */
  lines: InstallMonthUsage[];
  /** The latest fact recorded in the month. */
  lastAt: Date | null;
}

/** The usage ledger (`workspaces/{ws}/usage`, `usageMonths`): facts recorded once, counters per month and install. */
export interface UsageLedger {
  /** Records the fact and adds it to its month's counters in one transaction; false when it was recorded already. */
  record(event: UsageEvent, now: Date): Promise<boolean>;
  month(wsId: string, month: string): Promise<UsageMonth>;
  /** Facts not yet reported, oldest first, across workspaces. */
  unreported(limit: number): Promise<LedgerEntry[]>;
  /** Marks facts reported (or settled without anything to report; `unbilled` says why a billable one was not). */
  markReported(entries: ReadonlyArray<Pick<LedgerEntry, 'wsId' | 'id'>>, at: Date, unbilled?: string): Promise<void>;
}
