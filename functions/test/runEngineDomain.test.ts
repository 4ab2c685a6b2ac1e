import { describe, expect, it } from 'vitest';
import { AppError } from '../src/domain/errors.js';
import { concurrencyExceeded, installConcurrencyExceeded, limitsFor, monthlyQuotaExceeded, secondsToNextMonth } from '../src/domain/runLimits.js';
import { fitUnderLimits, storedSeq } from '../src/domain/runLogs.js';
import { bucketOf, metricsIncrement, percentile, summarize } from '../src/domain/runMetrics.js';
import { retryDelay } from '../src/domain/runPolicy.js';
import { canTransition } from '../src/domain/runState.js';
import { verdict, watchRunning } from '../src/domain/runWatch.js';

const now = new Date('2026-11-26T10:00:00Z');
const limits = { runsPerMonth: 3, concurrentRuns: 2 };
const refused = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof AppError ? { code: err.code, kind: err.kind, retryAfter: err.retryAfterSeconds } : err;
  }
  throw new Error('not refused');
};

describe('run limits', () => {
  it('refuses with 429 codes and a Retry-After that says when to come back', () => {
    expect(refused(() => { throw concurrencyExceeded(limits); })).toEqual({ code: 'concurrent_run_limit', kind: 'rate_limited', retryAfter: 15 });
    expect(refused(() => { throw installConcurrencyExceeded(1); })).toEqual({ code: 'install_concurrency_limit', kind: 'rate_limited', retryAfter: 15 });
    expect(refused(() => { throw monthlyQuotaExceeded(limits, now); })).toEqual({ code: 'monthly_run_quota_exceeded', kind: 'rate_limited', retryAfter: secondsToNextMonth(now) });
    expect(secondsToNextMonth(now)).toBe((Date.parse('2026-12-01T00:00:00Z') - now.getTime()) / 1000);
    expect(secondsToNextMonth(new Date('2026-12-31T23:59:59.500Z'))).toBe(1);
  });

  it('takes per-workspace overrides over the plan', () => {
    expect(limitsFor({ plan: 'free' })).toEqual({ runsPerMonth: 1000, concurrentRuns: 5 });
    expect(limitsFor({ plan: 'free', quotas: { concurrentRuns: 50 } })).toEqual({ runsPerMonth: 1000, concurrentRuns: 50 });
  });
});

describe('retries', () => {
  it('retries retryable failures with doubling backoff until the attempts are used', () => {
    const run = { attempt: 1, maxAttempts: 3, backoffSeconds: 10 };
    expect(retryDelay(run, 'heartbeat_lost')).toBe(10);
    expect(retryDelay({ ...run, attempt: 2 }, 'agent_failed')).toBe(20);
    expect(retryDelay({ ...run, attempt: 3 }, 'agent_failed')).toBeNull();
    expect(retryDelay(run, 'output_invalid')).toBeNull();
    expect(retryDelay(run, 'timeout')).toBeNull();
    expect(retryDelay({ attempt: 4, maxAttempts: 5, backoffSeconds: 3600 }, 'agent_failed')).toBe(3600);
  });

  it('attempts that resumed a suspended run are not retries: they spend none of maxAttempts, nor lengthen the backoff', () => {
    // Attempt 3 after two resumes is the run's first try at failing.
    expect(retryDelay({ attempt: 3, resumes: 2, maxAttempts: 2, backoffSeconds: 10 }, 'agent_failed')).toBe(10);
    expect(retryDelay({ attempt: 4, resumes: 2, maxAttempts: 2, backoffSeconds: 10 }, 'agent_failed')).toBeNull();
    expect(retryDelay({ attempt: 2, resumes: 1, maxAttempts: 1, backoffSeconds: 10 }, 'agent_failed')).toBeNull();
  });

  it('a waiting run may resume (queued again) or settle; an execution that never reported its start may still wait', () => {
    expect(canTransition('awaiting_approval', 'queued')).toBe(true);
    expect(canTransition('awaiting_approval', 'succeeded')).toBe(true);
    expect(canTransition('starting', 'awaiting_approval')).toBe(true);
    expect(canTransition('queued', 'awaiting_approval')).toBe(false);
  });

  it('a failing attempt may go back to queued; a finished run never', () => {
    expect(canTransition('running', 'queued')).toBe(true);
    expect(canTransition('starting', 'queued')).toBe(true);
    expect(canTransition('failed', 'queued')).toBe(false);
    // The runner may report before dispatch records that it started the execution.
    expect(canTransition('dispatching', 'running')).toBe(true);
  });
});

describe('log limits', () => {
  it('numbers chunks of later attempts after the earlier ones', () => {
    expect(storedSeq(1, 0)).toBe(0);
    expect(storedSeq(2, 5)).toBe(1_000_005);
    expect(() => storedSeq(1, 1_000_000)).toThrow(AppError);
  });

  it('keeps the lines that fit under the line and byte limits', () => {
    const limits = { maxLines: 5, maxBytes: 100 };
    expect(fitUnderLimits(limits, { lines: 3, bytes: 10 }, [10, 10, 10])).toEqual({ kept: 2, totals: { lines: 5, bytes: 30 } });
    expect(fitUnderLimits(limits, { lines: 0, bytes: 80 }, [10, 30])).toEqual({ kept: 1, totals: { lines: 1, bytes: 90 } });
  });
});

describe('metrics', () => {
  it('estimates percentiles from the histogram within a bucket width', () => {
    const hist: Record<string, number> = {};
    for (let ms = 100; ms <= 10_000; ms += 100) hist[bucketOf(ms)] = (hist[bucketOf(ms)] ?? 0) + 1;
    const p50 = percentile(hist, 0.5)!;
    const p95 = percentile(hist, 0.95)!;
    expect(Math.abs(p50 - 5000) / 5000).toBeLessThan(0.25);
    expect(Math.abs(p95 - 9500) / 9500).toBeLessThan(0.25);
    expect(percentile({}, 0.5)).toBeNull();
  });

  it('sums documents, leaves canceled runs out of the success rate, keeps 30 days', () => {
    const inc = metricsIncrement('failed', 1200, now);
    expect(inc).toEqual({ counters: { runs: 1, failed: 1 }, bucket: String(bucketOf(1200)), day: '2026-11-26', dayCounters: { runs: 1, failed: 1 } });
    const summary = summarize(
      [
        { runs: 4, succeeded: 2, failed: 1, canceled: 1, durationHist: { [bucketOf(1000)]: 3 }, daily: { '2026-11-26': { runs: 4, succeeded: 2, failed: 1 }, '2026-09-01': { runs: 9, succeeded: 9, failed: 0 } } },
        { runs: 1, succeeded: 1 },
      ],
      now,
    );
    expect(summary).toMatchObject({ runs: 5, succeeded: 3, failed: 1, canceled: 1, timedOut: 0, successRate: 0.75 });
    expect(summary.daily).toEqual([{ date: '2026-11-26', runs: 4, succeeded: 2, failed: 1 }]);
    expect(summarize([], now)).toMatchObject({ runs: 0, successRate: null, durationP50Ms: null });
  });
});

describe('the watchdog', () => {
  const bounds = { heartbeatTimeoutSeconds: 120, queuedTimeoutSeconds: 600, startTimeoutSeconds: 600, timeoutGraceSeconds: 30 };
  const base = { redeliveries: 0, deadlineAt: null, heartbeatAt: null, timeoutSeconds: 300 };

  it('redelivers a queued run a few times, then fails it', () => {
    expect(verdict({ ...base, state: 'queued' }, now, bounds)).toEqual({ action: 'redeliver' });
    expect(verdict({ ...base, state: 'queued', redeliveries: 3 }, now, bounds)).toMatchObject({ action: 'fail', code: 'dispatch_timeout' });
  });

  it('fails lost dispatches and executions that never reported', () => {
    expect(verdict({ ...base, state: 'dispatching' }, now, bounds)).toMatchObject({ action: 'fail', code: 'dispatch_lost' });
    expect(verdict({ ...base, state: 'starting' }, now, bounds)).toMatchObject({ action: 'fail', code: 'start_timeout' });
  });

  it('times out a run past its deadline and grace, fails a silent one, leaves a live one', () => {
    const deadlineAt = new Date(now.getTime() - 31_000);
    expect(verdict({ ...base, state: 'running', deadlineAt, heartbeatAt: now }, now, bounds)).toMatchObject({ action: 'time_out' });
    expect(verdict({ ...base, state: 'running', heartbeatAt: new Date(now.getTime() - 121_000) }, now, bounds)).toMatchObject({ action: 'fail', code: 'heartbeat_lost' });
    expect(verdict({ ...base, state: 'running', heartbeatAt: new Date(now.getTime() - 5_000) }, now, bounds)).toEqual({ action: 'none' });
  });

  it('looks at a running run at its next possible failure, in 5-second steps', () => {
    const at = watchRunning(now, new Date(now.getTime() + 60_000), bounds);
    expect(at.toISOString()).toBe('2026-11-26T10:01:30.000Z');
    const soon = watchRunning(new Date('2026-11-26T10:00:01.200Z'), null, bounds);
    expect(soon.toISOString()).toBe('2026-11-26T10:02:05.000Z');
  });
});
