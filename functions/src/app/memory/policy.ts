import { notFound } from '../../domain/errors.js';
import type { StoredMemoryLevel } from '../../domain/memory/limits.js';
import { expiresAt, memoryQuotaExceeded, planEviction, quotaFor, retentionAfterPlanChange, shouldTouch, type MemoryQuota, type RetentionDays } from '../../domain/memory/retention.js';
import { deltaForRemoval, memoryStatsView, mergeDeltas, type MemoryStats } from '../../domain/memory/stats.js';
import type { Plan } from '../../domain/runLimits.js';
import type { Deps } from '../deps.js';
import type { MemoryItemRef, MemoryScope, MemoryState } from './ports.js';

/**
 * What an install's memory may be (docs/memory.md "Retention" and "Quota"): the retention in
 * force (its overrides, capped by the workspace's plan as it is now, so a downgrade shortens
 * and never refuses) and the plan's quota; and the least-recently-used eviction that keeps the
 * install within that quota.
 */
export interface MemoryPolicy {
  state: MemoryState;
  plan: Plan;
  retention: RetentionDays;
  quota: MemoryQuota;
}

/** `readCounters`: the customer's view wants every counter; a write's quota check only the gauges (one read fewer per shard). */
export async function memoryPolicyOf(deps: Pick<Deps, 'workspaces' | 'memory'>, scope: MemoryScope, options: { readCounters?: boolean } = {}): Promise<MemoryPolicy> {
  const [workspace, state] = await Promise.all([deps.workspaces.get(scope.wsId), deps.memory.summary(scope, { readCounters: options.readCounters ?? false })]);
  if (!workspace) throw notFound('Workspace', 'workspace_not_found');
  return { state, plan: workspace.plan, retention: retentionAfterPlanChange(workspace.plan, state.retention), quota: quotaFor(workspace.plan, workspace.quotas) };
}

/** The stamps of an item written now: when retention deletes it, and its last access. */
export const writeStamps = (policy: MemoryPolicy, level: StoredMemoryLevel, now: Date) => ({ expiresAt: expiresAt(level, now, policy.retention), lastAccessAt: now });

/** Refuses (413) a write that could not fit the quota even with everything else evicted. */
export function checkFits(quota: MemoryQuota, items: number, bytes: number): void {
  if (bytes > quota.maxBytes || items > quota.maxItems) throw memoryQuotaExceeded(quota, bytes);
}

const usageOf = (stats: MemoryStats) => {
  const { total } = memoryStatsView(stats);
  return { items: total.items, bytes: total.bytes };
};

/** Candidates read per round, and rounds per write: a write evicts at most this many items. */
const EVICTION_PAGE = 100;
const EVICTION_ROUNDS = 5;

/**
 * After a write: while the install is over its quota, evicts its least recently used memories
 * (never the ones just written), counted as evictions. `usage` is the install's items and bytes
 * once the write is counted. Two concurrent writes can each see the other's item missing from
 * the counters, so an install may pass its quota by the writes in flight until its next write.
 */
export async function enforceQuota(
  deps: Pick<Deps, 'memory'>,
  scope: MemoryScope,
  policy: MemoryPolicy,
  written: readonly { level: StoredMemoryLevel; id: string; bytes: number }[],
  delta: { items: number; bytes: number },
): Promise<number> {
  const before = usageOf(policy.state.stats);
  let usage = { items: before.items + delta.items, bytes: before.bytes + delta.bytes };
  const over = () => usage.items > policy.quota.maxItems || usage.bytes > policy.quota.maxBytes;
  let evicted = 0;
  const incoming = written.map((w) => ({ id: w.id, level: w.level, bytes: w.bytes, replacesBytes: w.bytes }));
  for (let round = 0; round < EVICTION_ROUNDS && over(); round++) {
    const candidates = await deps.memory.leastRecentlyUsed(scope, EVICTION_PAGE);
    const plan = planEviction({ quota: policy.quota, incoming, candidates, usage });
    if (plan.evict.length === 0) break;
    const gone = await deps.memory.evict(plan.evict);
    if (gone.length > 0) await deps.memory.count(scope, mergeDeltas(...gone.map((g) => deltaForRemoval(g.level, [g.bytes], 'eviction'))));
    evicted += gone.length;
    usage = { items: usage.items - gone.length, bytes: usage.bytes - gone.reduce((s, g) => s + g.bytes, 0) };
  }
  return evicted;
}

/** Records that items were just read, at most once a day each (retention.ts shouldTouch): the quota's order of use. */
export async function touchRead(deps: Pick<Deps, 'memory'>, scope: MemoryScope, items: readonly { level: StoredMemoryLevel; id: string; lastAccessAt: Date }[], now: Date): Promise<void> {
  const due: MemoryItemRef[] = items.filter((i) => shouldTouch(i.lastAccessAt, now)).map((i) => ({ scope, level: i.level, id: i.id }));
  if (due.length > 0) await deps.memory.touch(due, now);
}
