import type { ScanReport } from '@agent-marketplace/contract/scanReport';
import type { AgentStatsFact, StatsShard } from '../../domain/agentStats.js';
import type { Manifest } from '../../domain/manifest.js';
import type { AgentListing } from '../../domain/models.js';
import type { PublisherMemberRecord, PublisherRecord } from '../../domain/publishers.js';
import type { VersionRecord } from '../../domain/versions.js';

/**
 * The ports of the publishing pipeline (docs/publishing.md): where source bundles are kept, and
 * how an approved version becomes something the executor can run. Production: Cloud Storage,
 * Cloud Build and Cloud Run jobs; the local stack: files under `.local/`.
 */

/** A stored blob. `sha256` is hex; null when the bytes came through a signed URL and were not hashed yet. */
export interface BlobInfo {
  key: string;
  sizeBytes: number;
  contentType: string;
  sha256: string | null;
}

/** Where a client sends bytes itself (large bundles): a PUT of exactly this content type, within `maxBytes`, before `expiresAt`. */
export interface SignedUpload {
  url: string;
  method: 'PUT';
  /** Headers the PUT must carry as given (the signature covers them). */
  headers: Record<string, string>;
  expiresAt: Date;
  maxBytes: number;
}

/**
 * Blob storage. Keys are `/`-separated paths of `[A-Za-z0-9._-]` segments; a bad key is
 * AppError `invalid`/`blob_key_invalid`. Objects are written once: a second `put` of the same
 * bytes answers the same info, of other bytes AppError `conflict`/`blob_exists`.
 */
export interface BlobStore {
  readonly kind: 'gcs' | 'local';
  /** More than `maxBytes` is AppError `too_large`/`blob_too_large`, and nothing is stored. */
  put(key: string, bytes: Buffer, options: { contentType: string; maxBytes: number }): Promise<BlobInfo>;
  /** AppError `not_found`/`blob_not_found`; more than `maxBytes` stored is `too_large`/`blob_too_large` (read no further). */
  get(key: string, options: { maxBytes: number }): Promise<Buffer>;
  stat(key: string): Promise<BlobInfo | null>;
  /** Deleting what is not there is fine. */
  delete(key: string): Promise<void>;
  /** A URL to upload `key` directly (create-only, size and type enforced by the store, not by the client). */
  signedUploadUrl(key: string, options: { contentType: string; maxBytes: number; expiresInSeconds: number }): Promise<SignedUpload>;
}

/** A build of one version's image from its bundle. */
export type BuildState =
  | { state: 'working'; buildId: string; logUrl: string | null }
  /** `image` is pinned by digest (`…@sha256:<hex>`). */
  | { state: 'succeeded'; buildId: string; image: string; logUrl: string | null }
  | { state: 'failed'; buildId: string; reason: string; logUrl: string | null };

export interface BuildRequest {
  agentId: string;
  version: string;
  manifest: Manifest;
  /** The stored bundle (a gzip tarball) and its hash. */
  bundle: { key: string; sha256: string };
}

/** Whether a version's job can take executions now. */
export type JobReadiness = { ready: true; job: string } | { ready: false; reason: string };

/**
 * Turns an approved version into a runnable one. Every call is idempotent: a task that is
 * delivered again repeats it harmlessly (a build is keyed by agent, version and bundle hash).
 */
export interface VersionDeployer {
  readonly kind: 'cloud' | 'local';
  /** Starts (or finds) the build of this bundle; answers at once, `working` until it ends. */
  startBuild(request: BuildRequest): Promise<BuildState>;
  buildStatus(buildId: string): Promise<BuildState>;
  /** Creates the version's job, or updates it to this image and the manifest's resources; waits until the change is done. */
  deployJob(manifest: Manifest, image: string): Promise<{ job: string }>;
  jobReadiness(agentId: string, version: string): Promise<JobReadiness>;
}

/** Publishers and their members (`publishers/{id}`). */
export interface PublisherStore {
  get(publisherId: string): Promise<PublisherRecord | null>;
  /**
   * Creates a publisher in one transaction that refuses an id already held: by another
   * publisher, or by catalog agents (seeded agents name publishers that have no document).
   * Answers the stored record when the same caller repeats the same creation.
   */
  create(record: PublisherRecord): Promise<PublisherRecord>;
  /** The publishers a user is a member of. */
  listFor(uid: string): Promise<PublisherRecord[]>;
  /** Changes the members inside a transaction: `change` sees the stored record and returns the new members. */
  updateMembers(publisherId: string, change: (current: PublisherRecord) => Record<string, PublisherMemberRecord>): Promise<PublisherRecord>;
}

/** Versions as the pipeline keeps them (`agents/{agentId}/versions/{version}`), and the listing they make. */
export interface VersionStore {
  get(agentId: string, version: string): Promise<VersionRecord | null>;
  /** Every version of an agent, in any state. */
  list(agentId: string): Promise<VersionRecord[]>;
  /** The agents whose listing names this publisher (drafts included). */
  agentsOf(publisherId: string): Promise<AgentListing[]>;
  /**
   * Stores a submission in one transaction: the listing is created as a draft if the agent id is
   * new, refused (`agent_not_found`) if another publisher holds it, and `judge` sees the stored
   * version and the published numbers before anything is written.
   */
  submit(record: VersionRecord, draft: AgentListing, judge: (existing: VersionRecord | null, published: string[]) => void): Promise<VersionRecord>;
  /** Read-modify-write of one version in a transaction; `change` may throw to refuse. Answers the stored result. */
  update(agentId: string, version: string, change: (current: VersionRecord) => VersionRecord): Promise<VersionRecord>;
  /**
   * Read-modify-write of one version that also re-derives the agent's listing from all its
   * versions (latest installable, its manifest's name and summary), keeping the marketplace's
   * counters: publishing, deprecating and yanking change what the catalog shows.
   */
  updateAndRelist(agentId: string, version: string, change: (current: VersionRecord) => VersionRecord, listingOf: (manifest: Manifest, latest: string) => AgentListing): Promise<VersionRecord>;
  /** Versions in review, oldest first. */
  reviewQueue(limit: number): Promise<VersionRecord[]>;
}

/** Platform admins (`platformAdmins/{uid}`, written by scripts/admin.ts, never by the API). */
export interface PlatformAdmins {
  isAdmin(uid: string): Promise<boolean>;
}

/** One step of a version's pipeline, as a background task (app/publishing/pipelineTask.ts). */
export interface PipelineTask {
  agentId: string;
  version: string;
  step: 'scan' | 'build' | 'deploy';
  /** The bundle's hash prefix: a task of a replaced submission finds another hash and does nothing. */
  bundle: string;
  /** Build polls count up, so each has its own task id. */
  poll: number;
}

export interface PipelineQueue {
  enqueue(task: PipelineTask, options?: { delaySeconds?: number }): Promise<void>;
}

/** Scans a submission: its agent.yaml text and bundle bytes (a gzip tarball) into a report. */
export type VersionScanner = (manifestYaml: string, bundle: Buffer) => Promise<ScanReport>;

/** Finds an account by email, for adding members. */
export interface AccountDirectory {
  findByEmail(email: string): Promise<{ uid: string; email: string } | null>;
}

/**
 * Developer analytics' own data (docs/publishing.md "Analytics"): each agent's daily run stats,
 * sharded by run (`agentStats/{agentId}/days/{YYYY-MM-DD}_{shard}`), and its active installs.
 */
export interface AgentStatsStore {
  /**
   * Counts each fact once: a fact already recorded (a redelivery) writes nothing. Answers, per
   * fact, whether it was new. A store failure throws (the consumer is delivered it again).
   */
  record(facts: readonly AgentStatsFact[], now: Date): Promise<boolean[]>;
  /** The agent's day shards from `fromDay` to `toDay` (`YYYY-MM-DD`, inclusive); days without runs have none. */
  read(agentId: string, fromDay: string, toDay: string): Promise<StatsShard[]>;
  /** Active installs of each of these versions of the agent, across workspaces (a count, not a read of each install). */
  activeInstalls(agentId: string, versions: readonly string[]): Promise<Record<string, number>>;
}
