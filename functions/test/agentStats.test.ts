import { describe, expect, it } from 'vitest';
import {
  AgentStatsFact,
  agentRunAnalytics,
  agentStatsFactFor,
  daysBetween,
  DURATION_BOUNDS_MS,
  durationBucketOf,
  emptyStats,
  monthsBetween,
  percentileUpperBound,
  periodOf,
  ratingsByMonth,
  revenueOf,
  runStatsOf,
  STATS_SHARDS,
  statsIncrement,
  statsShardOf,
  versionKey,
  versionOfKey,
  type StatsShard,
  type VersionStats,
} from '../src/domain/agentStats.js';
import type { Run } from '../src/domain/models.js';
import type { RevenueEntry } from '../src/domain/revenueShare.js';

const at = new Date('2026-11-30T23:59:58Z');

function run(over: Partial<Run>): Run {
  return {
    id: 'run1', wsId: 'ws1', installId: 'inst', agentId: 'hello-agent', agentVersion: '1.2.0', state: 'succeeded', attempt: 1,
    trigger: { kind: 'api', by: 'k' }, input: {}, createdAt: at, updatedAt: at, startedAt: new Date(at.getTime() - 4000),
    finishedAt: at, heartbeatAt: null, progress: null, outputs: null, error: null, eventCount: 3,
    lease: null, executionId: null, runnerTokenHash: null, timeoutSeconds: 60, maxAttempts: 1, backoffSeconds: 30,
    deadlineAt: null, watchAt: null, slots: [], monthShard: 0, redeliveries: 0, usage: null,
    ...over,
  };
}

const stats = (counts: Partial<VersionStats['counts']>, hist: Record<string, number> = {}): VersionStats => ({ counts: { ...emptyStats().counts, ...counts }, hist });

describe('the run fact', () => {
  it('exists only for a transition into a terminal state, with the duration from start to finish', () => {
    expect(agentStatsFactFor(run({ state: 'running' }), { to: 'running', at })).toBeNull();
    expect(agentStatsFactFor(run({ state: 'awaiting_approval' }), { to: 'awaiting_approval', at })).toBeNull();
    const fact = agentStatsFactFor(run({}), { to: 'succeeded', at });
    expect(fact).toEqual({
      id: 'stats:run1:end', wsId: 'ws1', runId: 'run1', agentId: 'hello-agent', agentVersion: '1.2.0',
      state: 'succeeded', started: true, durationMs: 4000, finishedAt: '2026-11-30T23:59:58.000Z',
    });
    expect(AgentStatsFact.parse(fact)).toEqual(fact);
  });

  it('a run that never started has no duration (0, and not started); without its own finishedAt it ends at the transition', () => {
    const fact = agentStatsFactFor(run({ state: 'canceled', startedAt: null, finishedAt: null }), { to: 'canceled', at: new Date('2026-12-01T00:00:01Z') })!;
    expect(fact).toMatchObject({ state: 'canceled', started: false, durationMs: 0, finishedAt: '2026-12-01T00:00:01.000Z' });
    expect(statsIncrement(fact)).toMatchObject({ day: '2026-12-01', bucket: null });
  });

  it('refuses a fact whose id is not its run\'s, an unknown state, a bad version or agent, extra fields', () => {
    const good = agentStatsFactFor(run({}), { to: 'failed', at })!;
    expect(AgentStatsFact.safeParse({ ...good, id: 'stats:other:end' }).success).toBe(false);
    expect(AgentStatsFact.safeParse({ ...good, state: 'running' }).success).toBe(false);
    expect(AgentStatsFact.safeParse({ ...good, agentVersion: 'one' }).success).toBe(false);
    expect(AgentStatsFact.safeParse({ ...good, agentId: 'Bad/Id' }).success).toBe(false);
    expect(AgentStatsFact.safeParse({ ...good, durationMs: -1 }).success).toBe(false);
    expect(AgentStatsFact.safeParse({ ...good, finishedAt: 'yesterday' }).success).toBe(false);
    expect(AgentStatsFact.safeParse({ ...good, extra: 1 }).success).toBe(false);
  });
});

describe('where a fact counts', () => {
  it('its day is the UTC day it finished; its shard is its run id\'s, stable and spread over all shards', () => {
    const fact = agentStatsFactFor(run({}), { to: 'succeeded', at })!;
    const inc = statsIncrement(fact);
    expect(inc).toEqual({ day: '2026-11-30', shard: statsShardOf('run1'), versionKey: '1_2e2_2e0', version: '1.2.0', state: 'succeeded', bucket: 2 });
    expect(statsShardOf('run1')).toBe(statsShardOf('run1'));
    const seen = new Set(Array.from({ length: 200 }, (_, i) => statsShardOf(`r${i.toString(36)}x`)));
    expect([...seen].sort()).toEqual(Array.from({ length: STATS_SHARDS }, (_, i) => i));
  });

  it('versions become map keys without dots or plus signs, one to one', () => {
    for (const v of ['1.2.3', '10.0.0-beta.1', '1.0.0+build.7', '2.0.0-rc-1']) {
      expect(versionKey(v)).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(versionOfKey(versionKey(v))).toBe(v);
    }
    expect(versionKey('1.2.3')).toBe('1_2e2_2e3');
    // An underscore is escaped too, so no version can imitate another's key.
    expect(versionKey('1_2e2')).not.toBe(versionKey('1.2'));
  });

  it('duration buckets: a bound belongs to its own bucket; past 24 h is the open bucket', () => {
    expect(durationBucketOf(0)).toBe(0);
    expect(durationBucketOf(1000)).toBe(0);
    expect(durationBucketOf(1001)).toBe(1);
    expect(durationBucketOf(2000)).toBe(1);
    expect(durationBucketOf(59_999)).toBe(6);
    expect(durationBucketOf(60_000)).toBe(6);
    expect(durationBucketOf(86_400_000)).toBe(15);
    expect(durationBucketOf(86_400_001)).toBe(16);
    expect(DURATION_BOUNDS_MS).toHaveLength(16);
  });
});

describe('p95 from the histogram', () => {
  it('is null with no runs, and the bucket bound with one', () => {
    expect(percentileUpperBound({}, 95)).toBeNull();
    expect(percentileUpperBound({ '3': 0 }, 95)).toBeNull();
    expect(percentileUpperBound({ [durationBucketOf(1500)]: 1 }, 95)).toBe(2000);
  });

  it('is the upper bound of the bucket where the cumulative count reaches exactly 95 %', () => {
    // 19 of 20 in the first bucket: 95 % reached there.
    expect(percentileUpperBound({ '0': 19, '3': 1 }, 95)).toBe(1000);
    // 18 of 20: not yet; the next non-empty bucket.
    expect(percentileUpperBound({ '0': 18, '3': 2 }, 95)).toBe(10_000);
    // 95 of 100 in bucket 5 (30 s), 5 in the open bucket.
    expect(percentileUpperBound({ '5': 95, '16': 5 }, 95)).toBe(30_000);
  });

  it('in the open bucket answers its lower bound, 24 h', () => {
    expect(percentileUpperBound({ '0': 94, '16': 6 }, 95)).toBe(86_400_000);
  });
});

describe('run stats', () => {
  it('the success rate leaves canceled runs out, and is null when only canceled ones ended', () => {
    expect(runStatsOf(stats({ succeeded: 3, failed: 1, timed_out: 1, canceled: 5 }, { '0': 4 }))).toEqual({
      total: 10, succeeded: 3, failed: 1, timedOut: 1, canceled: 5, successRate: 0.6, p95DurationMs: 1000,
    });
    expect(runStatsOf(stats({ canceled: 2 })).successRate).toBeNull();
    expect(runStatsOf(emptyStats())).toEqual({ total: 0, succeeded: 0, failed: 0, timedOut: 0, canceled: 0, successRate: null, p95DurationMs: null });
  });

  it('sums shards by version and by day, fills the days without runs, and leaves out shards outside the period', () => {
    const shards: StatsShard[] = [
      { day: '2026-11-29', versions: { '1.0.0': stats({ succeeded: 2, failed: 1 }, { '0': 3 }) } },
      { day: '2026-11-29', versions: { '1.0.0': stats({ succeeded: 1 }, { '2': 1 }), '1.1.0': stats({ timed_out: 1, canceled: 1 }, { '16': 1 }) } },
      { day: '2026-12-01', versions: { '1.1.0': stats({ succeeded: 4 }, { '1': 4 }) } },
      { day: '2026-11-01', versions: { '1.0.0': stats({ failed: 100 }) } },
    ];
    const out = agentRunAnalytics(shards, '2026-11-28', '2026-12-01');
    expect(out.runs).toMatchObject({ total: 10, succeeded: 7, failed: 1, timedOut: 1, canceled: 1, successRate: 7 / 9 });
    expect(out.versions.get('1.0.0')).toMatchObject({ total: 4, succeeded: 3, failed: 1, successRate: 0.75, p95DurationMs: 5000 });
    expect(out.versions.get('1.1.0')).toMatchObject({ total: 6, succeeded: 4, timedOut: 1, canceled: 1, p95DurationMs: 86_400_000 });
    expect(out.daily).toEqual([
      { day: '2026-11-28', runs: 0, succeeded: 0, failed: 0, p95DurationMs: null },
      { day: '2026-11-29', runs: 6, succeeded: 3, failed: 2, p95DurationMs: 86_400_000 },
      { day: '2026-11-30', runs: 0, succeeded: 0, failed: 0, p95DurationMs: null },
      { day: '2026-12-01', runs: 4, succeeded: 4, failed: 0, p95DurationMs: 2000 },
    ]);
  });
});

describe('periods, days and months', () => {
  it('fills days across month and year ends and leap days', () => {
    expect(daysBetween('2028-02-27', '2028-03-01')).toEqual(['2028-02-27', '2028-02-28', '2028-02-29', '2028-03-01']);
    expect(daysBetween('2026-12-30', '2027-01-02')).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
    expect(daysBetween('2026-11-30', '2026-11-30')).toEqual(['2026-11-30']);
    expect(daysBetween('2026-12-01', '2026-11-30')).toEqual([]);
  });

  it('a period is the last `days` days up to today (UTC), with the instants bounding it', () => {
    const p = periodOf(new Date('2026-03-01T05:00:00Z'), 30);
    expect(p).toEqual({ from: '2026-01-31', to: '2026-03-01', start: new Date('2026-01-31T00:00:00Z'), end: new Date('2026-03-02T00:00:00Z') });
    expect(daysBetween(p.from, p.to)).toHaveLength(30);
    expect(periodOf(new Date('2026-03-01T23:59:59Z'), 1)).toMatchObject({ from: '2026-03-01', to: '2026-03-01' });
    const longest = periodOf(new Date('2026-12-31T12:00:00Z'), 90);
    expect(daysBetween(longest.from, longest.to)).toHaveLength(90);
  });

  it('lists the months a period touches, across a year end', () => {
    expect(monthsBetween('2026-11-15', '2027-02-01')).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    expect(monthsBetween('2026-11-01', '2026-11-30')).toEqual(['2026-11']);
  });
});

describe('revenue and ratings', () => {
  const entry = (over: Partial<RevenueEntry>): RevenueEntry => ({
    id: 'in_1:line_1', kind: 'sale', publisherId: 'pub', agentId: 'hello-agent', wsId: 'ws', invoiceId: 'in_1', reverses: null,
    gross: { amountMinor: 1000, currency: 'usd' }, publisherShare: { amountMinor: 800, currency: 'usd' }, platformShare: { amountMinor: 200, currency: 'usd' },
    shareBps: 8000, createdAt: new Date('2026-11-03T10:00:00Z'), settlesAt: new Date('2026-11-10T10:00:00Z'), payoutId: null, ...over,
  });
  const usd = (amountMinor: number) => ({ amountMinor, currency: 'usd' as const });

  it('nets reversals, refunds and voids per month, exactly, in minor units; other agents and months are left out', () => {
    const entries = [
      entry({}),
      entry({ id: 'cn_1:l1', kind: 'reversal', reverses: 'in_1:line_1', gross: usd(-333), publisherShare: usd(-266), createdAt: new Date('2026-12-02T00:00:00Z') }),
      entry({ id: 'in_1:line_1:refund:1', kind: 'refund', reverses: 'in_1:line_1', gross: usd(-101), publisherShare: usd(-81), createdAt: new Date('2026-12-03T00:00:00Z') }),
      entry({ id: 'cn_1:l1:void', kind: 'void', reverses: 'in_1:line_1', gross: usd(333), publisherShare: usd(266), createdAt: new Date('2026-12-04T00:00:00Z') }),
      entry({ id: 'in_2:line_1', agentId: 'other-agent', gross: usd(5000), publisherShare: usd(4000) }),
      entry({ id: 'in_0:line_1', createdAt: new Date('2026-10-31T23:59:59Z') }),
    ];
    expect(revenueOf(entries, 'hello-agent', ['2026-11', '2026-12', '2027-01'])).toEqual({
      gross: usd(899),
      publisherShare: usd(719),
      byMonth: [
        { month: '2026-11', gross: usd(1000), publisherShare: usd(800) },
        { month: '2026-12', gross: usd(-101), publisherShare: usd(-81) },
        { month: '2027-01', gross: usd(0), publisherShare: usd(0) },
      ],
    });
  });

  it('is zero in usd with no entries', () => {
    expect(revenueOf([], 'hello-agent', ['2026-11'])).toEqual({ gross: usd(0), publisherShare: usd(0), byMonth: [{ month: '2026-11', gross: usd(0), publisherShare: usd(0) }] });
  });

  it('groups ratings by the month of their last edit, oldest first, with two-decimal averages', () => {
    const r = (rating: number, updatedAt: string) => ({ rating, updatedAt: new Date(updatedAt) });
    expect(ratingsByMonth([r(5, '2026-12-01T00:00:00Z'), r(4, '2026-11-30T23:59:59Z'), r(5, '2026-11-02T00:00:00Z'), r(4, '2026-11-03T00:00:00Z'), r(1, '2026-12-20T00:00:00Z'), r(2, '2026-12-21T00:00:00Z')])).toEqual([
      { month: '2026-11', avg: 4.33, count: 3 },
      { month: '2026-12', avg: 2.67, count: 3 },
    ]);
    expect(ratingsByMonth([])).toEqual([]);
  });
});
