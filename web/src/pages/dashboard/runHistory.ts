/**
 * Run history with filters. The install filter is the API's (`installId`); the API cannot
 * filter runs by state yet, so the state filter is applied here, loading further pages (up to
 * a bound) while fewer than a page of runs match.
 */
import type { Install, Run } from '../../contract.ts';
import { listRuns } from '../../endpoints.ts';
import { formatDateTime, formatDuration, t, tn, tOr } from '../../i18n.ts';
import { RUN_STATES, stateLabel } from '../../labels.ts';
import { showError } from '../../messages.ts';
import { href } from '../../router.ts';
import { field, loading, select } from '../../ui/common.ts';
import { busy, h, replace } from '../../ui/dom.ts';

const PAGE = 25;
/** Pages the state filter loads by itself to find matches, before leaving it to "Load more". */
const FILL_PAGES = 4;

function runRow(wsId: string, run: Run): HTMLElement {
  const took = run.startedAt && run.finishedAt ? formatDuration(Date.parse(run.finishedAt) - Date.parse(run.startedAt)) : null;
  return h(
    'li',
    { class: 'row', 'data-state': run.state },
    h(
      'span',
      {},
      h('a', { href: href(`/runs/${encodeURIComponent(wsId)}/${encodeURIComponent(run.id)}`) }, t('runs.item', { agent: run.agentId, when: formatDateTime(run.createdAt) })),
      ' ',
      h('span', { class: 'muted' }, [tOr(`trigger.${run.trigger.kind}`, run.trigger.kind), took].filter(Boolean).join(' · ')),
    ),
    h('span', { class: `state state-${run.state}` }, stateLabel(run.state)),
  );
}

export function runHistory(container: HTMLElement, wsId: string, installs: Install[], signal: AbortSignal): Promise<void> {
  const installFilter = select('runs-install', [['', t('runs.allInstalls')], ...installs.map((i) => [i.id, `${i.agentId} (${i.version})`] as [string, string])]);
  const stateFilter = select('runs-state', [['', t('runs.allStates')], ...RUN_STATES.map((s) => [s, stateLabel(s)] as [string, string])]);
  const list = h('ul', { class: 'rows', id: 'runs-list' });
  const status = h('p', { class: 'hint', role: 'status' });
  const more = h('button', { type: 'button', class: 'secondary' }, t('common.loadMore'));
  container.append(h('div', { class: 'filters' }, field(installFilter, t('runs.filterInstall')), field(stateFilter, t('runs.filterState'))), status, list, more);

  let runs: Run[] = [];
  let cursor: string | null = null;
  let generation = 0;

  const paint = () => {
    const shown = stateFilter.value ? runs.filter((r) => r.state === stateFilter.value) : runs;
    replace(list, ...shown.map((r) => runRow(wsId, r)));
    replace(status, runs.length === 0 ? t('runs.empty') : shown.length === 0 ? t('runs.noneMatch') : tn('runs.showing', runs.length, { shown: shown.length }));
    more.hidden = !cursor;
  };

  const matching = () => (stateFilter.value ? runs.filter((r) => r.state === stateFilter.value).length : runs.length);

  const load = async (reset: boolean) => {
    const mine = reset ? ++generation : generation;
    if (reset) {
      runs = [];
      cursor = null;
      replace(list, loading());
    }
    if (!reset && !cursor) return;
    const before = matching();
    for (let pages = 0; pages < (stateFilter.value ? FILL_PAGES : 1); pages++) {
      const page = await listRuns(wsId, { installId: installFilter.value || undefined, cursor: runs.length ? (cursor ?? undefined) : undefined, limit: PAGE, signal });
      if (mine !== generation) return;
      runs = [...runs, ...page.items];
      cursor = page.nextCursor;
      if (!cursor || matching() - before >= PAGE) break;
    }
    paint();
  };
  installFilter.addEventListener('change', () => void load(true).catch(showError));
  stateFilter.addEventListener('change', () => {
    paint();
    if (cursor && matching() < PAGE) void busy(more, () => load(false)).catch(showError);
  });
  more.addEventListener('click', () => void busy(more, () => load(false)).catch(showError));
  return load(true);
}
