/**
 * One version waiting for review: who submitted it and when, the scopes it adds (highlighted:
 * what a reviewer weighs most), the scan's summary and its full report, and the decision:
 * approve (comments optional) or request changes (comments required).
 */
import type { ReviewQueueItem } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { formatDateTime, t, tn } from '../../i18n.ts';
import { showError } from '../../messages.ts';
import { details, field } from '../../ui/common.ts';
import { busy, h } from '../../ui/dom.ts';
import { fieldErrors } from '../developer/fieldErrors.ts';
import { scanReport, scanSummary } from '../developer/scanReport.ts';

export const itemKey = (i: ReviewQueueItem) => `${i.agentId}@${i.version}`;

function newScopes(i: ReviewQueueItem): HTMLElement {
  if (i.newScopes.length === 0) return h('p', { class: 'muted' }, t('review.noNewScopes'));
  return h(
    'div',
    { class: 'new-scopes' },
    h('p', {}, h('strong', {}, tn('review.newScopes', i.newScopes.length))),
    h('ul', {}, ...i.newScopes.map((s) => h('li', {}, h('mark', {}, h('code', {}, s))))),
  );
}

/** `decided` is told which decision was stored, so the queue can drop the item. */
export function reviewItem(i: ReviewQueueItem, decided: (i: ReviewQueueItem, approved: boolean) => void): HTMLElement {
  const key = itemKey(i);
  const base = `review-${i.agentId}-${i.version.replace(/[^\w-]/g, '_')}`;
  const comments = h('textarea', { id: `${base}-comments`, name: 'comments', rows: 3, maxlength: 5000 });
  const errors = fieldErrors({ comments });
  const commentsField = field(comments, t('review.comments'), '', t('review.commentsHint'));
  commentsField.append(errors.slot(comments));
  const approve = h('button', { type: 'submit' }, t('review.approve'));
  const changes = h('button', { type: 'button', class: 'secondary danger' }, t('review.requestChanges'));
  const form = h('form', { novalidate: true, class: 'review-decide' }, commentsField, h('div', { class: 'actions' }, approve, changes));
  const params = { agentId: i.agentId, version: i.version };
  const fail = (err: unknown) => {
    if (!errors.show(err)) showError(err);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.clear();
    void busy(approve, () => api.call('approveVersion', { params, body: { comments: comments.value.trim() } }))
      .then(() => decided(i, true))
      .catch(fail);
  });
  changes.addEventListener('click', () => {
    errors.clear();
    if (!comments.value.trim()) {
      errors.set(comments, t('review.commentsRequired'));
      comments.focus();
      return;
    }
    void busy(changes, () => api.call('requestVersionChanges', { params, body: { comments: comments.value.trim() } }))
      .then(() => decided(i, false))
      .catch(fail);
  });
  const titleId = `${base}-title`;
  return h(
    'li',
    { class: 'review-item', 'data-item': key, 'aria-labelledby': titleId },
    h('h2', { id: titleId, tabindex: -1 }, i.agentId, ' ', h('span', { class: 'version-number' }, i.version)),
    details([
      [t('review.publisher'), h('code', {}, i.publisherId)],
      [t('review.submitted'), t('version.submittedBy', { when: formatDateTime(i.submittedAt), by: i.submittedBy })],
    ]),
    newScopes(i),
    scanSummary(i.scan),
    h('details', { class: 'review-scan' }, h('summary', {}, t('review.fullScan')), scanReport(i.scan, false)),
    h('p', { class: 'hint' }, t('review.manifestNote')),
    form,
  );
}
