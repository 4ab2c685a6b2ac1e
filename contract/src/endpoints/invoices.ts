import { z } from 'zod';
import { PageQuery, WorkspaceId } from '../common.js';
import { endpoint } from '../endpoint.js';
import { HostedPageOut } from '../billingAccount.js';
import { EarningsOut, InvoiceOut, InvoicePageOut, PayoutPageOut, ProviderObjectId } from '../invoices.js';
import { PublisherId } from '../manifest.js';

const WsParams = z.object({ wsId: WorkspaceId }).strict();
const InvoiceParams = z.object({ wsId: WorkspaceId, invoiceId: ProviderObjectId }).strict();
const PublisherParams = z.object({ publisherId: PublisherId }).strict();
const read = { kind: 'workspace', permission: 'billing.read' } as const;
/** A publisher's owners only (docs/billing.md "Payouts"): checked by the use case; anyone else gets 404. */
const publisherOwner = { kind: 'user' } as const;
const Bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'bytes');

export const invoiceEndpoints = {
  listInvoices: endpoint('listInvoices', {
    summary: "The workspace's invoices, newest first, each with its lines per plan, agent and meter",
    tags: ['billing'],
    access: read,
    params: WsParams,
    query: PageQuery,
    response: { status: 200, schema: InvoicePageOut, description: 'A page of invoices' },
  }),
  getInvoice: endpoint('getInvoice', {
    summary: 'One invoice with its lines: agent, meter or plan, quantity, amount',
    tags: ['billing'],
    access: read,
    params: InvoiceParams,
    response: { status: 200, schema: InvoiceOut, description: 'The invoice' },
    errors: [404],
  }),
  getInvoiceCsv: endpoint('getInvoiceCsv', {
    summary: 'One invoice as CSV: a row per line, then the total',
    tags: ['billing'],
    access: read,
    params: InvoiceParams,
    response: { status: 200, schema: Bytes, description: 'text/csv', file: { contentType: 'text/csv; charset=utf-8' } },
    errors: [404],
  }),
  getInvoicePdf: endpoint('getInvoicePdf', {
    summary: 'One invoice as a PDF document',
    tags: ['billing'],
    access: read,
    params: InvoiceParams,
    response: { status: 200, schema: Bytes, description: 'application/pdf', file: { contentType: 'application/pdf' } },
    errors: [404],
  }),
  getPublisherEarnings: endpoint('getPublisherEarnings', {
    summary: "A publisher's earnings: balances (settled, pending, paid out) and revenue entries, newest first (publisher owners only)",
    tags: ['payouts'],
    access: publisherOwner,
    params: PublisherParams,
    query: PageQuery,
    response: { status: 200, schema: EarningsOut, description: 'The earnings' },
    errors: [404],
  }),
  listPublisherPayouts: endpoint('listPublisherPayouts', {
    summary: "A publisher's payouts, newest first (publisher owners only)",
    tags: ['payouts'],
    access: publisherOwner,
    params: PublisherParams,
    query: PageQuery,
    response: { status: 200, schema: PayoutPageOut, description: 'A page of payouts' },
    errors: [404],
  }),
  onboardPublisherPayouts: endpoint('onboardPublisherPayouts', {
    summary: "Onboard for payouts: the publisher's Connect (Express) account, created once, and a fresh onboarding link (publisher owners only)",
    tags: ['payouts'],
    access: publisherOwner,
    params: PublisherParams,
    response: { status: 201, schema: HostedPageOut, description: 'The onboarding page to send the browser to (id: the payout account)' },
    errors: [404],
  }),
};
