import { endpoints } from '@agent-marketplace/contract';
import { getInvoice, invoiceCsvFile, invoicePdfFile, listInvoices } from '../../app/billing/invoices.js';
import { onboardPayouts, publisherEarnings, publisherPayouts } from '../../app/billing/payouts.js';
import { implement } from '../route.js';

/** Invoices (JSON, CSV, PDF) and publishers' earnings and payouts (docs/billing.md). */
export const invoiceRoutes = [
  implement(endpoints.listInvoices, async ({ deps, params, query }) => ({ body: await listInvoices(deps, params.wsId, query) })),
  implement(endpoints.getInvoice, async ({ deps, params }) => ({ body: await getInvoice(deps, params.wsId, params.invoiceId) })),
  implement(endpoints.getInvoiceCsv, async ({ deps, params }) => {
    const { bytes, headers } = await invoiceCsvFile(deps, params.wsId, params.invoiceId);
    return { body: bytes, headers };
  }),
  implement(endpoints.getInvoicePdf, async ({ deps, params }) => {
    const { bytes, headers } = await invoicePdfFile(deps, params.wsId, params.invoiceId);
    return { body: bytes, headers };
  }),
  implement(endpoints.getPublisherEarnings, async ({ deps, principal, params, query }) => ({ body: await publisherEarnings(deps, principal, params.publisherId, query) })),
  implement(endpoints.listPublisherPayouts, async ({ deps, principal, params, query }) => ({ body: await publisherPayouts(deps, principal, params.publisherId, query) })),
  implement(endpoints.onboardPublisherPayouts, async ({ deps, principal, params }) => ({ status: 201, body: await onboardPayouts(deps, principal, params.publisherId) })),
];
