import { AggregateField, FieldValue, Timestamp, type Transaction } from 'firebase-admin/firestore';
import type { Page, PageRequest, RunAdmission, RunFilter, RunStore, TransitionRequest, TransitionResult, WorkspaceRunMetrics } from '../../app/ports.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { Artifact, LogChunk, Run, RunEvent } from '../../domain/models.js';
import type { QuotaShard, ShardRead } from '../../domain/monthQuota.js';
import { admit, runExists, type AdmissionClaim, type AdmissionReads, type AdmissionStep, type LostRace } from '../../domain/runAdmission.js';
import { monthOf } from '../../domain/runLimits.js';
import { artifactRefusal } from '../../domain/runArtifacts.js';
import type { FinishEffects } from '../../domain/runFinish.js';
import { MAX_FOLD, mergeMetrics, rollUpDue, type MetricsDoc } from '../../domain/runMetrics.js';
import { poolOf, type SlotPool } from '../../domain/runSlots.js';
import { applyTransition } from '../../domain/runTransition.js';
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

/** Run metrics (domain/runMetrics.ts): an install's document, and its deltas by concurrency slot. */
const metricsOf = (wsId: string) => wsRef(wsId).collection('metrics');
const mainId = (installId: string) => `install_${installId}`;
const deltaId = (installId: string, shard: string) => `install_${installId}.${shard}`;

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
      const applied = applyTransition(run, to, req.reason, req.patch?.(run) ?? {}, this.now());
      tx.update(ref, applied.update);
      tx.create(ref.collection('events').doc(seqId(applied.event.seq)), applied.event);
      if (applied.finished) this.recordFinished(tx, run, applied.finished);
      return { applied: true, run: applied.next };
    });
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
      const refusal = artifactRefusal(existing.exists, count.data().count, maxPerRun);
      if (refusal) throw refusal;
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

  /**
   * One query reads every metrics document of the workspace, install documents and their
   * deltas alike, so the sums are of one consistent snapshot. Installs whose deltas are due
   * (domain/runMetrics.ts rollUpDue) have them folded in afterwards, for cheaper reads later.
   */
  async metrics(wsId: string, now: Date): Promise<WorkspaceRunMetrics> {
    const [active, monthRuns, snap] = await Promise.all([
      wsSlotsOf(wsId).count().get(),
      shardsOf(wsId, monthOf(now)).aggregate({ runs: AggregateField.sum('runs') }).get(),
      metricsOf(wsId).get(),
    ]);
    const byInstall = new Map<string, { agentId: string; main: Partial<MetricsDoc> | null; rolledUpAt: Date | null; deltas: Array<{ id: string; data: Partial<MetricsDoc> }> }>();
    for (const d of snap.docs) {
      // Documents of no install (per-agent documents of earlier versions) are left out: agents are summed from installs.
      const installId = d.get('installId') as string | undefined;
      if (!installId) continue;
      const entry = byInstall.get(installId) ?? { agentId: String(d.get('agentId') ?? ''), main: null, rolledUpAt: null, deltas: [] };
      const data = revive<Partial<MetricsDoc> & { rolledUpAt?: Date }>(d.data());
      if (d.get('shard') === undefined) Object.assign(entry, { main: data, rolledUpAt: data.rolledUpAt ?? null });
      else entry.deltas.push({ id: d.id, data });
      byInstall.set(installId, entry);
    }
    const installs: WorkspaceRunMetrics['installs'] = {};
    const agents = new Map<string, MetricsDoc[]>();
    for (const [installId, e] of byInstall) {
      const merged = mergeMetrics([e.main ?? {}, ...e.deltas.map((x) => x.data)]);
      installs[installId] = { ...merged, agentId: e.agentId };
      agents.set(e.agentId, [...(agents.get(e.agentId) ?? []), merged]);
    }
    const due = [...byInstall].filter(([, e]) => rollUpDue(e.rolledUpAt, e.deltas.length, now));
    await Promise.all(due.map(([installId, e]) => this.rollUp(wsId, installId, e.agentId, e.deltas.slice(0, MAX_FOLD).map((x) => x.id), now)));
    return {
      activeRuns: active.data().count,
      runsThisMonth: monthRuns.data().runs ?? 0,
      installs,
      agents: Object.fromEntries([...agents].map(([agentId, docs]) => [agentId, mergeMetrics(docs)])),
    };
  }

  /**
   * Folds an install's deltas into its document and deletes them, in one transaction: a run
   * finishing meanwhile either lands before (and is folded) or after (in a delta made anew).
   * Best effort: a reader that loses here still answered from its snapshot.
   */
  private async rollUp(wsId: string, installId: string, agentId: string, deltaIds: string[], now: Date): Promise<void> {
    const main = metricsOf(wsId).doc(mainId(installId));
    try {
      await firestore().runTransaction(async (tx) => {
        const [doc, ...deltas] = await tx.getAll(main, ...deltaIds.map((id) => metricsOf(wsId).doc(id)));
        const present = deltas.filter((d) => d.exists);
        if (present.length === 0) return;
        const merged = mergeMetrics([revive<Partial<MetricsDoc>>(doc!.data() ?? {}), ...present.map((d) => revive<Partial<MetricsDoc>>(d.data()))]);
        tx.set(main, { ...merged, installId, agentId, rolledUpAt: now });
        for (const d of present) tx.delete(d.ref);
      });
    } catch (err) {
      console.error(JSON.stringify({ severity: 'WARNING', message: 'metrics roll-up failed; the next reader tries again', wsId, installId, error: String(err) }));
    }
  }
}
