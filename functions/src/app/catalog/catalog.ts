import { planCatalogQuery, type CatalogQuery } from '../../domain/catalogSearch.js';
import { publicAuthorName } from '../../domain/authorName.js';
import { AppError, notFound } from '../../domain/errors.js';
import { permissionsByRisk, type Manifest } from '../../domain/manifest.js';
import type { AgentListing, Review } from '../../domain/models.js';
import type { Deps } from '../deps.js';
import type { PageRequest } from '../shared/paging.js';

/** Search, filters and sorts over published agents (see domain/catalogSearch). */
export function searchAgents(deps: Pick<Deps, 'catalog'>, query: CatalogQuery) {
  return deps.catalog.search(planCatalogQuery(query), query.limit, query.cursor);
}

async function publishedListing(deps: Pick<Deps, 'catalog'>, agentId: string): Promise<AgentListing> {
  const listing = await deps.catalog.getListing(agentId);
  // Drafts and suspended agents do not exist publicly.
  if (!listing || listing.state !== 'published') throw notFound('Agent', 'agent_not_found');
  return listing;
}

/** What the manifest viewer shows: risk-grouped permissions, secrets, gated actions, resources, pricing. */
export function manifestView(manifest: Manifest) {
  return {
    permissionsByRisk: permissionsByRisk(manifest),
    secrets: manifest.secrets,
    approvals: manifest.approvals,
    resources: manifest.resources,
    pricing: manifest.pricing,
    memory: manifest.memory,
    llm: manifest.llm ?? null,
    inputs: manifest.inputs,
    config: manifest.config,
  };
}

/** A published agent with its latest manifest, the viewer data and the raw YAML. */
export async function getAgent(deps: Pick<Deps, 'catalog'>, agentId: string) {
  const listing = await publishedListing(deps, agentId);
  const version = await deps.catalog.getVersionDoc(agentId, listing.latestVersion);
  const manifest = await deps.catalog.getVersion(agentId, listing.latestVersion);
  if (!version || !manifest) throw notFound('Agent version', 'agent_version_not_found');
  return { listing, manifest, yaml: version.yaml, view: manifestView(manifest) };
}

export async function listVersions(deps: Pick<Deps, 'catalog'>, agentId: string) {
  await publishedListing(deps, agentId);
  return deps.catalog.listVersions(agentId);
}

export async function getVersion(deps: Pick<Deps, 'catalog'>, agentId: string, version: string) {
  await publishedListing(deps, agentId);
  const doc = await deps.catalog.getVersionDoc(agentId, version);
  const manifest = await deps.catalog.getVersion(agentId, version);
  if (!doc || !manifest) throw notFound('Agent version', 'agent_version_not_found');
  return { ...doc, manifest, view: manifestView(manifest) };
}

/** One review per user, editable, only by a member of a workspace that installed the agent. */
export async function putReview(
  deps: Pick<Deps, 'catalog' | 'workspaces' | 'clock'>,
  user: { uid: string; name: string | null },
  agentId: string,
  input: { rating: number; text: string },
) {
  await publishedListing(deps, agentId);
  if (!(await deps.workspaces.userHasInstalled(user.uid, agentId))) {
    throw new AppError('forbidden', 'review_requires_install', 'Only members of a workspace that installed this agent can review it.');
  }
  const now = deps.clock.now();
  const review: Review = {
    agentId,
    uid: user.uid,
    // Public: never anything derived from the email address.
    authorName: publicAuthorName(user.name),
    rating: input.rating,
    text: input.text,
    createdAt: now,
    updatedAt: now,
  };
  return deps.catalog.putReview(review);
}

export async function listReviews(deps: Pick<Deps, 'catalog'>, agentId: string, page: PageRequest) {
  await publishedListing(deps, agentId);
  return deps.catalog.listReviews(agentId, page);
}
