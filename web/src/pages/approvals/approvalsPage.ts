/**
 * `#/approvals`: the current workspace's approvals inbox. Filters by state (pending first) and
 * install, and by run when opened from a run; a page at a time ("Load more"); each approval
 * with Approve and Reject for those the viewer may decide; bulk decisions on the selected
 * ones; and the audit log's export with its verification. The pending view is live
 * (liveInbox.ts): new approvals appear and decisions made elsewhere show without a reload.
 */
import type { ApprovalState, Install } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { getCurrentWorkspace } from '../../currentWorkspace.ts';
import { t, tn } from '../../i18n.ts';
import { complete } from '../../labels.ts';
import type { PendingScope } from '../../live/approvalOrder.ts';
import { subscribePendingApprovals } from '../../live/approvalsFeed.ts';
import { showError } from '../../messages.ts';
import { refreshPendingApprovals } from '../../pendingApprovals.ts';
import { href, navigate, setQuery, type Page } from '../../router.ts';
import { field, loading, requireUser, section, select, setTitle } from '../../ui/common.ts';
import { busy, h, replace } from '../../ui/dom.ts';
import { approvalCard } from './approvalCard.ts';
import { loadApprovalsContext } from './approvalsContext.ts';
import { approvalStateLabel } from './approvalText.ts';
import { auditExport } from './auditExport.ts';
import { bulkBar } from './bulkDecide.ts';
import { inboxList } from './inboxList.ts';
import { liveInbox } from './liveInbox.ts';

const STATES = complete<ApprovalState>()(['pending', 'approved', 'rejected', 'expired', 'withdrawn']);
const PAGE = 25;
/** How long the pending view waits for Firestore's first answer before it polls instead. */
const INBOX_CONNECT_MS = 10_000;
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
  // A status region: what is shown, and politely, what just arrived. Focus never moves for it.
  const status = h('p', { class: 'hint', role: 'status' });
  const liveNote = h('p', { class: 'hint', 'data-inbox-transport': '', hidden: true });
  const more = h('button', { type: 'button', class: 'secondary' }, t('common.loadMore'));
  let cursor: string | null = null;
  let generation = 0;
  let stopLive: (() => void) | null = null;
  // Once Firestore could not be reached, later subscriptions (filters, Load more) poll at once.
  let preferPoll = false;

  const onDecided = () => {
    bulk.refresh();
    refreshPendingApprovals(ws.id);
  };
  const inbox = inboxList(list, (a) =>
    approvalCard(a, { wsId: ws.id, viewer: ctx.viewer, nameOf: ctx.nameOf, heading: 'h3', inbox: true, onDecided, onSelect: () => bulk.refresh() }),
  );
  const bulk = bulkBar(ws.id, () => inbox.cards, onDecided);
  const live = liveInbox(inbox, {
    reread: (id) => api.call('getApproval', { params: { wsId: ws.id, approvalId: id }, signal }).catch(() => null),
    left: onDecided,
  });

  const paint = (news?: string) => {
    const n = inbox.cards.length;
    const filtered = stateFilter.value !== 'all' || installFilter.value !== '' || runId !== null;
    const shown = n === 0 ? t(filtered ? 'approvals.noneMatch' : 'approvals.empty') : tn('approvals.showing', n, { more: cursor ? t('approvals.moreExist') : '' });
    replace(status, news ? `${news} ${shown}` : shown);
    more.hidden = !cursor;
    bulk.el.hidden = n === 0;
    bulk.refresh();
  };

  const stopFollowing = () => {
    stopLive?.();
    stopLive = null;
  };

  /** Follows the pending list live, down to the oldest approval loaded while older pages remain. */
  const follow = (mine: number) => {
    stopFollowing();
    liveNote.hidden = stateFilter.value !== 'pending';
    if (stateFilter.value !== 'pending') return;
    const scope: PendingScope = { installId: installFilter.value || null, runId, through: cursor ? (inbox.cards.at(-1)?.approval ?? null) : null };
    stopLive = subscribePendingApprovals(
      ws.id,
      scope,
      {
        approvals(pending) {
          if (mine !== generation) return;
          const arrived = live.apply(pending, scope.through);
          if (arrived === 0) return;
          paint(tn('approvals.live.arrived', arrived));
          refreshPendingApprovals(ws.id);
        },
        error(err) {
          if (mine === generation) showError(err);
        },
        transport(kind) {
          if (kind === 'poll') preferPoll = true;
          liveNote.dataset.inboxTransport = kind;
          replace(liveNote, t(kind === 'firestore' ? 'approvals.live.firestore' : 'approvals.live.poll'));
        },
      },
      // The list itself came from the API; the listener only adds what changes. A slow first
      // answer (a loaded emulator, a slow network) is worth waiting for: giving up polls for the rest of the visit.
      { preferPoll, connectMs: INBOX_CONNECT_MS },
    );
  };
  signal.addEventListener('abort', stopFollowing);

  /** The first page for the current filters (`reset`), or the next one. */
  const load = async (reset: boolean) => {
    const mine = reset ? ++generation : generation;
    if (reset) {
      stopFollowing();
      inbox.clear();
      cursor = null;
      // A list holds only items: the wait is said in the status line.
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
    inbox.append(page.items);
    cursor = page.nextCursor;
    paint();
    follow(mine);
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
    section('approvals-list-title', t('approvals.listTitle'), liveNote, bulk.el, status, list, more),
    section('approvals-audit', t('approvals.audit.title'), auditExport(ws.id, signal)),
  );
  await load(true);
};
