import { z } from 'zod';
import { Timestamp } from './common.js';
import { Plan } from './workspaces.js';

/**
 * Billing: money, usage and spend caps. Money is always integer minor units with its currency
 * (no floats anywhere); usage is metered as facts with stable ids (docs/billing.md).
 */

export const Currency = z.literal('usd');
export type Currency = z.infer<typeof Currency>;

export const Money = z.object({ amountMinor: z.number().int(), currency: Currency }).strict().meta({ id: 'Money' });
export type Money = z.output<typeof Money>;

/**
 * One billable fact of a run: it started (`run`, quantity 1, once per run), an attempt used
 * compute (`compute_seconds`, whole seconds), or the agent reported units (`units`, in
 * thousandths of the agent's unit). Published to the `usage-events` topic; `id` is stable for
 * one fact, so the ledger records it exactly once however often and in whatever order it comes.
 */
export const UsageKind = z.enum(['run', 'compute_seconds', 'units']);
export type UsageKind = z.infer<typeof UsageKind>;

export const UsageEvent = z
  .object({
    id: z.string().regex(/^usage:[A-Za-z0-9:._-]{1,200}$/),
    wsId: z.string(),
    installId: z.string(),
    agentId: z.string(),
    agentVersion: z.string(),
    runId: z.string(),
    attempt: z.number().int().min(1),
    kind: UsageKind,
    quantity: z.number().int().min(0),
    occurredAt: Timestamp,
  })
  .strict()
  .meta({ id: 'UsageEvent' });
export type UsageEvent = z.output<typeof UsageEvent>;

/** What a run is expected to cost, at trigger time, and how that was worked out. */
export const CostEstimate = z
  .object({
    amountMinor: z.number().int().min(0),
    currency: Currency,
    /** `free`, `subscription` (covered by the agent's monthly price), `per_run`, or `per_unit` with the units assumed and where that figure came from. */
    basis: z.string(),
  })
  .strict()
  .meta({ id: 'CostEstimate' });
export type CostEstimate = z.output<typeof CostEstimate>;

/** A monthly spend cap: null for none. */
export const SpendCapIn = z
  .object({ amountMinor: z.number().int().min(0).max(100_000_000).nullable() })
  .strict()
  .meta({ id: 'SpendCapUpdate' });

export const BillingStatus = z.enum(['active', 'past_due', 'canceled']);
export type BillingStatus = z.infer<typeof BillingStatus>;

const InstallUsage = z.object({
  installId: z.string(),
  agentId: z.string(),
  runs: z.number().int(),
  computeSeconds: z.number().int(),
  /** Units the agent reported, in thousandths. */
  milliUnits: z.number().int(),
  spent: Money,
  cap: Money.nullable(),
});

/** A workspace's billing this month: its plan and status, what each install used and costs, and the caps. */
export const BillingOut = z
  .object({
    plan: Plan,
    status: BillingStatus,
    /** The calendar month (UTC) the figures are for. */
    month: z.string().regex(/^\d{4}-\d{2}$/),
    spent: Money,
    cap: Money.nullable(),
    installs: z.array(InstallUsage),
    /** Usage facts received and not yet in the figures are few and brief (Pub/Sub delivers in seconds); `asOf` is the latest recorded. */
    asOf: Timestamp.nullable(),
  })
  .meta({ id: 'Billing' });
export type Billing = z.output<typeof BillingOut>;

export const BillingQuery = z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM').optional() }).strict();
