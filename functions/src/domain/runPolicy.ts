import { RunPolicy } from '@agent-marketplace/contract/installs';

/** An install's run policy (its shape is in the contract): defaults and retry rules. */
export { RunPolicy };

export const DEFAULT_RUN_POLICY: RunPolicy = { concurrency: null, maxAttempts: 1, backoffSeconds: 30 };

/**
 * Failures worth another attempt: the infrastructure or the agent fell over. Not retried:
 * a timeout, invalid output, a log flood or an agent that cannot load: the next attempt would do the same.
 */
const RETRYABLE = new Set(['agent_failed', 'agent_crashed', 'agent_exited', 'runner_failed', 'heartbeat_lost', 'dispatch_lost', 'start_timeout', 'terminated']);

export function isRetryable(code: string): boolean {
  return RETRYABLE.has(code);
}

/**
 * Seconds to wait before the next attempt, or null when the run should fail for good. Attempts
 * that resumed a suspended run (`resumes`) are not retries: they spend none of `maxAttempts`.
 */
export function retryDelay(run: { attempt: number; maxAttempts: number; backoffSeconds: number; resumes?: number | undefined }, errorCode: string): number | null {
  const tries = run.attempt - (run.resumes ?? 0);
  if (!isRetryable(errorCode) || tries >= run.maxAttempts) return null;
  return Math.min(3600, run.backoffSeconds * 2 ** (tries - 1));
}
