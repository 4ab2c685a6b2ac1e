import { STORED_MEMORY_LEVELS, type StoredMemoryLevel } from './limits.js';
import { meetsMinScore } from './vectors.js';

/**
 * Memory analytics: counters per install and level, changed by increments (the store applies a
 * delta with one FieldValue.increment per field, in the same batch as the change it counts, so
 * concurrent runs never overwrite each other's counts). `items` and `bytes` are gauges kept by
 * increments; the rest only grow. A run's own delta is also its "reads and writes per run".
 */

export const MEMORY_COUNTERS = ['items', 'bytes', 'reads', 'writes', 'searches', 'searchHits', 'evictions', 'expirations'] as const;
export type MemoryCounter = (typeof MEMORY_COUNTERS)[number];

export type LevelCounters = Record<MemoryCounter, number>;
export type MemoryStats = Record<StoredMemoryLevel, LevelCounters>;

/** Increments per level; absent counters and levels are 0. */
export type MemoryStatsDelta = Partial<Record<StoredMemoryLevel, Partial<LevelCounters>>>;

const zeroCounters = (): LevelCounters => ({ items: 0, bytes: 0, reads: 0, writes: 0, searches: 0, searchHits: 0, evictions: 0, expirations: 0 });

export const emptyMemoryStats = (): MemoryStats => ({ task: zeroCounters(), vector: zeroCounters(), episode: zeroCounters() });

/** A write: `bytesBefore` is the replaced item's size, null when the item is new. */
export const deltaForWrite = (level: StoredMemoryLevel, bytesBefore: number | null, bytesAfter: number): MemoryStatsDelta => ({
  [level]: { writes: 1, items: bytesBefore === null ? 1 : 0, bytes: bytesAfter - (bytesBefore ?? 0) },
});

/** Reads of `count` items (a get, a page of a listing, an export). */
export const deltaForRead = (level: StoredMemoryLevel, count = 1): MemoryStatsDelta => ({ [level]: { reads: count } });

/** Whether a search "hits": at least one result at or above minScore. */
export const isSearchHit = (scores: readonly number[], minScore: number): boolean => scores.some((s) => meetsMinScore(s, minScore));

/** A search, given its results' scores. */
export const deltaForSearch = (level: StoredMemoryLevel, scores: readonly number[], minScore: number): MemoryStatsDelta => ({
  [level]: { searches: 1, searchHits: isSearchHit(scores, minScore) ? 1 : 0 },
});

/** Why an item went: the agent or a person forgot it, the quota evicted it, retention expired it. */
export type RemovalCause = 'forget' | 'eviction' | 'expiration';

export function deltaForRemoval(level: StoredMemoryLevel, bytes: readonly number[], cause: RemovalCause): MemoryStatsDelta {
  const total = bytes.reduce((s, b) => s + b, 0);
  const counted: Partial<LevelCounters> = { items: -bytes.length, bytes: -total };
  if (cause === 'eviction') counted.evictions = bytes.length;
  if (cause === 'expiration') counted.expirations = bytes.length;
  return { [level]: counted };
}

/** The sum of deltas (a run's calls, one batch's changes). */
export function mergeDeltas(...deltas: readonly MemoryStatsDelta[]): MemoryStatsDelta {
  const out: MemoryStatsDelta = {};
  for (const delta of deltas) {
    for (const level of STORED_MEMORY_LEVELS) {
      const d = delta[level];
      if (!d) continue;
      const into = (out[level] ??= {});
      for (const c of MEMORY_COUNTERS) if (d[c]) into[c] = (into[c] ?? 0) + d[c];
    }
  }
  return out;
}

/** The increments as field paths (`vector.searchHits`), zeros left out: one FieldValue.increment each. */
export function incrementsOf(delta: MemoryStatsDelta): Record<string, number> {
  const out: Record<string, number> = {};
  for (const level of STORED_MEMORY_LEVELS) {
    for (const c of MEMORY_COUNTERS) {
      const n = delta[level]?.[c] ?? 0;
      if (n !== 0) out[`${level}.${c}`] = n;
    }
  }
  return out;
}

/** Stats with a delta applied (an in-memory store; tests). */
export function applyDelta(stats: MemoryStats, delta: MemoryStatsDelta): MemoryStats {
  const out = emptyMemoryStats();
  for (const level of STORED_MEMORY_LEVELS) {
    for (const c of MEMORY_COUNTERS) out[level][c] = stats[level][c] + (delta[level]?.[c] ?? 0);
  }
  return out;
}

/** A counter per run, to two decimals; null before the first run. */
export const perRun = (count: number, runs: number): number | null => (runs <= 0 ? null : Math.round((count / runs) * 100) / 100);

/** Searches that hit, of all searches; null before the first search. */
export const hitRate = (c: Pick<LevelCounters, 'searches' | 'searchHits'>): number | null => (c.searches === 0 ? null : c.searchHits / c.searches);

export interface MemoryStatsView {
  levels: Record<StoredMemoryLevel, LevelCounters & { hitRate: number | null }>;
  total: LevelCounters & { hitRate: number | null };
}

/** What the metrics endpoint and the dashboard show: each level with its hit rate, and the totals. */
export function memoryStatsView(stats: MemoryStats): MemoryStatsView {
  const total = zeroCounters();
  for (const level of STORED_MEMORY_LEVELS) for (const c of MEMORY_COUNTERS) total[c] += stats[level][c];
  const levels = {} as MemoryStatsView['levels'];
  for (const level of STORED_MEMORY_LEVELS) levels[level] = { ...stats[level], hitRate: hitRate(stats[level]) };
  return { levels, total: { ...total, hitRate: hitRate(total) } };
}
