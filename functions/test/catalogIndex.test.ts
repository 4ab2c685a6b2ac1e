import { CatalogQuery } from '@agent-marketplace/contract/catalog';
import { describe, expect, it } from 'vitest';
import { CatalogIndex, compareStrings, type IndexEntry } from '../src/domain/catalogIndex.ts';
import { planCatalogQuery, searchTokens } from '../src/domain/catalogSearch.ts';

const WORDS = ['cost', 'costly', 'anomaly', 'anomalies', 'guard', 'a', 'vm', 'idle', 'reaper', 'night', 'sentry', 'ni', 'éclair'];
const CATS = ['finops', 'security', 'data'];
const TAGS = ['gcp', 'cost', 'k8s'];
const PRICING = ['free', 'per_run', 'subscription'];

function rng(seed: number) {
  return (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor((seed / 2147483648) * n);
  };
}

function entry(i: number, r: (n: number) => number): IndexEntry {
  const ws = [WORDS[r(WORDS.length)]!, WORDS[r(WORDS.length)]!, `w${i}`];
  return {
    id: `agent-${String(r(1000)).padStart(3, '0')}-${i}`,
    searchWords: [...new Set(ws)].sort(),
    categories: [CATS[r(3)]!],
    tags: [TAGS[r(3)]!],
    pricingModel: PRICING[r(3)]!,
    publisher: `pub-${r(3)}`,
    // Few distinct values, so the id tiebreak matters.
    ratingAvg: r(5),
    installCount: r(4) * 10,
    publishedAt: Date.UTC(2026, 0, 1 + r(3)),
    nameKey: `${ws[0]} ${r(3)}`,
  };
}

/** The Firestore plan on all entries: accept, then SORTS order. */
function reference(entries: IndexEntry[], q: CatalogQuery): string[] {
  const plan = planCatalogQuery(q);
  const tokenOk = (e: IndexEntry) => !plan.arrayContains || plan.arrayContains[0] !== 'searchTokens' || searchTokens(e.searchWords).includes(plan.arrayContains[1]);
  const eqOk = (e: IndexEntry) => plan.equalities.every(([f, v]) => f === 'state' || (e as unknown as Record<string, unknown>)[f] === v);
  const [[field, dir]] = plan.orderBy as [[keyof IndexEntry, 'asc' | 'desc']];
  return entries
    .filter((e) => tokenOk(e) && eqOk(e) && plan.accept(e))
    .sort((a, b) => {
      const av = a[field] as number | string;
      const bv = b[field] as number | string;
      let c = typeof av === 'string' ? compareStrings(av, bv as string) : (av as number) - (bv as number);
      if (c === 0) c = compareStrings(a.id, b.id);
      return dir === 'asc' ? c : -c;
    })
    .map((e) => e.id);
}

function all(index: CatalogIndex, q: CatalogQuery, limit: number): string[] {
  const out: string[] = [];
  let after: [number | string, string] | null = null;
  for (;;) {
    const page = index.search(q, limit, after);
    expect(page.ids.length).toBeLessThanOrEqual(limit);
    out.push(...page.ids);
    if (!page.next) return out;
    after = page.next;
  }
}

const queries: Partial<CatalogQuery>[] = [
  {},
  { q: 'cost' },
  { q: 'cost anom' },
  { q: 'ANOMALY Éclair' },
  { q: 'a' },
  { q: 'a cost' },
  { q: 'ni' },
  { q: 'w1' },
  { q: 'nothing' },
  { category: 'finops' },
  { tag: 'gcp', pricing: 'free' },
  { publisher: 'pub-1', minRating: 3 },
  { q: 'guard', pricing: 'subscription', minRating: 2 },
  { q: 'idle reap', category: 'security', tag: 'k8s' },
];

describe('catalog index', () => {
  const r = rng(7);
  const entries = Array.from({ length: 400 }, (_, i) => entry(i, r));
  const index = new CatalogIndex();
  for (const e of entries) index.upsert(e);

  it('answers what the Firestore plan answers, in the same order, for every sort and filter, page by page', () => {
    for (const base of queries) {
      for (const sort of ['popular', 'rating', 'newest', 'name'] as const) {
        const q = CatalogQuery.parse({ ...base, sort });
        const want = reference(entries, q);
        expect(all(index, q, 7), JSON.stringify(q)).toEqual(want);
        expect(index.search(q, 50, null).ids).toEqual(want.slice(0, 50));
      }
    }
  });

  it('keeps every sort in order through upserts, value changes and removals', () => {
    const local = new CatalogIndex();
    const live = new Map(entries.map((e) => [e.id, e]));
    for (const e of entries) local.upsert(e);
    const sorts = ['popular', 'rating', 'newest', 'name'] as const;
    for (const sort of sorts) local.search(CatalogQuery.parse({ sort }), 1, null);
    const r3 = rng(5);
    for (let i = 0; i < 300; i++) {
      const pick = [...live.values()][r3(live.size)]!;
      if (i % 3 === 0) {
        local.remove(pick.id);
        live.delete(pick.id);
      } else {
        const next = i % 3 === 1 ? entry(20_000 + i, r3) : { ...pick, installCount: r3(50), ratingAvg: r3(5), nameKey: `n${r3(9)}`, publishedAt: r3(3) };
        local.upsert(next);
        live.set(next.id, next);
      }
    }
    for (const base of queries) {
      for (const sort of sorts) {
        const q = CatalogQuery.parse({ ...base, sort });
        expect(all(local, q, 9), JSON.stringify(q)).toEqual(reference([...live.values()], q));
      }
    }
  });

  it('says there is a next page only when one exists', () => {
    const q = CatalogQuery.parse({ q: 'w17' });
    const want = reference(entries, q);
    const page = index.search(q, want.length, null);
    expect(page.ids).toEqual(want);
    expect(page.next).toBeNull();
  });

  it('intersects terms: two words that never meet give nothing', () => {
    expect(index.search(CatalogQuery.parse({ q: 'w1 w2' }), 20, null).ids).toEqual([]);
  });

  it('keeps cursors stable across inserts and removals: each listing present throughout appears once, in order', () => {
    const local = new CatalogIndex();
    const live = new Map(entries.map((e) => [e.id, e]));
    for (const e of entries) local.upsert(e);
    const r2 = rng(11);
    for (const sort of ['popular', 'rating', 'newest', 'name'] as const) {
      const q = CatalogQuery.parse({ sort, q: 'co' });
      const before = new Set(reference([...live.values()], q));
      const seen: string[] = [];
      const changedIds = new Set<string>();
      let after: [number | string, string] | null = null;
      let n = 0;
      for (;;) {
        const page = local.search(q, 5, after);
        seen.push(...page.ids);
        // Between pages: one insert, one removal, one changed sort value.
        const added = entry(10_000 + n++, r2);
        local.upsert(added);
        live.set(added.id, added);
        const victim = [...live.keys()][r2(live.size)]!;
        local.remove(victim);
        live.delete(victim);
        const moved = [...live.values()][r2(live.size)]!;
        const changed = { ...moved, installCount: moved.installCount + 1, ratingAvg: (moved.ratingAvg + 1) % 5 };
        local.upsert(changed);
        changedIds.add(changed.id);
        live.set(changed.id, changed);
        if (!page.next) break;
        after = page.next;
      }
      // Only a listing whose sort value changed meanwhile can show twice (as on Firestore).
      const unchangedSeen = seen.filter((id) => !changedIds.has(id));
      expect(new Set(unchangedSeen).size).toBe(unchangedSeen.length);
      // What stayed, unchanged, from start to end was seen.
      const untouched = [...before].filter((id) => live.has(id) && !changedIds.has(id));
      for (const id of untouched) expect(seen).toContain(id);
      // And in the final order, what was seen (and is still there, unchanged) comes in order.
      const final = reference([...live.values()], q).filter((id) => untouched.includes(id));
      expect(seen.filter((id) => final.includes(id))).toEqual(final);
    }
  });

  it('forgets removed entries and their words', () => {
    const local = new CatalogIndex();
    const e = entry(1, rng(3));
    local.upsert({ ...e, searchWords: ['zebra'] });
    expect(local.search(CatalogQuery.parse({ q: 'zeb' }), 20, null).ids).toEqual([e.id]);
    local.upsert({ ...e, searchWords: ['yak'] });
    expect(local.search(CatalogQuery.parse({ q: 'zeb' }), 20, null).ids).toEqual([]);
    local.remove(e.id);
    expect(local.search(CatalogQuery.parse({ q: 'yak' }), 20, null).ids).toEqual([]);
    expect(local.size).toBe(0);
  });

  it('orders strings by code point, as Firestore does', () => {
    expect(compareStrings('a', 'b')).toBeLessThan(0);
    expect(compareStrings('ab', 'a')).toBeGreaterThan(0);
    // U+FF21 (one UTF-16 unit) before U+1F600 (a surrogate pair), unlike JS `<`.
    expect(compareStrings('\uff21', '\u{1f600}')).toBeLessThan(0);
  });
});
