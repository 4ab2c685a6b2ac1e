/**
 * Approvals from Firestore listeners on `workspaces/{ws}/approvals`, under firestore.rules: a
 * run's (the run view), or the pending ones the inbox shows. Like the run's own listeners
 * (firestoreTransport.ts): `onUnreachable` is called, and the listener stopped, when the
 * server has not answered within `connectMs`. The document is read as the API shows it: its internal fields (the
 * resource fingerprint, the workspace id, the agent version) are left out.
 */
import type { Approval } from '@agent-marketplace/client';
import type { CollectionReference, DocumentData, FirestoreError, Query, QueryConstraint } from 'firebase/firestore';
import { getDb } from '../config.ts';
import type { PendingScope } from './approvalOrder.ts';
import { toDate } from './types.ts';

const iso = (v: unknown): string | null => toDate(v)?.toISOString() ?? null;

export function approvalOf(id: string, d: DocumentData): Approval {
  const decisions = Array.isArray(d.decisions) ? (d.decisions as DocumentData[]) : [];
  return {
    id,
    runId: String(d.runId ?? ''),
    installId: String(d.installId ?? ''),
    agentId: String(d.agentId ?? ''),
    action: d.action ?? null,
    request: d.request ?? null,
    summary: String(d.summary ?? ''),
    reason: String(d.reason ?? ''),
    risk: String(d.risk ?? ''),
    impact: d.impact ?? null,
    requester: d.requester ?? null,
    rule: d.rule,
    state: d.state,
    level: Number(d.level ?? 0),
    dueAt: iso(d.dueAt),
    decisions: decisions.map((x) => ({ level: Number(x.level), by: String(x.by), byName: x.byName ?? null, decision: x.decision, comment: String(x.comment ?? ''), at: iso(x.at) ?? '' })),
    result: d.result ? { outcome: d.result.outcome, reason: d.result.reason ?? null, at: iso(d.result.at) ?? '' } : null,
    createdAt: iso(d.createdAt) ?? '',
    decidedAt: iso(d.decidedAt),
  };
}

/** Errors that mean "cannot reach Firestore" (worth the fallback), not "not allowed". */
const UNREACHABLE = new Set(['unavailable', 'deadline-exceeded', 'internal', 'unknown', 'resource-exhausted']);

type Sdk = typeof import('firebase/firestore');
type Handlers = { approvals(list: Approval[]): void; error(err: unknown): void };
type Options = { connectMs: number; onUnreachable: (reason: unknown) => void };

/** Listens to one query of the workspace's approvals; each snapshot is delivered whole, in the query's order. */
function listenToQuery(wsId: string, build: (sdk: Sdk, approvals: CollectionReference) => Query, handlers: Handlers, options: Options): () => void {
  let stopped = false;
  let connected = false;
  let unsubscribe: (() => void) | undefined;
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    unsubscribe?.();
  };
  const unreachable = (reason: unknown) => {
    if (stopped) return;
    stop();
    options.onUnreachable(reason);
  };
  const timer = setTimeout(() => {
    if (!connected) unreachable(new Error(`no answer from Firestore within ${options.connectMs} ms`));
  }, options.connectMs);

  void (async () => {
    const db = await getDb();
    const sdk = await import('firebase/firestore');
    if (stopped) return;
    unsubscribe = sdk.onSnapshot(
      build(sdk, sdk.collection(db, 'workspaces', wsId, 'approvals')),
      { includeMetadataChanges: true },
      (snap) => {
        // Until the server answers, a snapshot comes from the (empty) cache: it proves nothing.
        if (snap.metadata.fromCache && !connected) return;
        if (!connected) {
          connected = true;
          clearTimeout(timer);
        }
        handlers.approvals(snap.docs.map((d) => approvalOf(d.id, d.data())));
      },
      (err: FirestoreError) => {
        if (stopped) return;
        if (!connected && UNREACHABLE.has(err.code)) return unreachable(err);
        stop();
        handlers.error(err);
      },
    );
  })().catch((err: unknown) => unreachable(err)); // the SDK's chunk could not load: same remedy

  return stop;
}

/** A run's approvals, oldest first. */
export function listenToApprovals(wsId: string, runId: string, handlers: Handlers, options: Options): () => void {
  return listenToQuery(
    wsId,
    ({ query, where }, approvals) => query(approvals, where('runId', '==', runId)),
    {
      approvals: (list) => handlers.approvals(list.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))),
      error: (err) => handlers.error(err),
    },
    options,
  );
}

/**
 * The pending approvals the inbox shows, newest first as the API lists them (the same
 * filters, so the same composite indexes), down to `scope.through` when older pages remain.
 */
export function listenToPending(wsId: string, scope: PendingScope, handlers: Handlers, options: Options): () => void {
  return listenToQuery(
    wsId,
    ({ endAt, orderBy, query, Timestamp, where }, approvals) => {
      const filters: QueryConstraint[] = [where('state', '==', 'pending')];
      if (scope.installId) filters.push(where('installId', '==', scope.installId));
      if (scope.runId) filters.push(where('runId', '==', scope.runId));
      const ordered = query(approvals, ...filters, orderBy('createdAt', 'desc'), orderBy('id', 'desc'));
      return scope.through ? query(ordered, endAt(Timestamp.fromDate(new Date(scope.through.createdAt)), scope.through.id)) : ordered;
    },
    handlers,
    options,
  );
}
