/**
 * Concurrency slots: a run in progress holds one slot of its workspace's pool (`concurrentRuns`
 * slots) and, when its install has a concurrency limit, one of the install's pool. A slot is a
 * document claimed by creating it (atomically with the run) and freed by deleting it when the
 * run finishes, so two runs never hold one slot and no counter document is contended.
 *
 * Claims are blind: a random slot id, created without reading the pool. Only a collision (the
 * id was taken) makes admission list the pool; a pool is refused only on a listing that shows
 * it full. Far from the limit that costs no reads; at the limit, one listing per collision.
 */
export type SlotPool = 'workspace' | 'install';

export const POOLS: readonly SlotPool[] = ['workspace', 'install'];

const PREFIX: Record<SlotPool, string> = { workspace: 'w', install: 'i' };

export const slotId = (pool: SlotPool, k: number) => `${PREFIX[pool]}${String(k).padStart(4, '0')}`;

/** The pool a slot id belongs to (a run stores its slots' ids). */
export function poolOf(id: string): SlotPool {
  const pool = POOLS.find((p) => id.startsWith(PREFIX[p]));
  if (!pool) throw new Error(`not a slot id: ${id}`);
  return pool;
}

/**
 * What admission knows of one pool: slot ids seen taken; `listed` when they are the whole pool
 * as of one read; how many claims collided since.
 */
export interface PoolView {
  taken: ReadonlySet<string>;
  listed: boolean;
  collisions: number;
}

export const unknownPool = (): PoolView => ({ taken: new Set(), listed: false, collisions: 0 });

/**
 * Pools up to this size are listed at their first collision (a listing is a few reads, and a
 * small pool that collides is likely full: listing then refuses at once, where a second blind
 * try costs two more round trips); larger ones at their second, since one collision in a
 * large pool says little and a listing costs a read per run in progress.
 */
export const SMALL_POOL = 32;

/** What to do about one pool: claim a slot, list it first, or refuse (listed full). */
export type PoolDecision = { kind: 'claim'; id: string } | { kind: 'list' } | { kind: 'full' };

/**
 * A slot to claim: a random one not known taken. A pool is claimed blind until claims collide
 * (once for a small pool, twice for a large one); then it is listed. Listed, it is full when
 * as many slots are taken as the limit allows (ids above a lowered limit count too).
 */
export function decidePool(pool: SlotPool, limit: number, view: PoolView, random: () => number): PoolDecision {
  if (view.collisions >= (limit <= SMALL_POOL ? 1 : 2)) return { kind: 'list' };
  // Mostly free (a large pool): draw until an id is not known taken, without listing every id.
  if (view.taken.size < limit / 2) {
    for (let draw = 0; draw < 16; draw++) {
      const id = slotId(pool, Math.floor(random() * limit));
      if (!view.taken.has(id)) return { kind: 'claim', id };
    }
  }
  const free: string[] = [];
  for (let k = 0; k < limit; k++) if (!view.taken.has(slotId(pool, k))) free.push(slotId(pool, k));
  if (view.listed && (view.taken.size >= limit || free.length === 0)) return { kind: 'full' };
  if (free.length === 0) return { kind: 'list' };
  return { kind: 'claim', id: free[Math.floor(random() * free.length)]! };
}

/** After a lost race: a claimed slot found taken joins what is known, and the pool is no longer known whole. */
export function withCollision(view: PoolView, id: string): PoolView {
  return { ...view, taken: new Set([...view.taken, id]), listed: false, collisions: view.collisions + 1 };
}

export const listedPool = (ids: Iterable<string>): PoolView => ({ taken: new Set(ids), listed: true, collisions: 0 });

/**
 * Slots for a run admitted again (a suspended run resuming): one free slot of each of its
 * pools, chosen from listings read whole in the caller's transaction; or the first pool that is
 * full. The month quota is not charged again: the run counted when it was created.
 */
export function claimListed(limits: ReadonlyArray<{ pool: SlotPool; limit: number }>, taken: Partial<Record<SlotPool, Iterable<string>>>, random: () => number = Math.random): { slots: string[] } | { full: SlotPool } {
  const slots: string[] = [];
  for (const { pool, limit } of limits) {
    const decision = decidePool(pool, limit, listedPool(taken[pool] ?? []), random);
    if (decision.kind !== 'claim') return { full: pool };
    slots.push(decision.id);
  }
  return { slots };
}
