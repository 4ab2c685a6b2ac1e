import { AppError } from './errors.js';

/**
 * Plan quotas and concurrency limits on runs. A run counts against the concurrency limits
 * from the moment it is created (`queued`) until it reaches a terminal state, including while
 * it waits for a retry (runSlots.ts); against the month's quota from its creation on
 * (monthQuota.ts). runAdmission.ts decides how a run is admitted under them.
 */
export type Plan = 'free' | 'team' | 'enterprise';

export interface RunLimits {
  runsPerMonth: number;
  concurrentRuns: number;
}

export const PLAN_LIMITS: Record<Plan, RunLimits> = {
  free: { runsPerMonth: 1_000, concurrentRuns: 5 },
  team: { runsPerMonth: 25_000, concurrentRuns: 25 },
  enterprise: { runsPerMonth: 250_000, concurrentRuns: 200 },
};

/** A workspace's limits: its plan's, with any per-workspace override a platform admin set. */
export function limitsFor(workspace: { plan: Plan; quotas?: Partial<RunLimits> | null | undefined }): RunLimits {
  const plan = PLAN_LIMITS[workspace.plan];
  return { runsPerMonth: workspace.quotas?.runsPerMonth ?? plan.runsPerMonth, concurrentRuns: workspace.quotas?.concurrentRuns ?? plan.concurrentRuns };
}

export const monthOf = (at: Date) => at.toISOString().slice(0, 7);

/** Seconds from `at` to the first instant of the next UTC month. */
export function secondsToNextMonth(at: Date): number {
  const next = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
  return Math.max(1, Math.ceil((next - at.getTime()) / 1000));
}

/** How long a caller refused for concurrency should wait before trying again. */
export const CONCURRENCY_RETRY_AFTER_SECONDS = 15;

export function monthlyQuotaExceeded(limits: RunLimits, now: Date): AppError {
  return new AppError(
    'rate_limited',
    'monthly_run_quota_exceeded',
    `This workspace has used its ${limits.runsPerMonth} runs for ${monthOf(now)}. Upgrade the plan, or wait for next month.`,
    { retryAfterSeconds: secondsToNextMonth(now) },
  );
}

export function concurrencyExceeded(limits: RunLimits): AppError {
  return new AppError(
    'rate_limited',
    'concurrent_run_limit',
    `This workspace already has ${limits.concurrentRuns} runs in progress, its plan's limit. Try again when one finishes.`,
    { retryAfterSeconds: CONCURRENCY_RETRY_AFTER_SECONDS },
  );
}

export function installConcurrencyExceeded(limit: number): AppError {
  return new AppError(
    'rate_limited',
    'install_concurrency_limit',
    `This install already has ${limit} run${limit === 1 ? '' : 's'} in progress, its concurrency limit. Try again when one finishes.`,
    { retryAfterSeconds: CONCURRENCY_RETRY_AFTER_SECONDS },
  );
}
