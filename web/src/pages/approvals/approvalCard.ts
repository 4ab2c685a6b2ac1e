/**
 * One approval as a list item, in the inbox and in the run view: its summary, what is asked
 * (a gated action on its resource, or the agent's own request with the details it gave),
 * risk, saving, agent, run, level, due time and state; Approve and Reject with an optional
 * comment for a viewer who may decide it; what a decision did, or why it was refused, beside
 * it; more details on demand. `update` redraws it in place as the approval changes (a live
 * listener, a decision elsewhere): a comment being typed stays, and parts that did not change
 * are left alone, so focus inside them stays too.
 */
import type { Approval } from '@agent-marketplace/client';
import { ApiError, api } from '../../api.ts';
import { formatDateTime, formatRelative, t } from '../../i18n.ts';
import { riskLabel } from '../../labels.ts';
import { showError } from '../../messages.ts';
import { href } from '../../router.ts';
import { details } from '../../ui/common.ts';
import { busy, h, replace, replaceIfChanged } from '../../ui/dom.ts';
import { approvalDetails } from './approvalDetails.ts';
import { approvalStateLabel, blockerText, levelText, outcomeText, refusalText, savingsText, type NameOf } from './approvalText.ts';
import { decideBlocker, type Viewer } from './eligibility.ts';

export interface CardContext {
  wsId: string;
  viewer: Viewer;
  nameOf: NameOf;
  /** h2 in the inbox, h3 under the run view's Proposals heading. */
  heading: 'h2' | 'h3';
  /** The inbox adds a checkbox for bulk decisions and a link to the run. */
  inbox: boolean;
  /** A decision went through: the approval as it is now. */
  onDecided?(a: Approval): void;
  /** The bulk checkbox changed. */
  onSelect?(): void;
}

export interface ApprovalCard {
  el: HTMLLIElement;
  readonly approval: Approval;
  update(a: Approval): void;
  /** Whether the bulk checkbox is ticked (on a pending approval). */
  readonly selected: boolean;
  setSelected(on: boolean): void;
  /** Shows what a decision did, why it was refused, or what happened to it elsewhere, beside the approval. */
  say(text: string, kind: 'ok' | 'refused' | 'info'): void;
  /** A decision of it is on its way (from this card or in bulk): its answer will redraw the card. */
  readonly deciding: boolean;
  /** Marks a decision on its way until the returned function is called. */
  hold(): () => void;
}

/** What an agent's own request is about: its key in the run and what it means for the run. */
const requestLine = (key: string, pending: boolean) => h('span', {}, h('code', {}, key), ' ', t(pending ? 'approvals.agentRequest' : 'approvals.agentRequestDone'));

/** The details the agent gave with its request, as JSON; wrapped, so nothing scrolls sideways. */
const requestDetails = (details: Record<string, unknown>) =>
  Object.keys(details).length ? h('pre', { class: 'params request-details' }, JSON.stringify(details, null, 2)) : null;

function facts(ctx: CardContext, a: Approval): HTMLDListElement {
  const due = a.state === 'pending' && a.dueAt ? h('time', { datetime: a.dueAt, title: formatDateTime(a.dueAt) }, formatRelative(a.dueAt)) : null;
  return details([
    a.action
      ? [t('approvals.action'), h('span', {}, h('code', {}, a.action.scope), ` ${t('approvals.on')} `, h('code', {}, a.action.resourceId))]
      : [t('approvals.request'), requestLine(a.request?.key ?? a.id, a.state === 'pending')],
    [t('approvals.requestDetails'), a.action ? null : requestDetails(a.request?.details ?? {})],
    [t('approvals.risk'), h('span', { class: `risk risk-${a.risk}` }, riskLabel(a.risk))],
    [t('approvals.impact'), savingsText(a)],
    [t('approvals.agent'), a.agentId],
    [t('approvals.run'), ctx.inbox ? h('a', { href: href(`/runs/${encodeURIComponent(ctx.wsId)}/${encodeURIComponent(a.runId)}`) }, a.runId) : null],
    [t('approvals.levelLabel'), levelText(a)],
    [t('approvals.due'), due],
    [t('approvals.stateLabel'), h('span', { class: `state approval-${a.state}` }, approvalStateLabel(a.state))],
  ]);
}

export function approvalCard(initial: Approval, ctx: CardContext): ApprovalCard {
  let current = initial;
  const id = initial.id;
  const titleId = `appr-${id}-title`;
  const title = h(ctx.heading, { id: titleId, class: 'approval-title' }, initial.summary);
  const factsSlot = h('div');
  const note = h('p', { class: 'hint approval-note' });

  const check = h('input', { type: 'checkbox', id: `appr-${id}-select`, name: 'selected', value: id });
  check.addEventListener('change', () => ctx.onSelect?.());
  const select = ctx.inbox ? h('label', { class: 'choice approval-select', for: check.id }, check, t('approvals.select'), h('span', { class: 'visually-hidden' }, `: ${initial.summary}`)) : null;

  const comment = h('input', { id: `appr-${id}-comment`, name: 'comment', maxlength: 2000, autocomplete: 'off' });
  const approve = h('button', { type: 'button', 'aria-describedby': titleId }, t('approvals.approve'));
  const reject = h('button', { type: 'button', class: 'secondary danger', 'aria-describedby': titleId }, t('approvals.reject'));
  const decide = h(
    'div',
    { class: 'decide' },
    h('div', { class: 'field' }, h('label', { for: comment.id }, t('approvals.comment')), comment),
    h('div', { class: 'actions' }, approve, reject),
  );
  const said = h('p', { class: 'decision-result', tabindex: -1, 'aria-live': 'polite' });

  const panelId = `appr-${id}-details`;
  const panel = h('div', { id: panelId, class: 'approval-details', hidden: true });
  const toggle = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', 'aria-controls': panelId, 'aria-describedby': titleId }, t('approvals.showDetails'));
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    replace(toggle, t(open ? 'approvals.hideDetails' : 'approvals.showDetails'));
    panel.hidden = !open;
    if (open) replace(panel, ...approvalDetails(ctx.wsId, current, ctx.nameOf));
  });

  const el = h('li', { class: 'approval', 'data-approval': id }, select ? h('div', { class: 'approval-head' }, select) : null, title, factsSlot, note, decide, said, h('div', { class: 'actions' }, toggle), panel);

  const say = (text: string, kind: 'ok' | 'refused' | 'info') => {
    replace(said, text);
    said.className = `decision-result ${kind}`;
  };

  const update = (a: Approval) => {
    current = a;
    el.dataset.state = a.state;
    replaceIfChanged(title, a.summary);
    replaceIfChanged(factsSlot, facts(ctx, a));
    const blocker = decideBlocker(a, ctx.viewer);
    replaceIfChanged(note, blockerText(blocker, a, ctx.nameOf));
    const hadFocus = decide.contains(document.activeElement);
    decide.hidden = blocker !== null;
    // The buttons just went away under the keyboard: keep the reader next to what happened.
    if (hadFocus && decide.hidden) said.focus();
    if (select) {
      select.hidden = a.state !== 'pending';
      if (a.state !== 'pending') check.checked = false;
    }
    if (!panel.hidden) replaceIfChanged(panel, ...approvalDetails(ctx.wsId, a, ctx.nameOf));
  };

  let decisions = 0;
  const hold = () => {
    decisions++;
    let held = true;
    return () => {
      if (held) decisions--;
      held = false;
    };
  };

  const run = (decision: 'approve' | 'reject', button: HTMLButtonElement) => {
    const release = hold();
    void busy(button, async () => {
      const before = current;
      try {
        const after = await api.call('decideApproval', { params: { wsId: ctx.wsId, approvalId: id }, body: { decision, comment: comment.value.trim() } });
        comment.value = '';
        say(outcomeText(before, after, decision), 'ok');
        update(after);
        ctx.onDecided?.(after);
      } catch (err) {
        if (!(err instanceof ApiError) || !err.problem) throw err;
        say(refusalText(err.code, err.problem.detail), 'refused');
        // It may have moved on meanwhile (another person, its SLA): show it as it is now.
        const now = await api.call('getApproval', { params: { wsId: ctx.wsId, approvalId: id } }).catch(() => null);
        if (now) update(now);
      }
    })
      .catch(showError)
      .finally(release);
  };
  approve.addEventListener('click', () => run('approve', approve));
  reject.addEventListener('click', () => run('reject', reject));

  update(initial);
  return {
    el,
    get approval() {
      return current;
    },
    update,
    get selected() {
      return Boolean(select && !select.hidden && check.checked);
    },
    setSelected(on: boolean) {
      if (select && !select.hidden) check.checked = on;
    },
    say,
    get deciding() {
      return decisions > 0;
    },
    hold,
  };
}
