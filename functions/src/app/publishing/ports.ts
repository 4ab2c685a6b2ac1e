import type { Manifest } from '../../domain/manifest.js';

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
