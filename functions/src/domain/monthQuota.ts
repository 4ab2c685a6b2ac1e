/**
 * The month's run quota, kept in shard documents: each shard counts the runs charged to it
 * and has a cap, and the caps of a month's shards sum exactly to its limit, so runs charged
 * within every shard's cap are within the month's. A run is charged by reading one shard and
 * writing it back one higher in the batch that creates the run, on the condition that the
 * shard has not changed since it was read (its update time): no transaction, no lock, and a
 * lost race only re-reads. The quota is refused only when every shard has been seen full.
 *
 * Every shard carries the limit and the shard count its cap was set for. A shard missing, or
 * set for another limit (the plan changed) or another count, sends admission to list them
 * all and set every cap again in one write, conditional on each shard as listed: caps never
 * fall below what a shard has already charged, and sum to the limit, or to what is charged
 * already when that is more (nothing more is admitted then).
 */
/** At most this many shards: about 1 sustained write/s per document, so up to ~128 admissions/s per workspace. */
export const MAX_MONTH_QUOTA_SHARDS = 128;

/** One shard per run of the month's limit, up to the maximum: a small quota fills a shard per run, so none is fought over. */
export const shardsFor = (limit: number) => Math.max(1, Math.min(MAX_MONTH_QUOTA_SHARDS, limit));

export interface QuotaShard {
  runs: number;
  cap: number;
  /** The month's limit and shard count the cap was set for. */
  limit: number;
  of: number;
}

/** A shard as read: its state and version (its update time, opaque here), or absent. */
export interface ShardRead {
  shard: QuotaShard | null;
  version: string | null;
}

/**
 * The shards admission has read; `listed` when that is every shard document that exists, as
 * of one read; `raced` once a charge of this admission lost a race.
 */
export interface MonthView {
  shards: ReadonlyMap<number, ShardRead>;
  listed: boolean;
  raced?: boolean;
}

export const unknownMonth = (): MonthView => ({ shards: new Map(), listed: false });

/** One shard write of a claim: the next state, on condition of the version read (null: it must not exist yet). */
export interface ShardWrite {
  index: number;
  expect: string | null;
  next: QuotaShard;
}

export type MonthDecision =
  | { kind: 'read'; index: number }
  | { kind: 'list' }
  | { kind: 'claim'; shard: number; writes: ShardWrite[] }
  | { kind: 'full' };

/** Caps that sum to `limit` over `shards` shards, as evenly as can be (the first ones take the remainder). */
export function evenCaps(limit: number, shards: number): number[] {
  return Array.from({ length: shards }, (_, i) => Math.floor(limit / shards) + (i < limit % shards ? 1 : 0));
}

/**
 * What to do about the month quota, given what has been read: read a shard, list them all,
 * charge one (with the writes that takes), or refuse (every shard seen full).
 */
export function decideMonth(limit: number, view: MonthView, random: () => number, shards = shardsFor(limit)): MonthDecision {
  if (limit <= 0) return { kind: 'full' };
  const current = (s: QuotaShard | null): s is QuotaShard => s !== null && s.limit === limit && s.of === shards;
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const charge = (index: number, read: ShardRead & { shard: QuotaShard }): MonthDecision => ({
    kind: 'claim',
    shard: index,
    writes: [{ index, expect: read.version, next: { ...read.shard, runs: read.shard.runs + 1 } }],
  });

  if (!view.listed) {
    // Nothing read yet: one shard that has room when the caps are even.
    if (view.shards.size === 0) return { kind: 'read', index: Math.floor(random() * Math.min(shards, limit)) };
    const read = [...view.shards.entries()];
    // The month's first run: shards are made all at once, so one missing means none exist yet.
    // Open the month outright (every create fails if any shard exists); after a lost race, list.
    if (!view.raced && read.every(([, r]) => r.shard === null)) return openMonth(limit, shards, read[0]![0]);
    if (read.some(([, r]) => !current(r.shard))) return { kind: 'list' };
    const open = read.filter(([, r]) => r.shard!.runs < r.shard!.cap);
    if (open.length === 0) return { kind: 'list' };
    const [index, r] = pick(open);
    return charge(index, r as ShardRead & { shard: QuotaShard });
  }

  // Every shard is known. Set for this limit and count, their caps stand.
  const all = (i: number): ShardRead => view.shards.get(i) ?? { shard: null, version: null };
  const extra = [...view.shards.keys()].filter((i) => i >= shards);
  const consistent =
    Array.from({ length: shards }, (_, i) => current(all(i).shard)).every(Boolean) &&
    extra.every((i) => all(i).shard!.cap === all(i).shard!.runs);
  if (consistent) {
    const open = Array.from({ length: shards }, (_, i) => i).filter((i) => all(i).shard!.runs < all(i).shard!.cap);
    if (open.length === 0) return { kind: 'full' };
    const index = pick(open);
    return charge(index, all(index) as ShardRead & { shard: QuotaShard });
  }
  // Otherwise set every cap again: what each shard has charged, plus an even share of what is left.
  const charged = [...view.shards.values()].reduce((sum, r) => sum + (r.shard?.runs ?? 0), 0);
  if (charged >= limit) return { kind: 'full' };
  const shares = evenCaps(limit - charged, shards);
  const index = pick(shares.flatMap((share, i) => (share > 0 ? [i] : [])));
  const writes: ShardWrite[] = [];
  for (const i of [...Array.from({ length: shards }, (_, k) => k), ...extra]) {
    const was = all(i);
    const runs = was.shard?.runs ?? 0;
    // Shards past the count (it was lowered) keep what they charged and take no more.
    const next: QuotaShard = { runs: runs + (i === index ? 1 : 0), cap: i < shards ? runs + shares[i]! : runs, limit, of: shards };
    const same = was.shard && was.shard.runs === next.runs && was.shard.cap === next.cap && was.shard.limit === limit && was.shard.of === shards;
    if (!same) writes.push({ index: i, expect: was.version, next });
  }
  return { kind: 'claim', shard: index, writes };
}

/** Every shard created with even caps for `limit`, the run charged to `index`. */
function openMonth(limit: number, shards: number, index: number): MonthDecision {
  const caps = evenCaps(limit, shards);
  // An index past the caps that have room (a limit below the shard count) moves to one that has.
  const charged = caps[index]! > 0 ? index : 0;
  return {
    kind: 'claim',
    shard: charged,
    writes: caps.map((cap, i) => ({ index: i, expect: null, next: { runs: i === charged ? 1 : 0, cap, limit, of: shards } })),
  };
}

/** What a read found joins what was known; a listing replaces it. */
export function withShards(view: MonthView, reads: ReadonlyMap<number, ShardRead>, listed = false): MonthView {
  return { shards: listed ? new Map(reads) : new Map([...view.shards, ...reads]), listed };
}

/**
 * After a lost race only the shard read again is known: the others may have been charged
 * meanwhile too, and charging a stale one would only lose again. Full, it sends admission to
 * list them all afresh.
 */
export const afterShardRace = (index: number, read: ShardRead): MonthView => ({ shards: new Map([[index, read]]), listed: false, raced: true });

/** Runs charged this month: the sum over every shard. */
export const monthRuns = (shards: Iterable<QuotaShard>) => [...shards].reduce((sum, s) => sum + s.runs, 0);
