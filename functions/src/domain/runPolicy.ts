import { z } from 'zod';

/**
 * How an install's runs are run: how many at once, and how failed runs are retried.
 * Kept on the install, copied onto each run when it is created.
 */
export const RunPolicy = z
  .object({
    /** Runs of this install in progress at once; null: only the workspace's plan limit. */
    concurrency: z.number().int().min(1).max(100).nullable(),
    /** Attempts in all, the first included: 1 means never retry. */
    maxAttempts: z.number().int().min(1).max(5),
    /** Wait before the first retry; each further retry waits twice as long (capped at an hour). */
    backoffSeconds: z.number().int().min(1).max(3600),
  })
  .strict();
export type RunPolicy = z.infer<typeof RunPolicy>;

export const DEFAULT_RUN_POLICY: RunPolicy = { concurrency: null, maxAttempts: 1, backoffSeconds: 30 };

/**
 * Failures worth another attempt: the infrastructure or the agent fell over. Not retried:
 * a timeout, invalid output, a log flood or an agent that cannot load: the next attempt would do the same.
 */
const RETRYABLE = new Set(['agent_failed', 'agent_crashed', 'agent_exited', 'runner_failed', 'heartbeat_lost', 'dispatch_lost', 'start_timeout', 'terminated']);

export function isRetryable(code: string): boolean {
  return RETRYABLE.has(code);
}

/** Seconds to wait before attempt `attempt + 1`, or null when the run should fail for good. */
export function retryDelay(run: { attempt: number; maxAttempts: number; backoffSeconds: number }, errorCode: string): number | null {
  if (!isRetryable(errorCode) || run.attempt >= run.maxAttempts) return null;
  return Math.min(3600, run.backoffSeconds * 2 ** (run.attempt - 1));
}
