/**
 * A month's usage: a month picker (this month and the 11 before), the total spent against the
 * workspace's cap, a table per install (agent, runs, compute time, units, spent, its cap) and
 * a bar chart of spend per install with its summary in words.
 */
import type { Billing, Money } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { formatCount, formatDateTime, formatMinorUnits, formatSeconds, formatThousandths, t, tn } from '../../i18n.ts';
import { describeError, isAbort, showError } from '../../messages.ts';
import { field, loading, select } from '../../ui/common.ts';
import { h, replace } from '../../ui/dom.ts';
import { monthLabel, recentMonths } from './months.ts';

const money = (m: Money) => formatMinorUnits(m.amountMinor, m.currency);
const capText = (cap: Money | null) => (cap ? money(cap) : t('billing.noCap'));

function totals(b: Billing): HTMLElement {
  return h(
    'div',
    { class: 'billing-totals' },
    h(
      'ul',
      { class: 'stats' },
      h('li', {}, h('span', { class: 'stat-value', id: 'billing-spent' }, money(b.spent)), h('span', { class: 'stat-label' }, t('billing.spentThisMonth'))),
      h('li', {}, h('span', { class: 'stat-value', id: 'billing-cap' }, capText(b.cap)), h('span', { class: 'stat-label' }, t('billing.workspaceCap'))),
      h('li', {}, h('span', { class: 'stat-value' }, formatCount(b.installs.reduce((n, i) => n + i.runs, 0))), h('span', { class: 'stat-label' }, t('billing.runs'))),
    ),
    h('p', { class: 'billing-against-cap' }, b.cap ? t('billing.spentOfCap', { spent: money(b.spent), cap: money(b.cap) }) : t('billing.spentNoCap', { spent: money(b.spent) })),
    h('p', { class: 'hint' }, b.asOf ? t('billing.asOf', { when: formatDateTime(b.asOf) }) : t('billing.noUsage')),
  );
}

function installsTable(b: Billing, month: string): HTMLElement {
  const col = (label: string) => h('th', { scope: 'col' }, label);
  const captionId = 'billing-installs-caption';
  return h(
    'div',
    { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-labelledby': captionId },
    h(
      'table',
      { class: 'billing-table' },
      h('caption', { id: captionId }, t('billing.perInstall', { month })),
      h('thead', {}, h('tr', {}, col(t('billing.agent')), col(t('billing.runs')), col(t('billing.computeTime')), col(t('billing.units')), col(t('billing.spent')), col(t('billing.cap')))),
      h(
        'tbody',
        {},
        ...b.installs.map((i) =>
          h(
            'tr',
            { 'data-install': i.installId },
            h('th', { scope: 'row' }, i.agentId),
            h('td', {}, formatCount(i.runs)),
            h('td', {}, formatSeconds(i.computeSeconds)),
            h('td', {}, formatThousandths(i.milliUnits)),
            h('td', {}, money(i.spent)),
            h('td', {}, capText(i.cap)),
          ),
        ),
      ),
    ),
  );
}

export interface UsageSection {
  /** Reads the shown month again (after a cap changed, say). */
  reload(): Promise<void>;
}

/** Draws `first` (this month's figures, already loaded) and lets the user pick another month. */
export function usageSection(container: HTMLElement, wsId: string, first: Billing, signal: AbortSignal): UsageSection {
  const months = recentMonths();
  const picker = select('billing-month', months.map((m) => [m.value, m.label]), first.month);
  const figures = h('div', { id: 'billing-figures' });
  // Says which month is shown once its figures are in (the picker's change is otherwise silent).
  const said = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
  container.append(h('div', { class: 'filters' }, field(picker, t('billing.month'))), said, figures);

  let current: AbortController | undefined;
  const draw = async (b: Billing, load: AbortSignal) => {
    const name = monthLabel(b.month);
    const chart = b.installs.some((i) => i.spent.amountMinor > 0) ? h('div', { class: 'chart', id: 'chart-install-spend' }) : null;
    replace(
      figures,
      totals(b),
      b.installs.length ? installsTable(b, name) : h('p', {}, t('billing.noInstallUsage', { month: name })),
      chart ? h('h3', {}, t('billing.chartTitle', { month: name })) : null,
      chart,
    );
    if (chart) {
      const { spendChart } = await import('./spendChart.ts');
      if (!load.aborted) spendChart(chart, b, name);
    }
  };
  const show = async (month: string) => {
    current?.abort();
    const controller = new AbortController();
    current = controller;
    const load = AbortSignal.any([signal, controller.signal]);
    figures.setAttribute('aria-busy', 'true');
    replace(said);
    replace(figures, loading());
    try {
      const b = await api.call('getBilling', { params: { wsId }, query: { month }, signal: load });
      await draw(b, load);
      replace(said, tn('billing.showing', b.installs.length, { month: monthLabel(b.month) }));
    } catch (err) {
      if (isAbort(err)) return;
      replace(figures, h('p', { class: 'inline-error' }, t('billing.usageUnavailable', { reason: describeError(err) })));
    } finally {
      if (current === controller) figures.removeAttribute('aria-busy');
    }
  };
  picker.addEventListener('change', () => void show(picker.value));
  void draw(first, signal).catch(showError);
  return { reload: () => show(picker.value) };
}
