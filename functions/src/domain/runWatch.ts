/**
 * When the watchdog must look at a run if nothing happens first (`Run.watchAt`). Each state
 * has its bound: a queued run must be dispatched, a dispatch lease must end, a started
 * execution must report, a running one must keep beating and finish by its deadline.
 */
export interface WatchBounds {
  heartbeatTimeoutSeconds: number;
  queuedTimeoutSeconds: number;
  startTimeoutSeconds: number;
  timeoutGraceSeconds: number;
}

/**
 * Rounded up to 5 s: a heartbeat or progress update changes the indexed `watchAt` (a
 * collection-group index, so a platform-wide hot spot) at most once per step.
 */
const STEP_MS = 5_000;
const roundUp = (ms: number) => new Date(Math.ceil(ms / STEP_MS) * STEP_MS);

export const watchQueued = (now: Date, b: WatchBounds, delaySeconds = 0) => roundUp(now.getTime() + (delaySeconds + b.queuedTimeoutSeconds) * 1000);

export const watchStarting = (now: Date, b: WatchBounds) => roundUp(now.getTime() + b.startTimeoutSeconds * 1000);

/** A running run: the sooner of a missed heartbeat and its deadline (plus the runner's grace to stop itself). */
export function watchRunning(now: Date, deadlineAt: Date | null, b: WatchBounds): Date {
  const silent = now.getTime() + b.heartbeatTimeoutSeconds * 1000;
  const late = deadlineAt ? deadlineAt.getTime() + b.timeoutGraceSeconds * 1000 : Infinity;
  return roundUp(Math.min(silent, late));
}

export type WatchVerdict =
  | { action: 'redeliver' }
  | { action: 'fail'; code: 'dispatch_lost' | 'start_timeout' | 'heartbeat_lost' | 'dispatch_timeout'; message: string }
  | { action: 'time_out'; message: string }
  /** A run waiting for approvals: settle it if none is pending (a settlement that was cut off), else stop watching. */
  | { action: 'settle' }
  | { action: 'none' };

/** A run whose last proposal was just decided: the watchdog settles it if the decider could not. */
export const watchSettling = (now: Date) => roundUp(now.getTime() + 60_000);

/** What the watchdog does with a run whose `watchAt` has passed. */
export function verdict(
  run: { state: string; redeliveries: number; deadlineAt: Date | null; heartbeatAt: Date | null; timeoutSeconds: number },
  now: Date,
  b: WatchBounds,
  maxRedeliveries = 3,
): WatchVerdict {
  switch (run.state) {
    case 'queued':
      return run.redeliveries < maxRedeliveries
        ? { action: 'redeliver' }
        : { action: 'fail', code: 'dispatch_timeout', message: `The run was not dispatched after ${maxRedeliveries + 1} tries; the run queue may be overloaded.` };
    case 'dispatching':
      return { action: 'fail', code: 'dispatch_lost', message: 'Dispatch stopped before the execution was confirmed started.' };
    case 'starting':
      return { action: 'fail', code: 'start_timeout', message: `The execution did not start within ${b.startTimeoutSeconds} seconds.` };
    case 'awaiting_approval':
      // Its execution has ended: no deadline or heartbeat holds; the approvals' SLAs do.
      return { action: 'settle' };
    case 'running': {
      if (run.deadlineAt && now.getTime() >= run.deadlineAt.getTime() + b.timeoutGraceSeconds * 1000) {
        return { action: 'time_out', message: `The run exceeded its ${run.timeoutSeconds}-second timeout and was stopped.` };
      }
      const beat = run.heartbeatAt?.getTime() ?? 0;
      if (now.getTime() - beat >= b.heartbeatTimeoutSeconds * 1000) {
        return { action: 'fail', code: 'heartbeat_lost', message: `The runner went silent for more than ${b.heartbeatTimeoutSeconds} seconds (the execution crashed or was lost).` };
      }
      return { action: 'none' };
    }
    default:
      return { action: 'none' };
  }
}
