import type { Manifest } from '../../domain/manifest.js';
import type { Run } from '../../domain/models.js';
import type { Deps } from '../deps.js';
import type { StoredApproval } from '../approvals/ports.js';
import { memoryPolicyOf } from './policy.js';
import { storeTask } from './runMemory.js';

/**
 * What people decided about an agent's proposals, kept in its install's task memory when the
 * manifest declares task memory (docs/memory.md "Decisions"): `decisions/rejected/<kind>/<resource>`,
 * so a later run can leave alone what a person said no to. The platform writes it: an agent
 * never sees the decisions on its own proposals (they come after its code ended).
 */
export const REJECTED_PREFIX = 'decisions/rejected/';

/** A task key for a resource: task keys allow `[A-Za-z0-9._:/-]`, at most 200 characters. */
export function rejectedKey(kind: string, resourceId: string): string {
  const safe = `${kind}/${resourceId}`.replace(/[^A-Za-z0-9._:/-]/g, '_').replace(/\.\.+/g, '_').replace(/^\/+/, '');
  return `${REJECTED_PREFIX}${safe}`.slice(0, 200);
}

export async function rememberRejections(deps: Pick<Deps, 'memory' | 'workspaces' | 'clock'>, run: Run, manifest: Manifest | null, approvals: readonly StoredApproval[]): Promise<void> {
  if (!manifest?.memory.includes('task')) return;
  const scope = { wsId: run.wsId, installId: run.installId };
  const rejected = approvals.filter((a) => a.state === 'rejected' && a.action);
  if (rejected.length === 0) return;
  const policy = await memoryPolicyOf(deps, scope);
  for (const a of rejected) {
    if (!a.action) continue;
    const rejection = a.decisions.find((d) => d.decision === 'reject');
    const value = {
      action: a.action.scope,
      resourceId: a.action.resourceId,
      rejectedAt: (rejection?.at ?? deps.clock.now()).toISOString(),
      by: rejection?.byName ?? rejection?.by ?? null,
      comment: rejection?.comment ?? '',
      runId: run.id,
      approvalId: a.id,
    };
    const key = rejectedKey(a.action.kind, a.action.resourceId);
    // Settling may run more than once: the same approval is written once. Otherwise it is written
    // as an agent's put (last write wins).
    await storeTask(deps, scope, policy, key, (current) => ((current?.value as { approvalId?: string } | undefined)?.approvalId === a.id ? null : { value }));
  }
}
