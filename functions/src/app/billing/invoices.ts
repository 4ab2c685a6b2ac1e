import type { Invoice } from '@agent-marketplace/contract/invoices';
import { notFound } from '../../domain/errors.js';
import { invoiceCsv, invoiceDocument, invoiceOf } from '../../domain/invoices.js';
import type { Deps } from '../deps.js';
import type { Page, PageRequest } from '../shared/paging.js';

/**
 * A workspace's invoices, read from the mirror of the provider's invoices (each refetched when
 * its webhook came), as JSON, CSV and PDF (docs/billing.md "Invoices").
 */
type InvoiceDeps = Pick<Deps, 'workspaces' | 'billingAccounts' | 'billing'>;

async function workspaceCustomer(deps: Pick<Deps, 'workspaces'>, wsId: string) {
  const ws = await deps.workspaces.get(wsId);
  if (!ws) throw notFound('Workspace', 'workspace_not_found');
  return { ws, customerId: ws.billing?.customerId ?? null };
}

export async function listInvoices(deps: InvoiceDeps, wsId: string, page: PageRequest): Promise<Page<Invoice>> {
  const { customerId } = await workspaceCustomer(deps, wsId);
  if (!customerId) return { items: [], nextCursor: null };
  const found = await deps.billingAccounts.invoices(customerId, page);
  return { items: found.items.map((i) => invoiceOf(i, deps.billing.planPrices)), nextCursor: found.nextCursor };
}

/** One invoice of the workspace; another customer's is not found, as one that does not exist. */
export async function getInvoice(deps: InvoiceDeps, wsId: string, invoiceId: string): Promise<Invoice> {
  const { customerId } = await workspaceCustomer(deps, wsId);
  const invoice = customerId ? await deps.billingAccounts.invoice(invoiceId) : null;
  if (!invoice || invoice.customerId !== customerId) throw notFound('Invoice', 'invoice_not_found');
  return invoiceOf(invoice, deps.billing.planPrices);
}

const attachment = (name: string) => ({ 'Content-Disposition': `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"` });

export async function invoiceCsvFile(deps: InvoiceDeps, wsId: string, invoiceId: string): Promise<{ bytes: Uint8Array; headers: Record<string, string> }> {
  const invoice = await getInvoice(deps, wsId, invoiceId);
  return { bytes: new TextEncoder().encode(invoiceCsv(invoice)), headers: attachment(`${invoice.number ?? invoice.id}.csv`) };
}

export async function invoicePdfFile(deps: InvoiceDeps & Pick<Deps, 'invoiceRenderer'>, wsId: string, invoiceId: string): Promise<{ bytes: Uint8Array; headers: Record<string, string> }> {
  const invoice = await getInvoice(deps, wsId, invoiceId);
  const { ws } = await workspaceCustomer(deps, wsId);
  const bytes = await deps.invoiceRenderer.pdf(invoiceDocument(invoice, { name: ws.name, workspaceId: ws.id }));
  return { bytes, headers: attachment(`${invoice.number ?? invoice.id}.pdf`) };
}
