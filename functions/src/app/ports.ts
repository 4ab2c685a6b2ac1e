import type { PlatformEnvVars } from '@agent-marketplace/contract';
import type { DispatchTask } from './backgroundTasks.js';
import type { CatalogPlan } from '../domain/catalogSearch.js';
import type {
  AgentListing,
  Artifact,
  AgentVersion,
  Review,
  ApiKey,
  Install,
  LogChunk,
  Member,
  Run,
  RunEvent,
  Workspace,
} from '../domain/models.js';
import type { Manifest } from '../domain/manifest.js';
import type { RunLimits } from '../domain/runLimits.js';
import type { LogLimits } from '../domain/runLogs.js';
import type { MetricsDoc } from '../domain/runMetrics.js';
import type { Role } from '../domain/roles.js';
import type { RunState } from '../domain/runState.js';

/**
 * Ports: what use cases need from the outside world. Adapters implement them
 * (Firestore, Cloud Tasks, Cloud Run, local child processes); use cases receive them.
 */

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

export interface Clock {
  now(): Date;
}

export interface WorkspaceStore {
  /** Whether any workspace the user belongs to has installed the agent. */
  userHasInstalled(uid: string, agentId: string): Promise<boolean>;
  create(ws: Workspace, owner: Member): Promise<void>;
  get(wsId: string): Promise<Workspace | null>;
  getMember(wsId: string, uid: string): Promise<Member | null>;
  listMembers(wsId: string, page: PageRequest): Promise<Page<Member>>;
  listForUser(uid: string, page: PageRequest): Promise<Page<{ workspace: Workspace; role: Role }>>;
  /** Adds or changes a member; refuses to leave the workspace without an owner. */
  putMember(member: Member): Promise<void>;
  removeMember(wsId: string, uid: string): Promise<void>;
}

export interface ApiKeyStore {
  create(key: ApiKey): Promise<void>;
  get(wsId: string, keyId: string): Promise<ApiKey | null>;
  list(wsId: string, page: PageRequest): Promise<Page<ApiKey>>;
  revoke(wsId: string, keyId: string, at: Date): Promise<ApiKey | null>;
  touch(wsId: string, keyId: string, at: Date): Promise<void>;
}

export interface PublishedVersion {
  listing: AgentListing;
  manifest: Manifest;
}

export interface CatalogStore {
  /** Runs a catalog plan from the first page or a cursor; `scanned` counts the documents read. */
  search(plan: CatalogPlan, limit: number, cursor: string | undefined): Promise<Page<AgentListing> & { scanned: number }>;
  getListing(agentId: string): Promise<AgentListing | null>;
  getVersion(agentId: string, version: string): Promise<Manifest | null>;
  getVersionDoc(agentId: string, version: string): Promise<AgentVersion | null>;
  listVersions(agentId: string): Promise<AgentVersion[]>;
  /** Seeding and publishing: writes the listing and the version together. */
  publish(listing: AgentListing, manifest: Manifest, yaml: string): Promise<void>;
  /** Creates or replaces a user's review and keeps the agent's rating aggregate exact. */
  putReview(review: Review): Promise<{ review: Review; ratingAvg: number; ratingCount: number }>;
  listReviews(agentId: string, page: PageRequest): Promise<Page<Review>>;
}

export interface InstallChange {
  next: Install;
  /** Counted on the agent's listing in the same transaction (deploy +1, uninstall -1). */
  installCountDelta?: number;
}

export interface InstallStore {
  /** Creates a draft install (not counted until deployed). */
  create(install: Install): Promise<void>;
  get(wsId: string, installId: string): Promise<Install | null>;
  list(wsId: string, page: PageRequest): Promise<Page<Install>>;
  /**
   * Read-modify-write in one transaction: `change` sees the current install and returns the
   * next one (or throws, and nothing is written).
   */
  update(wsId: string, installId: string, change: (install: Install) => InstallChange): Promise<Install>;
}

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
}

export type TransitionResult =
  | { applied: true; run: Run }
  | { applied: false; run: Run };

/** The limits a new run is admitted under (domain/runAdmission.ts). */
export interface RunAdmission {
  limits: RunLimits;
  installConcurrency: number | null;
}

export interface RunFilter {
  installId?: string | undefined;
  state?: RunState | undefined;
}

export interface WorkspaceRunMetrics {
  /** Runs holding a concurrency slot now, and runs created this month. */
  activeRuns: number;
  runsThisMonth: number;
  installs: Record<string, Partial<MetricsDoc> & { agentId: string }>;
  agents: Record<string, Partial<MetricsDoc>>;
}

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
   * Updates non-state fields only if the run still matches `expect` (read and written in a
   * transaction); false when it no longer does.
   */
  touchIf(
    wsId: string,
    runId: string,
    expect: Partial<Pick<Run, 'state' | 'attempt' | 'redeliveries'>>,
    patch: Partial<Pick<Run, 'watchAt' | 'redeliveries'>>,
  ): Promise<boolean>;
  /** Stores a log chunk under its sequence number; a chunk already stored is left as is. */
  putLogChunk(wsId: string, runId: string, chunk: LogChunk): Promise<{ created: boolean }>;
  getLogChunk(wsId: string, runId: string, seq: number): Promise<LogChunk | null>;
  listLogChunks(wsId: string, runId: string, afterSeq: number, limit: number): Promise<LogChunk[]>;
  listEvents(wsId: string, runId: string): Promise<RunEvent[]>;
  /** Stores (or replaces, by name) an artifact; refuses one more than `maxPerRun` distinct names. */
  putArtifact(wsId: string, runId: string, artifact: Artifact, maxPerRun: number): Promise<void>;
  /** The run's artifacts without their content. */
  listArtifacts(wsId: string, runId: string): Promise<Array<Omit<Artifact, 'content'>>>;
  getArtifact(wsId: string, runId: string, name: string): Promise<Artifact | null>;
  /** Runs whose `watchAt` has passed, earliest first: across all workspaces, or in one. */
  watched(now: Date, limit: number, wsId?: string): Promise<Run[]>;
  /** What the workspace's run slots and month quota hold now, and its run metrics per install and per agent (domain/runMetrics.ts). */
  metrics(wsId: string, now: Date): Promise<WorkspaceRunMetrics>;
}

export interface IdempotencyRecord {
  requestHash: string;
  state: 'pending' | 'done';
  status: number | null;
  body: unknown;
}

export interface IdempotencyStore {
  /** Claims the key, or returns what is already recorded under it. */
  begin(key: string, requestHash: string, ttlSeconds: number): Promise<IdempotencyRecord | null>;
  complete(key: string, status: number, body: unknown): Promise<void>;
  release(key: string): Promise<void>;
}

export interface EnqueueOptions {
  /** Deliver no sooner than this (retry backoff). */
  delaySeconds?: number;
  /** A watchdog re-enqueue of the same attempt: a fresh task id, since the first is spent. */
  redelivery?: number;
}

export type { DispatchTask };

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

export interface Deps {
  clock: Clock;
  workspaces: WorkspaceStore;
  apiKeys: ApiKeyStore;
  catalog: CatalogStore;
  installs: InstallStore;
  runs: RunStore;
  idempotency: IdempotencyStore;
  dispatchQueue: DispatchQueue;
  executor: Executor;
  users: UserDirectory;
  sandbox: SandboxStore;
  secrets: SecretStore;
  schedules: ScheduleStore;
  config: EngineConfig;
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
  /** Per attempt; past them the logs are cut and the run fails. */
  logLimits: LogLimits;
}

/** Verifies Firebase ID tokens (firebase-admin, in production and against the Auth emulator). */
export interface IdTokenVerifier {
  verify(token: string): Promise<{ uid: string; email: string | null }>;
}

export interface UserDirectory {
  findByEmail(email: string): Promise<{ uid: string; email: string } | null>;
}

/** Changes agents made to a workspace's sandbox cloud account, keyed `kind/id`. */
export interface SandboxOverride {
  state?: string | undefined;
  labels?: Record<string, string> | undefined;
  attributes?: Record<string, unknown> | undefined;
  deleted?: boolean | undefined;
}

export interface SandboxStore {
  get(wsId: string, keys: string[]): Promise<Record<string, SandboxOverride>>;
  put(wsId: string, key: string, override: SandboxOverride, audit: { runId: string; action: string; reason: string; at: Date }): Promise<void>;
}

/** Where an install's secret values live; Firestore keeps only the returned references. */
export interface SecretScope {
  wsId: string;
  installId: string;
}

export interface SecretStore {
  /** Stores (or replaces) a value; returns an opaque reference, safe to keep in Firestore. */
  put(scope: SecretScope, name: string, value: string): Promise<string>;
  /** Reads a value by reference; only dispatch (to hand it to an execution) calls this. */
  get(ref: string): Promise<string | null>;
  delete(ref: string): Promise<void>;
  /** Deletes every value of an install (uninstall); returns how many were deleted. */
  deleteAll(scope: SecretScope): Promise<number>;
}

/** One schedule of one install, indexed by when it next fires (`schedules/{id}`). */
export interface ScheduleEntry {
  id: string;
  wsId: string;
  installId: string;
  scheduleId: string;
  cron: string;
  timeZone: string;
  active: boolean;
  nextFireAt: Date;
}

export interface ScheduleStore {
  /** Replaces an install's entries with these (removes the ones no longer listed). */
  replaceForInstall(wsId: string, installId: string, entries: ScheduleEntry[]): Promise<void>;
  /** Active entries due at `now`, earliest first: one indexed query. */
  due(now: Date, limit: number): Promise<ScheduleEntry[]>;
  /** Moves an entry past `slot` to `next`, only if it still sits at `slot` (a second tick does nothing). */
  advance(id: string, slot: Date, next: Date): Promise<boolean>;
}
