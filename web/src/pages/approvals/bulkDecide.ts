/**
 * Bulk decisions in the inbox: the selected approvals are decided run by run
 * (`decideRunApprovals` with their ids), each on its own; the results are listed one line per
 * approval, a refused one with its reason and code, and every card is redrawn as it is now.
 */
import type { Approval } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { t, tn } from '../../i18n.ts';
import { showError } from '../../messages.ts';
import { busy, h, replace } from '../../ui/dom.ts';
import type { ApprovalCard } from './approvalCard.ts';
import { outcomeText, refusalText } from './approvalText.ts';

export interface BulkBar {
  el: HTMLElement;
  /** Recounts the selection (a checkbox changed, the list grew). */
  refresh(): void;
}

export function bulkBar(wsId: string, cards: () => readonly ApprovalCard[], onDecided: () => void): BulkBar {
  const all = h('input', { type: 'checkbox', id: 'bulk-all' });
  const comment = h('input', { id: 'bulk-comment', name: 'bulkComment', maxlength: 2000, autocomplete: 'off' });
  const approve = h('button', { type: 'button', 'aria-describedby': 'bulk-count' }, t('approvals.bulk.approve'));
  const reject = h('button', { type: 'button', class: 'secondary danger', 'aria-describedby': 'bulk-count' }, t('approvals.bulk.reject'));
  const count = h('p', { id: 'bulk-count', class: 'hint', 'aria-live': 'polite' });
  const results = h('div', { class: 'bulk-results', 'aria-live': 'polite' });

  const selected = () => cards().filter((c) => c.selected);
  const refresh = () => {
    const n = selected().length;
    const pending = cards().filter((c) => c.approval.state === 'pending').length;
    replace(count, tn('approvals.bulk.selected', n));
    all.checked = n > 0 && n === pending;
    all.indeterminate = n > 0 && n < pending;
  };
  all.addEventListener('change', () => {
    for (const c of cards()) c.setSelected(all.checked);
    refresh();
  });

  const decide = (decision: 'approve' | 'reject', button: HTMLButtonElement) => {
    const chosen = selected();
    if (chosen.length === 0) {
      replace(results, h('p', { class: 'refused' }, t('approvals.bulk.none')));
      return;
    }
    // The live list leaves these cards to the answers below.
    const releases = chosen.map((c) => c.hold());
    void busy(button, async () => {
      const byRun = new Map<string, ApprovalCard[]>();
      for (const c of chosen) byRun.set(c.approval.runId, [...(byRun.get(c.approval.runId) ?? []), c]);
      const lines: HTMLElement[] = [];
      for (const [runId, group] of byRun) {
        const before = new Map<string, Approval>(group.map((c) => [c.approval.id, c.approval]));
        const { results: answers } = await api.call('decideRunApprovals', {
          params: { wsId, runId },
          body: { decision, comment: comment.value.trim(), approvalIds: group.map((c) => c.approval.id) },
        });
        for (const card of group) {
          const answer = answers.find((r) => r.id === card.approval.id);
          const now = await api.call('getApproval', { params: { wsId, approvalId: card.approval.id } }).catch(() => null);
          if (now) card.update(now);
          const text = !answer
            ? t('approvals.bulk.noAnswer')
            : answer.ok
              ? outcomeText(before.get(card.approval.id)!, now ?? card.approval, decision)
              : refusalText(answer.error?.code ?? 'unknown', answer.error?.message ?? '');
          const kind = answer?.ok ? 'ok' : 'refused';
          card.say(text, kind);
          lines.push(h('li', { class: kind, 'data-approval': card.approval.id }, h('strong', {}, card.approval.summary), ': ', text));
        }
      }
      const refused = lines.filter((l) => l.classList.contains('refused')).length;
      replace(
        results,
        h('p', {}, t('approvals.bulk.done', { ok: lines.length - refused, refused })),
        h('ul', { class: 'bulk-lines' }, ...lines),
      );
      comment.value = '';
      refresh();
      onDecided();
    })
      .catch(showError)
      .finally(() => releases.forEach((release) => release()));
  };
  approve.addEventListener('click', () => decide('approve', approve));
  reject.addEventListener('click', () => decide('reject', reject));

  const el = h(
    'div',
    { class: 'bulk', role: 'group', 'aria-labelledby': 'bulk-title' },
    h('p', { id: 'bulk-title', class: 'bulk-title' }, t('approvals.bulk.title')),
    h('div', { class: 'field check' }, all, h('label', { for: all.id }, t('approvals.bulk.all'))),
    h('div', { class: 'field' }, h('label', { for: comment.id }, t('approvals.bulk.comment')), comment),
    h('div', { class: 'actions' }, approve, reject),
    count,
    results,
  );
  refresh();
  return { el, refresh };
}
