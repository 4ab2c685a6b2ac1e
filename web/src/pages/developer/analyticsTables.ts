/** The analytics page's tables: per version, revenue by month, ratings by month. Each a labelled, scrollable region. */
import type { AgentAnalytics } from '@agent-marketplace/client';
import { formatCount, formatDuration, formatPercent, t } from '../../i18n.ts';
import { ratingLabel } from '../../labels.ts';
import { h } from '../../ui/dom.ts';
import { amountText } from './analyticsPeriod.ts';
import { monthLabel } from '../billing/months.ts';

type RunStats = AgentAnalytics['runs'];

export const rateText = (r: number | null) => (r === null ? t('metrics.none') : formatPercent(r));
export const p95Text = (ms: number | null) => (ms === null ? t('metrics.none') : formatDuration(ms));

function table(id: string, caption: string, columns: string[], rows: HTMLTableRowElement[]): HTMLElement {
  const captionId = `${id}-caption`;
  return h(
    'div',
    { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-labelledby': captionId },
    h(
      'table',
      { id },
      h('caption', { id: captionId }, caption),
      h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...rows),
    ),
  );
}

const runCells = (r: RunStats) => [h('td', {}, formatCount(r.total)), h('td', {}, rateText(r.successRate)), h('td', {}, p95Text(r.p95DurationMs))];

export function versionsTable(id: string, a: AgentAnalytics): HTMLElement {
  return table(
    id,
    t('analytics.versionsCaption', { name: a.name }),
    [t('analytics.version'), t('analytics.activeInstalls'), t('metrics.runs'), t('metrics.successRate'), t('metrics.p95')],
    a.versions.map((v) => h('tr', { 'data-version': v.version }, h('th', { scope: 'row' }, v.version), h('td', {}, formatCount(v.activeInstalls)), ...runCells(v.runs))),
  );
}

export function revenueTable(id: string, a: AgentAnalytics): HTMLElement {
  return table(
    id,
    t('analytics.revenueCaption', { name: a.name }),
    [t('analytics.month'), t('earnings.gross'), t('earnings.publisherShare')],
    a.revenueByMonth.map((m) => h('tr', { 'data-month': m.month }, h('th', { scope: 'row' }, monthLabel(m.month)), h('td', {}, amountText(m.gross)), h('td', {}, amountText(m.publisherShare)))),
  );
}

export function ratingsTable(id: string, a: AgentAnalytics): HTMLElement {
  return table(
    id,
    t('analytics.ratingsCaption', { name: a.name }),
    [t('analytics.month'), t('agent.rating')],
    a.ratingsByMonth.map((m) => h('tr', { 'data-month': m.month }, h('th', { scope: 'row' }, monthLabel(m.month)), h('td', {}, ratingLabel(m.avg, m.count)))),
  );
}
