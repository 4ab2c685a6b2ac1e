/**
 * `#/admin/reviews`: the versions waiting for a platform admin, oldest first. The queue item
 * carries what a reviewer reads (scan report, new scopes): a version's developer view is for
 * its publisher's members only. Anyone else is told plainly that only platform admins review.
 */
import type { ReviewQueueItem } from '@agent-marketplace/client';
import { ApiError, api } from '../../api.ts';
import { t, tn } from '../../i18n.ts';
import { showStatus } from '../../messages.ts';
import { type Page } from '../../router.ts';
import { loading, requireUser, setTitle } from '../../ui/common.ts';
import { h, replace } from '../../ui/dom.ts';
import { itemKey, reviewItem } from './reviewItem.ts';

const oldestFirst = (a: ReviewQueueItem, b: ReviewQueueItem) => new Date(a.submittedAt).getTime() - new Date(b.submittedAt).getTime();

export const reviewQueuePage: Page = async (root, { signal }) => {
  if (!requireUser()) return;
  setTitle(t('review.title'));
  const heading = h('h1', { tabindex: -1 }, t('review.title'));
  const wait = loading();
  root.append(heading, wait);
  let items: ReviewQueueItem[];
  try {
    ({ items } = await api.call('listReviewQueue', { signal }));
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 403) throw err;
    root.append(h('p', { id: 'review-forbidden', class: 'run-note' }, t('review.forbidden')));
    return;
  } finally {
    wait.remove();
  }
  items.sort(oldestFirst);
  const count = h('p', { id: 'review-count' });
  const list = h('ul', { class: 'review-queue', id: 'review-queue' });
  const say = () => replace(count, items.length ? tn('review.count', items.length) : t('review.empty'));
  const decided = (item: ReviewQueueItem, approved: boolean) => {
    const at = items.indexOf(item);
    items = items.filter((x) => x !== item);
    list.querySelector(`[data-item="${CSS.escape(itemKey(item))}"]`)?.remove();
    say();
    showStatus(t(approved ? 'review.approved' : 'review.changesRequested', { item: itemKey(item) }));
    // Focus moves on to the next item waiting (or the page's heading), not to the page's top.
    const next = list.querySelectorAll<HTMLElement>('.review-item h2')[Math.min(at, items.length - 1)];
    (next ?? heading).focus();
  };
  list.append(...items.map((i) => reviewItem(i, decided)));
  say();
  root.append(h('p', { class: 'lead' }, t('review.intro')), count, list);
};
