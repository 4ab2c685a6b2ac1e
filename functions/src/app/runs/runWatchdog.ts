import { verdict, watchQueued, watchRunning } from '../../domain/runWatch.js';
import type { Run } from '../../domain/models.js';
import type { Deps } from '../deps.js';
import { settleRun, type SettleDeps } from '../approvals/settleRun.js';
import { endAttempt } from './runAttempts.js';

export interface WatchdogResult {
  looked: number;
  redelivered: number;
  failed: number;
  retried: number;
  timedOut: number;
}

type WatchdogDeps = Pick<Deps, 'executor'> & SettleDeps;

/**
 * The run watchdog (a scheduled function, every minute): every run whose `watchAt` has passed
 * is looked at once. A queued run whose task was lost is enqueued again; a dispatch that died
 * holding its lease, an execution that never reported, and a runner gone silent fail the
 * attempt (retried by the install's policy); a run past its deadline is stopped as `timed_out`.
 * Each step is a guarded transition, so overlapping ticks and racing reports are harmless.
 */
export async function watchRuns(deps: WatchdogDeps, options: { limit?: number; wsId?: string } = {}): Promise<WatchdogResult> {
  const now = deps.clock.now();
  const limit = options.limit ?? 200;
  const result: WatchdogResult = { looked: 0, redelivered: 0, failed: 0, retried: 0, timedOut: 0 };
  // Every run handled moves its watchAt on (or clears it), so the next page holds new runs.
  // Ten pages at most: the next tick carries on.
  for (let page = 0; page < 10; page++) {
    const runs = await deps.runs.watched(now, limit, options.wsId);
    result.looked += runs.length;
    for (const run of runs) {
      try {
        await watchOne(deps, run, now, result);
      } catch (err) {
        // One bad run must not stop the others; the next tick looks at it again.
        console.error(JSON.stringify({ severity: 'ERROR', message: 'watchdog: run not handled', runId: run.id, wsId: run.wsId, error: String(err) }));
      }
    }
    if (runs.length < limit) break;
  }
  return result;
}

async function watchOne(deps: WatchdogDeps, run: Run, now: Date, result: WatchdogResult): Promise<void> {
  const v = verdict(run, now, deps.config);
  const ref = { wsId: run.wsId, runId: run.id };
  if (v.action === 'redeliver') {
    const redelivery = run.redeliveries + 1;
    const claimed = await deps.runs.touchIf(ref.wsId, ref.runId, { state: 'queued', attempt: run.attempt, redeliveries: run.redeliveries }, {
      redeliveries: redelivery,
      watchAt: watchQueued(now, deps.config),
    });
    if (!claimed) return;
    await deps.dispatchQueue.enqueue({ wsId: run.wsId, runId: run.id, attempt: run.attempt }, { redelivery });
    result.redelivered++;
  } else if (v.action === 'fail' || v.action === 'time_out') {
    const ended = await endAttempt(deps, ref, {
      from: [run.state],
      // Unchanged since it was judged: same attempt, no heartbeat since.
      guard: (current) => current.attempt === run.attempt && current.heartbeatAt?.getTime() === run.heartbeatAt?.getTime(),
      outcome: v.action === 'fail' ? 'failed' : 'timed_out',
      reason: v.action === 'fail' ? v.code : 'timeout',
      error: { code: v.action === 'fail' ? v.code : 'timeout', message: v.message },
      stopExecution: true,
    });
    if (!ended.applied) return;
    if (v.action === 'time_out') result.timedOut++;
    else if (ended.retryInSeconds !== null) result.retried++;
    else result.failed++;
  } else if (v.action === 'settle') {
    const after = await settleRun(deps, run.wsId, run.id);
    // Still waiting for people: nothing to watch until a decision or the SLA sweep moves it. (A
    // resume waiting for a free slot keeps the watchAt settleRun gave it: the next tick tries again.)
    if (after?.state === 'awaiting_approval' && (after.approvals?.pending ?? 0) > 0) await deps.runs.touchIf(ref.wsId, ref.runId, { state: 'awaiting_approval', attempt: run.attempt }, { watchAt: null });
  } else {
    // Nothing wrong yet (a heartbeat landed after the query): look again when it could be.
    const next = watchRunning(run.heartbeatAt ?? now, run.deadlineAt, deps.config);
    await deps.runs.touchIf(ref.wsId, ref.runId, { state: run.state, attempt: run.attempt }, {
      watchAt: next.getTime() > now.getTime() ? next : new Date(now.getTime() + 5_000),
    });
  }
}
