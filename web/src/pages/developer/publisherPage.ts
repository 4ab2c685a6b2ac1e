/**
 * `#/publishers/{p}`: one publisher: its agents with their versions' states, how to submit a
 * version, its members (managed by owners and admins), and links to analytics and, for owners,
 * earnings. To anyone who is not a member the publisher does not exist.
 */
import type { Publisher } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { currentUser } from '../../auth.ts';
import { t } from '../../i18n.ts';
import { href, type Page } from '../../router.ts';
import { loading, requireUser, section, setTitle } from '../../ui/common.ts';
import { h } from '../../ui/dom.ts';
import { agentsSection } from './agentsSection.ts';
import { analyticsPath, earningsPath, PUBLISHERS_PATH } from './devPaths.ts';
import { membersSection } from './membersSection.ts';
import { showNotFound } from './notFound.ts';
import { canSeeEarnings, publisherRoleLabel } from './publisherRoles.ts';
import { submitHelp } from './submitHelp.ts';

export const publisherPage: Page = async (root, { params, signal }) => {
  if (!requireUser()) return;
  const publisherId = params['publisherId'] ?? '';
  const heading = h('h1', {}, publisherId);
  const wait = loading();
  root.append(heading, wait);
  let p: Publisher;
  try {
    p = await api.call('getPublisher', { params: { publisherId }, signal });
  } catch (err) {
    if (showNotFound(root, err, publisherId)) return;
    throw err;
  } finally {
    wait.remove();
  }
  setTitle(p.name);
  heading.textContent = p.name;
  const links = h(
    'ul',
    { class: 'page-links' },
    h('li', {}, h('a', { href: href(analyticsPath(p.id)) }, t('dev.analyticsLink'))),
    canSeeEarnings(p.myRole) ? h('li', {}, h('a', { href: href(earningsPath(p.id)) }, t('dev.earningsLink'))) : null,
    h('li', {}, h('a', { href: href(PUBLISHERS_PATH) }, t('dev.allPublishers'))),
  );
  const agents = section('pub-agents', t('dev.agentsTitle'));
  const members = section('pub-members', t('dev.membersTitle'));
  root.append(
    h('p', { class: 'muted' }, h('code', {}, p.id), ' · ', t('dev.yourRole'), ' ', h('span', { class: 'badge publisher-role', id: 'my-publisher-role' }, publisherRoleLabel(p.myRole))),
    h('nav', { 'aria-label': t('dev.publisherNav') }, links),
    agents,
    section('pub-submit', t('submit.title'), ...submitHelp(p.id)),
    members,
  );
  await Promise.all([agentsSection(agents, p.id, signal), membersSection(members, p.id, currentUser()!.uid, p.myRole, signal)]);
};
