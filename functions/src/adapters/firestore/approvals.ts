import { FieldValue, type Transaction } from 'firebase-admin/firestore';
import type { AuditRecord, PlatformEvent } from '@agent-marketplace/contract';
import type { ApprovalChange, ApprovalFilter, ApprovalStats, ApprovalStore, StoredApproval } from '../../app/approvals/ports.js';
import { bucketOf } from '../../domain/runMetrics.js';
import type { Page, PageRequest } from '../../app/shared/paging.js';
import { notFound } from '../../domain/errors.js';
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
const statsRef = (wsId: string) => wsRef(wsId).collection('internal').doc('approvalStats');
export class FirestoreApprovalStore implements ApprovalStore {
  /** `flush` publishes outbox entries after their transaction committed (app/notifications/outbox.ts); the sweep catches what it misses. */
  constructor(
    private readonly now: () => Date,
    private readonly flush: (wsId: string, eventIds: string[]) => Promise<void> = async () => undefined,
  ) {}

  async propose(proposal: StoredApproval, guard: (run: Run) => void, log: AuditEntry[], events: PlatformEvent[]): Promise<{ approval: StoredApproval; created: boolean }> {
    const ref = approvalsOf(proposal.wsId).doc(proposal.id);
    const runRef = runsOf(proposal.wsId).doc(proposal.runId);
    const result = await firestore().runTransaction(async (tx) => {
      const [existing, runDoc, internal, head] = await tx.getAll(ref, runRef, runInternalRef(proposal.wsId, proposal.runId), headRef(proposal.wsId));
      const stored = dataOf<StoredApproval>(existing!);
      if (stored) return { approval: stored, created: false };
      const runData = dataOf<Run>(runDoc!);
      if (!runData) throw notFound('Run', 'run_not_found');
      guard(joinRun(runData, dataOf<RunInternal>(internal!)));
      tx.create(ref, proposal);
      const counts = runData.approvals ?? { pending: 0, total: 0 };
      tx.update(runRef, { approvals: { pending: counts.pending + 1, total: counts.total + 1 } });
      this.appendLog(tx, proposal.wsId, head!, log);
      this.writeOutbox(tx, events);
      return { approval: proposal, created: true };
    });
    if (result.created) await this.flush(proposal.wsId, events.map((e) => e.id));
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
    const out = await firestore().runTransaction(async (tx) => {
      published = []; // a retried attempt starts over
      const approval = dataOf<StoredApproval>(await tx.get(ref));
      if (!approval) throw notFound('Approval', 'approval_not_found');
      const runRef = runsOf(wsId).doc(approval.runId);
      const [runDoc, head] = await tx.getAll(runRef, headRef(wsId));
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
      this.appendLog(tx, wsId, head!, result.log);
      this.writeOutbox(tx, result.events);
      published = result.events.map((e) => e.id);
      return { approval: result.next, run: runAfter, changed: true };
    });
    if (published.length) await this.flush(wsId, published);
    return out;
  }

  async due(now: Date, limit: number): Promise<StoredApproval[]> {
    const snap = await firestore().collectionGroup('approvals').where('state', '==', 'pending').where('dueAt', '<=', now).orderBy('dueAt').limit(limit).get();
    return snap.docs.map((d) => revive<StoredApproval>(d.data()));
  }

  async audit(wsId: string, after: number, limit: number): Promise<{ records: AuditRecord[]; head: ChainHead; start: ChainHead }> {
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

  /** Appends entries after the head read in this transaction (so the chain has one order), and moves the head. */
  private appendLog(tx: Transaction, wsId: string, headSnap: FirebaseFirestore.DocumentSnapshot, entries: AuditEntry[]): void {
    if (entries.length === 0) return;
    const head = (headSnap.data() as ChainHead | undefined) ?? EMPTY_HEAD;
    const { records, head: next } = appendEntries(head, entries, this.now());
    // Records keep `at` as text: what is stored is exactly what was hashed.
    for (const r of records) tx.create(logOf(wsId).doc(seqId(r.seq)), r);
    tx.set(headRef(wsId), next);
  }

  private writeOutbox(tx: Transaction, events: PlatformEvent[]): void {
    for (const event of events) writeOutbox(tx, event, this.now());
  }
}
