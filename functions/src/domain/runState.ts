import { AppError } from './errors.js';

import { RunState, TERMINAL_STATES } from '@agent-marketplace/contract/runs';

/** The run state machine (DESIGN.md "Rules that hold everywhere"); its states are in the contract. */
export { RunState, TERMINAL_STATES };

export function isTerminal(state: RunState): boolean {
  return TERMINAL_STATES.includes(state);
}

const NEXT: Record<RunState, readonly RunState[]> = {
  queued: ['dispatching', 'canceled', 'failed'],
  // → running: the execution reported before dispatch recorded that it started it.
  dispatching: ['starting', 'running', 'queued', 'failed', 'canceled'],
  // → queued: a failed attempt retried by the install's policy.
  // → awaiting_approval: an execution that never reported its start (runnerStarted is optional) may propose.
  starting: ['running', 'awaiting_approval', 'succeeded', 'failed', 'canceled', 'timed_out', 'queued'],
  running: ['awaiting_approval', 'succeeded', 'failed', 'canceled', 'timed_out', 'queued'],
  // → succeeded: the platform applied what was approved (app/approvals/settleRun.ts).
  // → queued: a suspended run (ctx.approval.request) resumes in a new attempt once decided.
  awaiting_approval: ['running', 'succeeded', 'queued', 'failed', 'canceled', 'timed_out'],
  succeeded: [],
  failed: [],
  canceled: [],
  timed_out: [],
};

export function canTransition(from: RunState, to: RunState): boolean {
  return NEXT[from].includes(to);
}

export interface RunTransition {
  from: RunState;
  to: RunState;
  reason: string;
}

/**
 * The only way a run changes state. Returns the event to append, or throws a conflict
 * that callers inside a transaction turn into "already done" for idempotent redelivery.
 */
export function transition(from: RunState, to: RunState, reason: string): RunTransition {
  if (!canTransition(from, to)) {
    throw new AppError(
      'conflict',
      'invalid_run_transition',
      `A run cannot go from ${from} to ${to}.`,
    );
  }
  return { from, to, reason };
}
