import { AppError } from './errors.js';
import type { Manifest } from './manifest.js';
import type { AgentListing, AgentVersion } from './models.js';

/**
 * What publishing a version writes, given what is stored: the listing (marketplace counters and
 * ratings carried over: they belong to the marketplace, not the publisher) and the version.
 * An agent id belongs to its first publisher; a published version is immutable, so publishing
 * it again is fine only with the same agent.yaml, and keeps its date.
 */
export function publication(
  stored: { listing: AgentListing | null; version: AgentVersion | null },
  listing: AgentListing,
  manifest: Manifest,
  yaml: string,
): { listing: AgentListing; version: AgentVersion } {
  const prev = stored.listing;
  if (prev && prev.publisher !== listing.publisher) {
    throw new AppError('conflict', 'agent_id_taken', `The agent id ${listing.id} belongs to another publisher.`);
  }
  if (stored.version && stored.version.yaml !== yaml) {
    throw new AppError('conflict', 'version_exists', `${listing.id}@${manifest.version} is already published with different contents; publish a new version.`);
  }
  const publishedAt = stored.version?.publishedAt ?? listing.publishedAt;
  return {
    listing: {
      ...listing,
      publishedAt: prev && prev.latestVersion === listing.latestVersion ? prev.publishedAt : publishedAt,
      installCount: prev?.installCount ?? 0,
      ratingAvg: prev?.ratingAvg ?? 0,
      ratingCount: prev?.ratingCount ?? 0,
      ratingSum: prev?.ratingSum ?? 0,
    },
    version: { version: manifest.version, manifest, yaml, releaseNotes: manifest.releaseNotes ?? null, publishedAt },
  };
}
