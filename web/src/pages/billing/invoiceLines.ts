/** An invoice's lines as a table: what each bills (the plan, an agent and its meter), how many, how much. */
import type { Invoice, InvoiceLine } from '@agent-marketplace/client';
import { formatCount, formatThousandths, t } from '../../i18n.ts';
import { moneyText } from '../../ui/money.ts';
import { h } from '../../ui/dom.ts';
import { planLabel } from './planSection.ts';

function itemText(line: InvoiceLine): string {
  if (line.kind === 'plan') return t('invoices.kind.plan', { plan: line.plan ? planLabel(line.plan) : line.description });
  if (line.kind === 'agent' && line.agentId) return t('invoices.kind.agent', { agent: line.agentId });
  return t('invoices.kind.other', { description: line.description });
}

/** Months, runs, or thousandths of a unit (per-unit lines): shown as the unit count they mean. */
const quantityText = (line: InvoiceLine): string => (line.pricing === 'per_unit' ? formatThousandths(line.quantity) : formatCount(line.quantity));

export function invoiceLinesTable(invoice: Invoice, label: string): HTMLElement {
  const col = (text: string) => h('th', { scope: 'col' }, text);
  const captionId = `invoice-${invoice.id}-lines-caption`;
  return h(
    'div',
    { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-labelledby': captionId },
    h(
      'table',
      { class: 'invoice-lines' },
      h('caption', { id: captionId }, t('invoices.linesCaption', { number: label })),
      h('thead', {}, h('tr', {}, col(t('invoices.item')), col(t('invoices.meter')), col(t('invoices.quantity')), col(t('invoices.amount')))),
      h(
        'tbody',
        {},
        ...invoice.lines.map((line) =>
          h(
            'tr',
            { 'data-line': line.id, 'data-kind': line.kind },
            h('th', { scope: 'row' }, itemText(line)),
            h('td', {}, line.meter ?? t('invoices.noMeter')),
            h('td', {}, quantityText(line)),
            h('td', {}, moneyText(line.amount)),
          ),
        ),
      ),
    ),
  );
}
