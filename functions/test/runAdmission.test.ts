import { describe, expect, it } from 'vitest';
import { AppError } from '../src/domain/errors.js';
import { decideMonth, evenCaps, shardsFor, type MonthView, type QuotaShard, type ShardRead } from '../src/domain/monthQuota.js';
import {
  admit,
  afterLostRace,
  emptyAdmissionView,
  nextAdmissionStep,
  withReads,
  type AdmissionClaim,
  type AdmissionRequest,
  type AdmissionStore,
} from '../src/domain/runAdmission.js';
import { claimListed, decidePool, listedPool, slotId, unknownPool, withCollision } from '../src/domain/runSlots.js';

/** A seeded generator, so a failing interleaving can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const at = new Date('2026-11-26T10:00:00Z');
const shard = (runs: number, cap: number, limit: number, of = shardsFor(limit)): QuotaShard => ({ runs, cap, limit, of });
const read = (s: QuotaShard | null, version = 'v1'): ShardRead => ({ shard: s, version: s ? version : null });
const listed = (shards: Array<[number, ShardRead]>): MonthView => ({ shards: new Map(shards), listed: true });

describe('concurrency slots', () => {
  it('claims a random slot blind, lists the pool after a collision, refuses only a listed full pool', () => {
    const first = decidePool('workspace', 5, unknownPool(), () => 0.5);
    expect(first).toEqual({ kind: 'claim', id: 'w0002' });
    expect(decidePool('workspace', 5, withCollision(unknownPool(), 'w0002'), () => 0.5)).toEqual({ kind: 'list' });
    expect(decidePool('install', 32, withCollision(unknownPool(), 'i0002'), () => 0.5)).toEqual({ kind: 'list' });
    // A large pool is tried once more, on an id not known taken, before it is listed.
    const once = withCollision(unknownPool(), 'w10000');
    const draws = (...xs: number[]) => () => xs.shift()!;
    expect(decidePool('workspace', 20_000, once, draws(0.5, 0.7))).toEqual({ kind: 'claim', id: 'w14000' });
    expect(decidePool('workspace', 20_000, withCollision(once, 'w0007'), () => 0.5)).toEqual({ kind: 'list' });
    // A listing made stale by a later collision is not listed again at once.
    expect(decidePool('workspace', 20_000, withCollision(listedPool(['w0001']), 'w10000'), draws(0.5, 0.7))).toEqual({ kind: 'claim', id: 'w14000' });
    const some = listedPool(['w0000', 'w0002', 'w0003', 'w0004']);
    expect(decidePool('workspace', 5, some, () => 0.9)).toEqual({ kind: 'claim', id: 'w0001' });
    expect(decidePool('workspace', 4, some, () => 0.9)).toEqual({ kind: 'full' });
    expect(decidePool('install', 2, listedPool(['i0000', 'i0001']), Math.random)).toEqual({ kind: 'full' });
  });

  it('counts slots held above a lowered limit', () => {
    // The limit went from 5 to 3 while runs held w0003 and w0004: one more run fits, not three.
    const view = listedPool(['w0003', 'w0004']);
    expect(decidePool('workspace', 3, view, () => 0)).toEqual({ kind: 'claim', id: 'w0000' });
    expect(decidePool('workspace', 3, listedPool(['w0000', 'w0003', 'w0004']), () => 0)).toEqual({ kind: 'full' });
  });

  it('draws from a large pool without listing its ids', () => {
    const draws = [0.1, 0.1, 0.7];
    const view = listedPool([slotId('workspace', 10_000)]);
    expect(decidePool('workspace', 100_000, view, () => draws.shift()!)).toEqual({ kind: 'claim', id: 'w70000' });
  });
});

describe('admitted again (a suspended run resuming)', () => {
  it('claims a free slot of each pool from whole listings, or names the first full pool', () => {
    const limits = [{ pool: 'workspace' as const, limit: 2 }, { pool: 'install' as const, limit: 1 }];
    expect(claimListed(limits, { workspace: ['w0000'], install: [] }, () => 0)).toEqual({ slots: ['w0001', 'i0000'] });
    expect(claimListed(limits, { workspace: ['w0000', 'w0001'], install: [] })).toEqual({ full: 'workspace' });
    expect(claimListed(limits, { workspace: [], install: ['i0000'] })).toEqual({ full: 'install' });
    // A slot above a lowered limit still counts as taken.
    expect(claimListed([{ pool: 'workspace', limit: 2 }], { workspace: ['w0000', 'w0005'] })).toEqual({ full: 'workspace' });
  });
});

describe('the month quota in shards', () => {
  it('caps that sum to the limit, over one shard per run up to 128', () => {
    expect(evenCaps(37, 16).reduce((a, b) => a + b, 0)).toBe(37);
    expect(evenCaps(5, 8)).toEqual([1, 1, 1, 1, 1, 0, 0, 0]);
    expect([0, 5, 1000, 250_000].map(shardsFor)).toEqual([1, 5, 128, 128]);
  });

  it('reads one shard that has room under even caps, and charges it on condition of its version', () => {
    expect(decideMonth(5, { shards: new Map(), listed: false }, () => 0.99)).toEqual({ kind: 'read', index: 4 });
    const view: MonthView = { shards: new Map([[3, read(shard(2, 7, 100), 'v9')]]), listed: false };
    expect(decideMonth(100, view, Math.random)).toEqual({ kind: 'claim', shard: 3, writes: [{ index: 3, expect: 'v9', next: shard(3, 7, 100) }] });
    expect(decideMonth(0, view, Math.random)).toEqual({ kind: 'full' });
  });

  it('lists every shard when the one read is full, set for another limit or count, or still missing after a lost race', () => {
    for (const s of [shard(7, 7, 100), shard(2, 7, 90), shard(2, 7, 100, 8)]) {
      expect(decideMonth(100, { shards: new Map([[3, read(s)]]), listed: false }, Math.random)).toEqual({ kind: 'list' });
    }
    expect(decideMonth(100, { shards: new Map([[3, read(null)]]), listed: false, raced: true }, Math.random)).toEqual({ kind: 'list' });
  });

  it('opens the month outright when the first shard read is missing', () => {
    const decision = decideMonth(100, { shards: new Map([[3, read(null)]]), listed: false }, Math.random);
    if (decision.kind !== 'claim') throw new Error(decision.kind);
    expect(decision.shard).toBe(3);
    expect(decision.writes).toHaveLength(shardsFor(100));
    expect(decision.writes.every((w) => w.expect === null)).toBe(true);
    expect(decision.writes.reduce((sum, w) => sum + w.next.cap, 0)).toBe(100);
  });

  it('opens the month: every shard created with caps that sum to the limit', () => {
    const decision = decideMonth(37, listed([]), () => 0);
    expect(decision.kind).toBe('claim');
    if (decision.kind !== 'claim') return;
    expect(decision.writes).toHaveLength(shardsFor(37));
    expect(decision.writes.every((w) => w.expect === null && w.next.limit === 37 && w.next.of === shardsFor(37))).toBe(true);
    expect(decision.writes.reduce((sum, w) => sum + w.next.cap, 0)).toBe(37);
    expect(decision.writes.reduce((sum, w) => sum + w.next.runs, 0)).toBe(1);
  });

  it('refuses only when every shard is seen full', () => {
    const caps = evenCaps(20, shardsFor(20));
    const full = caps.map((cap, i): [number, ShardRead] => [i, read(shard(cap, cap, 20))]);
    expect(decideMonth(20, listed(full), Math.random)).toEqual({ kind: 'full' });
    full[9] = [9, read(shard(0, 1, 20), 'v2')];
    expect(decideMonth(20, listed(full), Math.random)).toEqual({ kind: 'claim', shard: 9, writes: [{ index: 9, expect: 'v2', next: shard(1, 1, 20) }] });
  });

  it('sets every cap again for a new limit, never below what a shard has charged', () => {
    // 40 charged under a limit of 100 (all on four shards), then the limit is lowered to 45.
    const rest = evenCaps(60, shardsFor(100) - 4);
    const before = Array.from({ length: shardsFor(100) }, (_, i): [number, ShardRead] => [i, read(i < 4 ? shard(10, 10, 100) : shard(0, rest[i - 4]!, 100), `v${i}`)]);
    expect(before.reduce((sum, [, r]) => sum + r.shard!.cap, 0)).toBe(100);
    const decision = decideMonth(45, listed(before), () => 0.5);
    if (decision.kind !== 'claim') throw new Error(decision.kind);
    const after = new Map(before.map(([i, r]) => [i, r.shard!]));
    for (const w of decision.writes) {
      expect(w.expect).toBe(`v${w.index}`);
      after.set(w.index, w.next);
    }
    const shards = [...after.values()];
    expect(shards.every((s) => s.limit === 45 && s.runs <= s.cap)).toBe(true);
    expect(shards.reduce((sum, s) => sum + s.cap, 0)).toBe(45);
    expect(shards.reduce((sum, s) => sum + s.runs, 0)).toBe(41);
    // Lowered below what is charged: nothing more.
    expect(decideMonth(30, listed(before), Math.random)).toEqual({ kind: 'full' });
  });

  it('closes shards past a lowered shard count, keeping what they charged', () => {
    const old = Array.from({ length: 16 }, (_, i): [number, ShardRead] => [i, read(shard(1, 2, 32, 16))]);
    const decision = decideMonth(32, listed(old), () => 0, 8);
    if (decision.kind !== 'claim') throw new Error(decision.kind);
    const next = new Map(old.map(([i, r]) => [i, r.shard!]));
    for (const w of decision.writes) next.set(w.index, w.next);
    for (let i = 8; i < 16; i++) expect(next.get(i)).toMatchObject({ runs: 1, cap: 1 });
    expect([...next.values()].reduce((sum, s) => sum + s.cap, 0)).toBe(32);
  });
});

describe('admission steps', () => {
  const req: AdmissionRequest = { runId: 'r1', limits: { runsPerMonth: 100, concurrentRuns: 5 }, installConcurrency: 2, at };

  it('reads one shard first; claims blind slots in both pools and the shard in one write', () => {
    const first = nextAdmissionStep(req, emptyAdmissionView(), () => 0);
    expect(first).toEqual({ kind: 'read', shard: 0, listMonth: false, listPools: [] });
    const view = withReads(emptyAdmissionView(), { shards: new Map([[0, read(shard(0, 7, 100))]]) });
    expect(nextAdmissionStep(req, view, () => 0)).toEqual({
      kind: 'claim',
      claim: { slots: ['w0000', 'i0000'], monthShard: 0, shardWrites: [{ index: 0, expect: 'v1', next: shard(1, 7, 100) }] },
    });
  });

  it("refuses the month before a pool, and a pool only on its listing", () => {
    const monthFull = withReads(emptyAdmissionView(), { shards: new Map([[0, read(shard(7, 7, 100))]]), monthListed: true, pools: { install: ['i0000', 'i0001'] } });
    const step = nextAdmissionStep(req, monthFull, Math.random);
    // One shard listed, the rest missing: the month is set up again, and the install is full.
    expect(step).toMatchObject({ kind: 'refuse' });
    expect(step.kind === 'refuse' && step.error.code).toBe('install_concurrency_limit');
    const everyShardFull = evenCaps(100, shardsFor(100)).map((cap, i): [number, ShardRead] => [i, read(shard(cap, cap, 100))]);
    const both = withReads(emptyAdmissionView(), { shards: new Map(everyShardFull), monthListed: true, pools: { install: ['i0000', 'i0001'] } });
    const refused = nextAdmissionStep(req, both, Math.random);
    expect(refused.kind === 'refuse' && refused.error.code).toBe('monthly_run_quota_exceeded');
    expect(refused.kind === 'refuse' && refused.error.retryAfterSeconds).toBe(Math.ceil((Date.parse('2026-12-01T00:00:00Z') - at.getTime()) / 1000));
  });

  it('after a lost race: lists a pool that collided, keeps the shard read again, knows its own commit', () => {
    const claim: AdmissionClaim = { slots: ['w0001', 'i0001'], monthShard: 0, shardWrites: [] };
    const after = afterLostRace(emptyAdmissionView(), claim, at, { run: null, slotsTaken: ['i0001'], shard: read(shard(3, 7, 100), 'v2') });
    if (after.kind !== 'retry') throw new Error(after.kind);
    expect(nextAdmissionStep(req, after.view, () => 0)).toEqual({ kind: 'read', shard: null, listMonth: false, listPools: ['install'] });
    expect(afterLostRace(emptyAdmissionView(), claim, at, { run: { createdAt: at, slots: ['w0001', 'i0001'] }, slotsTaken: [], shard: read(null) })).toEqual({ kind: 'admitted' });
    expect(afterLostRace(emptyAdmissionView(), claim, at, { run: { createdAt: new Date(0), slots: ['w0004'] }, slotsTaken: [], shard: read(null) })).toEqual({ kind: 'exists' });
  });
});

/**
 * A store with Firestore's guarantees and nothing more: documents with versions, batches that
 * apply atomically or not at all (create fails on an existing document, update on a changed
 * version), no transactions. Each operation yields, so concurrent admissions interleave.
 */
class MemoryStore {
  docs = new Map<string, { data: any; version: number }>();
  private clock = 0;
  /** Set to make the next commits apply yet report a failure (a retried commit whose first try landed). */
  applyButFail = 0;

  constructor(private readonly random: () => number) {}

  private async yieldSome() {
    for (let i = Math.floor(this.random() * 4); i > 0; i--) await new Promise((r) => setImmediate(r));
  }

  async get(path: string) {
    await this.yieldSome();
    return this.docs.get(path) ?? null;
  }

  async list(prefix: string) {
    await this.yieldSome();
    return [...this.docs.entries()].filter(([p]) => p.startsWith(prefix));
  }

  async commit(ops: Array<{ op: 'create' | 'update' | 'delete'; path: string; data?: any; version?: number }>): Promise<boolean> {
    await this.yieldSome();
    for (const o of ops) {
      const doc = this.docs.get(o.path);
      if (o.op === 'create' && doc) return false;
      if (o.op === 'update' && (!doc || doc.version !== o.version)) return false;
    }
    for (const o of ops) {
      if (o.op === 'delete') this.docs.delete(o.path);
      else this.docs.set(o.path, { data: o.data, version: ++this.clock });
    }
    if (this.applyButFail > 0) {
      this.applyButFail--;
      return false;
    }
    return true;
  }

  /** The adapter's side of admission, over this store, for one run. */
  admission(runId: string, installLimited: boolean): AdmissionStore {
    const slotPath = (id: string) => (id.startsWith('w') ? `ws/slots/${id}` : `install/slots/${id}`);
    const shardPath = (i: number) => `month/shards/${String(i).padStart(3, '0')}`;
    const shardRead = (doc: { data: any; version: number } | null): ShardRead => (doc ? { shard: doc.data, version: String(doc.version) } : { shard: null, version: null });
    return {
      read: async (step) => {
        const pools: Record<string, string[]> = {};
        for (const pool of step.listPools) pools[pool] = (await this.list(pool === 'workspace' ? 'ws/slots/' : 'install/slots/')).map(([p]) => p.split('/').pop()!);
        if (step.listMonth) {
          const all = await this.list('month/shards/');
          return { pools, monthListed: true, shards: new Map(all.map(([p, d]) => [Number(p.split('/').pop()), shardRead(d)])) };
        }
        return { pools, shards: step.shard === null ? new Map() : new Map([[step.shard, shardRead(await this.get(shardPath(step.shard)))]]) };
      },
      commit: (claim) =>
        this.commit([
          ...claim.slots.map((id) => ({ op: 'create' as const, path: slotPath(id), data: { runId } })),
          ...claim.shardWrites.map((w) =>
            w.expect === null ? { op: 'create' as const, path: shardPath(w.index), data: w.next } : { op: 'update' as const, path: shardPath(w.index), data: w.next, version: Number(w.expect) },
          ),
          { op: 'create', path: `runs/${runId}`, data: { createdAt: at, slots: claim.slots, monthShard: claim.monthShard, installLimited } },
        ]),
      lostRace: async (claim) => ({
        run: (await this.get(`runs/${runId}`))?.data ?? null,
        slotsTaken: (await Promise.all(claim.slots.map(async (id) => ((await this.get(slotPath(id))) ? id : null)))).filter((id): id is string => id !== null),
        shard: shardRead(await this.get(shardPath(claim.monthShard))),
      }),
    };
  }

  /** Finishing a run: its slots freed in one write. */
  finish(runId: string) {
    const run = this.docs.get(`runs/${runId}`)!.data;
    return this.commit(run.slots.map((id: string) => ({ op: 'delete' as const, path: id.startsWith('w') ? `ws/slots/${id}` : `install/slots/${id}` })));
  }

  runs = () => [...this.docs.entries()].filter(([p]) => p.startsWith('runs/')).map(([p, d]) => ({ id: p.slice(5), ...d.data }));
  shards = () => [...this.docs.entries()].filter(([p]) => p.startsWith('month/shards/')).map(([, d]) => d.data as QuotaShard);
  held = (prefix: string) => [...this.docs.keys()].filter((p) => p.startsWith(prefix)).length;
}

async function burst(store: MemoryStore, n: number, limits: AdmissionRequest['limits'], installConcurrency: number | null, random: () => number) {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const runId = `r${store.runs().length}-${i}-${Math.floor(random() * 1e9)}`;
      try {
        await admit({ runId, limits, installConcurrency, at }, store.admission(runId, installConcurrency !== null), random);
        return { runId, code: null as string | null };
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        return { runId, code: err.code };
      }
    }),
  );
}

/** Every admitted run is stored once with its slots and shard; no shard is over its cap; the caps sum to the limit. */
function expectExact(store: MemoryStore, admitted: string[], limit: number) {
  const runs = store.runs();
  expect(runs.map((r) => r.id).sort()).toEqual([...admitted].sort());
  const shards = store.shards();
  expect(shards.reduce((sum, s) => sum + s.runs, 0)).toBe(runs.length);
  expect(shards.every((s) => s.runs <= s.cap)).toBe(true);
  expect(shards.reduce((sum, s) => sum + s.cap, 0)).toBe(Math.max(limit, runs.length));
}

describe('admission against a store with Firestore semantics, many concurrent triggers', () => {
  for (const seed of [1, 2, 3]) {
    it(`admits exactly what each limit allows (seed ${seed})`, async () => {
      const random = seeded(seed);
      const cases = [
        { limits: { runsPerMonth: 1000, concurrentRuns: 50 }, install: 3, admitted: 3, code: 'install_concurrency_limit' },
        { limits: { runsPerMonth: 1000, concurrentRuns: 4 }, install: null, admitted: 4, code: 'concurrent_run_limit' },
        { limits: { runsPerMonth: 5, concurrentRuns: 50 }, install: null, admitted: 5, code: 'monthly_run_quota_exceeded' },
        { limits: { runsPerMonth: 37, concurrentRuns: 1000 }, install: null, admitted: 37, code: 'monthly_run_quota_exceeded' },
      ];
      for (const c of cases) {
        const store = new MemoryStore(random);
        const replies = await burst(store, 120, c.limits, c.install, random);
        const admitted = replies.filter((r) => r.code === null).map((r) => r.runId);
        expect(admitted.length).toBe(c.admitted);
        expect(new Set(replies.filter((r) => r.code !== null).map((r) => r.code))).toEqual(new Set([c.code]));
        expectExact(store, admitted, c.limits.runsPerMonth);
        expect(store.held('ws/slots/')).toBe(c.admitted);
        if (c.install !== null) expect(store.held('install/slots/')).toBe(c.admitted);
      }
    });
  }

  it('keeps every limit while runs finish and start, and when the month is lowered and raised', async () => {
    const random = seeded(7);
    const store = new MemoryStore(random);
    let limits = { runsPerMonth: 120, concurrentRuns: 6 };
    const admitted: string[] = [];
    const live = new Set<string>();
    const finish = async (id: string) => {
      expect(await store.finish(id)).toBe(true);
      live.delete(id);
    };
    let install: number | null = 4;
    const wave = async (n: number) => {
      const replies = await burst(store, n, limits, install, random);
      for (const r of replies.filter((x) => x.code === null)) {
        admitted.push(r.runId);
        live.add(r.runId);
      }
      expect(store.held('ws/slots/')).toBeLessThanOrEqual(limits.concurrentRuns);
      expect(store.held('install/slots/')).toBeLessThanOrEqual(install ?? Infinity);
      for (const id of [...live].filter(() => random() < 0.7)) await finish(id);
    };
    for (let i = 0; i < 10; i++) await wave(30);
    expect(admitted.length).toBeGreaterThan(20);
    const before = admitted.length;
    // The month alone binds now.
    limits = { runsPerMonth: before + 3, concurrentRuns: 1000 };
    install = null;
    for (const id of [...live]) await finish(id);
    await wave(60);
    await wave(60);
    expect(admitted.length).toBe(before + 3);
    limits = { runsPerMonth: before - 10, concurrentRuns: 1000 };
    await wave(60);
    expect(admitted.length).toBe(before + 3);
    limits = { runsPerMonth: before + 20, concurrentRuns: 1000 };
    for (const id of [...live]) await finish(id);
    await wave(60);
    await wave(60);
    expect(admitted.length).toBe(before + 20);
    expectExact(store, admitted, limits.runsPerMonth);
  });

  it('a commit that landed but reported failure is the run admitted; a taken id is a conflict', async () => {
    const store = new MemoryStore(seeded(3));
    const limits = { runsPerMonth: 10, concurrentRuns: 10 };
    store.applyButFail = 1;
    await admit({ runId: 'once', limits, installConcurrency: null, at }, store.admission('once', false), seeded(4));
    expectExact(store, ['once'], 10);
    await expect(admit({ runId: 'once', limits, installConcurrency: null, at: new Date(at.getTime() + 1) }, store.admission('once', false), seeded(5))).rejects.toMatchObject({
      code: 'run_exists',
    });
    expectExact(store, ['once'], 10);
  });
});
