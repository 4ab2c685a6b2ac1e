import { z } from 'zod';
import { Money } from './billing.js';
import { Timestamp } from './common.js';

/**
 * Invoices (from the billing provider, mirrored), publishers' earnings from them (revenue
 * share) and payouts to publishers. Money is integer minor units with its currency.
 * docs/billing.md "Invoices", "Revenue share", "Payouts".
 */

/** A provider object id (`in_...`, `il_...`): a prefix, an underscore, letters, digits and underscores. */
export const ProviderObjectId = z.string().regex(/^[a-z]{2,8}_[A-Za-z0-9_]{1,200}$/, 'a billing provider id');

export const InvoiceStatus = z.enum(['draft', 'open', 'paid', 'uncollectible', 'void']);

export const InvoiceLineOut = z
  .object({
    id: z.string(),
    /** `plan`: the workspace's plan; `agent`: a paid agent's monthly price or metered usage; `other`: anything else on the invoice. */
    kind: z.enum(['plan', 'agent', 'other']),
    description: z.string(),
    agentId: z.string().nullable(),
    installId: z.string().nullable(),
    /** The agent's pricing model for an agent line. */
    pricing: z.enum(['subscription', 'per_run', 'per_unit']).nullable(),
    /** The meter a metered line sums (`am_runs_<agent>`, `am_units_<agent>`); null for licensed lines. */
    meter: z.string().nullable(),
    plan: z.enum(['team', 'enterprise']).nullable(),
    /** Months for licensed lines, runs for per-run lines, thousandths of a unit for per-unit lines. */
    quantity: z.number().int(),
    amount: Money,
    periodStart: Timestamp,
    periodEnd: Timestamp,
  })
  .meta({ id: 'InvoiceLine' });
export type InvoiceLine = z.output<typeof InvoiceLineOut>;

export const InvoiceOut = z
  .object({
    id: z.string(),
    number: z.string().nullable(),
    status: InvoiceStatus,
    createdAt: Timestamp,
    periodStart: Timestamp,
    periodEnd: Timestamp,
    total: Money,
    amountPaid: Money,
    /** Credit notes issued against it (refunds and credits). */
    credited: Money,
    lines: z.array(InvoiceLineOut),
  })
  .meta({ id: 'Invoice' });
export type Invoice = z.output<typeof InvoiceOut>;

export const InvoicePageOut = z.object({ items: z.array(InvoiceOut), nextCursor: z.string().nullable() }).meta({ id: 'InvoicePage' });

/**
 * One revenue entry: a paid agent's invoice line split between its publisher and the platform
 * (`sale`), or a change to it: a credit note takes it back (`reversal`), a refund made without a
 * credit note takes back its proportion, or gives it back once a credit note accounts for that
 * refund (`refund`), a voided credit note gives its reversal back (`void`).
 */
export const RevenueEntryOut = z
  .object({
    id: z.string(),
    kind: z.enum(['sale', 'reversal', 'refund', 'void']),
    agentId: z.string(),
    invoiceId: z.string(),
    /** The invoice line (sale, refund) or credit note line (reversal, void) it comes from. */
    sourceLineId: z.string(),
    /** The sale it changes; null for a sale. */
    reverses: z.string().nullable(),
    gross: Money,
    publisherShare: Money,
    platformShare: Money,
    /** The publisher's share in basis points (8000 = 80 %). */
    shareBps: z.number().int(),
    createdAt: Timestamp,
    /** When it counts toward a payout. */
    settlesAt: Timestamp,
    /** The payout that paid it; null until then. */
    payoutId: z.string().nullable(),
  })
  .meta({ id: 'RevenueEntry' });

export const EarningsOut = z
  .object({
    publisherId: z.string(),
    shareBps: z.number().int(),
    /** Settled, not yet paid out: what the next payout sends once it reaches the minimum. */
    settled: Money,
    /** Not yet settled. */
    pending: Money,
    /** Paid out so far (payouts completed or under way). */
    paidOut: Money,
    payoutMinimum: Money,
    /** The publisher's payout account at the payment provider (Connect); null until onboarding starts. */
    payoutAccount: z.object({ detailsSubmitted: z.boolean(), payoutsEnabled: z.boolean() }).nullable(),
    /** Most recent first. */
    entries: z.array(RevenueEntryOut),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'Earnings' });
export type Earnings = z.output<typeof EarningsOut>;

export const PayoutOut = z
  .object({
    id: z.string(),
    amount: Money,
    /** `pending`: recorded, the transfer not yet confirmed; `paid`: the provider made the transfer. */
    status: z.enum(['pending', 'paid']),
    transferId: z.string().nullable(),
    entryCount: z.number().int(),
    createdAt: Timestamp,
    paidAt: Timestamp.nullable(),
  })
  .meta({ id: 'Payout' });
export type Payout = z.output<typeof PayoutOut>;

export const PayoutPageOut = z.object({ items: z.array(PayoutOut), nextCursor: z.string().nullable() }).meta({ id: 'PayoutPage' });
