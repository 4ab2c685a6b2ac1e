import { meterEventName } from '../../domain/billingCatalog.js';
import type { Deps } from '../deps.js';
import type { LedgerEntry, MeterEvent } from './ports.js';
import { pricingOf } from './spend.js';

type ReportDeps = Pick<Deps, 'usage' | 'billing' | 'workspaces' | 'catalog' | 'clock'>;

export interface ReportResult {
  /** Facts sent to the provider's meters and accepted. */
  reported: number;
  /** Facts that bill nothing (compute, a free or subscription agent's runs): settled without a report. */
  settled: number;
  /** Facts the provider refused or could not take now: left for the next tick. */
  failed: number;
  /** Billable facts of a workspace with no billing customer: marked `unbilled: no_customer` (kept for reconciliation) and logged, so they never hold the queue. */
  noCustomer: number;
}

/**
 * Sends recorded usage to the billing provider's meters, a bounded batch per tick (the
 * watchdog's, every minute; docs/billing.md). A fact bills when its agent's pricing meters it:
 * runs of a per-run agent, units of a per-unit agent (in thousandths, as the price is set).
 * Each goes with its event id as identifier and idempotency key, and is marked reported only
 * once the provider took it: an outage delays reporting, never loses or doubles it.
 */
export async function reportUsage(deps: ReportDeps, options: { limit?: number } = {}): Promise<ReportResult> {
  const entries = await deps.usage.unreported(options.limit ?? 500);
  if (entries.length === 0) return { reported: 0, settled: 0, failed: 0, noCustomer: 0 };
  const customers = new Map<string, Promise<string | null>>();
  const customerOf = (wsId: string) => {
    if (!customers.has(wsId)) customers.set(wsId, deps.workspaces.get(wsId).then((ws) => ws?.billing?.customerId ?? null));
    return customers.get(wsId)!;
  };
  const settled: LedgerEntry[] = [];
  const orphans: LedgerEntry[] = [];
  const sending: Array<{ entry: LedgerEntry; event: MeterEvent }> = [];
  for (const entry of entries) {
    const pricing = await pricingOf(deps, entry.agentId, entry.agentVersion);
    const metered = (pricing?.model === 'per_run' && entry.kind === 'run') || (pricing?.model === 'per_unit' && entry.kind === 'units');
    if (!metered || entry.quantity === 0) {
      settled.push(entry);
      continue;
    }
    const customerId = await customerOf(entry.wsId);
    if (!customerId) {
      orphans.push(entry);
      console.error(JSON.stringify({ severity: 'ERROR', message: 'usage report: a paid agent ran in a workspace with no billing customer; marked unbilled', wsId: entry.wsId, eventId: entry.id }));
      continue;
    }
    sending.push({
      entry,
      event: { identifier: entry.id, eventName: meterEventName(entry.agentId, entry.kind === 'run' ? 'run' : 'units'), customerId, value: entry.quantity, timestamp: new Date(entry.occurredAt) },
    });
  }
  const { reported, failed } = sending.length ? await deps.billing.reportUsage(sending.map((s) => s.event)) : { reported: [], failed: [] };
  const went = new Set(reported);
  for (const f of failed) console.error(JSON.stringify({ severity: 'WARNING', message: 'usage report: the provider did not take a fact; the next tick tries again', eventId: f.identifier, error: f.error }));
  const done = [...settled, ...sending.filter((s) => went.has(s.entry.id)).map((s) => s.entry)];
  if (done.length) await deps.usage.markReported(done, deps.clock.now());
  if (orphans.length) await deps.usage.markReported(orphans, deps.clock.now(), 'no_customer');
  return { reported: went.size, settled: settled.length, failed: failed.length, noCustomer: orphans.length };
}
