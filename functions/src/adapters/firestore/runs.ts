import { AggregateField, FieldValue, Timestamp, type Transaction } from 'firebase-admin/firestore';
import type { Page, PageRequest, RunAdmission, RunFilter, RunStore, TransitionRequest, TransitionResult, WorkspaceRunMetrics } from '../../app/ports.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { Artifact, LogChunk, Run, RunEvent } from '../../domain/models.js';
import type { QuotaShard, ShardRead } from '../../domain/monthQuota.js';
import { admit, runExists, type AdmissionClaim, type AdmissionReads, type AdmissionStep, type LostRace } from '../../domain/runAdmission.js';
import { monthOf } from '../../domain/runLimits.js';
import { metricsIncrement, type MetricsDoc, type RunOutcome } from '../../domain/runMetrics.js';
import { poolOf, type SlotPool } from '../../domain/runSlots.js';
import { isTerminal, transition } from '../../domain/runState.js';
import { dataOf, firestore, paginate, revive } from './client.js';

const wsRef = (wsId: string) => firestore().collection('workspaces').doc(wsId);
const runsOf = (wsId: string) => wsRef(wsId).collection('runs');
/** Concurrency slots (domain/runSlots.ts): the workspace's pool, and each install's. */
const wsSlotsOf = (wsId: string) => wsRef(wsId).collection('runSlots');
const slotsOf = (run: Pick<Run, 'wsId' | 'installId'>, pool: SlotPool) =>
  pool === 'workspace' ? wsSlotsOf(run.wsId) : wsRef(run.wsId).collection('installs').doc(run.installId).collection('runSlots');
const slotRef = (run: Pick<Run, 'wsId' | 'installId'>, id: string) => slotsOf(run, poolOf(id)).doc(id);
/** The month quota's shards (domain/monthQuota.ts). */
const shardsOf = (wsId: string, month: string) => wsRef(wsId).collection('runMonths').doc(month).collection('shards');
const shardId = (index: number) => `s${String(index).padStart(3, '0')}`;
/** Lost races surface as ALREADY_EXISTS (a slot or shard created first), FAILED_PRECONDITION (a shard changed) or NOT_FOUND. */
const LOST_RACE = new Set([5, 6, 9]);

/** A shard's version is its update time, carried as text through the domain. */
const versionOf = (t: Timestamp) => `${t.seconds}.${String(t.nanoseconds).padStart(9, '0')}`;
const timestampOf = (version: string) => {
  const [seconds, nanos] = version.split('.');
  return new Timestamp(Number(seconds), Number(nanos));
};
const shardRead = (snap: FirebaseFirestore.DocumentSnapshot): ShardRead =>
  snap.exists ? { shard: snap.data() as QuotaShard, version: versionOf(snap.updateTime!) } : { shard: null, version: null };

const metricsRef = (wsId: string, kind: 'install' | 'agent', id: string) => wsRef(wsId).collection('metrics').doc(`${kind}_${id}`);

/** Zero-padded sequence numbers make document ids sort in sequence order. */
export const seqId = (seq: number) => String(seq).padStart(10, '0');

export class FirestoreRunStore implements RunStore {
  constructor(private readonly now: () => Date) {}

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
    batch.create(ref, stored);
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
    const [one, all, ...listed] = await Promise.all([
      step.shard === null ? null : shards.doc(shardId(step.shard)).get(),
      step.listMonth ? shards.get() : null,
      ...step.listPools.map((pool) => slotsOf(run, pool).select().get()),
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
    return dataOf<Run>(await runsOf(wsId).doc(runId).get());
  }

  list(wsId: string, filter: RunFilter, page: PageRequest): Promise<Page<Run>> {
    let q = runsOf(wsId) as FirebaseFirestore.Query;
    if (filter.installId) q = q.where('installId', '==', filter.installId);
    if (filter.state) q = q.where('state', '==', filter.state);
    return paginate<Run>(q.orderBy('createdAt', 'desc').orderBy('id', 'desc'), page, ['timestamp', 'plain'], (r) => [r.createdAt, r.id]);
  }

  async transition(wsId: string, runId: string, req: TransitionRequest): Promise<TransitionResult> {
    const ref = runsOf(wsId).doc(runId);
    return firestore().runTransaction(async (tx) => {
      const run = dataOf<Run>(await tx.get(ref));
      if (!run) throw notFound('Run', 'run_not_found');
      if (!req.from.includes(run.state) || (req.guard && !req.guard(run))) return { applied: false, run };
      const to = typeof req.to === 'function' ? req.to(run) : req.to;
      const event = transition(run.state, to, req.reason);
      const at = this.now();
      const patch = req.patch?.(run) ?? {};
      const next: Run = { ...run, ...patch, state: event.to, updatedAt: at, eventCount: run.eventCount + 1 };
      if (isTerminal(next.state)) next.watchAt = null;
      tx.update(ref, { ...patch, state: next.state, updatedAt: at, eventCount: next.eventCount, watchAt: next.watchAt });
      const stored: RunEvent = { seq: run.eventCount, from: event.from, to: event.to, reason: event.reason, attempt: next.attempt, at };
      tx.create(ref.collection('events').doc(seqId(run.eventCount)), stored);
      if (isTerminal(next.state)) this.recordFinished(tx, next, at);
      return { applied: true, run: next };
    });
  }

  /**
   * A finished run frees its place in the counters and adds to the metrics, in the
   * transaction that finishes it. Blind increments: these hot documents are never read here.
   */
  private recordFinished(tx: Transaction, run: Run, at: Date): void {
    for (const id of run.slots) tx.delete(slotRef(run, id));
    const finishedAt = run.finishedAt ?? at;
    const duration = run.startedAt ? Math.max(0, finishedAt.getTime() - run.startedAt.getTime()) : null;
    const inc = metricsIncrement(run.state as RunOutcome, duration, finishedAt);
    const update: Record<string, unknown> = { lastRunAt: finishedAt };
    for (const [k, n] of Object.entries(inc.counters)) update[k] = FieldValue.increment(n);
    if (inc.bucket !== null) update['durationHist'] = { [inc.bucket]: FieldValue.increment(1) };
    update['daily'] = { [inc.day]: Object.fromEntries(Object.entries(inc.dayCounters).map(([k, n]) => [k, FieldValue.increment(n)])) };
    tx.set(metricsRef(run.wsId, 'install', run.installId), { ...update, installId: run.installId, agentId: run.agentId }, { merge: true });
    tx.set(metricsRef(run.wsId, 'agent', run.agentId), { ...update, agentId: run.agentId }, { merge: true });
  }

  async touch(wsId: string, runId: string, patch: Partial<Pick<Run, 'heartbeatAt' | 'progress' | 'watchAt' | 'executionId'>>): Promise<void> {
    // Heartbeats are counted in the same write (what a run costs in writes is then known).
    await runsOf(wsId).doc(runId).update(patch.heartbeatAt ? { ...patch, beats: FieldValue.increment(1) } : patch);
  }

  async touchIf(
    wsId: string,
    runId: string,
    expect: Partial<Pick<Run, 'state' | 'attempt' | 'redeliveries'>>,
    patch: Partial<Pick<Run, 'watchAt' | 'redeliveries'>>,
  ): Promise<boolean> {
    const ref = runsOf(wsId).doc(runId);
    return firestore().runTransaction(async (tx) => {
      const run = dataOf<Run>(await tx.get(ref));
      if (!run || Object.entries(expect).some(([k, v]) => run[k as keyof Run] !== v)) return false;
      tx.update(ref, patch);
      return true;
    });
  }

  async putLogChunk(wsId: string, runId: string, chunk: LogChunk): Promise<{ created: boolean }> {
    try {
      await runsOf(wsId).doc(runId).collection('logs').doc(seqId(chunk.seq)).create(chunk);
      return { created: true };
    } catch (err) {
      // ALREADY_EXISTS: a retried batch; the first copy stands.
      if ((err as { code?: number }).code === 6) return { created: false };
      throw err;
    }
  }

  async getLogChunk(wsId: string, runId: string, seq: number): Promise<LogChunk | null> {
    return dataOf<LogChunk>(await runsOf(wsId).doc(runId).collection('logs').doc(seqId(seq)).get());
  }

  async listLogChunks(wsId: string, runId: string, afterSeq: number, limit: number): Promise<LogChunk[]> {
    const snap = await runsOf(wsId).doc(runId).collection('logs').orderBy('seq').startAfter(afterSeq).limit(limit).get();
    return snap.docs.map((d) => revive<LogChunk>(d.data()));
  }

  async listEvents(wsId: string, runId: string): Promise<RunEvent[]> {
    const snap = await runsOf(wsId).doc(runId).collection('events').orderBy('seq').get();
    return snap.docs.map((d) => revive<RunEvent>(d.data()));
  }

  async putArtifact(wsId: string, runId: string, artifact: Artifact, maxPerRun: number): Promise<void> {
    const col = runsOf(wsId).doc(runId).collection('artifacts');
    const ref = col.doc(artifact.name);
    await firestore().runTransaction(async (tx) => {
      const [existing, count] = await Promise.all([tx.get(ref), tx.get(col.count())]);
      if (!existing.exists && count.data().count >= maxPerRun) {
        throw new AppError('conflict', 'artifact_limit', `A run keeps at most ${maxPerRun} artifacts.`);
      }
      tx.set(ref, artifact);
    });
  }

  async listArtifacts(wsId: string, runId: string): Promise<Array<Omit<Artifact, 'content'>>> {
    const snap = await runsOf(wsId).doc(runId).collection('artifacts').select('name', 'contentType', 'size', 'encoding', 'attempt', 'createdAt').get();
    return snap.docs.map((d) => revive<Omit<Artifact, 'content'>>(d.data())).sort((a, b) => a.name.localeCompare(b.name));
  }

  async getArtifact(wsId: string, runId: string, name: string): Promise<Artifact | null> {
    return dataOf<Artifact>(await runsOf(wsId).doc(runId).collection('artifacts').doc(name).get());
  }

  async watched(now: Date, limit: number, wsId?: string): Promise<Run[]> {
    const base = wsId ? runsOf(wsId) : firestore().collectionGroup('runs');
    const snap = await base.where('watchAt', '<=', now).orderBy('watchAt').limit(limit).get();
    return snap.docs.map((d) => revive<Run>(d.data()));
  }

  async metrics(wsId: string, now: Date): Promise<WorkspaceRunMetrics> {
    const [active, monthRuns, docs] = await Promise.all([
      wsSlotsOf(wsId).count().get(),
      shardsOf(wsId, monthOf(now)).aggregate({ runs: AggregateField.sum('runs') }).get(),
      wsRef(wsId).collection('metrics').get(),
    ]);
    const installs: WorkspaceRunMetrics['installs'] = {};
    const agents: WorkspaceRunMetrics['agents'] = {};
    for (const d of docs.docs) {
      const data = revive<Partial<MetricsDoc>>(d.data());
      const [kind, ...rest] = d.id.split('_');
      if (kind === 'install') installs[rest.join('_')] = { ...data, agentId: String(d.get('agentId') ?? '') };
      else if (kind === 'agent') agents[rest.join('_')] = data;
    }
    return { activeRuns: active.data().count, runsThisMonth: monthRuns.data().runs ?? 0, installs, agents };
  }
}
