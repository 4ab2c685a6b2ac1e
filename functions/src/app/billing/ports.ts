import type { UsageEvent } from '@agent-marketplace/contract/billing';
import type { UsageCounters } from '../../domain/charges.js';

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
}

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
  /** Marks facts reported (or settled without anything to report). */
  markReported(entries: ReadonlyArray<Pick<LedgerEntry, 'wsId' | 'id'>>, at: Date): Promise<void>;
}
