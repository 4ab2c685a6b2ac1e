/**
 * What the install's memory holds and how the agent uses it: per level the items, their size,
 * the agent's reads, writes and searches, the share of searches that found something, and what
 * the quota evicted and the retention expired; the quota as two meters (items and bytes); reads
 * and writes per run; the embedding space. The counters are the agent's own: browsing, searching
 * and exporting here are not counted.
 */
import { formatAverage, formatBytes, formatCount, formatPercent, t } from '../../i18n.ts';
import { details } from '../../ui/common.ts';
import { h } from '../../ui/dom.ts';
import { MEMORY_LEVELS, usageRatio, type MemoryLevel, type MemorySummary } from './memoryFigures.ts';

type Figures = MemorySummary['total'];

const none = () => t('metrics.none');
const rate = (r: number | null) => (r === null ? none() : formatPercent(r));
const average = (n: number | null) => (n === null ? none() : formatAverage(n));

export const levelLabel = (level: MemoryLevel): string => t(`memory.level.${level}`);

function figuresRow(head: HTMLElement, f: Figures, level: string): HTMLElement {
  return h(
    'tr',
    { 'data-level': level },
    head,
    h('td', {}, formatCount(f.items)),
    h('td', {}, formatBytes(f.bytes)),
    h('td', {}, formatCount(f.reads)),
    h('td', {}, formatCount(f.writes)),
    h('td', {}, formatCount(f.searches)),
    h('td', {}, rate(f.hitRate)),
    h('td', {}, formatCount(f.evictions)),
    h('td', {}, formatCount(f.expirations)),
  );
}

function levelsTable(s: MemorySummary): HTMLElement {
  const col = (label: string) => h('th', { scope: 'col' }, label);
  return h(
    'div',
    { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-labelledby': 'memory-levels-caption' },
    h(
      'table',
      { class: 'memory-table' },
      h('caption', { id: 'memory-levels-caption' }, t('memory.usage.caption')),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          col(t('memory.usage.level')),
          col(t('memory.usage.items')),
          col(t('memory.usage.size')),
          col(t('memory.usage.reads')),
          col(t('memory.usage.writes')),
          col(t('memory.usage.searches')),
          col(t('memory.usage.hitRate')),
          col(t('memory.usage.evictions')),
          col(t('memory.usage.expirations')),
        ),
      ),
      h('tbody', {}, ...MEMORY_LEVELS.map((level) => figuresRow(h('th', { scope: 'row' }, levelLabel(level)), s.levels[level], level))),
      h('tfoot', {}, figuresRow(h('th', { scope: 'row' }, t('memory.usage.total')), s.total, 'total')),
    ),
  );
}

/** One quota meter, named by its label: "Items: 7 of 2,000 (0.4%)". Past 80% it reads as high, past 95% as nearly full. */
function quotaMeter(id: string, label: string, used: number, max: number): HTMLElement {
  const ratio = usageRatio(used, max);
  return h(
    'div',
    { class: 'field quota', 'data-quota': id },
    h('label', { for: `memory-quota-${id}` }, label),
    h('meter', { id: `memory-quota-${id}`, min: 0, max: 1, low: 0.8, high: 0.95, optimum: 0, value: ratio }),
  );
}

/** The usage panel's content for `s` (drawn again after every change). */
export function usageView(s: MemorySummary): HTMLElement[] {
  const { maxItems, maxBytes } = s.quota;
  const used = s.total;
  return [
    levelsTable(s),
    h('h3', {}, t('memory.quota.title')),
    quotaMeter('items', t('memory.quota.items', { used: formatCount(used.items), max: formatCount(maxItems), share: formatPercent(usageRatio(used.items, maxItems)) }), used.items, maxItems),
    quotaMeter('bytes', t('memory.quota.bytes', { used: formatBytes(used.bytes), max: formatBytes(maxBytes), share: formatPercent(usageRatio(used.bytes, maxBytes)) }), used.bytes, maxBytes),
    h('p', { class: 'hint' }, t('memory.quota.hint')),
    details([
      [t('memory.usage.runs'), formatCount(s.runs)],
      [t('memory.usage.readsPerRun'), average(s.perRun.reads)],
      [t('memory.usage.writesPerRun'), average(s.perRun.writes)],
      [t('memory.usage.space'), s.embeddingSpace ? t('memory.usage.spaceValue', { model: s.embeddingSpace.model, dimensions: formatCount(s.embeddingSpace.dimensions) }) : t('memory.usage.noSpace')],
    ]),
    h('p', { class: 'hint' }, t('memory.usage.notCounted')),
  ];
}
