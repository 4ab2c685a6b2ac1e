import { FieldValue, type Transaction } from 'firebase-admin/firestore';
import type { AuditRecord, PlatformEvent } from '@agent-marketplace/contract';
import type { ApprovalChange, ApprovalFilter, ApprovalStats, ApprovalStore, StoredApproval } from '../../app/approvals/ports.js';
import { bucketOf } from '../../domain/runMetrics.js';
import type { Page, PageRequest } from '../../app/shared/paging.js';
import { AppError, notFound } from '../../domain/errors.js';
import { appendEntries, EMPTY_HEAD, type AuditEntry, type ChainHead } from '../../app/approvals/auditChain.js';
import type { Run, RunInternal } from '../../domain/models.js';
import { watchSettling } from '../../domain/runWatch.js';
import { dataOf, firestore, paginate, revive } from './client.js';
import { writeOutbox } from './outbox.js';
import { joinRun, runInternalRef, runsOf, seqId, wsRef } from './runDocuments.js';

const approvalsOf = (wsId: string) => wsRef(wsId).collection('approvals');
/** The approval log: records by zero-padded seq, and its head (last seq and hash) in an internal document no client reads. */
const logOf = (wsId: string) => wsRef(wsId).collection('approvalLog');
const headRef = (wsId: string) => wsRef(wsId).collection('internal').doc('approvalLog');
/**
 * Log entries not chained yet: written in the changing transaction (so nothing is lost and no
 * change waits on the chain's head), then chained in order by whoever holds the chain's lock.
 */
const queueOf = (wsId: string) => wsRef(wsId).collection('approvalLogQueue');
const lockRef = (wsId: string) => wsRef(wsId).collection('internal').doc('approvalLogLock');
const LOCK_MS = 30_000;
const statsRef = (wsId: string) => wsRef(wsId).collection('internal').doc('approvalStats');
/**
 * Every change of a workspace's approvals appends to one hash chain, so concurrent decisions
 * contend on its head: an aborted transaction (Firestore's answer to contention) is tried again
 * after a jittered backoff, and a clear, retryable 503 is answered only when contention outlasts that.
 */
async function chained<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await firestore().runTransaction(fn);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 10) throw err;
      if (attempt >= 7) {
        throw new AppError('unavailable', 'contention', 'Too many approval changes at once in this workspace; retry shortly.', { retryAfterSeconds: 1 });
      }
      await new Promise((r) => setTimeout(r, (25 * 2 ** attempt) * (0.5 + Math.random())));
    }
  }
}

export class FirestoreApprovalStore implements ApprovalStore {
  /** `flush` publishes outbox entries after their transaction committed (app/notifications/outbox.ts); the sweep catches what it misses. */
  constructor(
    private readonly now: () => Date,
    private readonly flush: (wsId: string, eventIds: string[]) => Promise<void> = async () => undefined,
  ) {}

  async propose(proposal: StoredApproval, guard: (run: Run) => void, log: AuditEntry[], events: PlatformEvent[]): Promise<{ approval: StoredApproval; created: boolean }> {
    const ref = approvalsOf(proposal.wsId).doc(proposal.id);
    const runRef = runsOf(proposal.wsId).doc(proposal.runId);
    const result = await chained(async (tx) => {
      const [existing, runDoc, internal] = await tx.getAll(ref, runRef, runInternalRef(proposal.wsId, proposal.runId));
      const stored = dataOf<StoredApproval>(existing!);
      if (stored) return { approval: stored, created: false };
      const runData = dataOf<Run>(runDoc!);
      if (!runData) throw notFound('Run', 'run_not_found');
      guard(joinRun(runData, dataOf<RunInternal>(internal!)));
      tx.create(ref, proposal);
      const counts = runData.approvals ?? { pending: 0, total: 0 };
      tx.update(runRef, { approvals: { pending: counts.pending + 1, total: counts.total + 1 } });
      this.queueLog(tx, proposal.wsId, log);
      this.writeOutbox(tx, events);
      return { approval: proposal, created: true };
    });
    if (result.created) await Promise.all([this.chainLog(proposal.wsId), this.flush(proposal.wsId, events.map((e) => e.id))]);
    return result;
  }

  async get(wsId: string, id: string): Promise<StoredApproval | null> {
    return dataOf<StoredApproval>(await approvalsOf(wsId).doc(id).get());
  }

  async list(wsId: string, filter: ApprovalFilter, page: PageRequest): Promise<Page<StoredApproval>> {
    let q = approvalsOf(wsId) as FirebaseFirestore.Query;
    if (filter.state) q = q.where('state', '==', filter.state);
    if (filter.installId) q = q.where('installId', '==', filter.installId);
    if (filter.runId) q = q.where('runId', '==', filter.runId);
    return paginate<StoredApproval>(q.orderBy('createdAt', 'desc').orderBy('id', 'desc'), page, ['timestamp', 'plain'], (a) => [a.createdAt, a.id]);
  }

  async listByRun(wsId: string, runId: string): Promise<StoredApproval[]> {
    const snap = await approvalsOf(wsId).where('runId', '==', runId).orderBy('createdAt').limit(500).get();
    return snap.docs.map((d) => revive<StoredApproval>(d.data()));
  }

  async update(
    wsId: string,
    id: string,
    change: (approval: StoredApproval, run: Run | null) => ApprovalChange | null,
  ): Promise<{ approval: StoredApproval; run: Run | null; changed: boolean }> {
    const ref = approvalsOf(wsId).doc(id);
    let published: string[] = [];
    const out = await chained(async (tx) => {
      published = []; // a retried attempt starts over
      const approval = dataOf<StoredApproval>(await tx.get(ref));
      if (!approval) throw notFound('Approval', 'approval_not_found');
      const runRef = runsOf(wsId).doc(approval.runId);
      const runDoc = await tx.get(runRef);
      const runData = dataOf<Run>(runDoc!);
      const run = runData ? joinRun(runData, null) : null;
      const result = change(approval, run);
      if (!result) return { approval, run, changed: false };
      tx.set(ref, result.next);
      let runAfter = run;
      if (run && approval.state === 'pending' && result.next.state !== 'pending') {
        const counts = run.approvals ?? { pending: 1, total: 1 };
        const approvals = { pending: Math.max(0, counts.pending - 1), total: counts.total };
        // The last decision of a waiting run: should its settlement be cut off, the watchdog settles it.
        const watch = approvals.pending === 0 && run.state === 'awaiting_approval' ? { watchAt: watchSettling(this.now()) } : {};
        tx.update(runRef, { approvals, ...watch });
        runAfter = { ...run, approvals, ...watch };
      }
      this.countStats(tx, wsId, approval, result);
      this.queueLog(tx, wsId, result.log);
      this.writeOutbox(tx, result.events);
      published = result.events.map((e) => e.id);
      return { approval: result.next, run: runAfter, changed: true };
    });
    if (out.changed) await Promise.all([this.chainLog(wsId), published.length ? this.flush(wsId, published) : undefined]);
    return out;
  }

  async due(now: Date, limit: number): Promise<StoredApproval[]> {
    const snap = await firestore().collectionGroup('approvals').where('state', '==', 'pending').where('dueAt', '<=', now).orderBy('dueAt').limit(limit).get();
    return snap.docs.map((d) => revive<StoredApproval>(d.data()));
  }

  async audit(wsId: string, after: number, limit: number): Promise<{ records: AuditRecord[]; head: ChainHead; start: ChainHead }> {
    // What is still queued is chained first, so the export is complete.
    await this.chainLog(wsId);
    const [headSnap, page, before] = await Promise.all([
      headRef(wsId).get(),
      logOf(wsId).where('seq', '>', after).orderBy('seq').limit(limit).get(),
      after > 0 ? logOf(wsId).doc(seqId(after)).get() : null,
    ]);
    const head = (headSnap.data() as ChainHead | undefined) ?? EMPTY_HEAD;
    const prev = before?.data() as AuditRecord | undefined;
    const start = prev ? { seq: prev.seq, hash: prev.hash } : EMPTY_HEAD;
    return { records: page.docs.map((d) => d.data() as AuditRecord), head, start };
  }

  async stats(wsId: string): Promise<ApprovalStats> {
    const [snap, pending] = await Promise.all([statsRef(wsId).get(), approvalsOf(wsId).where('state', '==', 'pending').count().get()]);
    const d = (snap.data() ?? {}) as Partial<ApprovalStats>;
    return {
      pending: pending.data().count,
      decided: d.decided ?? 0,
      approved: d.approved ?? 0,
      rejected: d.rejected ?? 0,
      expired: d.expired ?? 0,
      escalated: d.escalated ?? 0,
      decisionHist: d.decisionHist ?? {},
    };
  }

  /** Blind increments in the changing transaction: an approval that got its final decision (not a withdrawal), or an escalation. */
  private countStats(tx: Transaction, wsId: string, before: StoredApproval, change: ApprovalChange): void {
    const next = change.next;
    const update: Record<string, unknown> = {};
    if (before.state === 'pending' && (next.state === 'approved' || next.state === 'rejected' || next.state === 'expired')) {
      update['decided'] = FieldValue.increment(1);
      update[next.state] = FieldValue.increment(1);
      const ms = (next.decidedAt ?? this.now()).getTime() - before.createdAt.getTime();
      update['decisionHist'] = { [bucketOf(Math.max(0, ms))]: FieldValue.increment(1) };
    }
    if (change.log.some((e) => e.type === 'escalated')) update['escalated'] = FieldValue.increment(1);
    if (Object.keys(update).length) tx.set(statsRef(wsId), update, { merge: true });
  }

  private queueLog(tx: Transaction, wsId: string, entries: AuditEntry[]): void {
    const at = this.now().toISOString();
    // `order` keeps one change's entries in their order, and changes in the order they were made.
    entries.forEach((entry, i) => tx.create(queueOf(wsId).doc(), { entry, at, order: `${at}|${entry.approvalId}|${i}`, queuedAt: new Date(at) }));
  }

  /**
   * Chains the workspace's queued log entries, in order, under a lock (a document created only
   * if absent, taken over once expired), so chainers never contend on the head. Best effort: an
   * entry left queued (a chainer that died, one queued just as the lock was released) is chained
   * by the next change, the next export or the sweep.
   */
  async chainLog(wsId: string): Promise<void> {
    const lock = lockRef(wsId);
    const holder = `${process.pid}.${Math.random().toString(36).slice(2)}`;
    try {
      await lock.create({ holder, until: new Date(this.now().getTime() + LOCK_MS) });
    } catch {
      const held = (await lock.get()).data() as { until?: { toDate(): Date } } | undefined;
      if (held?.until && held.until.toDate().getTime() > this.now().getTime()) return; // someone is chaining
      await lock.delete().catch(() => undefined);
      return this.chainLog(wsId);
    }
    try {
      for (let round = 0; round < 20; round++) {
        const chained = await firestore().runTransaction(async (tx) => {
          const [headSnap, queued] = await Promise.all([tx.get(headRef(wsId)), tx.get(queueOf(wsId).orderBy('order').limit(200))]);
          if (queued.empty) return 0;
          const head = (headSnap.data() as ChainHead | undefined) ?? EMPTY_HEAD;
          const { records, head: next } = appendEntries(
            head,
            queued.docs.map((d) => d.data() as { entry: AuditEntry; at: string }),
          );
          // Records keep `at` as text: what is stored is exactly what was hashed.
          for (const r of records) tx.create(logOf(wsId).doc(seqId(r.seq)), r);
          tx.set(headRef(wsId), next);
          for (const d of queued.docs) tx.delete(d.ref);
          return queued.size;
        });
        if (chained < 200) break;
      }
    } catch (err) {
      console.error(JSON.stringify({ severity: 'WARNING', message: 'approval log: chaining left entries queued', wsId, error: String(err) }));
    } finally {
      await lock.delete().catch(() => undefined);
    }
  }

  async chainQueued(now: Date, limit = 200): Promise<number> {
    const snap = await firestore().collectionGroup('approvalLogQueue').where('queuedAt', '<=', new Date(now.getTime() - 30_000)).limit(limit).get();
    const workspaces = new Set(snap.docs.map((d) => d.ref.parent.parent!.id));
    for (const wsId of workspaces) await this.chainLog(wsId);
    return workspaces.size;
  }

  private writeOutbox(tx: Transaction, events: PlatformEvent[]): void {
    for (const event of events) writeOutbox(tx, event, this.now());
  }
}
