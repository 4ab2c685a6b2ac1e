/**
 * `#/`: the catalog. Search as you type, filters (category, pricing, rating), sort, and
 * pagination by the API's cursors. The search and filters live in the address (shareable,
 * and Back restores them); each change asks the API once, dropping answers that are stale.
 */
import type { AgentSummary, CatalogSearch, Page as ApiPage } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { t, tn } from '../../i18n.ts';
import { CATEGORIES, PRICING_MODELS, SORT_KEYS, categoryLabel, pricingLabel } from '../../labels.ts';
import { isAbort, showError } from '../../messages.ts';
import { setQuery, type Page } from '../../router.ts';
import { field, select, setTitle } from '../../ui/common.ts';
import { h, replace } from '../../ui/dom.ts';
import { agentCard } from './agentCard.ts';

const PAGE_SIZE = 12;
const TYPING_PAUSE_MS = 250;
const RATINGS = ['4', '3', '2'];

type Filters = Required<Pick<CatalogSearch, 'q'>> & Pick<CatalogSearch, 'category' | 'pricing' | 'minRating' | 'sort'>;

function filtersFrom(query: URLSearchParams): Filters {
  const pick = <T extends string>(values: readonly T[], v: string | null): T | undefined => (values as readonly string[]).includes(v ?? '') ? (v as T) : undefined;
  const rating = query.get('minRating');
  return {
    q: query.get('q') ?? '',
    category: pick(CATEGORIES, query.get('category')),
    pricing: pick(PRICING_MODELS, query.get('pricing')),
    minRating: rating && RATINGS.includes(rating) ? Number(rating) : undefined,
    sort: pick(SORT_KEYS, query.get('sort')),
  };
}

let firstResults = true;

export const catalogPage: Page = (root, { query, signal }) => {
  setTitle(t('catalog.title'));
  const filters = filtersFrom(query);

  const search = h('input', { id: 'catalog-q', name: 'q', type: 'search', autocomplete: 'off', maxlength: 200, value: filters.q, 'aria-controls': 'catalog-results' });
  const category = select('catalog-category', [['', t('catalog.anyCategory')], ...CATEGORIES.map((c) => [c, categoryLabel(c)] as [string, string])], filters.category);
  const pricing = select('catalog-pricing', [['', t('catalog.anyPricing')], ...PRICING_MODELS.map((p) => [p, pricingLabel(p)] as [string, string])], filters.pricing);
  const rating = select('catalog-rating', [['', t('catalog.anyRating')], ...RATINGS.map((r) => [r, t('catalog.ratingAtLeast', { n: r })] as [string, string])], filters.minRating?.toString());
  const sort = select('catalog-sort', SORT_KEYS.map((s) => [s, t(`catalog.sort.${s}`)] as [string, string]), filters.sort ?? 'popular');

  const form = h(
    'form',
    { role: 'search', class: 'filters', 'aria-label': t('catalog.searchLabel') },
    field(search, t('catalog.search'), 'wide'),
    field(category, t('catalog.category')),
    field(pricing, t('catalog.pricing')),
    field(rating, t('catalog.rating')),
    field(sort, t('catalog.sortBy')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    reload(true);
  });

  const status = h('p', { class: 'muted', role: 'status', id: 'catalog-status' }, t('common.loading'));
  const list = h('ul', { class: 'cards', id: 'catalog-results', 'aria-describedby': 'catalog-status' });
  const prev = h('button', { type: 'button', class: 'secondary' }, t('catalog.prev'));
  const next = h('button', { type: 'button', class: 'secondary' }, t('catalog.next'));
  const pageNo = h('span', { class: 'muted' });
  const pager = h('nav', { class: 'pager', 'aria-label': t('catalog.pages') }, prev, pageNo, next);

  root.append(h('h1', {}, t('catalog.title')), h('p', { class: 'lead' }, t('catalog.intro')), form, status, list, pager);

  // cursors[i] loads page i + 1; the first page has none.
  let cursors: (string | undefined)[] = [undefined];
  let index = 0;
  let nextCursor: string | null = null;
  let inflight: AbortController | undefined;
  signal.addEventListener('abort', () => inflight?.abort());

  const current = (): Filters => ({
    q: search.value.trim(),
    category: (category.value || undefined) as Filters['category'],
    pricing: (pricing.value || undefined) as Filters['pricing'],
    minRating: rating.value ? Number(rating.value) : undefined,
    sort: (sort.value || undefined) as Filters['sort'],
  });

  /**
   * While a search is being typed or results are on their way, the list says so (aria-busy)
   * and the pager waits: its cursors belong to the results on screen, which are stale.
   */
  const busy = { typing: false, loading: false };
  function setBusy(change: Partial<typeof busy>): void {
    Object.assign(busy, change);
    const on = busy.typing || busy.loading;
    if (on) list.setAttribute('aria-busy', 'true');
    else list.removeAttribute('aria-busy');
    prev.disabled = on;
    next.disabled = on;
  }

  function show(page: ApiPage<AgentSummary>): void {
    replace(list, ...page.items.map(agentCard));
    nextCursor = page.nextCursor;
    const n = page.items.length;
    replace(status, n === 0 ? (index === 0 ? t('catalog.noMatch') : t('catalog.noMore')) : tn('catalog.showing', n, { page: index + 1 }));
    prev.hidden = index === 0;
    next.hidden = !nextCursor;
    pager.hidden = prev.hidden && next.hidden;
    replace(pageNo, pager.hidden ? '' : t('catalog.pageN', { n: index + 1 }));
    if (firstResults) {
      firstResults = false;
      performance.mark('catalog-results'); // read by `npm run bench` (scripts/bench/web.ts)
    }
  }

  async function load(): Promise<void> {
    inflight?.abort();
    const controller = new AbortController();
    inflight = controller;
    setBusy({ loading: true });
    try {
      const f = current();
      const page = await api.call('listAgents', { query: { ...f, q: f.q || undefined, limit: PAGE_SIZE, cursor: cursors[index] }, signal: controller.signal });
      if (inflight !== controller) return; // a newer search has started
      show(page);
    } catch (err) {
      if (isAbort(err) || inflight !== controller) return;
      replace(status, t('catalog.failed'));
      showError(err);
    } finally {
      if (inflight === controller) setBusy({ loading: false });
    }
  }

  /** The filters changed: back to the first page, the address updated. */
  function reload(push = false): void {
    cursors = [undefined];
    index = 0;
    const f = current();
    setQuery({ q: f.q, category: f.category, pricing: f.pricing, minRating: f.minRating, sort: f.sort === 'popular' ? undefined : f.sort }, { push });
    void load();
  }

  let typing: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    setBusy({ typing: true }); // what is shown no longer matches what is typed
    typing = setTimeout(() => {
      setBusy({ typing: false });
      reload();
    }, TYPING_PAUSE_MS);
  });
  signal.addEventListener('abort', () => clearTimeout(typing));
  for (const control of [category, pricing, rating, sort]) control.addEventListener('change', () => reload(true));
  next.addEventListener('click', () => {
    if (!nextCursor) return;
    cursors = [...cursors.slice(0, index + 1), nextCursor];
    index += 1;
    void load().then(() => list.querySelector('a')?.focus());
  });
  prev.addEventListener('click', () => {
    index = Math.max(0, index - 1);
    void load().then(() => list.querySelector('a')?.focus());
  });

  return load();
};
