import type { PlatformEnvVars } from '@agent-marketplace/contract/execution';
import type { Manifest } from '../../domain/manifest.js';
import type { Artifact, LogChunk, Run, RunEvent, RunInternal } from '../../domain/models.js';
import type { RunLimits } from '../../domain/runLimits.js';
import type { LogLimits } from '../../domain/runLogs.js';
import type { MetricsDoc } from '../../domain/runMetrics.js';
import type { RunState } from '../../domain/runState.js';
import type { SlotPool } from '../../domain/runSlots.js';
import type { Page, PageRequest } from '../shared/paging.js';
import type { DispatchTask } from './backgroundTasks.js';

/** What the run engine's use cases need: the run stores, the dispatch queue, the executor, its settings. */

export interface TransitionPatch {
  [field: string]: unknown;
}

export interface TransitionRequest {
  /** The target state, or a choice made on the run as read inside the transaction. */
  to: RunState | ((run: Run) => RunState);
  reason: string;
  /** States the run must be in for this transition to apply; otherwise nothing changes. */
  from: readonly RunState[];
  /** A further condition on the run as read in the transaction; false: nothing changes. */
  guard?: (run: Run) => boolean;
  patch?: (run: Run) => Partial<Run>;
  /**
   * Admit the run again under these limits (a suspended run resuming after it released its
   * slots): the store lists the pools in the transaction and claims a free slot of each with
   * the move; when a pool is full nothing changes and the result says which.
   */
  readmit?: { concurrentRuns: number; installConcurrency: number | null };
}

export type TransitionResult =
  | { applied: true; run: Run }
  | { applied: false; run: Run; full?: SlotPool };

/** The limits a new run is admitted under (domain/runAdmission.ts). */
export interface RunAdmission {
  limits: RunLimits;
  installConcurrency: number | null;
}

export interface RunFilter {
  installId?: string | undefined;
  state?: RunState | undefined;
}

/** Runs: their lifecycle (created, moved through the state machine, watched) and their events. */
export interface RunStore {
  /**
   * Creates the run and its first event atomically; with an admission, only if the
   * workspace's limits admit it (else 429 `rate_limited`), taking its slots in the same write.
   */
  create(run: Run, admission?: RunAdmission): Promise<void>;
  get(wsId: string, runId: string): Promise<Run | null>;
  list(wsId: string, filter: RunFilter, page: PageRequest): Promise<Page<Run>>;
  /**
   * Moves the run through the domain state machine inside a transaction and appends the
   * event. A run not in `from` is returned unchanged with `applied: false` (redelivery).
   */
  transition(wsId: string, runId: string, req: TransitionRequest): Promise<TransitionResult>;
  /** Updates non-state fields (heartbeat, progress); never touches `state`. */
  touch(wsId: string, runId: string, patch: Partial<Pick<Run, 'heartbeatAt' | 'progress' | 'watchAt' | 'executionId'>>): Promise<void>;
  /**
   * Changes the run's runner bookkeeping only (no state, no event), decided on the run as read
   * in a transaction; `patch` may throw to refuse. Returns the run after it.
   */
  updateInternal(wsId: string, runId: string, patch: (run: Run) => Partial<RunInternal>): Promise<Run>;
  /**
   * Updates non-state fields only if the run still matches `expect` (read and written in a
   * transaction); false when it no longer does.
   */
  touchIf(
    wsId: string,
    runId: string,
    expect: Partial<Pick<Run, 'state' | 'attempt' | 'redeliveries'>>,
    patch: Partial<Pick<Run, 'watchAt' | 'redeliveries' | 'progress'>>,
  ): Promise<boolean>;
  listEvents(wsId: string, runId: string): Promise<RunEvent[]>;
  /** Runs whose `watchAt` has passed, earliest first: across all workspaces, or in one (without their internal fields). */
  watched(now: Date, limit: number, wsId?: string): Promise<Run[]>;
}

/** What a run feed reports, each call with what changed since the last. */
export interface RunFeedHandlers {
  run(run: Run | null): void;
  /** Events after the starting position, in order. */
  events(events: RunEvent[]): void;
  /** Log chunks after the starting position, in order. */
  logs(chunks: LogChunk[]): void;
  error(err: unknown): void;
}

/**
 * Live changes of one run (listeners, not polling: an idle run costs no reads). What exists
 * past the starting positions when it starts is reported first.
 */
export interface RunFeed {
  /** Starts listening; returns the function that stops every listener it opened. */
  watch(wsId: string, runId: string, from: { event: number; log: number }, on: RunFeedHandlers): () => void;
}

/** Open run streams per holder (a user, an API key), across every instance; each one leased so a crash frees it. */
export interface StreamSlots {
  /** Takes a place for `streamId` until `until`, unless `max` unexpired ones are held: then when the first frees. */
  acquire(holder: string, streamId: string, max: number, until: Date): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }>;
  release(holder: string, streamId: string): Promise<void>;
}

/** A run's log, in ordered chunks (never one document per line). */
export interface RunLogStore {
  /** Stores a log chunk under its sequence number; a chunk already stored is left as is. */
  putLogChunk(wsId: string, runId: string, chunk: LogChunk): Promise<{ created: boolean }>;
  getLogChunk(wsId: string, runId: string, seq: number): Promise<LogChunk | null>;
  /** Replaces a stored chunk's lines (redaction of a secret found split across it and the next). */
  replaceLogLines(wsId: string, runId: string, seq: number, lines: LogChunk['lines']): Promise<void>;
  listLogChunks(wsId: string, runId: string, afterSeq: number, limit: number): Promise<LogChunk[]>;
}

/** Files an agent attached to its run. */
export interface RunArtifactStore {
  /** Stores (or replaces, by name) an artifact; refuses one more than `maxPerRun` distinct names. */
  putArtifact(wsId: string, runId: string, artifact: Artifact, maxPerRun: number): Promise<void>;
  /** The run's artifacts without their content. */
  listArtifacts(wsId: string, runId: string): Promise<Array<Omit<Artifact, 'content'>>>;
  getArtifact(wsId: string, runId: string, name: string): Promise<Artifact | null>;
}

export interface WorkspaceRunMetrics {
  /** Runs holding a concurrency slot now, and runs created this month. */
  activeRuns: number;
  runsThisMonth: number;
  installs: Record<string, Partial<MetricsDoc> & { agentId: string }>;
  agents: Record<string, Partial<MetricsDoc>>;
}

/** A workspace's run figures, kept as runs finish (no run is scanned). */
export interface RunMetricsStore {
  /** What the workspace's run slots and month quota hold now, and its run metrics per install and per agent (domain/runMetrics.ts). */
  metrics(wsId: string, now: Date): Promise<WorkspaceRunMetrics>;
}

export type { DispatchTask };

export interface EnqueueOptions {
  /** Deliver no sooner than this (retry backoff). */
  delaySeconds?: number;
  /** A watchdog re-enqueue of the same attempt: a fresh task id, since the first is spent. */
  redelivery?: number;
}

export interface DispatchQueue {
  enqueue(task: DispatchTask, options?: EnqueueOptions): Promise<void>;
}

/** What an execution gets: the contract's execution environment, identical locally and on Cloud Run. */
export interface ExecutionSpec {
  wsId: string;
  runId: string;
  attempt: number;
  agentId: string;
  agentVersion: string;
  manifest: Manifest;
  /** The platform's part of the environment (contract `executionEnv`). */
  env: PlatformEnvVars;
}

export interface Executor {
  readonly kind: 'local' | 'cloud-run';
  start(spec: ExecutionSpec): Promise<{ executionId: string }>;
  /** Stops an execution; an execution already gone is not an error. */
  cancel(executionId: string): Promise<void>;
}

/** The run engine's settings (config/index.ts). */
export interface EngineConfig {
  runnerApiUrl: string;
  leaseSeconds: number;
  /** A runner silent this long is presumed dead. */
  heartbeatTimeoutSeconds: number;
  /** The interval the runner's keep-alive uses (well under the timeout). */
  runnerHeartbeatSeconds: number;
  /** The longest a run may wait in `queued` before the watchdog re-enqueues it. */
  queuedTimeoutSeconds: number;
  /** The longest an execution may take from started to the runner's first call. */
  startTimeoutSeconds: number;
  /** Past a run's deadline, how long the runner gets to stop itself before the watchdog does. */
  timeoutGraceSeconds: number;
  /** Run streams (SSE) one user or API key may hold open at once. */
  maxStreamsPerUser: number;
  /** Per attempt; past them the logs are cut and the run fails. */
  logLimits: LogLimits;
}
