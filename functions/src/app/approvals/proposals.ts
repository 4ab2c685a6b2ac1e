import { canonicalJson } from '@agent-marketplace/contract/approvals';
import type { SandboxActionParams, SandboxOverride } from '@agent-marketplace/contract/sandbox';
import { dueAtOf, ruleFor, type ManifestApproval } from '../../domain/approvals.js';
import { AppError } from '../../domain/errors.js';
import type { Install, Run } from '../../domain/models.js';
import type { Deps } from '../deps.js';
import { entry, requested } from './approvalEvents.js';
import type { StoredApproval } from './ports.js';
import { sha256 } from '../shared/credentials.js';

export interface ProposalInput {
  kind: string;
  verb: string;
  resourceId: string;
  reason: string;
  summary?: string | undefined;
  impact?: StoredApproval['impact'] | undefined;
}

/** One id per run, action, resource and parameters: proposing the same thing again in a run (a retried call, a resumed run) is the same proposal. */
export const proposalId = (runId: string, scope: string, resourceId: string, params: SandboxActionParams) =>
  sha256(`${runId}\n${scope}\n${resourceId}\n${canonicalJson(params)}`).slice(0, 32);

/** The resource's recorded state, as a fingerprint: what a proposal was made against. */
export const basisOf = (override: SandboxOverride | null) => sha256(canonicalJson(override ?? {})).slice(0, 32);

/** Who asked for the run: the member who triggered it, or the owner of the install's schedules (who deployed it); null for a webhook or an API key. */
export function requesterOf(run: Run, install: Install | null): string | null {
  if (run.trigger.kind === 'manual') return run.trigger.by;
  if (run.trigger.kind === 'schedule') return install?.deployedBy ?? install?.createdBy ?? null;
  return null;
}

/**
 * An approval-gated action called by an agent: recorded as a proposal under the install's rule
 * for it, and not done. The agent's call answers "proposed"; the run waits for the decisions
 * when its code ends, and the platform applies what was approved (settleRun).
 */
export async function proposeAction(
  deps: Pick<Deps, 'approvals' | 'installs' | 'sandbox' | 'clock'>,
  run: Run,
  gate: ManifestApproval,
  input: ProposalInput,
  params: SandboxActionParams,
): Promise<{ override: SandboxOverride; changed: false; proposal: { id: string; state: string } }> {
  const scope = `${input.kind}.${input.verb}`;
  const key = `${input.kind}/${input.resourceId}`;
  const [install, overrides] = await Promise.all([deps.installs.get(run.wsId, run.installId), deps.sandbox.get(run.wsId, [key])]);
  const current = overrides[key] ?? null;
  if (current?.deleted) throw new AppError('not_found', 'cloud_resource_not_found', `No ${input.kind} ${input.resourceId} in this account.`);
  const { rule } = ruleFor(gate, { rules: install?.approvalRules, shorthand: install?.approvalPolicy });
  const now = deps.clock.now();
  const proposal: StoredApproval = {
    id: proposalId(run.id, scope, input.resourceId, params),
    wsId: run.wsId,
    runId: run.id,
    installId: run.installId,
    agentId: run.agentId,
    agentVersion: run.agentVersion,
    action: { scope, kind: input.kind, verb: input.verb, resourceId: input.resourceId, params: { ...params } },
    summary: input.summary ?? `${scope} on ${input.resourceId}`,
    reason: input.reason,
    risk: gate.risk,
    impact: input.impact ?? null,
    requester: requesterOf(run, install),
    rule,
    state: 'pending',
    level: 0,
    dueAt: dueAtOf(rule.levels[0]!, now),
    decisions: [],
    result: null,
    basis: basisOf(current),
    createdAt: now,
    decidedAt: null,
  };
  const { approval } = await deps.approvals.propose(
    proposal,
    (stored) => {
      // Proposals come from a live attempt only: not from a run that has ended or already waits.
      if (stored.state !== 'running' && stored.state !== 'starting') {
        throw new AppError('conflict', 'run_finished', `The run is ${stored.state}; it cannot propose actions now.`);
      }
    },
    [entry(proposal, 'requested', `run:${run.id}`, { action: scope, resourceId: input.resourceId, params, risk: gate.risk, levels: rule.levels.length, summary: proposal.summary })],
    [requested(proposal, now)],
  );
  return { override: current ?? {}, changed: false, proposal: { id: approval.id, state: approval.state } };
}
