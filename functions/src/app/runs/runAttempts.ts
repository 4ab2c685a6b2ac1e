import type { Run } from '../../domain/models.js';
import { nextAttempt } from '../../domain/nextAttempt.js';
import { retryDelay } from '../../domain/runPolicy.js';
import { isTerminal, type RunState } from '../../domain/runState.js';
import { withdrawProposals } from '../approvals/approvals.js';
import { watchQueued, watchSettling } from '../../domain/runWatch.js';
import type { Deps } from '../deps.js';
import type { TransitionResult } from './ports.js';

/** `suspended`: the agent's code waits on a request (ctx.approval.request); the run waits for its approvals and resumes after. */
export type AttemptOutcome = 'succeeded' | 'failed' | 'timed_out' | 'suspended';

export interface EndAttempt {
  /** States the attempt may be in; otherwise nothing changes (it already ended). */
  from: readonly RunState[];
  /** Only if the run still is as the caller saw it (the watchdog's verdict was on a snapshot). */
  guard?: (run: Run) => boolean;
  outcome: AttemptOutcome;
  reason: string;
  error?: { code: string; message: string } | null;
  outputs?: Record<string, unknown> | null;
  usageUnits?: number;
  /** Stop the attempt's execution too (the watchdog and the log cap do; a runner that reported has stopped). */
  stopExecution?: boolean;
}

export type EndResult = TransitionResult & { retryInSeconds: number | null };

/**
 * Ends the current attempt of a run. A failure the install's policy retries puts the run back
 * in `queued` as the next attempt (after the backoff, on a fresh runner token); anything else
 * finishes the run, withdrawing its pending proposals. One transaction decides, so a racing
 * report and watchdog cannot both win.
 */
export async function endAttempt(deps: Pick<Deps, 'runs' | 'dispatchQueue' | 'executor' | 'clock' | 'config' | 'approvals'>, ref: { wsId: string; runId: string }, req: EndAttempt): Promise<EndResult> {
  const now = deps.clock.now();
  const delayOf = (run: Run) => (req.outcome === 'failed' && req.error ? retryDelay(run, req.error.code) : null);
  // A succeeding attempt that proposed gated actions waits for their decisions (app/approvals/settleRun.ts).
  const waits = (run: Run) => req.outcome === 'suspended' || (req.outcome === 'succeeded' && (run.approvals?.total ?? 0) > 0);
  const usage = (run: Run) => (req.usageUnits ? { units: (run.usage?.units ?? 0) + req.usageUnits } : run.usage);
  // Seen inside the transaction (its last try is the one that committed).
  let endedExecution = null as string | null;
  let retryInSeconds = null as number | null;
  const result = await deps.runs.transition(ref.wsId, ref.runId, {
    from: req.from,
    ...(req.guard ? { guard: req.guard } : {}),
    to: (run) => (delayOf(run) !== null ? 'queued' : waits(run) ? 'awaiting_approval' : (req.outcome as Exclude<AttemptOutcome, 'suspended'>)),
    reason: req.reason,
    patch: (run): Partial<Run> => {
      endedExecution = run.executionId;
      retryInSeconds = delayOf(run);
      if (retryInSeconds !== null) {
        return {
          ...nextAttempt(run),
          progress: null,
          error: req.error ?? null,
          usage: usage(run),
          watchAt: watchQueued(now, deps.config, retryInSeconds),
        };
      }
      if (waits(run)) {
        // The agent's code is done; its proposals wait for people. No execution, no slot is held.
        const suspended = req.outcome === 'suspended';
        const progress = suspended ? { percent: run.progress?.percent ?? 0, message: 'Waiting for approvals; the agent resumes after' } : { percent: 100, message: 'Waiting for approvals' };
        return { lease: null, outputs: req.outputs ?? run.outputs, error: null, usage: usage(run), progress, suspended, watchAt: watchSettling(now) };
      }
      return {
        finishedAt: now,
        lease: null,
        outputs: req.outputs ?? run.outputs,
        error: req.outcome === 'succeeded' ? null : (req.error ?? null),
        usage: usage(run),
        progress: req.outcome === 'succeeded' ? { percent: 100, message: run.progress?.message ?? 'Done' } : run.progress,
      };
    },
  });
  if (!result.applied) return { ...result, retryInSeconds: null };
  if (req.stopExecution && endedExecution) await deps.executor.cancel(endedExecution);
  // A run that ended for good takes its pending proposals with it, whoever ended it.
  if (isTerminal(result.run.state) && (result.run.approvals?.pending ?? 0) > 0) await withdrawProposals(deps, ref.wsId, ref.runId, `run_${result.run.state}`);
  if (retryInSeconds !== null) {
    // A failed enqueue is not lost: the run's watchAt brings the watchdog back to it.
    await deps.dispatchQueue
      .enqueue({ wsId: result.run.wsId, runId: result.run.id, attempt: result.run.attempt }, { delaySeconds: retryInSeconds })
      .catch((err: unknown) => console.error(JSON.stringify({ severity: 'WARNING', message: 'retry enqueue failed; the watchdog will redeliver', runId: ref.runId, error: String(err) })));
  }
  return { ...result, retryInSeconds };
}
