/**
 * The month's spend per install as bars, drawn by uPlot (loaded with this module, only when
 * there is spend to draw). The canvas is an image with a text summary; the usage table beside
 * it holds the same figures for reading. Tick labels and the legend use the app's money format.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Billing } from '@agent-marketplace/client';
import { formatMinorUnits, t, tn } from '../../i18n.ts';

const axisFont = '12px system-ui, sans-serif';
/** Tick steps in whole minor units (cents): 1, 2, 5, 10, 20, 50, ... so no tick falls between cents. */
const INCREMENTS = Array.from({ length: 9 }, (_, e) => [1, 2, 5].map((k) => k * 10 ** e)).flat();

/** What the chart shows, in words (its accessible name). */
export function spendChartSummary(b: Billing, monthName: string): string {
  const top = b.installs[0];
  return tn('billing.chartSummary', b.installs.length, {
    month: monthName,
    total: formatMinorUnits(b.spent.amountMinor, b.spent.currency),
    top: top ? top.agentId : '',
    topAmount: top ? formatMinorUnits(top.spent.amountMinor, top.spent.currency) : '',
  });
}

export function spendChart(container: HTMLElement, b: Billing, monthName: string): void {
  const names = b.installs.map((i) => i.agentId);
  const currency = b.spent.currency;
  const x = names.map((_, i) => i);
  const y = b.installs.map((i) => i.spent.amountMinor);
  container.setAttribute('role', 'img');
  container.setAttribute('aria-label', spendChartSummary(b, monthName));
  const money = (v: number) => formatMinorUnits(v, currency);
  const width = () => Math.max(260, Math.floor(container.clientWidth || 320));
  const chart = new uPlot(
    {
      width: width(),
      height: 220,
      scales: {
        x: { time: false, range: () => [-0.5, names.length - 0.5] },
        y: { range: (_u, _min, max) => [0, Math.max(100, Math.ceil(max * 1.1))] },
      },
      axes: [
        { font: axisFont, splits: () => x, values: (_u, ticks) => ticks.map((i) => names[i] ?? '') },
        { font: axisFont, size: 64, incrs: INCREMENTS, values: (_u, ticks) => ticks.map(money) },
      ],
      series: [
        { label: t('billing.agent'), value: (_u, v) => (v === null ? t('metrics.none') : (names[v] ?? '')) },
        {
          label: t('billing.spent'),
          value: (_u, v) => (v === null ? t('metrics.none') : money(v)),
          paths: uPlot.paths.bars!({ size: [0.6, 64] }),
          fill: 'rgba(31, 95, 191, 0.55)',
          stroke: '#1f5fbf',
          points: { show: false },
        },
      ],
    },
    [x, y],
    container,
  );
  new ResizeObserver(() => chart.setSize({ width: width(), height: chart.height })).observe(container);
}
