import { CatalogQuery, SortKey } from '@agent-marketplace/contract/catalog';

export { CatalogQuery, SortKey };

/**
 * Catalog search on Firestore alone: listings carry prefix tokens of their name, summary,
 * tags, publisher and categories; a query uses at most one array-contains (the most selective
 * term, else a category or tag) plus equality filters and one sort, and checks the remaining
 * terms and filters on the documents it reads, in bounded batches. The same plan generates
 * the composite indexes (`npm run indexes`), so every query the API can issue has one.
 * An API instance answers from its in-memory index (catalogIndex.ts) once loaded; this plan is
 * the fallback, and the index keeps its semantics.
 */
export const MIN_PREFIX = 2;
export const MAX_PREFIX = 15;

/** Lowercase, accents stripped, split on anything that is not a letter or digit. */
export function words(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** Every prefix (2 to 15 characters) of every word: what `searchTokens` stores. */
export function searchTokens(fields: string[]): string[] {
  const out = new Set<string>();
  for (const w of fields.flatMap(words)) {
    for (let n = MIN_PREFIX; n <= Math.min(w.length, MAX_PREFIX); n++) out.add(w.slice(0, n));
    if (w.length < MIN_PREFIX) out.add(w);
  }
  return [...out].sort();
}

export const SORTS: Record<SortKey, [string, 'asc' | 'desc'][]> = {
  popular: [['installCount', 'desc'], ['id', 'desc']],
  rating: [['ratingAvg', 'desc'], ['id', 'desc']],
  newest: [['publishedAt', 'desc'], ['id', 'desc']],
  name: [['nameKey', 'asc'], ['id', 'asc']],
};

export interface ListingForFilter {
  id: string;
  searchWords: string[];
  categories: string[];
  tags: string[];
  ratingAvg: number;
}

export interface CatalogPlan {
  /** The query itself, for a store that answers it from an in-memory index (catalogIndex.ts). */
  query: CatalogQuery;
  equalities: [string, string][];
  arrayContains: [string, string] | null;
  orderBy: [string, 'asc' | 'desc'][];
  /** Checks on each document read: remaining terms, the filters the query could not express. */
  accept(listing: ListingForFilter): boolean;
  /** True when, in this sort order, no later document can pass (rating sort with minRating). */
  exhausted(listing: ListingForFilter): boolean;
  /** Whether documents read can fail `accept` (then reading in bigger batches saves round trips). */
  postFiltered: boolean;
}

export function planCatalogQuery(q: CatalogQuery): CatalogPlan {
  const terms = words(q.q ?? '');
  const equalities: [string, string][] = [['state', 'published']];
  if (q.pricing) equalities.push(['pricingModel', q.pricing]);
  if (q.publisher) equalities.push(['publisher', q.publisher]);

  let arrayContains: [string, string] | null = null;
  // The longest term is usually the most selective; its (capped) prefix is indexed.
  const primary = [...terms].sort((a, b) => b.length - a.length || a.localeCompare(b))[0];
  if (primary) arrayContains = ['searchTokens', primary.slice(0, MAX_PREFIX)];
  else if (q.category) arrayContains = ['categories', q.category];
  else if (q.tag) arrayContains = ['tags', q.tag];

  const accept = (l: ListingForFilter) =>
    terms.every((t) => l.searchWords.some((w) => w.startsWith(t))) &&
    (!q.category || l.categories.includes(q.category)) &&
    (!q.tag || l.tags.includes(q.tag)) &&
    (q.minRating === undefined || l.ratingAvg >= q.minRating);
  const exhausted = (l: ListingForFilter) => q.sort === 'rating' && q.minRating !== undefined && l.ratingAvg < q.minRating;

  const postFiltered =
    terms.length > 1 ||
    q.minRating !== undefined ||
    (q.category !== undefined && arrayContains?.[0] !== 'categories') ||
    (q.tag !== undefined && arrayContains?.[0] !== 'tags') ||
    (primary !== undefined && primary.length > MAX_PREFIX);
  return { query: q, equalities, arrayContains, orderBy: SORTS[q.sort], accept, exhausted, postFiltered };
}

/** Every composite index the plans above can need, in firestore.indexes.json form. */
export function catalogIndexes(): { collectionGroup: string; queryScope: string; fields: { fieldPath: string; order?: string; arrayConfig?: string }[] }[] {
  const out: ReturnType<typeof catalogIndexes> = [];
  const arrays = [null, 'searchTokens', 'categories', 'tags'];
  const optional = [[], ['pricingModel'], ['publisher'], ['pricingModel', 'publisher']];
  for (const sort of SortKey.options) {
    for (const arr of arrays) {
      for (const eq of optional) {
        const fields: { fieldPath: string; order?: string; arrayConfig?: string }[] = [];
        if (arr) fields.push({ fieldPath: arr, arrayConfig: 'CONTAINS' });
        for (const f of ['state', ...eq].sort()) fields.push({ fieldPath: f, order: 'ASCENDING' });
        for (const [f, dir] of SORTS[sort]) fields.push({ fieldPath: f, order: dir === 'asc' ? 'ASCENDING' : 'DESCENDING' });
        out.push({ collectionGroup: 'agents', queryScope: 'COLLECTION', fields });
      }
    }
  }
  return out;
}
