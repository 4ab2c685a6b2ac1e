/**
 * A search of the install's vector memory by meaning, scored exactly as the agent's searches
 * are (0 to 1, higher is closer): a text and how many results, nearest first, each with its
 * score. Searching here is not counted in the agent's figures.
 */
import { api } from '../../api.ts';
import { formatScore, t, tn } from '../../i18n.ts';
import { showError } from '../../messages.ts';
import { busy, h, replace } from '../../ui/dom.ts';
import { metadataText, SEARCH_K } from './memoryFigures.ts';

export function vectorSearch(params: { wsId: string; installId: string }, signal: AbortSignal): HTMLElement {
  const { max: searchMaxK, default: searchDefaultK } = SEARCH_K;
  const query = h('input', { id: 'memory-search-query', name: 'query', type: 'search', autocomplete: 'off', 'aria-describedby': 'memory-search-query-error' });
  const k = h('input', { id: 'memory-search-k', name: 'k', type: 'number', inputmode: 'numeric', min: 1, max: searchMaxK, step: 1, value: searchDefaultK, class: 'days-input' });
  const queryError = h('p', { class: 'field-error', id: 'memory-search-query-error' });
  const kError = h('p', { class: 'field-error', id: 'memory-search-k-error' });
  k.setAttribute('aria-describedby', kError.id);
  const go = h('button', { type: 'submit', class: 'secondary' }, t('memory.search.submit'));
  const status = h('p', { class: 'hint', role: 'status', id: 'memory-search-status' });
  const results = h('ol', { class: 'rows memory-results', id: 'memory-search-results', 'aria-label': t('memory.search.resultsLabel') });
  results.hidden = true;
  const form = h(
    'form',
    { class: 'inline memory-search', role: 'search', 'aria-label': t('memory.search.label'), novalidate: true },
    h('div', { class: 'field' }, h('label', { for: query.id }, t('memory.search.query')), query, queryError),
    h('div', { class: 'field field-narrow' }, h('label', { for: k.id }, t('memory.search.k')), k, h('p', { class: 'hint' }, t('memory.search.kHint', { max: searchMaxK })), kError),
    go,
  );
  const fail = (input: HTMLInputElement, error: HTMLElement, message: string) => {
    input.setAttribute('aria-invalid', 'true');
    replace(error, message);
    input.focus();
  };
  for (const [input, error] of [[query, queryError], [k, kError]] as const) {
    input.addEventListener('input', () => {
      input.removeAttribute('aria-invalid');
      replace(error);
    });
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = query.value.trim();
    const n = Number(k.value);
    if (!text) return fail(query, queryError, t('memory.search.queryMissing'));
    if (!Number.isInteger(n) || n < 1 || n > searchMaxK) return fail(k, kError, t('memory.search.kInvalid', { max: searchMaxK }));
    void busy(go, async () => {
      replace(status, t('common.loading'));
      const r = await api.call('searchInstallMemoryVector', { params, body: { query: text, k: n }, signal });
      replace(
        results,
        ...r.results.map((hit) =>
          h(
            'li',
            { 'data-vector': hit.id },
            h('span', {}, h('strong', {}, hit.id), ' ', hit.text, metadataText(hit.metadata) ? h('span', { class: 'muted' }, ` (${metadataText(hit.metadata)})`) : null),
            h('span', { class: 'score', 'data-score': String(hit.score) }, t('memory.search.score', { score: formatScore(hit.score) })),
          ),
        ),
      );
      results.hidden = r.results.length === 0;
      replace(status, r.results.length ? tn('memory.search.found', r.results.length) : t('memory.search.none'));
    }).catch((err: unknown) => {
      replace(status);
      showError(err);
    });
  });
  return h('div', { class: 'memory-search-box' }, h('h3', {}, t('memory.search.title')), form, status, results);
}
