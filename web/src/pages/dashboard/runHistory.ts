/** Run history, newest first, filtered by install and by state (both by the API), a page at a time. */
import type { Install, Run, RunState } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { formatDateTime, formatDuration, t, tn, tOr } from '../../i18n.ts';
import { RUN_STATES, stateLabel } from '../../labels.ts';
import { showError } from '../../messages.ts';
import { href } from '../../router.ts';
import { field, select } from '../../ui/common.ts';
import { busy, h, replace } from '../../ui/dom.ts';

const PAGE = 25;

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
    replace(list, ...runs.map((r) => runRow(wsId, r)));
    const filtered = installFilter.value !== '' || stateFilter.value !== '';
    replace(status, runs.length === 0 ? (filtered ? t('runs.noneMatch') : t('runs.empty')) : tn('runs.showing', runs.length, { more: cursor ? t('runs.moreExist') : '' }));
    more.hidden = !cursor;
  };

  /** The first page for the current filters (`reset`), or the next one. */
  const load = async (reset: boolean) => {
    const mine = reset ? ++generation : generation;
    if (reset) {
      runs = [];
      cursor = null;
      // A list holds only items: the wait is said in the status line.
      replace(list);
      replace(status, t('common.loading'));
    } else if (!cursor) return;
    const page = await api.call('listRuns', {
      params: { wsId },
      query: {
        installId: installFilter.value || undefined,
        state: (stateFilter.value || undefined) as RunState | undefined,
        cursor: reset ? undefined : (cursor ?? undefined),
        limit: PAGE,
      },
      signal,
    });
    if (mine !== generation) return; // the filters changed meanwhile
    runs = [...runs, ...page.items];
    cursor = page.nextCursor;
    paint();
  };
  for (const filter of [installFilter, stateFilter]) filter.addEventListener('change', () => void load(true).catch(showError));
  more.addEventListener('click', () => void busy(more, () => load(false)).catch(showError));
  return load(true);
}
