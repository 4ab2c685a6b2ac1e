import { FieldValue, type Transaction } from 'firebase-admin/firestore';
import type { RunAdmission, RunFilter, RunStore, TransitionRequest, TransitionResult } from '../../app/runs/ports.js';
import type { Page, PageRequest } from '../../app/shared/paging.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { Run, RunEvent, RunInternal } from '../../domain/models.js';
import { admit, runExists, type AdmissionClaim, type AdmissionReads, type AdmissionStep, type LostRace } from '../../domain/runAdmission.js';
import { monthOf } from '../../domain/runLimits.js';
import type { FinishEffects } from '../../domain/runFinish.js';
import { runEventFor } from '../../domain/runEvents.js';
import { usageEventsFor } from '../../domain/usageEvents.js';
import { agentStatsFactFor } from '../../domain/agentStats.js';
import { applyTransition } from '../../domain/runTransition.js';
import { claimListed, type SlotPool } from '../../domain/runSlots.js';
import { dataOf, firestore, paginate, revive } from './client.js';
import { writeOutbox } from './outbox.js';
import { deltaId, joinRun, LOST_RACE, metricsOf, runInternalRef, runsOf, seqId, shardId, shardRead, shardsOf, slotRef, slotsOf, splitRun, timestampOf } from './runDocuments.js';

export class FirestoreRunStore implements RunStore {
  /** `flush` publishes the platform events a transition wrote to the outbox (deps.events.flush); it never throws. */
  constructor(
    private readonly now: () => Date,
    private readonly flush: (wsId: string, eventIds: string[]) => Promise<void> = async () => undefined,
  ) {}

  /**
   * Creates the run with its first event and, with an admission, the claim that admits it
   * (domain/runAdmission.ts decides what to read and what to claim): one atomic batch with no
   * transaction, so a claim another run made first fails the batch and admission carries on
   * from what the store finds.
   */
  async create(run: Run, admission?: RunAdmission): Promise<void> {
    if (!admission) {
      if (!(await this.commitRun(run, null))) throw runExists(run.id);
      return;
    }
    const request = { runId: run.id, limits: admission.limits, installConcurrency: admission.installConcurrency, at: run.createdAt };
    try {
      await admit(request, {
        read: (step) => this.readForAdmission(run, step),
        commit: (claim) => this.commitRun(run, claim),
        lostRace: (claim) => this.lostRace(run, claim),
      });
    } catch (err) {
      if (err instanceof AppError && err.code === 'contention') {
        console.error(JSON.stringify({ severity: 'WARNING', message: 'run admission gave up after contention', wsId: run.wsId, runId: run.id }));
      }
      throw err;
    }
  }

  /** The run, its first event and its claim, in one batch; false when a claimed document (or the run's id) was taken first. */
  private async commitRun(run: Run, claim: AdmissionClaim | null): Promise<boolean> {
    const batch = firestore().batch();
    const ref = runsOf(run.wsId).doc(run.id);
    const month = monthOf(run.createdAt);
    for (const id of claim?.slots ?? []) batch.create(slotRef(run, id), { runId: run.id, installId: run.installId, at: run.createdAt });
    for (const w of claim?.shardWrites ?? []) {
      const shard = shardsOf(run.wsId, month).doc(shardId(w.index));
      if (w.expect === null) batch.create(shard, w.next);
      else batch.update(shard, { ...w.next }, { lastUpdateTime: timestampOf(w.expect) });
    }
    const stored: Run = { ...run, slots: claim?.slots ?? [], eventCount: 1 };
    if (claim) stored.monthShard = claim.monthShard;
    // A new run has no runner yet: its internal document is written by dispatch.
    batch.create(ref, splitRun(stored).doc);
    const event: RunEvent = { seq: 0, from: null, to: run.state, reason: 'created', attempt: run.attempt, at: run.createdAt };
    batch.create(ref.collection('events').doc(seqId(0)), event);
    try {
      await batch.commit();
      return true;
    } catch (err) {
      if (LOST_RACE.has((err as { code?: number }).code ?? -1)) return false;
      throw err;
    }
  }

  /** What a read step asks for, read in parallel. */
  private async readForAdmission(run: Run, step: Extract<AdmissionStep, { kind: 'read' }>): Promise<AdmissionReads> {
    const shards = shardsOf(run.wsId, monthOf(run.createdAt));
    const [one, all, listed] = await Promise.all([
      step.shard === null ? null : shards.doc(shardId(step.shard)).get(),
      step.listMonth ? shards.get() : null,
      Promise.all(step.listPools.map((pool) => slotsOf(run, pool).select().get())),
    ]);
    const reads: AdmissionReads = { pools: {} };
    step.listPools.forEach((pool, i) => (reads.pools![pool] = listed[i]!.docs.map((d) => d.id)));
    if (all) reads.shards = new Map(all.docs.map((d) => [Number(d.id.slice(1)), shardRead(d)]));
    else if (one && step.shard !== null) reads.shards = new Map([[step.shard, shardRead(one)]]);
    reads.monthListed = all !== null;
    return reads;
  }

  /** After a lost race: the run's id, the claimed slots and the charged shard, read again in one call. */
  private async lostRace(run: Run, claim: AdmissionClaim): Promise<LostRace> {
    const [stored, shard, ...slots] = await firestore().getAll(
      runsOf(run.wsId).doc(run.id),
      shardsOf(run.wsId, monthOf(run.createdAt)).doc(shardId(claim.monthShard)),
      ...claim.slots.map((id) => slotRef(run, id)),
    );
    const found = dataOf<Run>(stored!);
    return {
      run: found ? { createdAt: found.createdAt, slots: found.slots } : null,
      slotsTaken: claim.slots.filter((_, i) => slots[i]!.exists),
      shard: shardRead(shard!),
    };
  }

  async get(wsId: string, runId: string): Promise<Run | null> {
    const [doc, internal] = await firestore().getAll(runsOf(wsId).doc(runId), runInternalRef(wsId, runId));
    const run = dataOf<Run>(doc!);
    return run ? joinRun(run, dataOf<RunInternal>(internal!)) : null;
  }

  /** Listings serve the API and the watchdog, which need no runner bookkeeping: it is not read (null here). */
  private listed(data: unknown): Run {
    return joinRun(revive<Run>(data), null);
  }

  async list(wsId: string, filter: RunFilter, page: PageRequest): Promise<Page<Run>> {
    let q = runsOf(wsId) as FirebaseFirestore.Query;
    if (filter.installId) q = q.where('installId', '==', filter.installId);
    if (filter.state) q = q.where('state', '==', filter.state);
    const listed = await paginate<Run>(q.orderBy('createdAt', 'desc').orderBy('id', 'desc'), page, ['timestamp', 'plain'], (r) => [r.createdAt, r.id]);
    return { ...listed, items: listed.items.map((r) => this.listed(r)) };
  }

  async transition(wsId: string, runId: string, req: TransitionRequest): Promise<TransitionResult> {
    const ref = runsOf(wsId).doc(runId);
    const internalRef = runInternalRef(wsId, runId);
    let notified: string[] = [];
    const result = await firestore().runTransaction(async (tx): Promise<TransitionResult> => {
      notified = [];
      const [doc, internal] = await tx.getAll(ref, internalRef);
      const stored = dataOf<Run>(doc!);
      if (!stored) throw notFound('Run', 'run_not_found');
      const run = joinRun(stored, dataOf<RunInternal>(internal!));
      if (!req.from.includes(run.state) || (req.guard && !req.guard(run))) return { applied: false, run };
      let claimed: string[] = [];
      if (req.readmit) {
        const claim = await this.claimInTransaction(tx, run, req.readmit);
        if ('full' in claim) return { applied: false, run, full: claim.full };
        claimed = claim.slots;
      }
      const to = typeof req.to === 'function' ? req.to(run) : req.to;
      const applied = applyTransition(run, to, req.reason, { ...req.patch?.(run), ...(req.readmit ? { slots: claimed } : {}) }, this.now());
      for (const id of claimed) tx.create(slotRef(run, id), { runId: run.id, installId: run.installId, at: this.now() });
      const update = splitRun(applied.update);
      tx.update(ref, update.doc);
      if (Object.keys(update.internal).length > 0) tx.set(internalRef, update.internal, { merge: true });
      tx.create(ref.collection('events').doc(seqId(applied.event.seq)), applied.event);
      if (applied.finished) this.recordFinished(tx, run, applied.finished);
      for (const id of applied.released) tx.delete(slotRef(run, id));
      // A notifiable transition (domain/runEvents.ts) writes its event to the outbox in the same
      // transaction: one more document for those few, none for the rest.
      const event = runEventFor(applied.next, applied.event);
      if (event) {
        writeOutbox(tx, event, this.now());
        notified.push(event.id);
      }
      // Its billable facts (a start, an attempt's compute, reported units), exactly when the change is.
      for (const usage of usageEventsFor(run, applied.next, applied.event, this.now())) {
        writeOutbox(tx, usage, this.now(), 'usage-events');
        notified.push(usage.id);
      }
      // A finished run's fact for its agent's analytics: one more document, once per run.
      const stats = agentStatsFactFor(applied.next, applied.event);
      if (stats) {
        writeOutbox(tx, stats, this.now(), 'agent-stats');
        notified.push(stats.id);
      }
      return { applied: true, run: applied.next };
    });
    if (notified.length) await this.flush(wsId, notified);
    return result;
  }

  /**
   * A free slot of each pool the run needs, from the pools listed in the transaction: a run that
   * takes a slot meanwhile aborts and retries this one (a slot is created, never updated).
   */
  private async claimInTransaction(tx: Transaction, run: Run, limits: NonNullable<TransitionRequest['readmit']>) {
    const pools: Array<{ pool: SlotPool; limit: number }> = [{ pool: 'workspace', limit: limits.concurrentRuns }];
    if (limits.installConcurrency !== null) pools.push({ pool: 'install', limit: limits.installConcurrency });
    const listed = await Promise.all(pools.map(({ pool }) => tx.get(slotsOf(run, pool).select())));
    return claimListed(pools, Object.fromEntries(pools.map(({ pool }, i) => [pool, listed[i]!.docs.map((d) => d.id)])));
  }

  /**
   * A finished run frees its slots and counts in its install's metrics delta, in the
   * transaction that finishes it (domain/runFinish.ts). Blind writes: the metrics are
   * incremented, never read here.
   */
  private recordFinished(tx: Transaction, run: Pick<Run, 'wsId' | 'installId'>, effects: FinishEffects): void {
    for (const id of effects.free) tx.delete(slotRef(run, id));
    const { installId, agentId, shard, finishedAt, increment } = effects.metrics;
    const update: Record<string, unknown> = { installId, agentId, shard, lastRunAt: finishedAt };
    for (const [k, n] of Object.entries(increment.counters)) update[k] = FieldValue.increment(n);
    if (increment.bucket !== null) update['durationHist'] = { [increment.bucket]: FieldValue.increment(1) };
    update['daily'] = { [increment.day]: Object.fromEntries(Object.entries(increment.dayCounters).map(([k, n]) => [k, FieldValue.increment(n)])) };
    tx.set(metricsOf(run.wsId).doc(deltaId(installId, shard)), update, { merge: true });
  }

  async touch(wsId: string, runId: string, patch: Partial<Pick<Run, 'heartbeatAt' | 'progress' | 'watchAt' | 'executionId'>>): Promise<void> {
    const { doc, internal } = splitRun(patch);
    if (Object.keys(internal).length > 0) await runInternalRef(wsId, runId).set(internal, { merge: true });
    if (Object.keys(doc).length === 0) return;
    // Heartbeats are counted in the same write (what a run costs in writes is then known).
    await runsOf(wsId).doc(runId).update(patch.heartbeatAt ? { ...doc, beats: FieldValue.increment(1) } : doc);
  }

  async updateInternal(wsId: string, runId: string, patch: (run: Run) => Partial<RunInternal>): Promise<Run> {
    const ref = runsOf(wsId).doc(runId);
    const internalRef = runInternalRef(wsId, runId);
    return firestore().runTransaction(async (tx) => {
      const [doc, internal] = await tx.getAll(ref, internalRef);
      const stored = dataOf<Run>(doc!);
      if (!stored) throw notFound('Run', 'run_not_found');
      const run = joinRun(stored, dataOf<RunInternal>(internal!));
      const changes = patch(run);
      tx.set(internalRef, changes, { merge: true });
      return { ...run, ...changes };
    });
  }

  async touchIf(
    wsId: string,
    runId: string,
    expect: Partial<Pick<Run, 'state' | 'attempt' | 'redeliveries'>>,
    patch: Partial<Pick<Run, 'watchAt' | 'redeliveries' | 'progress'>>,
  ): Promise<boolean> {
    const ref = runsOf(wsId).doc(runId);
    return firestore().runTransaction(async (tx) => {
      const run = dataOf<Run>(await tx.get(ref));
      if (!run || Object.entries(expect).some(([k, v]) => run[k as keyof Run] !== v)) return false;
      tx.update(ref, patch);
      return true;
    });
  }

  async listEvents(wsId: string, runId: string): Promise<RunEvent[]> {
    const snap = await runsOf(wsId).doc(runId).collection('events').orderBy('seq').get();
    return snap.docs.map((d) => revive<RunEvent>(d.data()));
  }

  async watched(now: Date, limit: number, wsId?: string): Promise<Run[]> {
    const base = wsId ? runsOf(wsId) : firestore().collectionGroup('runs');
    const snap = await base.where('watchAt', '<=', now).orderBy('watchAt').limit(limit).get();
    return snap.docs.map((d) => this.listed(d.data()));
  }
}
