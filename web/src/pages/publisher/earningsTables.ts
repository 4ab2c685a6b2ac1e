/** The earnings page's two tables: revenue entries (sales, and what reverses or restores them) and payouts. */
import type { Earnings, Payout } from '@agent-marketplace/client';
import { formatDateTime, t } from '../../i18n.ts';
import { h } from '../../ui/dom.ts';
import { formatDay, moneyText } from '../../ui/money.ts';

export type RevenueEntry = Earnings['entries'][number];

const col = (text: string) => h('th', { scope: 'col' }, text);

/** A scrollable, labelled table whose body rows can be appended page by page. */
function table(id: string, caption: string, columns: string[]): { region: HTMLElement; body: HTMLTableSectionElement } {
  const body = h('tbody');
  const captionId = `${id}-caption`;
  const region = h(
    'div',
    { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-labelledby': captionId },
    h('table', { id }, h('caption', { id: captionId }, caption), h('thead', {}, h('tr', {}, ...columns.map(col))), body),
  );
  return { region, body };
}

export function entriesTable() {
  return table('earnings-entries', t('earnings.entriesCaption'), [
    t('earnings.date'),
    t('earnings.kind'),
    t('earnings.invoice'),
    t('earnings.agent'),
    t('earnings.gross'),
    t('earnings.publisherShare'),
    t('earnings.platformShare'),
  ]);
}

/**
 * Reversals and refunds carry negative amounts, voids and refund corrections positive ones:
 * shown with their sign, as the API sends them. A change carries the sale it changes (`data-reverses`).
 */
export const entryRow = (e: RevenueEntry): HTMLTableRowElement =>
  h(
    'tr',
    { 'data-entry': e.id, 'data-kind': e.kind, 'data-reverses': e.reverses },
    h('th', { scope: 'row' }, formatDay(e.createdAt)),
    h('td', {}, t(`earnings.kind.${e.kind}`)),
    h('td', {}, e.invoiceId),
    h('td', {}, e.agentId),
    h('td', {}, moneyText(e.gross)),
    h('td', {}, moneyText(e.publisherShare)),
    h('td', {}, moneyText(e.platformShare)),
  );

export function payoutsTable() {
  return table('earnings-payouts', t('earnings.payoutsCaption'), [t('earnings.date'), t('earnings.amount'), t('earnings.status'), t('earnings.transfer')]);
}

export const payoutRow = (p: Payout): HTMLTableRowElement =>
  h(
    'tr',
    { 'data-payout': p.id, 'data-status': p.status },
    h('th', { scope: 'row' }, formatDateTime(p.paidAt ?? p.createdAt)),
    h('td', {}, moneyText(p.amount)),
    h('td', {}, h('span', { class: `badge payout-${p.status}` }, t(`earnings.payoutStatus.${p.status}`))),
    h('td', {}, p.transferId ?? t('earnings.noTransfer')),
  );
