import type { Run } from './models.js';
import { metricsIncrement, metricsShardOf, type RunOutcome } from './runMetrics.js';

/** What finishing a run changes besides the run: the slots it frees, the metrics it adds to. */
export interface FinishEffects {
  /** Its concurrency slots (runSlots.ts); its month quota stays charged. */
  free: string[];
  metrics: { installId: string; agentId: string; shard: string; finishedAt: Date; increment: ReturnType<typeof metricsIncrement> };
}

/** For a run that has just reached a terminal state, at `at` (when it carries no finishedAt of its own). */
export function finishEffects(run: Run, at: Date): FinishEffects {
  const finishedAt = run.finishedAt ?? at;
  const duration = run.startedAt ? Math.max(0, finishedAt.getTime() - run.startedAt.getTime()) : null;
  return {
    free: [...run.slots],
    metrics: {
      installId: run.installId,
      agentId: run.agentId,
      shard: metricsShardOf(run),
      finishedAt,
      increment: metricsIncrement(run.state as RunOutcome, duration, finishedAt),
    },
  };
}
