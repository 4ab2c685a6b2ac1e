import type { Invoice, InvoiceLine } from '@agent-marketplace/contract/invoices';
import { meterEventName } from './billingCatalog.js';
import { money, type Money } from './money.js';

/**
 * Our view of the provider's invoices: each line named by what it bills (the plan, a paid
 * agent's monthly price or metered usage), the CSV export, and the document a PDF is drawn
 * from; free of I/O (docs/billing.md "Invoices").
 */

/** What the provider says of an invoice line (app/billing/ports.ts ProviderInvoiceLine). */
export interface InvoiceLineFacts {
  id: string;
  amountMinor: number;
  quantity: number;
  description: string;
  priceId: string | null;
  /** licensed (a fixed price a period) or metered (usage from a meter). */
  usageType: 'licensed' | 'metered';
  /** The price's metadata (`agentId`, `model` for a paid agent's price), then the line's own. */
  metadata: Record<string, string>;
  periodStart: number;
  periodEnd: number;
}

export interface InvoiceFacts {
  id: string;
  number: string | null;
  /** draft, open, paid, uncollectible or void. */
  status: string;
  created: number;
  currency: 'usd';
  totalMinor: number;
  amountPaidMinor: number;
  /** Credit notes issued after payment (refunds and credits), in minor units. */
  creditedMinor: number;
  /** Unix seconds; the billing period the invoice closes. */
  periodStart: number;
  periodEnd: number;
  lines: readonly InvoiceLineFacts[];
}

const STATUSES = ['draft', 'open', 'paid', 'uncollectible', 'void'] as const;
const MODELS = ['subscription', 'per_run', 'per_unit'] as const;
const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

/** A line as a paid agent's, the plan's, or other. Plans are known by their price ids (Stripe's plan prices carry no metadata of ours). */
export function lineOf(line: InvoiceLineFacts, currency: 'usd', planPrices: Readonly<Record<'team' | 'enterprise', string>>): InvoiceLine {
  const model = MODELS.find((m) => m === line.metadata['model']) ?? null;
  const agentId = model ? (line.metadata['agentId'] ?? null) : null;
  const plan = line.priceId === planPrices.team ? 'team' : line.priceId === planPrices.enterprise ? 'enterprise' : null;
  const kind = agentId ? 'agent' : plan ? 'plan' : 'other';
  return {
    id: line.id,
    kind,
    description: line.description,
    agentId,
    installId: agentId ? (line.metadata['installId'] ?? null) : null,
    pricing: agentId ? model : null,
    meter: agentId && model !== 'subscription' && line.usageType === 'metered' ? meterEventName(agentId, model === 'per_run' ? 'run' : 'units') : null,
    plan: kind === 'plan' ? plan : null,
    quantity: line.quantity,
    amount: money(line.amountMinor, currency),
    periodStart: iso(line.periodStart),
    periodEnd: iso(line.periodEnd),
  };
}

export function invoiceOf(facts: InvoiceFacts, planPrices: Readonly<Record<'team' | 'enterprise', string>>): Invoice {
  return {
    id: facts.id,
    number: facts.number,
    status: STATUSES.find((s) => s === facts.status) ?? 'open',
    createdAt: iso(facts.created),
    periodStart: iso(facts.periodStart),
    periodEnd: iso(facts.periodEnd),
    total: money(facts.totalMinor, facts.currency),
    amountPaid: money(facts.amountPaidMinor, facts.currency),
    credited: money(facts.creditedMinor, facts.currency),
    lines: facts.lines.map((l) => lineOf(l, facts.currency, planPrices)),
  };
}

/** Minor units as a decimal string, exactly (1234 → "12.34", -5 → "-0.05"). */
export function formatMinor(m: Money): string {
  const abs = Math.abs(m.amountMinor);
  return `${m.amountMinor < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A CSV field: quoted when it holds a quote, comma or line break; a leading =+-@ is quoted with a ' so spreadsheets never run it. */
function field(value: string | number | null): string {
  let s = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s) && typeof value === 'string') s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_COLUMNS = ['invoice', 'number', 'line', 'kind', 'description', 'agent', 'install', 'pricing', 'meter', 'plan', 'quantity', 'amount_minor', 'amount', 'currency', 'period_start', 'period_end'] as const;

/** The invoice as CSV (RFC 4180, CRLF): a row per line, then a `total` row. */
export function invoiceCsv(invoice: Invoice): string {
  const rows: (string | number | null)[][] = [[...CSV_COLUMNS]];
  for (const l of invoice.lines) {
    rows.push([invoice.id, invoice.number, l.id, l.kind, l.description, l.agentId, l.installId, l.pricing, l.meter, l.plan, l.quantity, l.amount.amountMinor, formatMinor(l.amount), l.amount.currency, l.periodStart, l.periodEnd]);
  }
  rows.push([invoice.id, invoice.number, null, 'total', 'Total', null, null, null, null, null, null, invoice.total.amountMinor, formatMinor(invoice.total), invoice.total.currency, invoice.periodStart, invoice.periodEnd]);
  return rows.map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

/** What a PDF invoice shows, ready to draw (adapters/pdf): text only, in reading order. */
export interface InvoiceDocument {
  title: string;
  /** Label and value pairs under the title. */
  facts: [string, string][];
  columns: string[];
  /** Which columns are amounts (drawn right-aligned). */
  numeric: boolean[];
  rows: string[][];
  totals: [string, string][];
  footer: string;
}

const day = (isoTime: string) => isoTime.slice(0, 10);

/** A line's quantity in words: months, runs, or units with up to three decimals (thousandths). */
function quantityText(l: InvoiceLine): string {
  if (l.pricing === 'per_run') return `${l.quantity} run${l.quantity === 1 ? '' : 's'}`;
  if (l.pricing === 'per_unit') return `${Math.floor(l.quantity / 1000)}${l.quantity % 1000 ? `.${String(l.quantity % 1000).padStart(3, '0').replace(/0+$/, '')}` : ''} units`;
  return String(l.quantity);
}

export function invoiceDocument(invoice: Invoice, billedTo: { name: string; workspaceId: string }): InvoiceDocument {
  const cur = invoice.total.currency.toUpperCase();
  return {
    title: `Invoice ${invoice.number ?? invoice.id}`,
    facts: [
      ['Billed to', `${billedTo.name} (workspace ${billedTo.workspaceId})`],
      ['Invoice', invoice.id],
      ['Status', invoice.status],
      ['Issued', day(invoice.createdAt)],
      ['Period', `${day(invoice.periodStart)} to ${day(invoice.periodEnd)}`],
    ],
    columns: ['Description', 'Agent / meter / plan', 'Quantity', `Amount (${cur})`],
    numeric: [false, false, true, true],
    rows: invoice.lines.map((l) => [l.description, l.kind === 'agent' ? `${l.agentId}${l.meter ? ` / ${l.meter}` : ''}` : l.kind === 'plan' ? `plan ${l.plan}` : '', quantityText(l), formatMinor(l.amount)]),
    totals: [
      ['Total', formatMinor(invoice.total)],
      ['Paid', formatMinor(invoice.amountPaid)],
      ...(invoice.credited.amountMinor ? [['Credited', `-${formatMinor(invoice.credited)}`] as [string, string]] : []),
    ],
    footer: 'Agent Marketplace. Amounts in minor units are exact; see the CSV export for machine-readable lines.',
  };
}
