/**
 * Run charts for the dashboard, drawn by uPlot (loaded with this module, which only the
 * dashboard imports, and only when it has metrics to draw). Each chart is a canvas with a
 * text summary for screen readers, beside a data table with the same figures.
 *
 * Every label uPlot draws (axis ticks, the legend) comes from the app's formatters in
 * `formatLocale`, not from uPlot's own (English month names, `navigator.language` numbers).
 * uPlot reads `navigator.language` when it is imported: main.ts repairs an invalid one first.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { DailyCounts } from '@agent-marketplace/client';
import { formatCount, formatLocale, formatPercent, t, tn } from '../i18n.ts';
import { dailySeries } from './dailySeries.ts';
import { h } from './dom.ts';

// The series' x values are UTC midnights (seconds): days are shown, and split, in UTC.
const dayTick = new Intl.DateTimeFormat(formatLocale, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const dayFull = new Intl.DateTimeFormat(formatLocale, { dateStyle: 'medium', timeZone: 'UTC' });
const inUtc = { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC') };
/** uPlot's date formatting, wherever a label below does not set its own; it is handed dates already shifted to UTC. */
const shiftedDay = new Intl.DateTimeFormat(formatLocale, { month: 'short', day: 'numeric' });
const fmtDate = () => (date: Date) => shiftedDay.format(date);
const dayAxis = (ticks: number[]) => ticks.map((v) => dayTick.format(new Date(v * 1000)));
// The legend's values: the pointed day's (idx null: no day pointed at).
const dayValue = (_u: uPlot, v: number | null, _s: number, idx: number | null) => (idx === null || v === null ? t('metrics.none') : dayFull.format(new Date(v * 1000)));
/** A day without runs has no bar (null) but reads as zero. */
const countValue = (_u: uPlot, v: number | null, _s: number, idx: number | null) => (idx === null ? t('metrics.none') : formatCount(v ?? 0));
const rateValue = (_u: uPlot, v: number | null, _s: number, idx: number | null) => (idx === null || v === null ? t('metrics.none') : formatPercent(v / 100));

function sized(container: HTMLElement, make: (width: number) => uPlot): void {
  const width = () => Math.max(260, Math.floor(container.clientWidth || 320));
  const chart = make(width());
  new ResizeObserver(() => chart.setSize({ width: width(), height: chart.height })).observe(container);
}

const axisFont = '12px system-ui, sans-serif';
const DAY = 86_400;
const orNull = (n: number) => (n === 0 ? null : n);

/** Daily runs as bars, failures overlaid in red, over the last `days` days (30 on the dashboard). */
export function dailyRunsChart(container: HTMLElement, daily: DailyCounts[], days = 30): void {
  const s = dailySeries(daily, days);
  const total = s.runs.reduce((a, b) => a + b, 0);
  const failed = s.failed.reduce((a, b) => a + b, 0);
  container.setAttribute('role', 'img');
  container.setAttribute('aria-label', tn('metrics.dailyChartSummary', total, { failed, days: s.x.length }));
  const bars = uPlot.paths.bars!({ size: [0.7, 24] });
  sized(container, (width) =>
    new uPlot(
      {
        width,
        height: 220,
        // Half a day either side, so the first and last bars are whole.
        ...inUtc,
        fmtDate,
        scales: { x: { time: true, range: (_u, min, max) => [min - DAY / 2, max + DAY / 2] }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [
          { font: axisFont, values: (_u, ticks) => dayAxis(ticks) },
          { font: axisFont, label: t('metrics.runsAxis'), labelFont: axisFont, values: (_u, ticks) => ticks.map(formatCount) },
        ],
        series: [
          { label: t('metrics.date'), value: dayValue },
          { label: t('metrics.allRuns'), value: countValue, paths: bars, fill: 'rgba(23, 97, 47, 0.55)', stroke: '#17612f', points: { show: false } },
          { label: t('metrics.failedRuns'), value: countValue, paths: bars, fill: 'rgba(163, 21, 29, 0.8)', stroke: '#a3151d', points: { show: false } },
        ],
      },
      // Days without runs draw no bar at all (a zero-height bar would still draw its outline).
      [s.x, s.runs.map(orNull), s.failed.map(orNull)],
      container,
    ),
  );
}

/** The daily success rate (succeeded of finished) as a line; days without finished runs leave gaps. */
export function successRateChart(container: HTMLElement, daily: DailyCounts[], days = 30): void {
  const s = dailySeries(daily, days);
  const known = s.rate.filter((r): r is number => r !== null);
  container.setAttribute('role', 'img');
  container.setAttribute(
    'aria-label',
    known.length ? t('metrics.rateChartSummary', { min: formatPercent(Math.min(...known) / 100), max: formatPercent(Math.max(...known) / 100) }) : t('metrics.rateChartEmpty'),
  );
  sized(container, (width) =>
    new uPlot(
      {
        width,
        height: 200,
        ...inUtc,
        fmtDate,
        scales: { x: { time: true, range: (_u, min, max) => [min - DAY / 2, max + DAY / 2] }, y: { range: [0, 100] } },
        axes: [
          { font: axisFont, values: (_u, ticks) => dayAxis(ticks) },
          { font: axisFont, label: t('metrics.rateAxis'), labelFont: axisFont, values: (_u, ticks) => ticks.map((v) => formatPercent(v / 100)) },
        ],
        series: [
          { label: t('metrics.date'), value: dayValue },
          {
            label: t('metrics.successRate'),
            value: rateValue,
            stroke: '#1f5fbf',
            width: 2,
            spanGaps: false,
            points: { show: true, size: 5 },
          },
        ],
      },
      [s.x, s.rate],
      container,
    ),
  );
}

/** The same daily figures as a table (inside a disclosure), for reading rather than seeing. */
export function dailyTable(daily: DailyCounts[]): HTMLElement {
  const rows = [...daily].sort((a, b) => b.date.localeCompare(a.date));
  const col = (label: string) => h('th', { scope: 'col' }, label);
  const table = h(
    'table',
    {},
    h('caption', { class: 'visually-hidden' }, t('metrics.dailyCaption')),
    h('thead', {}, h('tr', {}, col(t('metrics.date')), col(t('metrics.runs')), col(t('metrics.succeeded')), col(t('metrics.failed')))),
    h('tbody', {}, ...rows.map((d) => h('tr', {}, h('th', { scope: 'row' }, d.date), h('td', {}, d.runs), h('td', {}, d.succeeded), h('td', {}, d.failed)))),
  );
  return h('details', { class: 'chart-data' }, h('summary', {}, t('metrics.showData')), h('div', { class: 'table-scroll' }, table));
}
