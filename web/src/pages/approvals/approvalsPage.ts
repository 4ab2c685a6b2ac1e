/**
 * `#/approvals`: the current workspace's approvals inbox. Filters by state (pending first) and
 * install, and by run when opened from a run; a page at a time ("Load more"); each approval
 * with Approve and Reject for those the viewer may decide; bulk decisions on the selected
 * ones; and the audit log's export with its verification.
 */
import type { Approval, ApprovalState, Install } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { getCurrentWorkspace } from '../../currentWorkspace.ts';
import { t, tn } from '../../i18n.ts';
import { complete } from '../../labels.ts';
import { showError } from '../../messages.ts';
import { refreshPendingApprovals } from '../../pendingApprovals.ts';
import { href, navigate, setQuery, type Page } from '../../router.ts';
import { field, loading, requireUser, section, select, setTitle } from '../../ui/common.ts';
import { busy, h, replace } from '../../ui/dom.ts';
import { approvalCard, type ApprovalCard } from './approvalCard.ts';
import { loadApprovalsContext } from './approvalsContext.ts';
import { approvalStateLabel } from './approvalText.ts';
import { auditExport } from './auditExport.ts';
import { bulkBar } from './bulkDecide.ts';

const STATES = complete<ApprovalState>()(['pending', 'approved', 'rejected', 'expired', 'withdrawn']);
const PAGE = 25;
const ID = /^[A-Za-z0-9]{1,64}$/;

const installOptions = (installs: Install[]): [string, string][] => [
  ['', t('approvals.filter.allInstalls')],
  ...installs.map((i) => [i.id, `${i.agentId} (${i.version})`] as [string, string]),
];

export const approvalsPage: Page = async (root, { query, signal }) => {
  if (!requireUser()) return;
  const ws = getCurrentWorkspace();
  if (!ws) {
    navigate('/workspaces', t('workspace.chooseFirstLong'), { replace: true });
    return;
  }
  setTitle(t('approvals.title', { name: ws.name }));
  root.append(h('h1', {}, t('approvals.title', { name: ws.name })), h('p', { class: 'hint' }, t('approvals.intro')));
  const wait = loading();
  root.append(wait);
  const [ctx, installs] = await Promise.all([
    loadApprovalsContext(ws.id, signal),
    api.call('listInstalls', { params: { wsId: ws.id }, query: { limit: 100 }, signal }).then((p) => p.items),
  ]).finally(() => wait.remove());

  const askedState = query.get('state');
  const stateFilter = select('approvals-state', [...STATES.map((s) => [s, approvalStateLabel(s)] as [string, string]), ['all', t('approvals.filter.allStates')]], askedState && (STATES as readonly string[]).includes(askedState) ? askedState : askedState === 'all' ? 'all' : 'pending');
  const askedInstall = query.get('install');
  const installFilter = select('approvals-install', installOptions(installs), askedInstall && installs.some((i) => i.id === askedInstall) ? askedInstall : '');
  const askedRun = query.get('run');
  const runId = askedRun && ID.test(askedRun) ? askedRun : null;

  const list = h('ul', { class: 'approvals', id: 'approvals-list' });
  const status = h('p', { class: 'hint', role: 'status' });
  const more = h('button', { type: 'button', class: 'secondary' }, t('common.loadMore'));
  let cards: ApprovalCard[] = [];
  let cursor: string | null = null;
  let generation = 0;

  const onDecided = () => {
    bulk.refresh();
    refreshPendingApprovals(ws.id);
  };
  const bulk = bulkBar(ws.id, () => cards, onDecided);
  const cardOf = (a: Approval) => approvalCard(a, { wsId: ws.id, viewer: ctx.viewer, nameOf: ctx.nameOf, heading: 'h3', inbox: true, onDecided, onSelect: () => bulk.refresh() });

  const paint = () => {
    const filtered = stateFilter.value !== 'all' || installFilter.value !== '' || runId !== null;
    replace(status, cards.length === 0 ? t(filtered ? 'approvals.noneMatch' : 'approvals.empty') : tn('approvals.showing', cards.length, { more: cursor ? t('approvals.moreExist') : '' }));
    more.hidden = !cursor;
    bulk.el.hidden = cards.length === 0;
    bulk.refresh();
  };

  /** The first page for the current filters (`reset`), or the next one. */
  const load = async (reset: boolean) => {
    const mine = reset ? ++generation : generation;
    if (reset) {
      cards = [];
      cursor = null;
      // A list holds only items: the wait is said in the status line.
      replace(list);
      replace(status, t('common.loading'));
    } else if (!cursor) return;
    const page = await api.call('listApprovals', {
      params: { wsId: ws.id },
      query: {
        state: stateFilter.value === 'all' ? undefined : (stateFilter.value as ApprovalState),
        installId: installFilter.value || undefined,
        runId: runId ?? undefined,
        cursor: reset ? undefined : (cursor ?? undefined),
        limit: PAGE,
      },
      signal,
    });
    if (mine !== generation) return; // the filters changed meanwhile
    if (reset) replace(list);
    const added = page.items.map(cardOf);
    list.append(...added.map((c) => c.el));
    cards = [...cards, ...added];
    cursor = page.nextCursor;
    paint();
  };

  const filtersChanged = () => {
    setQuery({ state: stateFilter.value === 'pending' ? null : stateFilter.value, install: installFilter.value, run: runId });
    void load(true).catch(showError);
  };
  stateFilter.addEventListener('change', filtersChanged);
  installFilter.addEventListener('change', filtersChanged);
  more.addEventListener('click', () => void busy(more, () => load(false)).catch(showError));

  const runNote = runId ? h('p', { class: 'run-filter' }, t('approvals.filter.run', { id: runId }), ' ', h('a', { href: href('/approvals') }, t('approvals.filter.allRuns'))) : '';
  root.append(
    h('div', { class: 'filters' }, field(stateFilter, t('approvals.filter.state')), field(installFilter, t('approvals.filter.install'))),
    runNote,
    section('approvals-list-title', t('approvals.listTitle'), bulk.el, status, list, more),
    section('approvals-audit', t('approvals.audit.title'), auditExport(ws.id, signal)),
  );
  await load(true);
};
