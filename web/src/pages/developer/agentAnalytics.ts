/**
 * One agent's analytics over the period: installs, runs (success rate, p95 duration), a daily
 * runs chart (ui/charts.ts, loaded only when there are runs to draw), revenue and ratings by
 * month, and the same figures per version.
 */
import type { AgentAnalytics, DailyCounts } from '@agent-marketplace/client';
import { formatCount, t } from '../../i18n.ts';
import { ratingLabel } from '../../labels.ts';
import { details } from '../../ui/common.ts';
import { h } from '../../ui/dom.ts';
import { amountText } from './analyticsPeriod.ts';
import { p95Text, ratingsTable, rateText, revenueTable, versionsTable } from './analyticsTables.ts';

const stat = (value: string, label: string) => h('li', {}, h('span', { class: 'stat-value' }, value), h('span', { class: 'stat-label' }, label));

/** The analytics' days as the charts' daily counts. */
const dailyCounts = (a: AgentAnalytics): DailyCounts[] => a.daily.map((d) => ({ date: d.day, runs: d.runs, succeeded: d.succeeded, failed: d.failed }));

/** The agent's section; its chart is drawn after it is in the page (it needs a width). */
export function agentAnalytics(a: AgentAnalytics, days: number, signal: AbortSignal): { el: HTMLElement; draw: () => Promise<void> } {
  const id = (part: string) => `analytics-${a.agentId}-${part}`;
  const r = a.runs;
  const chart = h('div', { class: 'chart', id: id('chart') });
  const sub = (part: string, title: string, ...content: (Node | null)[]) => h('section', { 'aria-labelledby': id(part) }, h('h3', { id: id(part) }, title), ...content);
  const el = h(
    'section',
    { class: 'agent-analytics', 'aria-labelledby': id('title'), 'data-agent': a.agentId },
    h('h2', { id: id('title') }, a.name, ' ', h('code', {}, a.agentId)),
    h(
      'ul',
      { class: 'stats' },
      stat(formatCount(a.installs.total), t('analytics.installs')),
      stat(formatCount(a.installs.active), t('analytics.activeInstalls')),
      stat(formatCount(r.total), t('metrics.runs')),
      stat(rateText(r.successRate), t('metrics.successRate')),
      stat(p95Text(r.p95DurationMs), t('metrics.p95')),
    ),
    details([
      [t('metrics.outcomes'), t('metrics.outcomesValue', { succeeded: r.succeeded, failed: r.failed, canceled: r.canceled, timedOut: r.timedOut })],
      [t('agent.rating'), ratingLabel(a.rating.avg, a.rating.count)],
      [t('analytics.revenue'), t('analytics.revenueValue', { gross: amountText(a.revenue.gross), share: amountText(a.revenue.publisherShare) })],
    ]),
    sub('daily', t('analytics.dailyTitle', { days }), r.total ? chart : h('p', { class: 'muted' }, t('analytics.noRuns'))),
    sub('versions', t('analytics.versionsTitle'), a.versions.length ? versionsTable(id('versions-table'), a) : h('p', { class: 'muted' }, t('analytics.noVersions'))),
    sub('revenue', t('analytics.revenueTitle'), a.revenueByMonth.length ? revenueTable(id('revenue-table'), a) : h('p', { class: 'muted' }, t('analytics.noRevenue'))),
    sub('ratings', t('analytics.ratingsTitle'), a.ratingsByMonth.length ? ratingsTable(id('ratings-table'), a) : h('p', { class: 'muted' }, t('analytics.noRatings'))),
  );
  const draw = async () => {
    if (!r.total) return;
    const charts = await import('../../ui/charts.ts');
    if (signal.aborted) return;
    const daily = dailyCounts(a);
    charts.dailyRunsChart(chart, daily, days);
    chart.after(charts.dailyTable(daily));
  };
  return { el, draw };
}
