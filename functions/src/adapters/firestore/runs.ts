import type { Page, PageRequest, RunStore, TransitionRequest, TransitionResult } from '../../app/ports.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { LogChunk, Run, RunEvent } from '../../domain/models.js';
import { transition } from '../../domain/runState.js';
import { dataOf, firestore, paginate, revive } from './client.js';

const runsOf = (wsId: string) => firestore().collection('workspaces').doc(wsId).collection('runs');

/** Zero-padded sequence numbers make document ids sort in sequence order. */
export const seqId = (seq: number) => String(seq).padStart(10, '0');

export class FirestoreRunStore implements RunStore {
  constructor(private readonly now: () => Date) {}

  async create(run: Run): Promise<void> {
    const ref = runsOf(run.wsId).doc(run.id);
    const event: RunEvent = { seq: 0, from: null, to: run.state, reason: 'created', attempt: run.attempt, at: run.createdAt };
    const batch = firestore().batch();
    batch.create(ref, { ...run, eventCount: 1 });
    batch.create(ref.collection('events').doc(seqId(0)), event);
    try {
      await batch.commit();
    } catch (err) {
      if ((err as { code?: number }).code === 6) throw new AppError('conflict', 'run_exists', `Run ${run.id} already exists.`);
      throw err;
    }
  }

  async get(wsId: string, runId: string): Promise<Run | null> {
    return dataOf<Run>(await runsOf(wsId).doc(runId).get());
  }

  list(wsId: string, filter: { installId?: string | undefined }, page: PageRequest): Promise<Page<Run>> {
    let q = runsOf(wsId).orderBy('createdAt', 'desc').orderBy('id', 'desc');
    if (filter.installId) q = runsOf(wsId).where('installId', '==', filter.installId).orderBy('createdAt', 'desc').orderBy('id', 'desc');
    return paginate<Run>(q, page, ['timestamp', 'plain'], (r) => [r.createdAt, r.id]);
  }

  async transition(wsId: string, runId: string, req: TransitionRequest): Promise<TransitionResult> {
    const ref = runsOf(wsId).doc(runId);
    return firestore().runTransaction(async (tx) => {
      const run = dataOf<Run>(await tx.get(ref));
      if (!run) throw notFound('Run', 'run_not_found');
      if (!req.from.includes(run.state)) return { applied: false, run };
      const event = transition(run.state, req.to, req.reason);
      const at = this.now();
      const patch = req.patch?.(run) ?? {};
      const next: Run = { ...run, ...patch, state: event.to, updatedAt: at, eventCount: run.eventCount + 1 };
      tx.update(ref, { ...patch, state: next.state, updatedAt: at, eventCount: next.eventCount });
      const stored: RunEvent = { seq: run.eventCount, from: event.from, to: event.to, reason: event.reason, attempt: next.attempt, at };
      tx.create(ref.collection('events').doc(seqId(run.eventCount)), stored);
      return { applied: true, run: next };
    });
  }

  async touch(wsId: string, runId: string, patch: Partial<Pick<Run, 'heartbeatAt' | 'progress'>>): Promise<void> {
    await runsOf(wsId).doc(runId).update(patch);
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

  async listLogChunks(wsId: string, runId: string, afterSeq: number, limit: number): Promise<LogChunk[]> {
    const snap = await runsOf(wsId)
      .doc(runId)
      .collection('logs')
      .orderBy('seq')
      .startAfter(afterSeq)
      .limit(limit)
      .get();
    return snap.docs.map((d) => revive<LogChunk>(d.data()));
  }

  async listEvents(wsId: string, runId: string): Promise<RunEvent[]> {
    const snap = await runsOf(wsId).doc(runId).collection('events').orderBy('seq').get();
    return snap.docs.map((d) => revive<RunEvent>(d.data()));
  }
}
