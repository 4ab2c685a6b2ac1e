/**
 * `#/publishers`: the developer portal's start. The publishers the user is a member of (with
 * their role), a form to create one, and, for platform admins only, the way to the review queue.
 */
import type { Publisher } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { formatDateTime, t, tn } from '../../i18n.ts';
import { href, type Page } from '../../router.ts';
import { loading, requireUser, section, setTitle } from '../../ui/common.ts';
import { h } from '../../ui/dom.ts';
import { canReview } from '../review/reviewAccess.ts';
import { createPublisherForm } from './createPublisherForm.ts';
import { publisherPath, REVIEWS_PATH } from './devPaths.ts';
import { publisherRoleLabel } from './publisherRoles.ts';

const publisherRow = (p: Publisher) =>
  h(
    'li',
    { 'data-publisher': p.id },
    h('span', {}, h('a', { href: href(publisherPath(p.id)) }, h('strong', {}, p.name)), ' ', h('code', {}, p.id)),
    h(
      'span',
      { class: 'muted' },
      h('span', { class: 'badge publisher-role' }, publisherRoleLabel(p.myRole)),
      ' ',
      tn('dev.memberCount', p.memberCount),
      ' · ',
      t('dev.since', { when: formatDateTime(p.createdAt) }),
    ),
  );

export const publishersPage: Page = async (root, { signal }) => {
  if (!requireUser()) return;
  setTitle(t('dev.title'));
  const mine = section('dev-mine', t('dev.mine'));
  const review = section('dev-review', t('dev.reviewTitle'), h('p', {}, h('a', { href: href(REVIEWS_PATH) }, t('dev.reviewLink'))));
  review.hidden = true;
  root.append(h('h1', {}, t('dev.title')), h('p', { class: 'lead' }, t('dev.intro')), mine, section('dev-new', t('dev.newTitle'), createPublisherForm()), review);
  void canReview().then((yes) => (review.hidden = !yes));

  const wait = loading();
  mine.append(wait);
  const { items } = await api.call('listMyPublishers', { signal }).finally(() => wait.remove());
  mine.append(items.length ? h('ul', { class: 'rows', id: 'publisher-list' }, ...items.map(publisherRow)) : h('p', { id: 'publisher-list-empty' }, t('dev.none')));
};
