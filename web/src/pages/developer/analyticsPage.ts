/**
 * `#/publishers/{p}/analytics?days=30`: a publisher's agents over the last 7, 30 or 90 days
 * (docs/publishing.md "Analytics"). The period is in the address, so it can be linked to.
 */
import type { PublisherAnalytics } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { t } from '../../i18n.ts';
import { href, type Page } from '../../router.ts';
import { loading, requireUser, setTitle } from '../../ui/common.ts';
import { h } from '../../ui/dom.ts';
import { formatDay } from '../../ui/money.ts';
import { agentAnalytics } from './agentAnalytics.ts';
import { PERIODS, periodDays } from './analyticsPeriod.ts';
import { analyticsPath, publisherPath } from './devPaths.ts';
import { showNotFound } from './notFound.ts';

function periodPicker(publisherId: string, days: number): HTMLElement {
  return h(
    'nav',
    { class: 'period-picker', 'aria-label': t('analytics.period') },
    h('ul', {}, ...PERIODS.map((d) => h('li', {}, h('a', { href: href(analyticsPath(publisherId, d)), 'aria-current': d === days ? 'page' : null }, t('analytics.lastDays', { days: d }))))),
  );
}

export const analyticsPage: Page = async (root, { params, query, signal }) => {
  if (!requireUser()) return;
  const publisherId = params['publisherId'] ?? '';
  const days = periodDays(query.get('days'));
  const title = t('analytics.title', { publisher: publisherId });
  setTitle(title);
  const wait = loading();
  root.append(h('h1', {}, title), periodPicker(publisherId, days), wait);
  let a: PublisherAnalytics;
  try {
    a = await api.call('getPublisherAnalytics', { params: { publisherId }, query: { days }, signal });
  } catch (err) {
    if (showNotFound(root, err, publisherId)) return;
    throw err;
  } finally {
    wait.remove();
  }
  root.append(
    h('p', { id: 'analytics-period' }, t('analytics.range', { from: formatDay(a.from), to: formatDay(a.to) }), ' ', h('a', { href: href(publisherPath(publisherId)) }, t('analytics.backTo'))),
  );
  if (a.agents.length === 0) {
    root.append(h('p', { id: 'analytics-empty' }, t('analytics.noAgents')));
    return;
  }
  const sections = a.agents.map((agent) => agentAnalytics(agent, days, signal));
  root.append(...sections.map((s) => s.el));
  await Promise.all(sections.map((s) => s.draw()));
};
