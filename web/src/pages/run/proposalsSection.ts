/**
 * The run view's approvals: a line under the run's state ("Waiting for approvals (2 of 3
 * pending)", or, for a run suspended on its agent's own request, that it waits and resumes
 * once decided; with the inbox one click away), and a section listing each proposal and
 * request live (live/approvalsFeed.ts) with its state, level and decisions, Approve and
 * Reject for those the viewer may decide; once the run has settled them, what was applied,
 * granted, rejected, expired, skipped or failed. Nothing is loaded for a run without any.
 */
import type { Approval } from '@agent-marketplace/client';
import { getCurrentWorkspace } from '../../currentWorkspace.ts';
import { t } from '../../i18n.ts';
import { isTerminal } from '../../labels.ts';
import { subscribeRunApprovals } from '../../live/approvalsFeed.ts';
import type { LiveRun } from '../../live/runFeed.ts';
import { showError } from '../../messages.ts';
import { refreshPendingApprovals } from '../../pendingApprovals.ts';
import { href } from '../../router.ts';
import { details } from '../../ui/common.ts';
import { h, replace } from '../../ui/dom.ts';
import { approvalCard, type ApprovalCard } from '../approvals/approvalCard.ts';
import { loadApprovalsContext, type ApprovalsContext } from '../approvals/approvalsContext.ts';

const OUTCOMES = ['applied', 'granted', 'rejected', 'expired', 'skipped', 'failed'] as const;
/** One item of the outputs' `approvals` lists: a gated action (resourceId) or an agent's request (its key). */
type OutcomeItem = { approvalId: string; summary?: string; resourceId?: string; request?: string; reason?: string };

function outcomeList(items: OutcomeItem[] | undefined): HTMLElement | string {
  if (!items?.length) return t('run.proposals.none');
  return h('ul', {}, ...items.map((i) => h('li', { 'data-approval': i.approvalId }, i.summary ?? i.resourceId ?? i.request ?? i.approvalId, i.reason ? ` (${i.reason})` : '')));
}

/** The outputs' `approvals` part, once the run settled its approvals. */
function outcomes(run: LiveRun): HTMLElement | null {
  const part = (run.outputs as { approvals?: Partial<Record<(typeof OUTCOMES)[number], OutcomeItem[]>> } | null)?.approvals;
  if (!part || typeof part !== 'object') return null;
  // Granted requests only where the agent asked any (the list is absent from older runs' outputs).
  const shown = OUTCOMES.filter((o) => o !== 'granted' || (part.granted?.length ?? 0) > 0);
  return h(
    'div',
    { class: 'approval-outcome' },
    h('h3', {}, t('run.proposals.outcome')),
    details(shown.map((o) => [t(`run.proposals.${o}`, { n: part[o]?.length ?? 0 }), outcomeList(part[o])])),
  );
}

/** The line under the run's state while approvals wait, or '' when none do. */
function waitingText(run: LiveRun, counts: { pending: number; total: number }, finished: boolean): string {
  if (run.state === 'awaiting_approval' && run.suspended) {
    return counts.pending > 0 ? t('run.suspended', { pending: counts.pending, total: counts.total }) : t('run.suspendedDecided');
  }
  if (run.state === 'awaiting_approval') return t('run.awaitingApprovals', { pending: counts.pending, total: counts.total });
  return counts.pending > 0 && !finished ? t('run.proposalsPending', { pending: counts.pending, total: counts.total }) : '';
}

export interface ProposalsView {
  /** Goes under the run's state line. */
  line: HTMLElement;
  /** The Proposals section (hidden until the run has proposals). */
  el: HTMLElement;
  /** Every run update: counts, and the outcome once settled; starts the feed at the first proposal. */
  run(run: LiveRun): void;
  /** The run's feed fell back to the API stream: the proposals are polled too. */
  useFallback(): void;
}

export function proposalsView(wsId: string, runId: string, signal: AbortSignal): ProposalsView {
  const line = h('p', { class: 'approvals-line', 'aria-live': 'polite', hidden: true });
  const transport = h('p', { class: 'hint', 'data-approvals-transport': '' });
  const list = h('ul', { class: 'approvals' });
  const outcome = h('div');
  const el = h('section', { 'aria-labelledby': 'run-proposals', hidden: true, class: 'proposals' }, h('h2', { id: 'run-proposals' }, t('run.proposals.title')), transport, list, outcome);
  const cards = new Map<string, { card: ApprovalCard; seen: string }>();
  let started = false;
  let fallback = false;
  let finished = false;
  let shownLine = '';

  const show = (ctx: ApprovalsContext, approvals: Approval[]) => {
    for (const a of approvals) {
      const seen = JSON.stringify(a);
      const known = cards.get(a.id);
      if (known) {
        if (known.seen === seen) continue;
        // Decided elsewhere (another person, the SLA): the header's pending count follows.
        if (known.card.approval.state !== a.state) refreshPendingApprovals(wsId);
        known.card.update(a);
        known.seen = seen;
        continue;
      }
      const card = approvalCard(a, { wsId, viewer: ctx.viewer, nameOf: ctx.nameOf, heading: 'h3', inbox: false, onDecided: () => refreshPendingApprovals(wsId) });
      cards.set(a.id, { card, seen });
      list.append(card.el);
    }
  };

  const start = async () => {
    const ctx = await loadApprovalsContext(wsId, signal);
    if (signal.aborted) return;
    const stop = subscribeRunApprovals(
      wsId,
      runId,
      {
        approvals: (approvals) => show(ctx, approvals),
        error: showError,
        transport(kind) {
          transport.dataset.approvalsTransport = kind;
          replace(transport, t(kind === 'firestore' ? 'run.proposals.live' : 'run.proposals.polling'));
        },
      },
      // The run's own listener has heard from Firestore by now: give this one longer than a first connection gets.
      { preferPoll: fallback, done: () => finished, connectMs: 15_000 },
    );
    signal.addEventListener('abort', stop);
  };

  return {
    line,
    el,
    run(run) {
      finished = isTerminal(run.state);
      const counts = run.approvals;
      if (!counts || counts.total === 0) return;
      el.hidden = false;
      const text = waitingText(run, counts, finished);
      if (text !== shownLine) {
        shownLine = text;
        const inbox = getCurrentWorkspace()?.id === wsId && counts.pending > 0 ? h('a', { href: href(`/approvals?run=${encodeURIComponent(runId)}`) }, t('run.openInbox')) : null;
        replace(line, text, inbox ? ' ' : null, inbox);
        line.hidden = text === '';
      }
      replace(outcome, finished ? outcomes(run) : null);
      if (!started) {
        started = true;
        void start().catch(showError);
      }
    },
    useFallback() {
      fallback = true;
    },
  };
}
