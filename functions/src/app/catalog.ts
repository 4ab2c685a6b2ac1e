import { notFound } from '../domain/errors.js';
import type { Deps, PageRequest } from './ports.js';

export function listAgents(deps: Pick<Deps, 'catalog'>, page: PageRequest) {
  return deps.catalog.listPublished(page);
}

/** A published agent with its latest manifest; drafts and suspended agents do not exist publicly. */
export async function getAgent(deps: Pick<Deps, 'catalog'>, agentId: string) {
  const listing = await deps.catalog.getListing(agentId);
  if (!listing || listing.state !== 'published') throw notFound('Agent', 'agent_not_found');
  const manifest = await deps.catalog.getVersion(agentId, listing.latestVersion);
  if (!manifest) throw notFound('Agent version', 'agent_version_not_found');
  return { listing, manifest };
}
