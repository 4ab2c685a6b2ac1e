import { z } from 'zod';
import { Timestamp } from '@agent-marketplace/contract/common';
import { AgentId, SemVer } from '@agent-marketplace/contract/manifest';
import type { Money } from './money.js';
import type { Review, Run, RunEvent } from './models.js';
import type { RevenueEntry } from './revenueShare.js';
import { averageOf } from './reviews.js';
import { isTerminal } from './runState.js';

/**
 * Developer analytics (docs/publishing.md "Analytics"), free of I/O: the fact a finished run
 * leaves for its agent's daily stats, where that fact is counted, and the arithmetic of the
 * read side (histogram to p95, sums, day filling, month grouping).
 */

export const RUN_OUTCOMES = ['succeeded', 'failed', 'timed_out', 'canceled'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

export const statsFactId = (runId: string) => `stats:${runId}:end`;

/**
 * A run's end, for its agent's stats: published to the `agent-stats` topic from the outbox the
 * finishing transition wrote. `wsId` places the outbox entry; `started` says whether the run
 * ever started (only those have a duration worth a histogram: `durationMs` is 0 otherwise).
 */
export const AgentStatsFact = z
  .object({
    id: z.string(),
    wsId: z.string().min(1).max(128),
    runId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'a run id'),
    agentId: AgentId,
    agentVersion: SemVer.max(64),
    state: z.enum(RUN_OUTCOMES),
    started: z.boolean(),
    durationMs: z.number().int().min(0),
    finishedAt: Timestamp,
  })
  .strict()
  .refine((f) => f.id === statsFactId(f.runId), { message: 'id must be stats:<runId>:end', path: ['id'] });
export type AgentStatsFact = z.output<typeof AgentStatsFact>;

/** The fact of a transition into a terminal state (exactly one per run: terminal states are final), else null. */
export function agentStatsFactFor(next: Run, event: Pick<RunEvent, 'to' | 'at'>): AgentStatsFact | null {
  if (!isTerminal(event.to)) return null;
  const finishedAt = next.finishedAt ?? event.at;
  return {
    id: statsFactId(next.id),
    wsId: next.wsId,
    runId: next.id,
    agentId: next.agentId,
    agentVersion: next.agentVersion,
    state: event.to as RunOutcome,
    started: next.startedAt !== null,
    durationMs: next.startedAt ? Math.max(0, finishedAt.getTime() - next.startedAt.getTime()) : 0,
    finishedAt: finishedAt.toISOString(),
  };
}

// ---- where a fact is counted

/** Day shards per agent-day: one document sustains about one write a second, so an agent's day takes about 8 finished runs a second. */
export const STATS_SHARDS = 8;

/** A run id's shard (FNV-1a): the same run always counts in the same document. */
export function statsShardOf(runId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < runId.length; i++) h = Math.imul(h ^ runId.charCodeAt(i), 0x01000193) >>> 0;
  return h % STATS_SHARDS;
}

/** `YYYY-MM-DD_<shard>`: ids sort by day, so a period is one range of ids. */
export const statsDocId = (day: string, shard: number) => `${day}_${shard}`;

/**
 * A version as a map key: semver's dots (and `+`) would read as field paths in some writes, so
 * every character other than letters, digits and `-` becomes `_` and its hex code (`1.2.3` →
 * `1_2e2_2e3`). One-to-one, so two versions never share a key.
 */
export function versionKey(version: string): string {
  return version.replace(/[^A-Za-z0-9-]/g, (c) => `_${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function versionOfKey(key: string): string {
  return key.replace(/_([0-9a-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** Upper bounds (inclusive) of the duration buckets; one more, open bucket holds what is longer. */
export const DURATION_BOUNDS_MS = [
  SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 20 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 20 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 6 * HOUR, 24 * HOUR,
] as const;
export const DURATION_BUCKETS = DURATION_BOUNDS_MS.length + 1;

/** The bucket of a duration: the first whose bound it does not pass. */
export function durationBucketOf(durationMs: number): number {
  const i = DURATION_BOUNDS_MS.findIndex((bound) => durationMs <= bound);
  return i === -1 ? DURATION_BOUNDS_MS.length : i;
}

/** What one fact adds, and where: its day (UTC), its shard, its version's counters. */
export function statsIncrement(fact: AgentStatsFact): { day: string; shard: number; versionKey: string; version: string; state: RunOutcome; bucket: number | null } {
  return {
    day: new Date(fact.finishedAt).toISOString().slice(0, 10),
    shard: statsShardOf(fact.runId),
    versionKey: versionKey(fact.agentVersion),
    version: fact.agentVersion,
    state: fact.state,
    bucket: fact.started ? durationBucketOf(fact.durationMs) : null,
  };
}

// ---- the read side

/** One version's counters: runs by outcome, and started runs by duration bucket (`"0"`…`"16"`). */
export interface VersionStats {
  counts: Record<RunOutcome, number>;
  hist: Record<string, number>;
}

/** One day shard as stored: its day and each version's counters. */
export interface StatsShard {
  day: string;
  versions: Record<string, VersionStats>;
}

export const emptyStats = (): VersionStats => ({ counts: { succeeded: 0, failed: 0, timed_out: 0, canceled: 0 }, hist: {} });

export function addStats(a: VersionStats, b: VersionStats): VersionStats {
  const out = emptyStats();
  for (const k of RUN_OUTCOMES) out.counts[k] = a.counts[k] + b.counts[k];
  for (const h of [a.hist, b.hist]) for (const [bucket, n] of Object.entries(h)) out.hist[bucket] = (out.hist[bucket] ?? 0) + n;
  return out;
}

/**
 * The duration under which `percent` % of the runs ended, as the upper bound of the bucket
 * where the cumulative count reaches it: the true figure is at most this, and above the
 * bucket's lower bound. The open bucket answers its lower bound (24 h: "longer than a day").
 * Null with no runs.
 */
export function percentileUpperBound(hist: Record<string, number>, percent: number): number | null {
  const counts = Array.from({ length: DURATION_BUCKETS }, (_, i) => Math.max(0, hist[String(i)] ?? 0));
  const total = counts.reduce((s, n) => s + n, 0);
  if (total === 0) return null;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!;
    // Integers only: seen / total >= percent / 100.
    if (seen * 100 >= percent * total) return DURATION_BOUNDS_MS[Math.min(i, DURATION_BOUNDS_MS.length - 1)]!;
  }
  return DURATION_BOUNDS_MS.at(-1)!;
}

export interface RunStats {
  total: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  canceled: number;
  successRate: number | null;
  p95DurationMs: number | null;
}

/** Counts, success rate (canceled runs are a person's choice, not the agent's failure: left out) and p95. */
export function runStatsOf(stats: VersionStats): RunStats {
  const { succeeded, failed, timed_out: timedOut, canceled } = stats.counts;
  const decided = succeeded + failed + timedOut;
  return {
    total: succeeded + failed + timedOut + canceled,
    succeeded,
    failed,
    timedOut,
    canceled,
    successRate: decided === 0 ? null : succeeded / decided,
    p95DurationMs: percentileUpperBound(stats.hist, 95),
  };
}

const DAY_MS = 86_400_000;
const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/** Every day from `from` to `to` (both `YYYY-MM-DD`, UTC, inclusive), oldest first. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); t <= end; t += DAY_MS) out.push(dayOf(new Date(t)));
  return out;
}

/** The last `days` days up to today (UTC), and the instants that bound them: [start, end). */
export function periodOf(now: Date, days: number): { from: string; to: string; start: Date; end: Date } {
  const to = dayOf(now);
  const end = new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS);
  const start = new Date(end.getTime() - days * DAY_MS);
  return { from: dayOf(start), to, start, end };
}

/** Every month (`YYYY-MM`) the days `from` to `to` touch, oldest first. */
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.slice(0, 7).split('-').map(Number) as [number, number];
  const last = to.slice(0, 7);
  for (;;) {
    const month = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`;
    if (month > last) return out;
    out.push(month);
    m += 1;
    if (m > 12) [y, m] = [y + 1, 1];
  }
}

export interface DailyRuns {
  day: string;
  runs: number;
  succeeded: number;
  /** Failed and timed out: ended badly, not by a person's cancel. */
  failed: number;
  p95DurationMs: number | null;
}

export interface AgentRunAnalytics {
  runs: RunStats;
  /** By version, for the versions with runs in the period. */
  versions: Map<string, RunStats>;
  /** Every day of the period, oldest first, zeros included. */
  daily: DailyRuns[];
}

/** An agent's shards of a period summed: in all, by version, by day. Shards outside the period are left out. */
export function agentRunAnalytics(shards: readonly StatsShard[], from: string, to: string): AgentRunAnalytics {
  const days = daysBetween(from, to);
  const byDay = new Map(days.map((d) => [d, emptyStats()]));
  const byVersion = new Map<string, VersionStats>();
  let all = emptyStats();
  for (const shard of shards) {
    if (!byDay.has(shard.day)) continue;
    for (const [version, stats] of Object.entries(shard.versions)) {
      byDay.set(shard.day, addStats(byDay.get(shard.day)!, stats));
      byVersion.set(version, addStats(byVersion.get(version) ?? emptyStats(), stats));
      all = addStats(all, stats);
    }
  }
  return {
    runs: runStatsOf(all),
    versions: new Map([...byVersion].map(([v, s]) => [v, runStatsOf(s)])),
    daily: days.map((day) => {
      const s = runStatsOf(byDay.get(day)!);
      return { day, runs: s.total, succeeded: s.succeeded, failed: s.failed + s.timedOut, p95DurationMs: s.p95DurationMs };
    }),
  };
}

export interface RevenueMonth {
  month: string;
  gross: Money;
  publisherShare: Money;
}

/**
 * An agent's revenue entries summed, in all and by month of `months` (each listed, zeros
 * included): sales with their reversals, refunds and voids netted, in integer minor units. The
 * currency is the entries' own (`usd` with none). Entries of other agents or months are left out.
 */
export function revenueOf(entries: readonly RevenueEntry[], agentId: string, months: readonly string[]): { gross: Money; publisherShare: Money; byMonth: RevenueMonth[] } {
  const mine = entries.filter((e) => e.agentId === agentId);
  const currency = mine[0]?.gross.currency ?? 'usd';
  const sums = new Map(months.map((m) => [m, { gross: 0, share: 0 }]));
  for (const e of mine) {
    const at = sums.get(e.createdAt.toISOString().slice(0, 7));
    if (!at) continue;
    at.gross += e.gross.amountMinor;
    at.share += e.publisherShare.amountMinor;
  }
  const byMonth = months.map((month) => {
    const s = sums.get(month)!;
    return { month, gross: { amountMinor: s.gross, currency }, publisherShare: { amountMinor: s.share, currency } };
  });
  const total = (k: 'gross' | 'publisherShare') => byMonth.reduce((n, m) => n + m[k].amountMinor, 0);
  return { gross: { amountMinor: total('gross'), currency }, publisherShare: { amountMinor: total('publisherShare'), currency }, byMonth };
}

/** Reviews by the month of their last edit, oldest first: each month's average (two decimals) and count. Months without reviews are not listed. */
export function ratingsByMonth(reviews: readonly Pick<Review, 'rating' | 'updatedAt'>[]): Array<{ month: string; avg: number; count: number }> {
  const months = new Map<string, { sum: number; count: number }>();
  for (const r of reviews) {
    const month = r.updatedAt.toISOString().slice(0, 7);
    const m = months.get(month) ?? { sum: 0, count: 0 };
    months.set(month, { sum: m.sum + r.rating, count: m.count + 1 });
  }
  return [...months]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([month, m]) => ({ month, avg: averageOf(m.sum, m.count), count: m.count }));
}
