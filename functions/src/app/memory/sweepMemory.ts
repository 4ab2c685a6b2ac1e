import { AppError } from '../../domain/errors.js';
import { DEFAULT_RETENTION_DAYS, expiresAt as expiryOf, MAX_GC_BATCH, planGcBatch, type RetentionDays } from '../../domain/memory/retention.js';
import { deltaForRemoval, mergeDeltas, type MemoryStatsDelta } from '../../domain/memory/stats.js';
import type { Deps } from '../deps.js';
import { forgetSome } from './forget.js';
import { memoryPolicyOf } from './policy.js';
import type { ExpiryCandidate, MemoryScope, MemoryState } from './ports.js';

export interface MemorySweepResult {
  /** Items deleted past their retention. */
  expired: number;
  /** Items whose expiry times were rewritten after their install's retention changed. */
  restamped: number;
  /** Items of uninstalled installs deleted after the grace period, and the installs finished. */
  purged: number;
  purgedInstalls: number;
  /** Work is left for the next tick. */
  more: boolean;
}

type SweepDeps = Pick<Deps, 'memory' | 'workspaces'>;
const scopeKey = (s: MemoryScope) => `${s.wsId}/${s.installId}`;

/**
 * The retention sweep (on the watchdog's tick; docs/memory.md "Retention"):
 * 1. rewrites the expiry times of installs whose retention changed (bounded batches per level);
 * 2. deletes memories past their install's retention, counted as `expirations`: the items whose
 *    stored `expiresAt` has passed, each judged again against its install's retention now (a
 *    retention made longer since it was written keeps it, with its new expiry);
 * 3. deletes the memory of installs uninstalled more than UNINSTALL_GRACE_DAYS ago.
 * Bounded: at most `maxBatches` batches of `batchSize` per step and call; `more` says the next tick
 * carries on. Retention counts from an item's last write (retention.ts); Firestore's TTL policy
 * on `expiresAt` is only a backstop.
 */
export async function sweepMemory(deps: SweepDeps, options: { now: Date; batchSize?: number; maxBatches?: number }): Promise<MemorySweepResult> {
  const batchSize = Math.min(options.batchSize ?? 200, MAX_GC_BATCH);
  const maxBatches = options.maxBatches ?? 4;
  const result: MemorySweepResult = { expired: 0, restamped: 0, purged: 0, purgedInstalls: 0, more: false };
  const restamp = await restampChanged(deps, batchSize, maxBatches);
  result.restamped = restamp.restamped;
  result.more = restamp.more;
  for (let batch = 0; batch < maxBatches; batch++) {
    const { deleted, more } = await expireBatch(deps, options.now, batchSize);
    result.expired += deleted;
    if (!more) break;
    if (batch === maxBatches - 1) result.more = true;
  }
  const purge = await purgeUninstalled(deps, options.now, batchSize);
  result.purged = purge.deleted;
  result.purgedInstalls = purge.finished;
  result.more ||= purge.more;
  return result;
}

/**
 * The retention an install's items are judged by now, with its memory state (one read of
 * each). An install whose workspace is gone keeps the defaults (every plan allows at least
 * them): skipping it would leave its items at the head of the sweep's query, tick after tick.
 * Any other failure fails the tick, tried again at the next.
 */
async function retentionOf(deps: SweepDeps, scope: MemoryScope): Promise<{ retention: RetentionDays; state: MemoryState }> {
  try {
    const policy = await memoryPolicyOf(deps, scope);
    return { retention: policy.retention, state: policy.state };
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'workspace_not_found')) throw err;
    return { retention: DEFAULT_RETENTION_DAYS, state: await deps.memory.summary(scope, { readCounters: false }) };
  }
}

/** The retention of each install of a batch, read once per install. */
async function retentionsOf(deps: SweepDeps, scopes: MemoryScope[]): Promise<Map<string, RetentionDays>> {
  const unique = new Map(scopes.map((s) => [scopeKey(s), s]));
  return new Map(await Promise.all([...unique].map(async ([key, scope]) => [key, (await retentionOf(deps, scope)).retention] as const)));
}

async function restampChanged(deps: SweepDeps, batchSize: number, maxBatches: number): Promise<{ restamped: number; more: boolean }> {
  let restamped = 0;
  let batches = 0;
  const due = await deps.memory.restampsDue(10);
  for (const scope of due) {
    const { state, retention } = await retentionOf(deps, scope);
    for (const level of Object.keys(state.restamp) as (keyof RetentionDays)[]) {
      let done = false;
      while (!done) {
        if (batches >= maxBatches) return { restamped, more: true };
        batches += 1;
        const r = await deps.memory.restampBatch(scope, level, (lastWriteAt) => expiryOf(level, lastWriteAt, retention), batchSize);
        restamped += r.restamped;
        done = r.done;
      }
    }
  }
  return { restamped, more: due.length === 10 };
}

async function expireBatch(deps: SweepDeps, now: Date, batchSize: number): Promise<{ deleted: number; more: boolean }> {
  // One more than a batch: planGcBatch then knows whether more remain.
  const candidates = await deps.memory.expiredCandidates(now, batchSize + 1);
  if (candidates.length === 0) return { deleted: 0, more: false };
  const retentions = await retentionsOf(deps, candidates.map((c) => c.scope));
  const plan = planGcBatch({ now, retention: (c: ExpiryCandidate) => retentions.get(scopeKey(c.scope))!, batchSize, candidates });
  await Promise.all(plan.extend.map(({ candidate, expiresAt }) => deps.memory.extend(candidate, expiresAt)));
  const deleted = await deps.memory.deleteUnwritten(plan.delete);
  const byInstall = new Map<string, { scope: MemoryScope; deltas: MemoryStatsDelta[] }>();
  for (const d of deleted) {
    const entry = byInstall.get(scopeKey(d.scope)) ?? { scope: d.scope, deltas: [] };
    entry.deltas.push(deltaForRemoval(d.level, [d.bytes], 'expiration'));
    byInstall.set(scopeKey(d.scope), entry);
  }
  await Promise.all([...byInstall.values()].map(({ scope, deltas }) => deps.memory.count(scope, mergeDeltas(...deltas))));
  return { deleted: deleted.length, more: plan.more || (candidates.length > batchSize && plan.extend.length > 0) };
}

/** Uninstalled installs past their grace period, `budget` deletes in all; an install is done when nothing of it remains. */
async function purgeUninstalled(deps: SweepDeps, now: Date, budget: number): Promise<{ deleted: number; finished: number; more: boolean }> {
  let deleted = 0;
  let finished = 0;
  const due = await deps.memory.purgesDue(now, 20);
  for (const scope of due) {
    if (deleted >= budget) return { deleted, finished, more: true };
    const batch = await forgetSome(deps, scope, budget - deleted, { purge: true });
    deleted += batch.deleted;
    if (batch.more) continue;
    await deps.memory.purged(scope);
    finished += 1;
  }
  return { deleted, finished, more: due.length === 20 || deleted >= budget };
}
