import { FieldValue, type CollectionReference, type DocumentReference, type Transaction } from 'firebase-admin/firestore';
import type { Page, PageRequest, RunAdmission, RunFilter, RunStore, TransitionRequest, TransitionResult, WorkspaceRunMetrics } from '../../app/ports.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { Artifact, LogChunk, Run, RunEvent } from '../../domain/models.js';
import {
  concurrencyExceeded,
  freeSlots,
  installConcurrencyExceeded,
  installSlotId,
  monthlyQuotaExceeded,
  monthOf,
  monthSlotId,
  workspaceSlotId,
} from '../../domain/runLimits.js';
import { metricsIncrement, type MetricsDoc, type RunOutcome } from '../../domain/runMetrics.js';
import { isTerminal, transition } from '../../domain/runState.js';
import { dataOf, firestore, paginate, revive } from './client.js';

const wsRef = (wsId: string) => firestore().collection('workspaces').doc(wsId);
const runsOf = (wsId: string) => wsRef(wsId).collection('runs');
/** Run slots (domain/runLimits.ts): the workspace's and each install's concurrency, the month's quota. */
const wsSlotsOf = (wsId: string) => wsRef(wsId).collection('runSlots');
const installSlotsOf = (wsId: string, installId: string) => wsRef(wsId).collection('installs').doc(installId).collection('runSlots');
const monthSlotsOf = (wsId: string, month: string) => wsRef(wsId).collection('runMonths').doc(month).collection('runs');
const MAX_ADMISSION_ROUNDS = 100;

async function slotIds(col: CollectionReference): Promise<Set<string>> {
  return new Set((await col.select().get()).docs.map((d) => d.id));
}

interface Slot {
  ref: DocumentReference;
  data: Record<string, unknown>;
}

/** What one admission round tries to create: concurrency slots (freed at the end) and a month slot (kept). */
interface SlotClaim {
  concurrency: Slot[];
  month: Slot;
  monthIndex: number;
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;
const metricsRef = (wsId: string, kind: 'install' | 'agent', id: string) => wsRef(wsId).collection('metrics').doc(`${kind}_${id}`);

/** Zero-padded sequence numbers make document ids sort in sequence order. */
export const seqId = (seq: number) => String(seq).padStart(10, '0');

export class FirestoreRunStore implements RunStore {
  constructor(private readonly now: () => Date) {}

  /**
   * Creates the run with its first event, and with an admission also the slot documents it
   * takes (domain/runLimits.ts), all in one atomic batch: a slot someone else took first fails
   * the batch, and the next round reads the slots again. No transaction, so no hot lock.
   */
  async create(run: Run, admission?: RunAdmission): Promise<void> {
    const ref = runsOf(run.wsId).doc(run.id);
    const event: RunEvent = { seq: 0, from: null, to: run.state, reason: 'created', attempt: run.attempt, at: run.createdAt };
    // The lowest month slot not known to be taken: the count, or past a slot found taken.
    let monthFloor = 0;
    for (let round = 0; round < MAX_ADMISSION_ROUNDS; round++) {
      const batch = firestore().batch();
      const claim = admission ? await this.pickSlots(run, admission, monthFloor) : null;
      if (claim) {
        for (const slot of [...claim.concurrency, claim.month]) batch.create(slot.ref, slot.data);
      }
      // The run keeps the concurrency slots it must free when it finishes; month slots stay.
      batch.create(ref, { ...run, slots: claim?.concurrency.map((slot) => slot.ref.path) ?? [], eventCount: 1 });
      batch.create(ref.collection('events').doc(seqId(0)), event);
      try {
        await batch.commit();
        return;
      } catch (err) {
        if ((err as { code?: number }).code !== 6) throw err;
        // A given id (a schedule's slot) may already exist; random ids never collide, so look once.
        if (round === 0 && (await ref.get()).exists) throw new AppError('conflict', 'run_exists', `Run ${run.id} already exists.`);
        if (!claim) throw err;
        // Another run took one of these slots first: read them again (and step past a taken month slot).
        if ((await claim.month.ref.get()).exists) monthFloor = claim.monthIndex + 1;
        await new Promise((r) => setTimeout(r, Math.random() * 20));
      }
    }
    console.error(JSON.stringify({ severity: 'WARNING', message: 'run admission gave up after contention', wsId: run.wsId, rounds: MAX_ADMISSION_ROUNDS }));
    throw new AppError('unavailable', 'contention', 'Too many runs are being started at once; retry shortly.', { retryAfterSeconds: 1 });
  }

  /** The slots a new run would take now, or the 429 saying which limit is reached. */
  private async pickSlots(run: Run, admission: RunAdmission, monthFloor: number): Promise<SlotClaim> {
    const month = monthOf(run.createdAt);
    const [wsTaken, installTaken, monthCount] = await Promise.all([
      slotIds(wsSlotsOf(run.wsId)),
      admission.installConcurrency === null ? Promise.resolve(new Set<string>()) : slotIds(installSlotsOf(run.wsId, run.installId)),
      monthSlotsOf(run.wsId, month).count().get().then((s) => s.data().count),
    ]);
    const monthSlot = Math.max(monthCount, monthFloor);
    if (monthSlot >= admission.limits.runsPerMonth) throw monthlyQuotaExceeded(admission.limits, run.createdAt);
    const wsFree = freeSlots(admission.limits.concurrentRuns, wsTaken, workspaceSlotId);
    if (wsFree.length === 0) throw concurrencyExceeded(admission.limits);
    const claim: SlotClaim = {
      concurrency: [{ ref: wsSlotsOf(run.wsId).doc(pick(wsFree)), data: { runId: run.id, installId: run.installId, at: run.createdAt } }],
      month: { ref: monthSlotsOf(run.wsId, month).doc(monthSlotId(monthSlot)), data: { runId: run.id, at: run.createdAt } },
      monthIndex: monthSlot,
    };
    if (admission.installConcurrency !== null) {
      const installFree = freeSlots(admission.installConcurrency, installTaken, installSlotId);
      if (installFree.length === 0) throw installConcurrencyExceeded(admission.installConcurrency);
      claim.concurrency.push({ ref: installSlotsOf(run.wsId, run.installId).doc(pick(installFree)), data: { runId: run.id, at: run.createdAt } });
    }
    return claim;
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
    for (const path of run.slots) tx.delete(firestore().doc(path));
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
      monthSlotsOf(wsId, monthOf(now)).count().get(),
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
    return { activeRuns: active.data().count, runsThisMonth: monthRuns.data().count, installs, agents };
  }
}
