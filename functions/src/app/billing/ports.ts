import type { UsageEvent } from '@agent-marketplace/contract/billing';
import type { PaidPlan } from '@agent-marketplace/contract/billingAccount';
import type { UsageCounters } from '../../domain/charges.js';
import type { PaidPricing } from '../../domain/billingCatalog.js';
import type { BillingStatus } from '@agent-marketplace/contract/billing';
import type { Plan } from '../../domain/runLimits.js';
import type { SubscriptionState } from '../../domain/billingAccount.js';
import type { InvoiceDocument, InvoiceFacts, InvoiceLineFacts } from '../../domain/invoices.js';
import type { Money } from '../../domain/money.js';
import type { RevenueEntry } from '../../domain/revenueShare.js';
import type { Page, PageRequest } from '../shared/paging.js';

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
  /** A transfer in `group` (our payout's id: the provider's transfer group), so it can be found again without its idempotency key. */
  createTransfer(input: { amountMinor: number; currency: 'usd'; destination: string; group: string; metadata: Record<string, string> }, idempotencyKey: string): Promise<{ id: string }>;
  /** The transfer made in `group`, if any: a payout retried after the idempotency key expired (24 h at Stripe) must not pay twice. */
  findTransfer(group: string): Promise<{ id: string } | null>;

  /** The provider's current objects: a webhook refetches instead of trusting the event's copy. */
  retrieveCustomer(id: string): Promise<ProviderCustomer>;
  retrieveCheckoutSession(id: string): Promise<ProviderCheckoutSession>;
  retrieveSubscription(id: string): Promise<ProviderSubscription>;
  retrieveInvoice(id: string): Promise<ProviderInvoice>;
  retrieveAccount(id: string): Promise<ProviderAccount>;
  retrieveCreditNote(id: string): Promise<ProviderCreditNote>;
  /** A charge or a refund, for the payment (intent) it belongs to. */
  retrieveCharge(id: string): Promise<ProviderPaymentRef>;
  retrieveRefund(id: string): Promise<ProviderPaymentRef>;
  /** The invoices a payment intent paid (its invoice payments); none for a payment outside invoices. */
  invoicesPaidBy(paymentIntentId: string): Promise<string[]>;
  /** The refunds of every payment that paid the invoice, and its credit notes with the refunds they account for. */
  retrieveInvoiceRefunds(invoiceId: string): Promise<ProviderInvoiceRefunds>;

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

/** The provider's invoice: the facts our invoices are made of (domain/invoices.ts), and whose it is. */
export interface ProviderInvoice extends ProviderObject, Omit<InvoiceFacts, 'lines'> {
  customerId: string;
  subscriptionId: string | null;
  /** Unix seconds; null until paid. */
  paidAt: number | null;
  lines: ProviderInvoiceLine[];
}

/** One line of an invoice: a subscription item's charge for the period. */
export interface ProviderInvoiceLine extends InvoiceLineFacts {
  subscriptionItemId: string | null;
}

/** A credit note on an invoice (a refund or a credit): what it takes back, line by line. */
export interface ProviderCreditNote extends ProviderObject {
  invoiceId: string;
  customerId: string;
  /** issued or void. */
  status: string;
  created: number;
  /** Unix seconds; null unless void. */
  voidedAt: number | null;
  totalMinor: number;
  lines: { id: string; invoiceLineId: string | null; amountMinor: number }[];
  /** Refunds this note accounts for (one it made, or an existing one it links), and how much of each. */
  refunds: { refundId: string; amountMinor: number }[];
}

/** A charge or a refund, named by the payment intent it belongs to (null: a payment outside payment intents). */
export interface ProviderPaymentRef {
  id: string;
  paymentIntentId: string | null;
}

/** What was refunded of an invoice's payments, and what its credit notes account for (domain/revenueShare.ts refundedOutsideCreditNotes). */
export interface ProviderInvoiceRefunds {
  invoiceId: string;
  /** Stripe's refund status: pending, requires_action, succeeded, failed or canceled. */
  refunds: { id: string; amountMinor: number; status: string }[];
  creditNotes: { id: string; status: string; refunds: { refundId: string; amountMinor: number }[] }[];
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

export type MirrorKind = 'customers' | 'checkoutSessions' | 'subscriptions' | 'invoices' | 'accounts' | 'creditNotes';

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
  /** A mirrored invoice (the fields of ProviderInvoice, without the raw object); null if none. */
  invoice(invoiceId: string): Promise<MirroredInvoice | null>;
  /** A customer's mirrored invoices, newest first. */
  invoices(customerId: string, page: PageRequest): Promise<Page<MirroredInvoice>>;
  /** A publisher's payout account (Connect), as the provider last said. */
  setPayoutAccount(publisherId: string, account: { accountId: string; chargesEnabled: boolean; payoutsEnabled: boolean; detailsSubmitted: boolean }, at: Date): Promise<void>;
}

export type MirroredInvoice = Omit<ProviderInvoice, 'raw'>;

/** A payout to a publisher: recorded (pending) before the transfer, paid once the provider made it. */
export interface PayoutRecord {
  id: string;
  publisherId: string;
  accountId: string;
  amount: Money;
  status: 'pending' | 'paid';
  transferId: string | null;
  entryIds: string[];
  createdAt: Date;
  paidAt: Date | null;
  lastError: string | null;
}

/** What the platform knows of a publisher for payouts (`publishers/{id}`). */
export interface PublisherBilling {
  id: string;
  /** Users who may see its earnings and onboard it (set by platform admins; docs/billing.md "Payouts"). */
  ownerUids: string[];
  /** A per-publisher override of the platform's share setting; null: the setting. */
  shareBps: number | null;
  payoutAccount: { accountId: string; payoutsEnabled: boolean; detailsSubmitted: boolean } | null;
}

/** Revenue entries (`revenueEntries/{id}`) and payouts (`payouts/{id}`). */
export interface EarningsStore {
  /**
   * Creates the entries that do not exist yet, in one transaction: how many were new, and the ids
   * that existed with other amounts (a concurrent reconcile wrote that id from another state of
   * the provider: the caller reads again; app/billing/revenue.ts).
   */
  record(entries: readonly RevenueEntry[]): Promise<{ created: number; differing: string[] }>;
  /** Every entry of a publisher. */
  entriesOf(publisherId: string): Promise<RevenueEntry[]>;
  /** A publisher's entries created in [start, end) (developer analytics' revenue; sales and what reverses them alike). */
  entriesBetween(publisherId: string, start: Date, end: Date): Promise<RevenueEntry[]>;
  /** Every entry (sales and reversals) of an invoice. */
  entriesOfInvoice(invoiceId: string): Promise<RevenueEntry[]>;
  publisher(publisherId: string): Promise<PublisherBilling | null>;
  /** Publishers whose payout account can take transfers. */
  payablePublishers(): Promise<PublisherBilling[]>;
  /**
   * In one transaction: records the payout (pending) and marks its entries with its id, unless
   * the payout exists or any entry is already covered (a concurrent sweep got there): then false.
   */
  claimPayout(payout: PayoutRecord): Promise<boolean>;
  /** Payouts recorded but not yet confirmed paid (a crash or a failed transfer between the two). */
  pendingPayouts(publisherId: string): Promise<PayoutRecord[]>;
  completePayout(payoutId: string, transferId: string, at: Date): Promise<void>;
  notePayoutError(payoutId: string, error: string): Promise<void>;
  payouts(publisherId: string, page: PageRequest): Promise<Page<PayoutRecord>>;
}

/** Draws an invoice document as a PDF. */
export interface InvoiceRenderer {
  pdf(document: InvoiceDocument): Promise<Uint8Array>;
}

/** Revenue share and payout settings (docs/billing.md "Revenue share", "Payouts"). */
export interface PayoutConfig {
  /** The publishers' share in basis points, platform-wide (default 8000). */
  publisherShareBps: number;
  /** A payout is sent once the settled balance reaches this (minor units; default 1000 = $10.00). */
  minimumMinor: number;
  /** How long after payment an entry settles. */
  settlementSeconds: number;
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
