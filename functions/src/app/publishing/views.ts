import type { AgentListing } from '../../domain/models.js';
import type { VersionRecord } from '../../domain/versions.js';
import { compareVersionsDesc } from '../../domain/versions.js';

/** What developers see of a version: everything but the bundle's storage key and the manifest copy. */
export function developerVersionView(v: VersionRecord) {
  return {
    agentId: v.agentId,
    publisherId: v.publisherId,
    version: v.version,
    state: v.state,
    releaseNotes: v.releaseNotes,
    submittedAt: v.submittedAt,
    submittedBy: v.submittedBy,
    bundle: { sha256: v.bundle.sha256, sizeBytes: v.bundle.sizeBytes },
    scan: v.scan,
    review: v.review,
    build: v.build ? { state: v.build.state, image: v.build.image, reason: v.build.reason, logUrl: v.build.logUrl } : null,
    publishedAt: v.publishedAt,
    deprecated: v.deprecated,
    yanked: v.yanked,
    history: v.history,
  };
}

export function developerAgentView(listing: AgentListing, versions: readonly VersionRecord[]) {
  return {
    id: listing.id,
    name: listing.name,
    state: listing.state,
    latestVersion: listing.state === 'draft' ? null : listing.latestVersion,
    versions: [...versions]
      .sort((a, b) => compareVersionsDesc(a.version, b.version))
      .map((v) => ({ version: v.version, state: v.state, deprecated: v.deprecated !== null, yanked: v.yanked !== null })),
  };
}
