/**
 * A run's live feed from Firestore listeners (the SDK is loaded on first use): the run
 * document, its events and its log chunks, under firestore.rules. `onUnreachable` is called,
 * and the listeners stopped, when no answer from the server arrives within `connectMs`
 * (a proxy that blocks the connection, say): the SDK itself would wait and retry silently.
 */
import type { DocumentData, FirestoreError, Unsubscribe } from 'firebase/firestore';
import { getDb } from '../config.ts';
import { toDate, type LiveEvent, type LiveLogChunk, type LiveLogLine, type LiveRun, type RunFeedHandlers } from './types.ts';

const toRun = (id: string, d: DocumentData): LiveRun => ({
  id,
  installId: String(d.installId ?? ''),
  agentId: String(d.agentId ?? ''),
  agentVersion: String(d.agentVersion ?? ''),
  state: d.state,
  attempt: Number(d.attempt ?? 1),
  progress: d.progress ?? null,
  outputs: d.outputs ?? null,
  error: d.error ?? null,
  approvals: d.approvals ?? null,
  suspended: d.suspended === true,
  resumes: Number(d.resumes ?? 0),
  createdAt: toDate(d.createdAt),
  startedAt: toDate(d.startedAt),
  finishedAt: toDate(d.finishedAt),
});

const toEvent = (d: DocumentData): LiveEvent => ({
  seq: Number(d.seq),
  from: d.from ?? null,
  to: d.to,
  reason: String(d.reason ?? ''),
  attempt: Number(d.attempt ?? 1),
  at: toDate(d.at),
});

const toChunk = (d: DocumentData): LiveLogChunk => ({
  seq: Number(d.seq),
  attempt: Number(d.attempt ?? 1),
  lines: Array.isArray(d.lines) ? (d.lines as LiveLogLine[]) : [],
});

/** Errors that mean "cannot reach Firestore" (worth the fallback), not "not allowed". */
const UNREACHABLE = new Set(['unavailable', 'deadline-exceeded', 'internal', 'unknown', 'resource-exhausted']);

export function listenWithFirestore(
  wsId: string,
  runId: string,
  handlers: RunFeedHandlers,
  options: { connectMs: number; onUnreachable: (reason: unknown) => void },
): () => void {
  let stopped = false;
  let connected = false;
  const listeners: Unsubscribe[] = [];
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    for (const unsubscribe of listeners.splice(0)) unsubscribe();
  };
  const unreachable = (reason: unknown) => {
    if (stopped) return;
    stop();
    options.onUnreachable(reason);
  };
  const fail = (err: FirestoreError | unknown) => {
    if (stopped) return;
    const code = (err as FirestoreError | undefined)?.code;
    if (!connected && (code === undefined || UNREACHABLE.has(code))) return unreachable(err);
    stop(); // one listener failing means the others will too: report it once
    handlers.error(err);
  };
  const timer = setTimeout(() => {
    if (!connected) unreachable(new Error(`no answer from Firestore within ${options.connectMs} ms`));
  }, options.connectMs);

  void (async () => {
    const db = await getDb();
    const { collection, doc, onSnapshot, orderBy, query } = await import('firebase/firestore');
    if (stopped) return;
    const runRef = doc(db, 'workspaces', wsId, 'runs', runId);
    listeners.push(
      onSnapshot(
        runRef,
        { includeMetadataChanges: true },
        (snap) => {
          // Until the server answers, a snapshot comes from the (empty) cache: it proves nothing.
          if (snap.metadata.fromCache && !connected) return;
          if (!connected) {
            connected = true;
            clearTimeout(timer);
          }
          if (snap.metadata.hasPendingWrites) return;
          handlers.run(snap.exists() ? toRun(snap.id, snap.data()) : null);
        },
        fail,
      ),
      onSnapshot(
        query(collection(runRef, 'events'), orderBy('seq')),
        (snap) => {
          for (const change of snap.docChanges()) if (change.type === 'added') handlers.event(toEvent(change.doc.data()));
        },
        fail,
      ),
      onSnapshot(
        query(collection(runRef, 'logs'), orderBy('seq')),
        (snap) => {
          for (const change of snap.docChanges()) if (change.type === 'added') handlers.logChunk(toChunk(change.doc.data()));
        },
        fail,
      ),
    );
  })().catch((err: unknown) => unreachable(err)); // the SDK's chunk could not load: same remedy

  return stop;
}
