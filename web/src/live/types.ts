/** What a run's live feed delivers, whichever transport carries it. */
import type { LogLine, Run, RunEvent } from '@agent-marketplace/client';

type Dates<T, K extends keyof T> = Omit<T, K> & { [P in K]: Date | null };

export type LiveRun = Dates<
  Pick<
    Run,
    'id' | 'installId' | 'agentId' | 'agentVersion' | 'state' | 'attempt' | 'progress' | 'outputs' | 'error' | 'createdAt' | 'startedAt' | 'finishedAt' | 'approvals' | 'suspended' | 'resumes'
  >,
  'createdAt' | 'startedAt' | 'finishedAt'
>;
export type LiveEvent = Dates<RunEvent, 'at'>;
export type LiveLogLine = LogLine;
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

export const toDate = (v: unknown): Date | null => {
  if (v && typeof v === 'object' && 'toDate' in v && typeof v.toDate === 'function') return (v as { toDate(): Date }).toDate();
  if (typeof v === 'string' || typeof v === 'number') return new Date(v);
  return null;
};

/** A run from the API (ISO dates) as the feed delivers it. */
export const liveRunOf = (r: Run): LiveRun => ({
  id: r.id,
  installId: r.installId,
  agentId: r.agentId,
  agentVersion: r.agentVersion,
  state: r.state,
  attempt: r.attempt,
  progress: r.progress,
  outputs: r.outputs,
  error: r.error,
  approvals: r.approvals ?? null,
  suspended: r.suspended,
  resumes: r.resumes,
  createdAt: toDate(r.createdAt),
  startedAt: toDate(r.startedAt),
  finishedAt: toDate(r.finishedAt),
});
