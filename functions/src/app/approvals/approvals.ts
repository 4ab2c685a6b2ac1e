import type { Approval } from '@agent-marketplace/contract';
import { decide, lapse, type Actor } from '../../domain/approvals.js';
import { AppError, notFound } from '../../domain/errors.js';
import { isTerminal } from '../../domain/runState.js';
import type { Deps } from '../deps.js';
import type { PageRequest } from '../shared/paging.js';
import type { WorkspaceAccess } from '../shared/principal.js';
import { decided, entry, escalated, expired, requested } from './approvalEvents.js';
import type { ApprovalFilter, StoredApproval } from './ports.js';
import { settleRun, type SettleDeps } from './settleRun.js';

type ApprovalDeps = SettleDeps;

/** What the API shows: the stored approval without its internal fingerprint. */
export function approvalView(a: StoredApproval): Approval {
  const { basis: _basis, wsId: _wsId, agentVersion: _v, ...rest } = a;
  // Approvals stored before agents could make requests have no `request` field.
  return JSON.parse(JSON.stringify({ ...rest, request: rest.request ?? null })) as Approval;
}

export async function getApproval(deps: Pick<Deps, 'approvals'>, wsId: string, id: string): Promise<StoredApproval> {
  const a = await deps.approvals.get(wsId, id);
  if (!a) throw notFound('Approval', 'approval_not_found');
  return a;
}

export function listApprovals(deps: Pick<Deps, 'approvals'>, wsId: string, filter: ApprovalFilter, page: PageRequest) {
  return deps.approvals.list(wsId, filter, page);
}

function actorOf(access: WorkspaceAccess): Actor {
  const p = access.principal;
  if (p.kind !== 'user' || !access.role) throw new AppError('forbidden', 'approval_needs_person', 'Approvals are decided by members, not API keys.');
  return { uid: p.uid, role: access.role, name: p.name ?? p.email };
}

/**
 * A member's decision at their eligible level (domain/approvals.ts decide), logged and
 * published in the same transaction. When it was the last decision the run waited for, the
 * platform applies the approved proposals before answering.
 */
export async function decideApproval(
  deps: ApprovalDeps,
  access: WorkspaceAccess,
  id: string,
  input: { decision: 'approve' | 'reject'; comment: string },
): Promise<StoredApproval> {
  const actor = actorOf(access);
  const now = deps.clock.now();
  const { approval, run } = await deps.approvals.update(access.wsId, id, (a, run) => {
    if (a.state === 'pending' && run && isTerminal(run.state)) {
      throw new AppError('conflict', 'run_finished', `The run of this approval has ended (${run.state}); nothing will be applied.`);
    }
    const next = decide(a, actor, input.decision, input.comment, now);
    const d = { by: actor.uid, decision: input.decision, level: a.level, comment: input.comment };
    const events = [decided(next, now, d)];
    // Approved at one level with another to go: the next level's people are asked.
    if (next.state === 'pending' && next.level !== a.level) events.push(requested(next, now));
    return { next, log: [entry(next, 'decided', actor.uid, { decision: input.decision, level: a.level, comment: input.comment, state: next.state })], events };
  });
  if (approval.state !== 'pending' && run?.state === 'awaiting_approval' && (run.approvals?.pending ?? 0) === 0) {
    await settleRun(deps, access.wsId, approval.runId);
    return getApproval(deps, access.wsId, id);
  }
  return approval;
}

/** The same decision on several of a run's pending proposals: each is decided on its own, and a refusal says why. */
export async function decideRunApprovals(
  deps: ApprovalDeps,
  access: WorkspaceAccess,
  runId: string,
  input: { decision: 'approve' | 'reject'; comment: string; approvalIds?: string[] | undefined },
) {
  actorOf(access);
  const run = await deps.runs.get(access.wsId, runId);
  if (!run) throw notFound('Run', 'run_not_found');
  const all = await deps.approvals.listByRun(access.wsId, runId);
  const wanted = input.approvalIds ? new Set(input.approvalIds) : null;
  const targets = wanted ? all.filter((a) => wanted.has(a.id)) : all.filter((a) => a.state === 'pending');
  const results = [];
  for (const id of wanted ?? []) if (!all.some((a) => a.id === id)) results.push({ id, ok: false, error: { code: 'approval_not_found', message: 'Not a proposal of this run.' } });
  // One at a time: decisions of one run share its pending count, and the last one settles it.
  for (const a of targets) {
    try {
      const after = await decideApproval(deps, access, a.id, input);
      results.push({ id: a.id, ok: true, state: after.state });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      results.push({ id: a.id, ok: false, error: { code: err.code, message: err.message } });
    }
  }
  return { results };
}

/**
 * The SLA sweep (scheduled with the run watchdog): pending approvals past their level's due
 * time are escalated to the next level or expire, as their rule says; a run whose last
 * proposal expired is settled. Bounded batches; each change is its own guarded transaction.
 */
export async function sweepApprovals(deps: ApprovalDeps, options: { limit?: number } = {}): Promise<{ escalated: number; expired: number; chained: number }> {
  const now = deps.clock.now();
  const out = { escalated: 0, expired: 0, chained: await deps.approvals.chainQueued(now) };
  for (const due of await deps.approvals.due(now, options.limit ?? 200)) {
    try {
      const { approval, run, changed } = await deps.approvals.update(due.wsId, due.id, (a) => {
        const lapsed = lapse(a, now);
        if (!lapsed) return null;
        const { next, change } = lapsed;
        const data = { level: a.level, dueAt: a.dueAt?.toISOString() ?? null };
        return change === 'escalated'
          ? { next, log: [entry(next, 'escalated', 'platform', { ...data, toLevel: next.level })], events: [escalated(next, now), requested(next, now)] }
          : { next, log: [entry(next, 'expired', 'platform', data)], events: [expired(next, now)] };
      });
      if (!changed) continue;
      if (approval.state === 'expired') out.expired++;
      else out.escalated++;
      if (approval.state !== 'pending' && run?.state === 'awaiting_approval' && (run.approvals?.pending ?? 0) === 0) await settleRun(deps, due.wsId, due.runId);
    } catch (err) {
      console.error(JSON.stringify({ severity: 'ERROR', message: 'approval sweep: not handled', approvalId: due.id, wsId: due.wsId, error: String(err) }));
    }
  }
  return out;
}

/**
 * A run that ended without waiting (failed, canceled, timed out) takes its pending proposals
 * with it: they are withdrawn, logged, and nothing of them is applied.
 */
export async function withdrawProposals(deps: Pick<Deps, 'approvals' | 'clock'>, wsId: string, runId: string, why: string): Promise<number> {
  let n = 0;
  for (const a of await deps.approvals.listByRun(wsId, runId)) {
    if (a.state !== 'pending') continue;
    const { changed } = await deps.approvals.update(wsId, a.id, (current) =>
      current.state !== 'pending' ? null : { next: { ...current, state: 'withdrawn', dueAt: null, decidedAt: deps.clock.now() }, log: [entry(current, 'withdrawn', 'platform', { why })], events: [] },
    );
    if (changed) n++;
  }
  return n;
}
