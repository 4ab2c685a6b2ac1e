/**
 * The workspace's invoices (docs/billing.md "Invoices"), newest first and page by page: each
 * with its number, period, status and total, its lines behind a disclosure, and its PDF and
 * CSV fetched with the user's token through the API client and saved as files.
 */
import type { Invoice } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { formatDateTime, t, tn } from '../../i18n.ts';
import { showError, showStatus } from '../../messages.ts';
import { details, pagedList } from '../../ui/common.ts';
import { busy, h } from '../../ui/dom.ts';
import { saveBytes } from '../../ui/download.ts';
import { formatDay, moneyText } from '../../ui/money.ts';
import { invoiceLinesTable } from './invoiceLines.ts';

const PAGE_SIZE = 10;

const labelOf = (invoice: Invoice): string => invoice.number ?? invoice.id;

function downloadButton(invoice: Invoice, kind: 'pdf' | 'csv', headingId: string, wsId: string): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'secondary', 'aria-describedby': headingId }, kind === 'pdf' ? t('invoices.downloadPdf') : t('invoices.downloadCsv'));
  button.addEventListener('click', () => {
    void busy(button, async () => {
      const params = { wsId, invoiceId: invoice.id };
      const bytes = kind === 'pdf' ? await api.call('getInvoicePdf', { params }) : await api.call('getInvoiceCsv', { params });
      const file = `${labelOf(invoice)}.${kind}`;
      saveBytes(bytes, file, kind === 'pdf' ? 'application/pdf' : 'text/csv;charset=utf-8');
      showStatus(t('invoices.downloaded', { file }));
    }).catch(showError);
  });
  return button;
}

function invoiceItem(invoice: Invoice, wsId: string): HTMLElement {
  const headingId = `invoice-${invoice.id}`;
  const label = labelOf(invoice);
  return h(
    'li',
    { class: 'invoice', 'data-invoice': invoice.id },
    h('h3', { id: headingId }, t('invoices.heading', { number: label })),
    details([
      [t('invoices.period'), t('invoices.periodRange', { start: formatDay(invoice.periodStart), end: formatDay(invoice.periodEnd) })],
      [t('invoices.status'), h('span', { class: `badge invoice-${invoice.status}` }, t(`invoices.status.${invoice.status}`))],
      [t('invoices.total'), h('strong', { class: 'invoice-total' }, moneyText(invoice.total))],
      [t('invoices.paid'), invoice.amountPaid.amountMinor !== 0 && invoice.amountPaid.amountMinor !== invoice.total.amountMinor ? moneyText(invoice.amountPaid) : null],
      [t('invoices.credited'), invoice.credited.amountMinor !== 0 ? moneyText(invoice.credited) : null],
      [t('invoices.created'), formatDateTime(invoice.createdAt)],
    ]),
    h('details', { class: 'invoice-lines-toggle' }, h('summary', {}, tn('invoices.lines', invoice.lines.length)), invoiceLinesTable(invoice, label)),
    h('div', { class: 'actions' }, downloadButton(invoice, 'pdf', headingId, wsId), downloadButton(invoice, 'csv', headingId, wsId)),
  );
}

export async function invoicesSection(container: HTMLElement, wsId: string, signal: AbortSignal): Promise<void> {
  const list = h('ul', { class: 'invoices', id: 'invoice-list' });
  await pagedList(
    container,
    list,
    (cursor) => api.call('listInvoices', { params: { wsId }, query: { limit: PAGE_SIZE, cursor }, signal }),
    (invoice) => invoiceItem(invoice, wsId),
    () => h('p', { class: 'muted', id: 'invoices-empty' }, t('invoices.empty')),
  );
}
