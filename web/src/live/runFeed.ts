/**
 * A run's live feed: its document, its state transitions and its log chunks, as they change.
 * Today it listens to Firestore (loaded on first use); a later SSE fallback can stand behind
 * the same `subscribeRun`, so pages never know which transport they are on.
 */
import type { DocumentData, FirestoreError, Unsubscribe } from 'firebase/firestore';
import { getDb } from '../config.ts';
import type { LogLine, Run, RunEvent } from '../contract.ts';

type Dates<T, K extends keyof T> = Omit<T, K> & { [P in K]: Date | null };

export type LiveRun = Dates<
  Pick<Run, 'id' | 'installId' | 'agentId' | 'agentVersion' | 'state' | 'attempt' | 'progress' | 'outputs' | 'error' | 'createdAt' | 'startedAt' | 'finishedAt'>,
  'createdAt' | 'startedAt' | 'finishedAt'
>;
export type LiveEvent = Dates<RunEvent, 'at'>;
export type LiveLogLine = Omit<LogLine, 'seq' | 'attempt'>;
export interface LiveLogChunk {
  seq: number;
  attempt: number;
  lines: LiveLogLine[];
}

export interface RunFeedHandlers {
  /** The run as it is now; null when it does not exist. */
  run(run: LiveRun | null): void;
  /** Each state transition once, in order. */
  event(event: LiveEvent): void;
  /** Each log chunk once. Chunks can arrive out of `seq` order: place them by `seq`. */
  logChunk(chunk: LiveLogChunk): void;
  /** The feed has stopped (permission denied, say); nothing more will arrive. */
  error(err: unknown): void;
}

const toDate = (v: unknown): Date | null => {
  if (v && typeof v === 'object' && 'toDate' in v && typeof v.toDate === 'function') return (v as { toDate(): Date }).toDate();
  if (typeof v === 'string' || typeof v === 'number') return new Date(v);
  return null;
};

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

export function subscribeRun(wsId: string, runId: string, handlers: RunFeedHandlers): () => void {
  let stopped = false;
  const listeners: Unsubscribe[] = [];
  const stop = () => {
    stopped = true;
    for (const unsubscribe of listeners.splice(0)) unsubscribe();
  };
  const fail = (err: FirestoreError | unknown) => {
    if (stopped) return;
    stop(); // one listener failing means the others will too: report it once
    handlers.error(err);
  };

  void (async () => {
    const db = await getDb();
    const { collection, doc, onSnapshot, orderBy, query } = await import('firebase/firestore');
    if (stopped) return;
    const runRef = doc(db, 'workspaces', wsId, 'runs', runId);
    listeners.push(
      onSnapshot(runRef, (snap) => handlers.run(snap.exists() ? toRun(snap.id, snap.data()) : null), fail),
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
  })().catch(fail);

  return stop;
}
