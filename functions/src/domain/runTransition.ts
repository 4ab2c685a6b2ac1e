import type { Run, RunEvent } from './models.js';
import { finishEffects, type FinishEffects } from './runFinish.js';
import { isTerminal, transition, type RunState } from './runState.js';

/** A state change applied to a run as read: the run after it, the fields to write, the event to append, what finishing changes. */
export interface AppliedTransition {
  next: Run;
  update: Partial<Run>;
  event: RunEvent;
  /** Set when the run has just finished (runFinish.ts). */
  finished: FinishEffects | null;
  /** Concurrency slots to free now without finishing: a run that waits for approvals holds none. */
  released: string[];
}

/**
 * Moves a run to `to` (the state machine refuses a move it does not allow), with the caller's
 * patch: one more event, numbered after the run's last; a finished run is watched no more.
 */
export function applyTransition(run: Run, to: RunState, reason: string, patch: Partial<Run>, at: Date): AppliedTransition {
  const move = transition(run.state, to, reason);
  const next: Run = { ...run, ...patch, state: move.to, updatedAt: at, eventCount: run.eventCount + 1 };
  if (isTerminal(next.state)) next.watchAt = null;
  const released = next.state === 'awaiting_approval' ? next.slots : [];
  if (released.length) next.slots = [];
  return {
    next,
    update: { ...patch, state: next.state, updatedAt: at, eventCount: next.eventCount, watchAt: next.watchAt, ...(released.length ? { slots: [] } : {}) },
    event: { seq: run.eventCount, from: move.from, to: move.to, reason: move.reason, attempt: next.attempt, at },
    finished: isTerminal(next.state) ? finishEffects(next, at) : null,
    released,
  };
}
