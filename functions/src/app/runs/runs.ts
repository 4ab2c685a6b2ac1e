import { AppError, notFound } from '../../domain/errors.js';
import type { LogChunk, Run, RunTrigger } from '../../domain/models.js';
import { validateAgainst } from '../../domain/jsonSchema.js';
import { checkPaymentStanding } from '../../domain/billingAccount.js';
import { limitsFor } from '../../domain/runLimits.js';
import { admitSpend } from '../billing/spend.js';
import { DEFAULT_RUN_POLICY } from '../../domain/runPolicy.js';
import { runRefusal } from '../../domain/runnable.js';
import { watchQueued } from '../../domain/runWatch.js';
import { getInstall } from '../installs/installs.js';
import type { Deps } from '../deps.js';
import { withdrawProposals } from '../approvals/approvals.js';
import type { PageRequest } from '../shared/paging.js';
import type { RunFilter } from './ports.js';
import { actorId, type WorkspaceAccess } from '../shared/principal.js';
import { newId } from '../shared/credentials.js';

/**
 * Creates a queued run for an install and hands it to the dispatch queue. The run is admitted
 * against the workspace's plan quotas and the install's concurrency in the write that creates
 * it (domain/runAdmission.ts): over a limit, nothing is created and the caller gets 429 with
 * Retry-After.
 */
export async function triggerRun(
  deps: Pick<Deps, 'installs' | 'runs' | 'dispatchQueue' | 'clock' | 'catalog' | 'workspaces' | 'config' | 'usage'>,
  access: WorkspaceAccess,
  input: {
    installId: string;
    input?: Record<string, unknown> | undefined;
    trigger?: RunTrigger | undefined;
    /** A deterministic id (scheduled slots): a second create for it fails with `run_exists`. */
    runId?: string | undefined;
    /**
     * `runId` was fixed by an Idempotency-Key: a run already under it is this request's earlier
     * attempt, answered again (`resumed`: an earlier attempt may have created it).
     */
    sameRequest?: { resumed: boolean } | undefined;
  },
): Promise<Run> {
  const earlier = async () => {
    const run = input.runId ? await deps.runs.get(access.wsId, input.runId) : null;
    // Queued with perhaps no task behind it (the attempt died before enqueueing): the task id is fixed, so this adds none twice.
    if (run?.state === 'queued') await deps.dispatchQueue.enqueue({ wsId: run.wsId, runId: run.id, attempt: run.attempt }).catch(() => undefined);
    return run;
  };
  if (input.sameRequest?.resumed) {
    const found = await earlier();
    if (found) return found;
  }
  // The install and the workspace (its limits) are read together; the manifest needs the install.
  const [install, workspace] = await Promise.all([getInstall(deps, access.wsId, input.installId), deps.workspaces.get(access.wsId)]);
  if (install.state === 'draft') throw new AppError('precondition', 'install_not_deployed', 'Finish and deploy this install before running it.');
  // The listing is read beside the version: a suspended agent's installs run nothing.
  const [manifest, listing] = await Promise.all([deps.catalog.getVersion(install.agentId, install.version), deps.catalog.getListing(install.agentId)]);
  const refusal = runRefusal(install, listing);
  if (refusal) throw new AppError('precondition', refusal.code, refusal.message);
  if (!manifest) throw new AppError('not_found', 'agent_version_not_found', `${install.agentId}@${install.version} is no longer available.`);
  const issues = validateAgainst(manifest.inputs, input.input ?? {}, 'body.input');
  if (issues.length > 0) {
    throw new AppError('invalid', 'input_invalid', `The run input does not match ${manifest.id}'s inputs schema: ${issues[0]!.path} ${issues[0]!.message}`, {
      issues,
    });
  }
  if (!workspace) throw notFound('Workspace', 'workspace_not_found');
  // Past due: paid agents start no new runs until the workspace pays (402 payment_past_due).
  checkPaymentStanding(workspace.billing, manifest.pricing);
  // Spend caps may refuse it (402 spend_cap_reached); the estimate it was admitted with is kept.
  const estimate = await admitSpend(deps, workspace, install, manifest);
  const policy = install.runPolicy ?? DEFAULT_RUN_POLICY;
  const now = deps.clock.now();
  const trigger: RunTrigger = input.trigger ?? {
    kind: access.principal.kind === 'apiKey' ? 'api' : 'manual',
    by: actorId(access.principal),
    ...(access.principal.kind === 'apiKey' ? { onBehalfOf: access.principal.actsFor } : {}),
  };
  if (trigger.kind === 'manual' && !install.triggers.manual) {
    throw new AppError('precondition', 'manual_runs_disabled', 'Manual runs are turned off for this install.');
  }
  const run: Run = {
    id: input.runId ?? newId(),
    wsId: access.wsId,
    installId: install.id,
    agentId: install.agentId,
    agentVersion: install.version,
    state: 'queued',
    attempt: 1,
    trigger,
    input: input.input ?? {},
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    finishedAt: null,
    heartbeatAt: null,
    progress: null,
    outputs: null,
    error: null,
    eventCount: 0,
    lease: null,
    executionId: null,
    runnerTokenHash: null,
    timeoutSeconds: manifest.resources.timeoutSeconds,
    maxAttempts: policy.maxAttempts,
    backoffSeconds: policy.backoffSeconds,
    deadlineAt: null,
    watchAt: watchQueued(now, deps.config),
    slots: [],
    redeliveries: 0,
    usage: null,
    estimate,
  };
  try {
    await deps.runs.create(run, { limits: limitsFor(workspace), installConcurrency: policy.concurrency });
  } catch (err) {
    // A concurrent attempt of the same request (one that outlived its lease) created it first.
    const found = input.sameRequest && err instanceof AppError && err.code === 'run_exists' ? await earlier() : null;
    if (found) return found;
    throw err;
  }
  try {
    await deps.dispatchQueue.enqueue({ wsId: run.wsId, runId: run.id, attempt: run.attempt });
  } catch (err) {
    // The run must not sit in `queued` with no task behind it: fail it with the reason.
    await deps.runs.transition(run.wsId, run.id, {
      from: ['queued'],
      to: 'failed',
      reason: 'enqueue_failed',
      patch: () => ({
        finishedAt: deps.clock.now(),
        error: { code: 'enqueue_failed', message: 'The run could not be queued for dispatch.' },
      }),
    });
    throw new AppError('unavailable', 'dispatch_unavailable', `The run queue is unavailable: ${(err as Error).message}`, {
      retryAfterSeconds: 5,
    });
  }
  return run;
}

export async function getRun(deps: Pick<Deps, 'runs'>, wsId: string, runId: string): Promise<Run> {
  const run = await deps.runs.get(wsId, runId);
  if (!run) throw notFound('Run', 'run_not_found');
  return run;
}

export function listRuns(deps: Pick<Deps, 'runs'>, wsId: string, filter: RunFilter, page: PageRequest) {
  return deps.runs.list(wsId, filter, page);
}

/** Log lines after a chunk sequence number, in order, with the cursor to continue from. */
export async function listRunLogs(
  deps: Pick<Deps, 'runs' | 'runLogs'>,
  wsId: string,
  runId: string,
  after: number,
  limitChunks: number,
): Promise<{ chunks: LogChunk[]; next: number }> {
  await getRun(deps, wsId, runId);
  const chunks = await deps.runLogs.listLogChunks(wsId, runId, after, limitChunks);
  const last = chunks.at(-1);
  return { chunks, next: last ? last.seq : after };
}

export async function listRunEvents(deps: Pick<Deps, 'runs'>, wsId: string, runId: string) {
  await getRun(deps, wsId, runId);
  return deps.runs.listEvents(wsId, runId);
}

/**
 * Cancels a run that has not finished: a queued one never starts (dispatch finds it canceled),
 * a started one has its execution stopped. Cancelling a finished run is a conflict.
 */
export async function cancelRun(deps: Pick<Deps, 'runs' | 'executor' | 'clock' | 'approvals'>, access: WorkspaceAccess, runId: string): Promise<Run> {
  const result = await deps.runs.transition(access.wsId, runId, {
    from: ['queued', 'dispatching', 'starting', 'running', 'awaiting_approval'],
    to: 'canceled',
    reason: `canceled by ${actorId(access.principal)}`,
    patch: (run) => ({
      finishedAt: deps.clock.now(),
      lease: null,
      error: { code: 'canceled', message: 'The run was canceled.' },
      progress: run.progress,
    }),
  });
  if (!result.applied) {
    if (result.run.state === 'canceled') return result.run;
    throw new AppError('conflict', 'run_finished', `The run has already finished (${result.run.state}).`);
  }
  if (result.run.executionId) await deps.executor.cancel(result.run.executionId);
  if ((result.run.approvals?.pending ?? 0) > 0) await withdrawProposals(deps, access.wsId, runId, 'run_canceled');
  return result.run;
}
