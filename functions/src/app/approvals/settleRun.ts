import { AppError } from '../../domain/errors.js';
import { limitsFor } from '../../domain/runLimits.js';
import { nextAttempt } from '../../domain/nextAttempt.js';
import { watchQueued, watchSettling } from '../../domain/runWatch.js';
import type { Install, Run } from '../../domain/models.js';
import type { Manifest } from '../../domain/manifest.js';
import { applySandboxAction, checkSandboxAction } from '../../domain/sandboxPolicy.js';
import type { Deps } from '../deps.js';
import { entry } from './approvalEvents.js';
import type { StoredApproval } from './ports.js';
import { basisOf } from './proposals.js';
import { applyApprovedOnCloud } from '../cloud/runCloud.js';
import { rememberRejections } from '../memory/decisionMemory.js';

export type SettleDeps = Pick<Deps, 'runs' | 'approvals' | 'catalog' | 'installs' | 'sandbox' | 'clock' | 'workspaces' | 'dispatchQueue' | 'config' | 'connections' | 'cloudProviders' | 'memory'>;
type Result = NonNullable<StoredApproval['result']>;

/**
 * Applies one approved proposal through the same server-side path as any action, checked
 * again: the manifest must still grant it, the install must still consent to it and be
 * active, and the resource must be as it was when proposed (else skipped, with the reason).
 */
async function applyApproved(deps: SettleDeps, run: Run, manifest: Manifest | null, install: Install | null, a: StoredApproval & { action: NonNullable<StoredApproval['action']> }): Promise<Result> {
  const at = deps.clock.now();
  const skipped = (reason: string): Result => ({ outcome: 'skipped', reason, at });
  if (!manifest) return skipped('agent_version_gone');
  if (!install || install.state !== 'active') return skipped(`install_${install?.state ?? 'gone'}`);
  if (!install.consent?.scopes.includes(a.action.scope)) return skipped('consent_withdrawn');
  let params;
  try {
    ({ params } = checkSandboxAction(manifest, { kind: a.action.kind, verb: a.action.verb as never, resourceId: a.action.resourceId, params: a.action.params }));
  } catch (err) {
    return skipped(err instanceof AppError ? err.code : 'action_refused');
  }
  if (install.connection) {
    try {
      await applyApprovedOnCloud(deps, run, install, install.consent.scopes, { ...a.action, verb: a.action.verb as never }, a.basis);
      return { outcome: 'applied', reason: null, at };
    } catch (err) {
      if (err instanceof AppError && (err.code === 'resource_changed' || err.code === 'resource_gone')) return skipped(err.code);
      return { outcome: 'failed', reason: err instanceof Error ? err.message.slice(0, 300) : 'apply_failed', at };
    }
  }
  try {
    await deps.sandbox.change(
      run.wsId,
      `${a.action.kind}/${a.action.resourceId}`,
      (current) => {
        // In the same transaction as the change: nobody slips a change in between.
        if (current?.deleted) throw new AppError('conflict', 'resource_gone', 'The resource no longer exists.');
        if (basisOf(current) !== a.basis) throw new AppError('conflict', 'resource_changed', 'The resource changed since the proposal.');
        return applySandboxAction(current, { kind: a.action.kind, verb: a.action.verb as never, resourceId: a.action.resourceId }, params);
      },
      { runId: run.id, action: a.action.scope, reason: `${a.reason} (approved: ${a.id})`, at },
    );
    return { outcome: 'applied', reason: null, at };
  } catch (err) {
    if (err instanceof AppError && (err.code === 'resource_changed' || err.code === 'resource_gone')) return skipped(err.code);
    return { outcome: 'failed', reason: err instanceof Error ? err.message.slice(0, 300) : 'apply_failed', at };
  }
}

const item = (a: StoredApproval) => ({
  approvalId: a.id,
  ...(a.action ? { action: a.action.scope, resourceId: a.action.resourceId } : { request: a.request?.key ?? a.id }),
  summary: a.summary,
  ...(a.result?.reason ? { reason: a.result.reason } : {}),
  ...(a.decisions.length ? { decidedBy: a.decisions.map((d) => d.by) } : {}),
});

/** The run's outputs' `approvals` part: what was applied, rejected, expired, skipped or failed; the agent's own requests it was granted. */
export function approvalOutputs(approvals: StoredApproval[]) {
  const of = (pred: (a: StoredApproval) => boolean) => approvals.filter(pred).map(item);
  return {
    applied: of((a) => a.result?.outcome === 'applied'),
    granted: of((a) => !a.action && a.state === 'approved'),
    rejected: of((a) => a.state === 'rejected'),
    expired: of((a) => a.state === 'expired'),
    skipped: of((a) => a.result?.outcome === 'skipped'),
    failed: of((a) => a.result?.outcome === 'failed'),
  };
}

/**
 * A run waiting for approvals with none pending any more: the platform applies the approved
 * proposals itself and the run succeeds, its outputs listing what became of each. Safe to call
 * from anywhere and more than once (a decision, the SLA sweep, the watchdog): applied proposals
 * carry their result, and the final transition is guarded.
 */
export async function settleRun(deps: SettleDeps, wsId: string, runId: string): Promise<Run | null> {
  const run = await deps.runs.get(wsId, runId);
  if (!run || run.state !== 'awaiting_approval' || (run.approvals?.pending ?? 0) > 0) return run;
  const [approvals, manifest, install] = await Promise.all([
    deps.approvals.listByRun(wsId, runId),
    deps.catalog.getVersion(run.agentId, run.agentVersion),
    deps.installs.get(wsId, run.installId),
  ]);
  const settled: StoredApproval[] = [];
  for (const a of approvals) {
    // An agent's own request is answered to the agent, not applied by the platform.
    if (a.state !== 'approved' || a.result || !a.action) {
      settled.push(a);
      continue;
    }
    const result = await applyApproved(deps, run, manifest, install, { ...a, action: a.action });
    const { approval } = await deps.approvals.update(wsId, a.id, (current) =>
      current.result ? null : { next: { ...current, result }, log: [entry(current, result.outcome, 'platform', { reason: result.reason })], events: [] },
    );
    settled.push(approval);
  }
  // Kept for the agent's next runs, whatever becomes of this one (docs/memory.md "Decisions").
  await rememberRejections(deps, run, manifest, settled);
  if (run.suspended) return resumeRun(deps, run, install);
  const now = deps.clock.now();
  const outputs = { ...(run.outputs ?? {}), approvals: approvalOutputs(settled) };
  const ended = await deps.runs.transition(wsId, runId, {
    from: ['awaiting_approval'],
    to: 'succeeded',
    reason: 'approvals_settled',
    guard: (current) => (current.approvals?.pending ?? 0) === 0,
    patch: () => ({ outputs, finishedAt: now, progress: { percent: 100, message: 'Done' } }),
  });
  return ended.run;
}

/**
 * A suspended run whose approvals are all decided: a new attempt resumes the agent (its
 * `ctx.approval.request` then answers the recorded decision). The run is admitted again under
 * the workspace's and the install's concurrency limits; while a pool is full it keeps waiting,
 * says so, and the watchdog tries again. The month quota is not charged twice.
 */
async function resumeRun(deps: SettleDeps, run: Run, install: Install | null): Promise<Run | null> {
  const workspace = await deps.workspaces.get(run.wsId);
  if (!workspace) return run;
  const now = deps.clock.now();
  const moved = await deps.runs.transition(run.wsId, run.id, {
    from: ['awaiting_approval'],
    to: 'queued',
    reason: 'approvals_decided_resume',
    guard: (current) => Boolean(current.suspended) && (current.approvals?.pending ?? 0) === 0,
    readmit: { concurrentRuns: limitsFor(workspace).concurrentRuns, installConcurrency: install?.runPolicy?.concurrency ?? null },
    patch: (current) => ({
      ...nextAttempt(current),
      resumes: (current.resumes ?? 0) + 1,
      suspended: false,
      error: null,
      progress: { percent: current.progress?.percent ?? 0, message: 'Approvals decided; resuming' },
      watchAt: watchQueued(now, deps.config),
    }),
  });
  if (!moved.applied) {
    if (moved.full && moved.run.state === 'awaiting_approval') {
      const message = moved.full === 'workspace' ? 'Approvals decided; waiting for a free run slot in this workspace' : "Approvals decided; waiting for a free slot under this install's concurrency limit";
      await deps.runs.touchIf(run.wsId, run.id, { state: 'awaiting_approval', attempt: moved.run.attempt }, { watchAt: watchSettling(now), progress: { percent: moved.run.progress?.percent ?? 0, message } });
    }
    return moved.run;
  }
  // A failed enqueue is not lost: the run's watchAt brings the watchdog back to redeliver it.
  await deps.dispatchQueue
    .enqueue({ wsId: run.wsId, runId: run.id, attempt: moved.run.attempt })
    .catch((err: unknown) => console.error(JSON.stringify({ severity: 'WARNING', message: 'resume enqueue failed; the watchdog will redeliver', runId: run.id, error: String(err) })));
  return moved.run;
}
