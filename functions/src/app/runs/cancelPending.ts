import type { RunRefusal } from '../../domain/runnable.js';
import type { RunState } from '../../domain/runState.js';
import type { Deps } from '../deps.js';

/** Runs not started yet: queued (new, or a retry waiting out its backoff) or being dispatched. */
const PENDING: readonly RunState[] = ['queued', 'dispatching'];

/**
 * Ends every run of an install that has not started as `canceled`, with the refusal's code as
 * its reason and error (pausing, uninstalling). A dispatch that races this finds its run
 * canceled and stops what it started; one that reads the install after it refuses by itself
 * (dispatchRun). Runs already running are left to finish. Returns how many were canceled.
 */
export async function cancelPendingRuns(deps: Pick<Deps, 'runs' | 'clock'>, wsId: string, installId: string, refusal: RunRefusal): Promise<number> {
  let canceled = 0;
  for (const state of PENDING) {
    let cursor: string | undefined;
    do {
      const page = await deps.runs.list(wsId, { installId, state }, { limit: 100, cursor });
      for (const run of page.items) {
        const result = await deps.runs.transition(wsId, run.id, {
          from: PENDING,
          to: 'canceled',
          reason: refusal.code,
          patch: () => ({ finishedAt: deps.clock.now(), lease: null, error: { code: refusal.code, message: refusal.message } }),
        });
        if (result.applied) canceled++;
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  return canceled;
}
