import { canonicalJson, type ApprovalRequestAnswer, type ApprovalRequestIn } from '@agent-marketplace/contract/approvals';
import type { z } from 'zod';
import type { SandboxActionParams, SandboxOverride } from '@agent-marketplace/contract/sandbox';
import { dueAtOf, REQUEST_ACTION, ruleFor, type ManifestApproval } from '../../domain/approvals.js';
import { AppError } from '../../domain/errors.js';
import type { Install, Run } from '../../domain/models.js';
import type { Deps } from '../deps.js';
import { entry, requested } from './approvalEvents.js';
import type { StoredApproval } from './ports.js';
import { sha256 } from '../shared/credentials.js';
import { redactorFor } from '../runs/runSecrets.js';

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

/** Proposals and requests one run may make: each is a document, a log record and a notification. */
export const MAX_APPROVALS_PER_RUN = 200;

/** Proposals come from a live attempt only (not from a run that has ended or already waits), and a bounded number of them. */
function liveRunWithRoom(run: Run): void {
  if (run.state !== 'running' && run.state !== 'starting') {
    throw new AppError('conflict', 'run_finished', `The run is ${run.state}; it cannot propose actions now.`);
  }
  if ((run.approvals?.total ?? 0) >= MAX_APPROVALS_PER_RUN) {
    throw new AppError('unprocessable', 'too_many_approvals', `A run may make at most ${MAX_APPROVALS_PER_RUN} proposals and requests; this one has made them all.`);
  }
}

/**
 * What the agent wrote on a proposal (summary, reason, impact note) is stored, listed, logged
 * and notified: the run's secret values are redacted from it, in every form, as from its logs.
 * (An action's parameters are what will be applied: they are stored as given, as for any action.)
 */
async function redactedWords(deps: Pick<Deps, 'installs' | 'secrets'>, run: Run, words: Pick<StoredApproval, 'summary' | 'reason' | 'impact'>) {
  const r = await redactorFor(deps, run);
  if (!r.active) return words;
  return { summary: r.text(words.summary), reason: r.text(words.reason), impact: words.impact ? r.json(words.impact) : null };
}

/** A new approval of a run, pending at its first level under `rule`: what a proposal and a request share. */
function pendingApproval(
  run: Run,
  install: Install | null,
  rule: StoredApproval['rule'],
  now: Date,
  own: Pick<StoredApproval, 'id' | 'action' | 'request' | 'summary' | 'reason' | 'impact' | 'risk' | 'basis'>,
): StoredApproval {
  return {
    ...own,
    wsId: run.wsId,
    runId: run.id,
    installId: run.installId,
    agentId: run.agentId,
    agentVersion: run.agentVersion,
    requester: requesterOf(run, install),
    rule,
    state: 'pending',
    level: 0,
    dueAt: dueAtOf(rule.levels[0]!, now),
    decisions: [],
    result: null,
    createdAt: now,
    decidedAt: null,
  };
}

/** Who asked for the run: the member who triggered it, the member an API key acts for, or the owner of the install's schedules (who deployed it); null for a webhook. */
export function requesterOf(run: Run, install: Install | null): string | null {
  if (run.trigger.kind === 'manual') return run.trigger.by;
  if (run.trigger.kind === 'api') return run.trigger.onBehalfOf ?? null;
  if (run.trigger.kind === 'schedule') return install?.deployedBy ?? install?.createdBy ?? null;
  return null;
}

/**
 * An approval-gated action called by an agent: recorded as a proposal under the install's rule
 * for it, and not done. The agent's call answers "proposed"; the run waits for the decisions
 * when its code ends, and the platform applies what was approved (settleRun).
 */
export async function proposeAction(
  deps: Pick<Deps, 'approvals' | 'installs' | 'sandbox' | 'clock' | 'secrets'>,
  run: Run,
  gate: ManifestApproval,
  input: ProposalInput,
  params: SandboxActionParams,
  /** A connected cloud's resource, read by the caller: its basis. Absent: the sandbox's recorded changes are the basis. */
  known?: { basis: string },
): Promise<{ override: SandboxOverride; changed: false; proposal: { id: string; state: string } }> {
  const scope = `${input.kind}.${input.verb}`;
  const key = `${input.kind}/${input.resourceId}`;
  const [install, overrides] = await Promise.all([deps.installs.get(run.wsId, run.installId), known ? {} : deps.sandbox.get(run.wsId, [key])]);
  const current = (overrides as Record<string, SandboxOverride>)[key] ?? null;
  if (current?.deleted) throw new AppError('not_found', 'cloud_resource_not_found', `No ${input.kind} ${input.resourceId} in this account.`);
  const { rule } = ruleFor(gate, { rules: install?.approvalRules, shorthand: install?.approvalPolicy });
  const now = deps.clock.now();
  const told = await redactedWords(deps, run, { summary: input.summary ?? `${scope} on ${input.resourceId}`, reason: input.reason, impact: input.impact ?? null });
  const proposal = pendingApproval(run, install, rule, now, {
    id: proposalId(run.id, scope, input.resourceId, params),
    action: { scope, kind: input.kind, verb: input.verb, resourceId: input.resourceId, params: { ...params } },
    request: null,
    ...told,
    risk: gate.risk,
    basis: known?.basis ?? basisOf(current),
  });
  const { approval } = await deps.approvals.propose(
    proposal,
    liveRunWithRoom,
    [entry(proposal, 'requested', `run:${run.id}`, { action: scope, resourceId: input.resourceId, params, risk: gate.risk, levels: rule.levels.length, summary: proposal.summary })],
    [requested(proposal, now)],
  );
  return { override: current ?? {}, changed: false, proposal: { id: approval.id, state: approval.state } };
}

/** What the runner API answers an agent's request: pending, or decided with the decisions made. */
export function requestAnswer(a: StoredApproval): ApprovalRequestAnswer {
  return {
    approvalId: a.id,
    state: a.state,
    decided: a.state !== 'pending',
    approved: a.state === 'approved',
    decisions: a.decisions.map((d) => ({ ...d, at: d.at.toISOString() })),
  };
}

/**
 * An agent asking people before it goes on (`ctx.approval.request`). Recorded once per run and
 * key under the install's rule for the request's risk level; asked again (a resumed execution
 * repeating its code, a retried call), it answers what became of it. A pending answer makes the
 * runner suspend the run.
 */
export async function requestApproval(
  deps: Pick<Deps, 'approvals' | 'installs' | 'clock' | 'secrets'>,
  run: Run,
  input: z.output<typeof ApprovalRequestIn>,
): Promise<ApprovalRequestAnswer> {
  const id = sha256(`${run.id}\nrequest\n${input.key}`).slice(0, 32);
  const known = await deps.approvals.get(run.wsId, id);
  if (known) return requestAnswer(known);
  const install = await deps.installs.get(run.wsId, run.installId);
  // Requests have no action of their own: the install's rule for their risk level governs them.
  const gate: ManifestApproval = { action: REQUEST_ACTION, risk: input.risk, levels: 1, description: input.summary };
  const { rule } = ruleFor(gate, { rules: install?.approvalRules });
  const now = deps.clock.now();
  const told = await redactedWords(deps, run, { summary: input.summary, reason: input.reason, impact: input.impact ?? null });
  // The key is the agent's words too: shown redacted (the id above is made from the key as sent).
  const redactor = await redactorFor(deps, run);
  const shown = { key: redactor.text(input.key), details: redactor.json(input.details) };
  const request = pendingApproval(run, install, rule, now, { id, action: null, request: shown, ...told, risk: input.risk, basis: '' });
  const { approval } = await deps.approvals.propose(
    request,
    liveRunWithRoom,
    [entry(request, 'requested', `run:${run.id}`, { request: shown.key, risk: input.risk, levels: rule.levels.length, summary: request.summary })],
    [requested(request, now)],
  );
  return requestAnswer(approval);
}
