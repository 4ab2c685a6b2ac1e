import { createHash, randomBytes } from 'node:crypto';
import { MAX_BUNDLE_BYTES, MAX_INLINE_BUNDLE_BYTES } from '@agent-marketplace/contract/publishing';
import { AppError, notFound } from '../../domain/errors.js';
import type { AgentListing } from '../../domain/models.js';
import { compareVersionsDesc, judgeSubmission, withHistory, type VersionRecord } from '../../domain/versions.js';
import { listingOf, parseManifest } from '../catalog/publishAgent.js';
import type { Deps } from '../deps.js';
import { actorId, type Principal } from '../shared/principal.js';
import { requirePublisher } from './publishers.js';
import { developerAgentView, developerVersionView } from './views.js';

/**
 * Submitting a version (docs/publishing.md "Submission"): the agent.yaml and the source bundle
 * are checked at the door (the manifest's id and publisher match the path, the bundle is gzip
 * within the limits), the bundle is stored under its hash, and the version starts `submitted`
 * with a scan task queued.
 */
type SubmitDeps = Pick<Deps, 'publishers' | 'versions' | 'catalog' | 'blobs' | 'pipelineQueue' | 'clock'>;

export const BUNDLE_CONTENT_TYPE = 'application/gzip';
/** How long an upload URL stays valid. */
const UPLOAD_URL_SECONDS = 15 * 60;

const uploadKey = (publisherId: string, agentId: string, uploadId: string) => `uploads/${publisherId}/${agentId}/${uploadId}.tgz`;
const bundleKey = (agentId: string, version: string, sha256: string) => `bundles/${agentId}/${version}/${sha256}.tgz`;

export async function createBundleUpload(deps: SubmitDeps, principal: Principal | null, publisherId: string, agentId: string, input: { sizeBytes: number }) {
  await requirePublisher(deps, principal, publisherId, 'versions.submit');
  const uploadId = randomBytes(18).toString('base64url').replace(/[-_]/g, '').slice(0, 24).padEnd(24, '0');
  const upload = await deps.blobs.signedUploadUrl(uploadKey(publisherId, agentId, uploadId), {
    contentType: BUNDLE_CONTENT_TYPE,
    maxBytes: Math.min(input.sizeBytes, MAX_BUNDLE_BYTES),
    expiresInSeconds: UPLOAD_URL_SECONDS,
  });
  return { uploadId, ...upload };
}

async function bundleBytes(deps: Pick<Deps, 'blobs'>, publisherId: string, agentId: string, bundle: { base64: string } | { uploadId: string }): Promise<{ bytes: Buffer; uploadKey: string | null }> {
  if ('base64' in bundle) {
    const bytes = Buffer.from(bundle.base64, 'base64');
    if (bytes.length > MAX_INLINE_BUNDLE_BYTES) {
      throw new AppError('too_large', 'bundle_too_large', `An inline bundle is at most ${MAX_INLINE_BUNDLE_BYTES} bytes; upload larger ones first (POST …/uploads).`);
    }
    return { bytes, uploadKey: null };
  }
  const key = uploadKey(publisherId, agentId, bundle.uploadId);
  try {
    return { bytes: await deps.blobs.get(key, { maxBytes: MAX_BUNDLE_BYTES }), uploadKey: key };
  } catch (err) {
    if (err instanceof AppError && err.code === 'blob_not_found') throw new AppError('not_found', 'upload_not_found', 'Nothing was uploaded under that upload id (or it was already submitted).');
    throw err;
  }
}

export async function submitVersion(
  deps: SubmitDeps,
  principal: Principal | null,
  publisherId: string,
  agentId: string,
  input: { manifest: string; bundle: { base64: string } | { uploadId: string }; releaseNotes?: string | undefined },
) {
  await requirePublisher(deps, principal, publisherId, 'versions.submit');
  const manifest = parseManifest(input.manifest);
  if (manifest.id !== agentId) throw new AppError('invalid', 'manifest_id_mismatch', `agent.yaml says id ${manifest.id}; this is ${agentId}.`);
  if (manifest.publisher !== publisherId) throw new AppError('invalid', 'manifest_publisher_mismatch', `agent.yaml says publisher ${manifest.publisher}; this is ${publisherId}.`);

  const { bytes, uploadKey: uploaded } = await bundleBytes(deps, publisherId, agentId, input.bundle);
  if (bytes.length < 18 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw new AppError('invalid', 'bundle_unreadable', 'The bundle is not a gzip tarball (tar czf bundle.tgz -C <agent folder> .).');
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');

  // The same submission again while its scan has not run: its scan task is queued again (the
  // way out when the first enqueue failed after the version was stored; the task id dedupes).
  const versions = await deps.versions.list(agentId);
  const existing = versions.find((v) => v.version === manifest.version) ?? null;
  if (existing?.state === 'submitted' && existing.bundle.sha256 === sha256 && existing.yaml === input.manifest) {
    await deps.pipelineQueue.enqueue({ agentId, version: existing.version, step: 'scan', bundle: sha256.slice(0, 16), poll: 0 });
    return developerVersionView(existing);
  }
  // Judged before the bundle is stored, so a refused submission leaves nothing behind (the
  // transaction below judges again, against a submission racing this one).
  const listing = await deps.catalog.getListing(agentId);
  if (listing && listing.publisher !== publisherId) throw notFound('Agent', 'agent_not_found');
  judgeSubmission(existing, manifest.version, versions.filter((v) => v.state === 'published').map((v) => v.version));
  const key = bundleKey(agentId, manifest.version, sha256);
  await deps.blobs.put(key, bytes, { contentType: BUNDLE_CONTENT_TYPE, maxBytes: MAX_BUNDLE_BYTES });
  const now = deps.clock.now();
  const by = actorId(principal!);
  const record: VersionRecord = withHistory(
    {
      agentId,
      publisherId,
      version: manifest.version,
      state: 'submitted',
      manifest,
      yaml: input.manifest,
      releaseNotes: input.releaseNotes ?? manifest.releaseNotes ?? null,
      submittedAt: now,
      submittedBy: by,
      bundle: { key, sha256, sizeBytes: bytes.length },
      scan: null,
      review: null,
      build: null,
      publishedAt: null,
      deprecated: null,
      yanked: null,
      history: [],
    },
    'submitted',
    by,
    now,
  );
  const draft: AgentListing = { ...listingOf(manifest, now), state: 'draft' };
  let stored: VersionRecord;
  try {
    stored = await deps.versions.submit(record, draft, (existing, published) => judgeSubmission(existing, manifest.version, published));
  } catch (err) {
    // The agent id is another publisher's: to this one it does not exist.
    if (err instanceof AppError && err.code === 'agent_id_taken') throw notFound('Agent', 'agent_not_found');
    throw err;
  }
  await deps.pipelineQueue.enqueue({ agentId, version: stored.version, step: 'scan', bundle: sha256.slice(0, 16), poll: 0 });
  if (uploaded) await deps.blobs.delete(uploaded).catch(() => undefined); // the bundle now lives under its hash
  return developerVersionView(stored);
}

/** An agent of this publisher, or 404. */
export async function requirePublisherAgent(deps: Pick<Deps, 'publishers' | 'catalog'>, principal: Principal | null, publisherId: string, agentId: string, permission: 'publisher.read' | 'versions.manage') {
  const access = await requirePublisher(deps, principal, publisherId, permission);
  const listing = await deps.catalog.getListing(agentId);
  // Another publisher's agent does not exist for this one.
  if (!listing || listing.publisher !== publisherId) throw notFound('Agent', 'agent_not_found');
  return { access, listing };
}

export async function listPublisherAgents(deps: Pick<Deps, 'publishers' | 'versions'>, principal: Principal | null, publisherId: string) {
  await requirePublisher(deps, principal, publisherId, 'publisher.read');
  const listings = await deps.versions.agentsOf(publisherId);
  return { items: await Promise.all(listings.map(async (l) => developerAgentView(l, await deps.versions.list(l.id)))) };
}

export async function listDeveloperVersions(deps: Pick<Deps, 'publishers' | 'versions' | 'catalog'>, principal: Principal | null, publisherId: string, agentId: string) {
  await requirePublisherAgent(deps, principal, publisherId, agentId, 'publisher.read');
  const versions = await deps.versions.list(agentId);
  return { items: versions.sort((a, b) => compareVersionsDesc(a.version, b.version)).map(developerVersionView) };
}

export async function getDeveloperVersion(deps: Pick<Deps, 'publishers' | 'versions' | 'catalog'>, principal: Principal | null, publisherId: string, agentId: string, version: string) {
  await requirePublisherAgent(deps, principal, publisherId, agentId, 'publisher.read');
  const record = await deps.versions.get(agentId, version);
  if (!record) throw notFound('Version', 'agent_version_not_found');
  return developerVersionView(record);
}
