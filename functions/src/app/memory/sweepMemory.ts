import { STORED_MEMORY_LEVELS } from '../../domain/memory/limits.js';
import { DEFAULT_RETENTION_DAYS, gcCutoffs, MAX_GC_BATCH, planGcBatch } from '../../domain/memory/retention.js';
import { deltaForRemoval, mergeDeltas, type MemoryStatsDelta } from '../../domain/memory/stats.js';
import type { Deps } from '../deps.js';
import { forgetSome } from './forget.js';
import type { ExpiryCandidate, MemoryScope } from './ports.js';

export interface MemorySweepResult {
  /** Items deleted past their retention. */
  expired: number;
  /** Items of uninstalled installs deleted after the grace period, and the installs finished. */
  purged: number;
  purgedInstalls: number;
  /** Work is left for the next tick. */
  more: boolean;
}

/**
 * The retention sweep (on the watchdog's tick; docs/memory.md "Retention"): deletes memories past
 * their level's retention, counted as `expirations`, and the memory of installs uninstalled more
 * than UNINSTALL_GRACE_DAYS ago. Bounded: at most `maxBatches` batches of `batchSize` expiries and
 * `batchSize` purge deletes per call; `more` says the next tick carries on. Retention counts from
 * an item's last write (retention.ts); no install overrides it yet, so the defaults apply to all
 * (every plan allows at least them). Firestore's TTL policy on `expiresAt` is only a backstop.
 */
export async function sweepMemory(deps: Pick<Deps, 'memory'>, options: { now: Date; batchSize?: number; maxBatches?: number }): Promise<MemorySweepResult> {
  const batchSize = Math.min(options.batchSize ?? 200, MAX_GC_BATCH);
  const result: MemorySweepResult = { expired: 0, purged: 0, purgedInstalls: 0, more: false };
  for (let batch = 0; batch < (options.maxBatches ?? 4); batch++) {
    const { deleted, more } = await expireBatch(deps, options.now, batchSize);
    result.expired += deleted;
    result.more = more;
    if (!more) break;
  }
  const purge = await purgeUninstalled(deps, options.now, batchSize);
  result.purged = purge.deleted;
  result.purgedInstalls = purge.finished;
  result.more ||= purge.more;
  return result;
}

async function expireBatch(deps: Pick<Deps, 'memory'>, now: Date, batchSize: number): Promise<{ deleted: number; more: boolean }> {
  const retention = DEFAULT_RETENTION_DAYS;
  const cutoffs = gcCutoffs(now, retention);
  // One more than a batch per level: planGcBatch then knows whether more remain.
  const candidates = (await Promise.all(STORED_MEMORY_LEVELS.map((level) => deps.memory.expiredCandidates(level, cutoffs[level], batchSize + 1)))).flat();
  const plan = planGcBatch({ now, retention, batchSize, candidates });
  const deleted = await deps.memory.deleteUnwritten(plan.delete as ExpiryCandidate[]);
  const byInstall = new Map<string, { scope: MemoryScope; deltas: MemoryStatsDelta[] }>();
  for (const d of deleted) {
    const key = `${d.scope.wsId}/${d.scope.installId}`;
    const entry = byInstall.get(key) ?? { scope: d.scope, deltas: [] };
    entry.deltas.push(deltaForRemoval(d.level, [d.bytes], 'expiration'));
    byInstall.set(key, entry);
  }
  await Promise.all([...byInstall.values()].map(({ scope, deltas }) => deps.memory.count(scope, mergeDeltas(...deltas))));
  return { deleted: deleted.length, more: plan.more };
}

/** Uninstalled installs past their grace period, `budget` deletes in all; an install is done when nothing of it remains. */
async function purgeUninstalled(deps: Pick<Deps, 'memory'>, now: Date, budget: number): Promise<{ deleted: number; finished: number; more: boolean }> {
  let deleted = 0;
  let finished = 0;
  const due = await deps.memory.purgesDue(now, 20);
  for (const scope of due) {
    if (deleted >= budget) return { deleted, finished, more: true };
    const batch = await forgetSome(deps, scope, budget - deleted);
    deleted += batch.deleted;
    if (batch.more) continue;
    await deps.memory.purged(scope);
    finished += 1;
  }
  return { deleted, finished, more: due.length === 20 || deleted >= budget };
}
