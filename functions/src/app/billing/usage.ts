import { UsageEvent } from '@agent-marketplace/contract/billing';
import type { Deps } from '../deps.js';

export type RecordOutcome = { outcome: 'recorded' | 'duplicate'; eventId: string } | { outcome: 'malformed'; issues: string };

/**
 * A usage fact from the `usage-events` topic into the ledger, once (docs/billing.md). A message
 * that is not a usage fact is acknowledged and logged, never retried forever; a store failure
 * throws, so Pub/Sub delivers it again.
 */
export async function recordUsage(deps: Pick<Deps, 'usage' | 'clock'>, data: unknown): Promise<RecordOutcome> {
  const parsed = UsageEvent.safeParse(data);
  if (!parsed.success) return { outcome: 'malformed', issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ').slice(0, 500) };
  const created = await deps.usage.record(parsed.data, deps.clock.now());
  return { outcome: created ? 'recorded' : 'duplicate', eventId: parsed.data.id };
}
