import { notFound } from '../../domain/errors.js';
import type { LifecycleAction } from '../../domain/versions.js';
import { applyLifecycle } from '../../domain/versions.js';
import { listingOf } from '../catalog/publishAgent.js';
import type { Deps } from '../deps.js';
import { actorId, type Principal } from '../shared/principal.js';
import { requirePublisherAgent } from './submissions.js';
import { developerVersionView } from './views.js';

/**
 * Deprecating and yanking a published version (docs/publishing.md "Versions"). Both re-derive
 * the listing: the catalog shows the newest installable version. A yanked version cannot be
 * newly installed; installs pinned to it keep running it and are told to upgrade.
 */
export async function changeVersionLifecycle(
  deps: Pick<Deps, 'publishers' | 'catalog' | 'versions' | 'clock'>,
  principal: Principal | null,
  publisherId: string,
  agentId: string,
  version: string,
  action: LifecycleAction,
) {
  await requirePublisherAgent(deps, principal, publisherId, agentId, 'versions.manage');
  if (!(await deps.versions.get(agentId, version))) throw notFound('Version', 'agent_version_not_found');
  const now = deps.clock.now();
  const stored = await deps.versions.updateAndRelist(agentId, version, (v) => applyLifecycle(v, action, actorId(principal!), now), (manifest, latest) => ({
    ...listingOf(manifest, now),
    latestVersion: latest,
  }));
  return developerVersionView(stored);
}
