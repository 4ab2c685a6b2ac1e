import { AppError, notFound } from '../../domain/errors.js';
import { compareVersionsDesc, newScopes, review } from '../../domain/versions.js';
import type { Deps } from '../deps.js';
import { actorId, type Principal } from '../shared/principal.js';
import { notifyDevelopers } from './developerNotices.js';
import { developerVersionView } from './views.js';

/**
 * Manual review by platform admins (docs/publishing.md "Review"): the queue of versions that
 * passed their scan, and the decision. Approval queues the build; the developers hear either way.
 */
type ReviewDeps = Pick<Deps, 'platformAdmins' | 'versions' | 'pipelineQueue' | 'publishers' | 'notifiers' | 'clock'>;

const QUEUE_LIMIT = 100;

async function requireAdmin(deps: Pick<Deps, 'platformAdmins'>, principal: Principal | null): Promise<string> {
  if (principal?.kind !== 'user' || !(await deps.platformAdmins.isAdmin(principal.uid))) {
    throw new AppError('forbidden', 'platform_admin_required', 'Only platform admins review versions.');
  }
  return principal.uid;
}

export async function listReviewQueue(deps: ReviewDeps, principal: Principal | null) {
  await requireAdmin(deps, principal);
  const queue = await deps.versions.reviewQueue(QUEUE_LIMIT);
  const items = await Promise.all(
    queue.map(async (v) => {
      const published = (await deps.versions.list(v.agentId)).filter((o) => o.state === 'published').sort((a, b) => compareVersionsDesc(a.version, b.version));
      return {
        agentId: v.agentId,
        publisherId: v.publisherId,
        version: v.version,
        submittedAt: v.submittedAt,
        submittedBy: v.submittedBy,
        scan: v.scan,
        newScopes: newScopes(published[0]?.manifest ?? null, v.manifest),
      };
    }),
  );
  return { items };
}

export async function decideVersion(deps: ReviewDeps, principal: Principal | null, agentId: string, version: string, decision: 'approved' | 'changes_requested', comments: string) {
  await requireAdmin(deps, principal);
  const current = await deps.versions.get(agentId, version);
  if (!current) throw notFound('Version', 'agent_version_not_found');
  const by = actorId(principal!);
  // Approving again an approved version that has not built yet re-queues its build: the way out
  // when the first approval's enqueue failed after its decision was stored (the task id dedupes).
  if (decision === 'approved' && current.state === 'approved' && current.build?.state !== 'succeeded') {
    await deps.pipelineQueue.enqueue({ agentId, version, step: 'build', bundle: current.bundle.sha256.slice(0, 16), poll: 0 });
    return developerVersionView(current);
  }
  const stored = await deps.versions.update(agentId, version, (v) => review(v, decision, comments, by, deps.clock.now()));
  if (decision === 'approved') {
    await deps.pipelineQueue.enqueue({ agentId, version, step: 'build', bundle: stored.bundle.sha256.slice(0, 16), poll: 0 });
    await notifyDevelopers(deps, stored, { subject: `${agentId}@${version} is approved`, body: `${comments ? `Reviewer's comments:\n${comments}\n\n` : ''}Its image is being built; it is published once its job is ready.` });
  } else {
    await notifyDevelopers(deps, stored, { subject: `${agentId}@${version}: changes requested`, body: `Reviewer's comments:\n${comments}\n\nSubmit the version again with the changes.` });
  }
  return developerVersionView(stored);
}
