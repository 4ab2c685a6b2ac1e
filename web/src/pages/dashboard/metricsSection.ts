/**
 * The dashboard's metrics: the workspace's totals and limits, per-install figures (with each
 * install's memory, linked to its page: the way to an uninstalled install's memory before its
 * purge), and two charts of the last 30 days (drawn by ui/charts.ts, loaded only when there is
 * data to draw).
 */
import type { WorkspaceMetrics } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { formatBytes, formatCount, formatDateTime, formatDuration, formatPercent, t, tn } from '../../i18n.ts';
import { describeError, isAbort } from '../../messages.ts';
import { details, loading } from '../../ui/common.ts';
import { href } from '../../router.ts';
import { h, replace } from '../../ui/dom.ts';
import { memoryPath } from '../memory/memoryPath.ts';

const rate = (r: number | null) => (r === null ? t('metrics.none') : formatPercent(r));
const duration = (ms: number | null) => (ms === null ? t('metrics.none') : formatDuration(ms));

/** An install's memory, linked to its page (the only way to an uninstalled install's memory before its purge). */
function memoryCell(wsId: string, i: WorkspaceMetrics['installs'][number]): HTMLElement {
  if (!i.memory) return h('td', {}, t('metrics.none'));
  const text = tn('metrics.memoryValue', i.memory.items, { size: formatBytes(i.memory.bytes) });
  return h('td', {}, h('a', { href: href(memoryPath(wsId, i.installId)), 'data-memory-link': i.installId }, text));
}

function installsTable(wsId: string, m: WorkspaceMetrics): HTMLElement {
  if (m.installs.length === 0) return h('p', {}, t('metrics.noRuns'));
  const col = (label: string) => h('th', { scope: 'col' }, label);
  return h(
    'div',
    { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-labelledby': 'metrics-installs-caption' },
    h(
      'table',
      { class: 'metrics-table' },
      h('caption', { id: 'metrics-installs-caption' }, t('metrics.perInstall')),
      h('thead', {}, h('tr', {}, col(t('metrics.agent')), col(t('metrics.runs')), col(t('metrics.successRate')), col(t('metrics.p50')), col(t('metrics.p95')), col(t('metrics.lastRun')), col(t('metrics.memory')))),
      h(
        'tbody',
        {},
        ...m.installs.map((i) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, i.agentId),
            h('td', {}, formatCount(i.runs)),
            h('td', {}, rate(i.successRate)),
            h('td', {}, duration(i.durationP50Ms)),
            h('td', {}, duration(i.durationP95Ms)),
            h('td', {}, i.lastRunAt ? formatDateTime(i.lastRunAt) : t('metrics.none')),
            memoryCell(wsId, i),
          ),
        ),
      ),
    ),
  );
}

export async function metricsSection(container: HTMLElement, wsId: string, signal: AbortSignal): Promise<WorkspaceMetrics | null> {
  const wait = loading();
  container.append(wait);
  let m: WorkspaceMetrics;
  try {
    m = await api.call('workspaceMetrics', { params: { wsId }, signal });
  } catch (err) {
    if (isAbort(err)) return null;
    // Shown where the metrics would be; the rest of the dashboard works without them.
    replace(wait, h('span', { class: 'inline-error' }, t('metrics.unavailable', { reason: describeError(err) })));
    return null;
  }
  wait.remove();
  const w = m.workspace;
  container.append(
    h(
      'ul',
      { class: 'stats' },
      h('li', {}, h('span', { class: 'stat-value' }, formatCount(w.runs)), h('span', { class: 'stat-label' }, t('metrics.runs'))),
      h('li', {}, h('span', { class: 'stat-value' }, rate(w.successRate)), h('span', { class: 'stat-label' }, t('metrics.successRate'))),
      h('li', {}, h('span', { class: 'stat-value' }, duration(w.durationP50Ms)), h('span', { class: 'stat-label' }, t('metrics.p50'))),
      h('li', {}, h('span', { class: 'stat-value' }, duration(w.durationP95Ms)), h('span', { class: 'stat-label' }, t('metrics.p95'))),
    ),
    details([
      [t('metrics.outcomes'), t('metrics.outcomesValue', { succeeded: w.succeeded, failed: w.failed, canceled: w.canceled, timedOut: w.timedOut })],
      [t('metrics.active'), t('metrics.ofLimit', { n: formatCount(w.activeRuns), limit: formatCount(w.limits.concurrentRuns) })],
      [t('metrics.thisMonth'), t('metrics.ofLimit', { n: formatCount(w.runsThisMonth), limit: formatCount(w.limits.runsPerMonth) })],
    ]),
  );
  const daily = w.daily;
  if (daily.length) {
    const runsChart = h('div', { class: 'chart', id: 'chart-daily-runs' });
    const rateChart = h('div', { class: 'chart', id: 'chart-success-rate' });
    container.append(h('h3', {}, t('metrics.dailyTitle')), runsChart, h('h3', {}, t('metrics.rateTitle')), rateChart);
    const charts = await import('../../ui/charts.ts');
    if (signal.aborted) return m;
    charts.dailyRunsChart(runsChart, daily);
    charts.successRateChart(rateChart, daily);
    container.append(charts.dailyTable(daily));
  }
  container.append(installsTable(wsId, m));
  return m;
}
