import { AppError } from './errors.js';
import { afterShardRace, decideMonth, unknownMonth, withShards, type MonthView, type ShardRead, type ShardWrite } from './monthQuota.js';
import { concurrencyExceeded, installConcurrencyExceeded, monthlyQuotaExceeded, type RunLimits } from './runLimits.js';
import { decidePool, listedPool, poolOf, unknownPool, withCollision, type PoolView, type SlotPool } from './runSlots.js';

/**
 * Run admission as a sequence of steps over what has been read: each step says what to read
 * next, which writes claim the run's place (made atomically with the run, or not at all), or
 * which limit refuses it. The store only reads and commits; after a lost race it reports what
 * it found on the documents it tried to write, and admission carries on from there.
 */
export interface AdmissionRequest {
  limits: RunLimits;
  /** The run's id and when it is created (the month it counts in; when to come back when refused). */
  runId: string;
  /** The install's own concurrency limit, if it has one. */
  installConcurrency: number | null;
  at: Date;
}

export interface AdmissionView {
  month: MonthView;
  pools: Record<SlotPool, PoolView>;
}

export const emptyAdmissionView = (): AdmissionView => ({ month: unknownMonth(), pools: { workspace: unknownPool(), install: unknownPool() } });

/** The writes that admit a run: its concurrency slots (by id) and its month quota shard. */
export interface AdmissionClaim {
  slots: string[];
  monthShard: number;
  shardWrites: ShardWrite[];
}

export type AdmissionStep =
  | { kind: 'read'; shard: number | null; listMonth: boolean; listPools: SlotPool[] }
  | { kind: 'claim'; claim: AdmissionClaim }
  | { kind: 'refuse'; error: AppError };

/** The limits that apply to a run, in the order a refusal names them. */
function pools(req: AdmissionRequest): Array<[SlotPool, number, () => AppError]> {
  const out: Array<[SlotPool, number, () => AppError]> = [['workspace', req.limits.concurrentRuns, () => concurrencyExceeded(req.limits)]];
  const install = req.installConcurrency;
  if (install !== null) out.push(['install', install, () => installConcurrencyExceeded(install)]);
  return out;
}

/**
 * The next step. The month's quota is decided first (its refusal comes first, as a run over
 * both limits is refused for the month); a pool is refused only once the month has room.
 */
export function nextAdmissionStep(req: AdmissionRequest, view: AdmissionView, random: () => number = Math.random): AdmissionStep {
  const month = decideMonth(req.limits.runsPerMonth, view.month, random);
  if (month.kind === 'full') return { kind: 'refuse', error: monthlyQuotaExceeded(req.limits, req.at) };
  const decided = pools(req).map(([pool, limit, refusal]) => ({ pool, refusal, decision: decidePool(pool, limit, view.pools[pool], random) }));
  if (month.kind === 'claim') {
    const full = decided.find((d) => d.decision.kind === 'full');
    if (full) return { kind: 'refuse', error: full.refusal() };
  }
  const listPools = decided.filter((d) => d.decision.kind === 'list').map((d) => d.pool);
  if (month.kind !== 'claim' || listPools.length > 0) {
    return { kind: 'read', shard: month.kind === 'read' ? month.index : null, listMonth: month.kind === 'list', listPools };
  }
  const slots = decided.flatMap((d) => (d.decision.kind === 'claim' ? [d.decision.id] : []));
  return { kind: 'claim', claim: { slots, monthShard: month.shard, shardWrites: month.writes } };
}

/** What a read step found: the shard read, the month's shards when listed, the slot ids of each pool listed. */
export interface AdmissionReads {
  shards?: ReadonlyMap<number, ShardRead>;
  monthListed?: boolean;
  pools?: Partial<Record<SlotPool, Iterable<string>>>;
}

export function withReads(view: AdmissionView, reads: AdmissionReads): AdmissionView {
  const pools = { ...view.pools };
  for (const [pool, ids] of Object.entries(reads.pools ?? {}) as Array<[SlotPool, Iterable<string>]>) pools[pool] = listedPool(ids);
  const month = reads.shards ? withShards(view.month, reads.shards, reads.monthListed ?? false) : view.month;
  return { month, pools };
}

/** What the store found, after a claim lost, on the documents it tried to write. */
export interface LostRace {
  /** The run as stored under its id, if one is. */
  run: { createdAt: Date; slots: readonly string[] } | null;
  /** Claimed slot ids some other run holds now. */
  slotsTaken: readonly string[];
  /** The charged shard, read again. */
  shard: ShardRead;
}

export type AfterLostRace = { kind: 'admitted' } | { kind: 'exists' } | { kind: 'retry'; view: AdmissionView };

/**
 * After a lost race: the run under this id may be this very claim, committed by a retry that
 * reported a failure (admitted), or another creation of the same id (exists). Otherwise what
 * was found joins the view: a taken slot sends its pool to be listed, the shard's new state
 * replaces the old, and the next step carries on.
 */
export function afterLostRace(view: AdmissionView, claim: AdmissionClaim, createdAt: Date, found: LostRace): AfterLostRace {
  if (found.run) {
    const same = found.run.createdAt.getTime() === createdAt.getTime() && found.run.slots.join() === claim.slots.join();
    return { kind: same ? 'admitted' : 'exists' };
  }
  const pools = { ...view.pools };
  for (const id of found.slotsTaken) pools[poolOf(id)] = withCollision(pools[poolOf(id)], id);
  return { kind: 'retry', view: { pools, month: afterShardRace(claim.monthShard, found.shard) } };
}

/** The store's side of admission: reading, and committing the run with a claim. */
export interface AdmissionStore {
  read(step: Extract<AdmissionStep, { kind: 'read' }>): Promise<AdmissionReads>;
  /** Creates the run with the claim, atomically; false when a claimed document changed first (a lost race). */
  commit(claim: AdmissionClaim): Promise<boolean>;
  /** After a lost race: what is on the documents the claim tried to write. */
  lostRace(claim: AdmissionClaim): Promise<LostRace>;
}

/** Rounds (reads and commits) before admission gives up: only under heavy contention. */
export const MAX_ADMISSION_ROUNDS = 30;

export function contention(): AppError {
  return new AppError('unavailable', 'contention', 'Too many runs are being started at once; retry shortly.', { retryAfterSeconds: 1 });
}

/**
 * Admits the run: steps until a claim commits (the run is created with it) or a limit
 * refuses it (429), an id already taken refuses it (conflict), or contention outlasts the
 * rounds (503, retry shortly).
 */
export async function admit(req: AdmissionRequest, store: AdmissionStore, random: () => number = Math.random): Promise<void> {
  let view = emptyAdmissionView();
  for (let round = 0; round < MAX_ADMISSION_ROUNDS; round++) {
    const step = nextAdmissionStep(req, view, random);
    if (step.kind === 'refuse') throw step.error;
    if (step.kind === 'read') {
      view = withReads(view, await store.read(step));
      continue;
    }
    if (await store.commit(step.claim)) return;
    const next = afterLostRace(view, step.claim, req.at, await store.lostRace(step.claim));
    if (next.kind === 'admitted') return;
    if (next.kind === 'exists') throw runExists(req.runId);
    view = next.view;
  }
  throw contention();
}

export const runExists = (runId: string) => new AppError('conflict', 'run_exists', `Run ${runId} already exists.`);
