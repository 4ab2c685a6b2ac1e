import { executionEnv } from '@agent-marketplace/contract/execution';
import { AppError } from '../../domain/errors.js';
import { runRefusal } from '../../domain/runnable.js';
import { watchQueued, watchStarting } from '../../domain/runWatch.js';
import type { Deps } from '../deps.js';
import type { DispatchTask } from './ports.js';
import { formatCredential, newId, newSecret, sha256 } from '../shared/credentials.js';
import { pinnedSecretRefs } from './runSecrets.js';
import { cloudPreflight } from '../cloud/preflight.js';

/** The runner's session token (`rt_…`), and the one-time bootstrap token (`rb_…`) the execution exchanges for it. */
export const RUNNER_TOKEN_PREFIX = 'rt';
export const BOOTSTRAP_TOKEN_PREFIX = 'rb';

export type DispatchOutcome = 'started' | 'skipped' | 'gone';

/**
 * Starts one attempt of a queued run. Delivery is at-least-once: the queued → dispatching
 * transition is the lease, so a redelivered task finds the run no longer queued and does
 * nothing, and never starts a second execution for the same attempt.
 */
export async function dispatchRun(
  deps: Pick<Deps, 'runs' | 'catalog' | 'installs' | 'executor' | 'clock' | 'config' | 'connections' | 'cloudProviders'>,
  task: DispatchTask,
): Promise<DispatchOutcome> {
  const run = await deps.runs.get(task.wsId, task.runId);
  if (!run) return 'gone';
  if (run.attempt !== task.attempt || run.state !== 'queued') return 'skipped';

  const holder = newId();
  // Execution metadata is readable by anyone with run.executions.get: it carries only a
  // bootstrap token, spent at the runner's start (runnerReports.startRunnerSession).
  const secret = newSecret();
  const bootstrapToken = formatCredential(BOOTSTRAP_TOKEN_PREFIX, run.wsId, run.id, secret);
  const leasedAt = deps.clock.now();
  const until = new Date(leasedAt.getTime() + deps.config.leaseSeconds * 1000);
  const bootstrap = { hash: sha256(secret), expiresAt: new Date(leasedAt.getTime() + deps.config.startTimeoutSeconds * 1000), usedAt: null };
  const [install, listing] = await Promise.all([deps.installs.get(run.wsId, run.installId), deps.catalog.getListing(run.agentId)]);
  // Paused, uninstalled or suspended since it was queued (a retry waiting out its backoff, a
  // trigger that raced the pause): it ends here, canceled with the reason, and never starts.
  const refusal = runRefusal(install, listing);
  if (refusal) {
    await deps.runs.transition(run.wsId, run.id, {
      from: ['queued'],
      guard: (current) => current.attempt === task.attempt,
      to: 'canceled',
      reason: refusal.code,
      patch: () => ({ finishedAt: deps.clock.now(), error: { code: refusal.code, message: refusal.message } }),
    });
    return 'skipped';
  }
  // The secret versions this attempt uses, fixed now: a rotation during the run changes neither
  // what the execution gets nor what is redacted from what it sends.
  const secretRefs = pinnedSecretRefs(install);
  const leased = await deps.runs.transition(run.wsId, run.id, {
    from: ['queued'],
    to: 'dispatching',
    reason: 'dispatch',
    // The watchdog looks again when the lease ends: a dispatch that died holding it is failed (and retried by policy).
    patch: (current) => (current.attempt === task.attempt ? { lease: { holder, until }, runnerTokenHash: null, bootstrap, secretRefs, watchAt: until } : {}),
  });
  if (!leased.applied || leased.run.lease?.holder !== holder) return 'skipped';

  const manifest = await deps.catalog.getVersion(run.agentId, run.agentVersion);
  if (!manifest) {
    await deps.runs.transition(run.wsId, run.id, {
      from: ['dispatching'],
      to: 'failed',
      reason: 'agent_version_missing',
      patch: () => ({
        lease: null,
        bootstrap: null,
        finishedAt: deps.clock.now(),
        error: { code: 'agent_version_missing', message: `${run.agentId}@${run.agentVersion} is no longer available.` },
      }),
    });
    return 'gone';
  }

  // A connected cloud that lost a grant fails the run now, with the list, not midway.
  const cloudProblem = install ? await cloudPreflight(deps, run, install) : null;
  if (cloudProblem) {
    await deps.runs.transition(run.wsId, run.id, {
      from: ['dispatching'],
      to: 'failed',
      reason: cloudProblem.code,
      patch: () => ({ lease: null, bootstrap: null, finishedAt: deps.clock.now(), error: cloudProblem }),
    });
    return 'gone';
  }

  let executionId: string;
  try {
    ({ executionId } = await deps.executor.start({
      wsId: run.wsId,
      runId: run.id,
      attempt: run.attempt,
      agentId: run.agentId,
      agentVersion: run.agentVersion,
      manifest,
      env: executionEnv({
        runId: run.id,
        attempt: run.attempt,
        agentId: run.agentId,
        agentVersion: run.agentVersion,
        runnerApiUrl: deps.config.runnerApiUrl,
        bootstrapToken,
        heartbeatSeconds: deps.config.runnerHeartbeatSeconds,
        timeoutSeconds: manifest.resources.timeoutSeconds,
      }),
    }));
  } catch (err) {
    // The version has no runnable job (never deployed, or being replaced): waiting will not
    // help, so the run fails now with the reason instead of retrying until it times out.
    if (err instanceof AppError && err.code === 'job_not_ready') {
      await deps.runs.transition(run.wsId, run.id, {
        from: ['dispatching'],
        to: 'failed',
        reason: 'job_not_ready',
        patch: () => ({ lease: null, bootstrap: null, finishedAt: deps.clock.now(), error: { code: 'job_not_ready', message: err.message } }),
      });
      return 'gone';
    }
    // Give the run back to the queue; the task is retried by the queue's policy.
    await deps.runs.transition(run.wsId, run.id, {
      from: ['dispatching'],
      to: 'queued',
      reason: 'executor_failed',
      patch: () => ({ lease: null, bootstrap: null, watchAt: watchQueued(deps.clock.now(), deps.config) }),
    });
    throw new AppError('unavailable', 'executor_failed', `The executor could not start the run: ${(err as Error).message}`);
  }

  const started = await deps.runs.transition(run.wsId, run.id, {
    from: ['dispatching'],
    to: 'starting',
    reason: 'execution_started',
    patch: () => ({ lease: null, executionId, watchAt: watchStarting(deps.clock.now(), deps.config) }),
  });
  if (started.applied) return 'started';
  const now = started.run;
  if (now.attempt === run.attempt && (now.state === 'running' || now.state === 'awaiting_approval' || now.state === 'succeeded')) {
    // The runner was quicker than this transaction and already reported: it is our execution.
    if (!now.executionId) await deps.runs.touch(run.wsId, run.id, { executionId });
    return 'started';
  }
  // Canceled (or failed by the watchdog) while we were starting it: stop what we just started.
  await deps.executor.cancel(executionId);
  return 'skipped';
}
