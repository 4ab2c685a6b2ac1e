import type { CatalogPlan } from '../../domain/catalogSearch.js';
import type { Manifest } from '../../domain/manifest.js';
import type { AgentListing, AgentVersion, Review } from '../../domain/models.js';
import type { Page, PageRequest } from '../shared/paging.js';

/** What the catalog use cases (search, agents, versions, reviews, publishing) need. */
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
