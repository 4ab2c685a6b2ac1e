import type { Run } from './models.js';

/**
 * The fields that start a run's next attempt from `queued`: a new attempt number, and nothing
 * of the last execution (its lease, runner token, bootstrap, execution, times, redeliveries).
 * Shared by a retry after a failure and a resume after approvals (app/runs/runAttempts.ts,
 * app/approvals/settleRun.ts), which differ in what they add.
 */
export function nextAttempt(run: Pick<Run, 'attempt'>): Partial<Run> {
  return {
    attempt: run.attempt + 1,
    lease: null,
    runnerTokenHash: null,
    bootstrap: null,
    executionId: null,
    startedAt: null,
    heartbeatAt: null,
    deadlineAt: null,
    redeliveries: 0,
  };
}
