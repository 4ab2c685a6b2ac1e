import { MAX_PREFIX, MIN_PREFIX, SORTS, words, type CatalogQuery, type SortKey } from './catalogSearch.js';

/**
 * The catalog's search fields held in memory (one per API instance), so a search answers the
 * ids of one page and the store reads only those documents, whatever the catalog size.
 * Semantics equal the Firestore plan's (catalogSearch.ts): every term a word prefix, the
 * longest term matched as its stored token, the same filters, the same sorts with id as the
 * tiebreak, and cursors carrying the last sort values (the same encoding, so a cursor from
 * either path continues on the other).
 */
export interface IndexEntry {
  id: string;
  searchWords: string[];
  categories: string[];
  tags: string[];
  pricingModel: string;
  publisher: string;
  ratingAvg: number;
  installCount: number;
  /** Millis. */
  publishedAt: number;
  nameKey: string;
}

/** The fields the index needs, for the adapter's projection query. */
export const INDEX_FIELDS = ['id', 'searchWords', 'categories', 'tags', 'pricingModel', 'publisher', 'ratingAvg', 'installCount', 'publishedAt', 'nameKey'] as const;

/** Firestore orders strings by UTF-8 bytes, i.e. by code point; JS `<` by UTF-16 unit differs past U+D800. */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (a code point past U+FFFF) sorts after every BMP unit.
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

const SORT_FIELD: Record<SortKey, 'installCount' | 'ratingAvg' | 'publishedAt' | 'nameKey'> = {
  popular: 'installCount',
  rating: 'ratingAvg',
  newest: 'publishedAt',
  name: 'nameKey',
};

/** Negative when `a` comes first in this sort (values as the cursor carries them). */
function compareBy(sort: SortKey, av: number | string, aid: string, bv: number | string, bid: string): number {
  const asc = SORTS[sort][0]![1] === 'asc';
  let c = typeof av === 'string' && typeof bv === 'string' ? compareStrings(av, bv) : Number(av) - Number(bv);
  if (c === 0) c = compareStrings(aid, bid);
  return asc ? c : -c;
}

export interface IndexPage {
  ids: string[];
  /** Sort values of the last id ([value, id]), when a next page exists. */
  next: [number | string, string] | null;
  /** Entries the query examined (CPU only: no document is read for them). */
  examined: number;
}

export class CatalogIndex {
  private readonly entries = new Map<string, IndexEntry>();
  private readonly postings = new Map<string, Set<string>>();
  /** Sorted distinct words: a prefix is one contiguous range. Rebuilt lazily after new words. */
  private vocabulary: string[] | null = null;
  /** Entries in each sort's order, built on first use and then kept in order by upsert and remove. */
  private readonly orders = new Map<SortKey, IndexEntry[]>();

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.postings.clear();
    this.vocabulary = null;
    this.orders.clear();
  }

  upsert(entry: IndexEntry): void {
    this.remove(entry.id);
    this.entries.set(entry.id, entry);
    for (const w of new Set(entry.searchWords)) {
      let set = this.postings.get(w);
      if (!set) {
        set = new Set();
        this.postings.set(w, set);
        this.vocabulary = null;
      }
      set.add(entry.id);
    }
    for (const [sort, order] of this.orders) order.splice(this.position(sort, order, entry), 0, entry);
  }

  remove(id: string): void {
    const old = this.entries.get(id);
    if (!old) return;
    this.entries.delete(id);
    for (const w of new Set(old.searchWords)) {
      const set = this.postings.get(w);
      set?.delete(id);
      if (set && set.size === 0) {
        this.postings.delete(w);
        this.vocabulary = null;
      }
    }
    // Kept in place rather than rebuilt: install counts and ratings change often.
    for (const [sort, order] of this.orders) {
      const at = this.position(sort, order, old);
      if (order[at] === old) order.splice(at, 1);
      else this.orders.delete(sort);
    }
  }

  /** Where `e` sits (or would) in a sorted order: the first entry not before it. */
  private position(sort: SortKey, order: IndexEntry[], e: IndexEntry): number {
    const f = SORT_FIELD[sort];
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = order[mid]!;
      if (compareBy(sort, m[f], m.id, e[f], e.id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Ids of entries with a word starting with `prefix`. */
  private withPrefix(prefix: string): Set<string> {
    this.vocabulary ??= [...this.postings.keys()].sort();
    const vocab = this.vocabulary;
    let lo = 0;
    let hi = vocab.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (vocab[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out = new Set<string>();
    for (let i = lo; i < vocab.length && vocab[i]!.startsWith(prefix); i++) for (const id of this.postings.get(vocab[i]!)!) out.add(id);
    return out;
  }

  /** The ids matching every term, intersected smallest first; null when the query has no terms. */
  private candidates(q: string | undefined): Set<string> | null {
    const terms = words(q ?? '');
    if (terms.length === 0) return null;
    // The Firestore plan matches its longest term as a stored token: a one-letter token is the whole word.
    const primary = [...terms].sort((a, b) => b.length - a.length || a.localeCompare(b))[0]!;
    const token = primary.slice(0, MAX_PREFIX);
    const sets = [...new Set(terms)].map((t) => this.withPrefix(t));
    if (token.length < MIN_PREFIX) sets.push(this.postings.get(token) ?? new Set());
    sets.sort((a, b) => a.size - b.size);
    let acc = sets[0]!;
    for (const s of sets.slice(1)) {
      const next = new Set<string>();
      for (const id of acc) if (s.has(id)) next.add(id);
      acc = next;
      if (acc.size === 0) break;
    }
    return acc;
  }

  private ordered(sort: SortKey): IndexEntry[] {
    let order = this.orders.get(sort);
    if (!order) {
      const f = SORT_FIELD[sort];
      order = [...this.entries.values()].sort((a, b) => compareBy(sort, a[f], a.id, b[f], b.id));
      this.orders.set(sort, order);
    }
    return order;
  }

  /** One page: at most `limit` ids in the query's order, after the cursor's sort values. */
  search(q: CatalogQuery, limit: number, after: [number | string, string] | null): IndexPage {
    const candidates = this.candidates(q.q);
    const accept = (e: IndexEntry) =>
      (!candidates || candidates.has(e.id)) &&
      (!q.pricing || e.pricingModel === q.pricing) &&
      (!q.publisher || e.publisher === q.publisher) &&
      (!q.category || e.categories.includes(q.category)) &&
      (!q.tag || e.tags.includes(q.tag)) &&
      (q.minRating === undefined || e.ratingAvg >= q.minRating);
    const f = SORT_FIELD[q.sort];
    let pool: IndexEntry[];
    let start = 0;
    if (candidates && candidates.size * 8 < this.entries.size) {
      // Few matches: sorting them beats walking the whole order.
      pool = [...candidates].map((id) => this.entries.get(id)!).sort((a, b) => compareBy(q.sort, a[f], a.id, b[f], b.id));
    } else pool = this.ordered(q.sort);
    if (after) {
      let lo = 0;
      let hi = pool.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const e = pool[mid]!;
        if (compareBy(q.sort, e[f], e.id, after[0], after[1]) <= 0) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const ids: string[] = [];
    let examined = 0;
    let last: IndexEntry | null = null;
    for (let i = start; i < pool.length; i++) {
      const e = pool[i]!;
      examined++;
      if (!accept(e)) continue;
      if (ids.length === limit) return { ids, next: [last![f], last!.id], examined };
      ids.push(e.id);
      last = e;
    }
    return { ids, next: null, examined };
  }
}
