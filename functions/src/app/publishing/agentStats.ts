import { AgentStatsFact } from '../../domain/agentStats.js';
import type { Deps } from '../deps.js';

export type RunFactOutcome = { outcome: 'recorded' | 'duplicate'; factId: string } | { outcome: 'malformed'; issues: string };

/**
 * A run's end from the `agent-stats` topic into its agent's daily stats, once
 * (docs/publishing.md "Analytics"). A message that is not a run fact is acknowledged and
 * logged, never retried forever; a store failure throws, so Pub/Sub delivers it again.
 */
export async function recordRunFact(deps: Pick<Deps, 'agentStats' | 'clock'>, data: unknown): Promise<RunFactOutcome> {
  const parsed = AgentStatsFact.safeParse(data);
  if (!parsed.success) return { outcome: 'malformed', issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ').slice(0, 500) };
  const [created] = await deps.agentStats.record([parsed.data], deps.clock.now());
  return { outcome: created ? 'recorded' : 'duplicate', factId: parsed.data.id };
}
