import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { PdfLibInvoiceRenderer } from '../src/adapters/pdf/invoicePdf.ts';
import { formatMinor, invoiceCsv, invoiceDocument, invoiceOf, type InvoiceFacts } from '../src/domain/invoices.ts';
import { money } from '../src/domain/money.ts';
import { balancesOf, payoutSelection, reversalEntries, saleEntries, type RevenueEntry } from '../src/domain/revenueShare.ts';

const plans = { team: 'price_team', enterprise: 'price_ent' };
const line = (id: string, amountMinor: number, metadata: Record<string, string>, extra: Partial<InvoiceFacts['lines'][number]> = {}) => ({
  id,
  amountMinor,
  quantity: 1,
  description: id,
  priceId: null,
  usageType: 'metered' as const,
  metadata,
  periodStart: 1_800_000_000,
  periodEnd: 1_802_592_000,
  ...extra,
});
const facts: InvoiceFacts = {
  id: 'in_1',
  number: 'INV-1',
  status: 'paid',
  created: 1_802_592_000,
  currency: 'usd',
  totalMinor: 4900 + 750 + 18,
  amountPaidMinor: 4900 + 750 + 18,
  creditedMinor: 0,
  periodStart: 1_800_000_000,
  periodEnd: 1_802_592_000,
  lines: [
    line('il_plan', 4900, {}, { priceId: 'price_team', usageType: 'licensed' }),
    line('il_runs', 750, { agentId: 'probe', model: 'per_run', installId: 'i1' }, { quantity: 3 }),
    line('il_units', 18, { agentId: 'tally', model: 'per_unit', installId: 'i2' }, { quantity: 2500, description: 'units, "quoted", =SUM(A1)' }),
  ],
};

describe('invoices', () => {
  it('names each line: the plan by its price, paid agents by their price metadata, with their meter', () => {
    const invoice = invoiceOf(facts, plans);
    expect(invoice.lines.map((l) => [l.kind, l.plan, l.agentId, l.pricing, l.meter, l.quantity, l.amount.amountMinor])).toEqual([
      ['plan', 'team', null, null, null, 1, 4900],
      ['agent', null, 'probe', 'per_run', 'am_runs_probe', 3, 750],
      ['agent', null, 'tally', 'per_unit', 'am_units_tally', 2500, 18],
    ]);
    expect(invoice.total).toEqual({ amountMinor: 5668, currency: 'usd' });
  });

  it('exports CSV with exact amounts, quoting and no formula injection', () => {
    const csv = invoiceCsv(invoiceOf(facts, plans));
    const rows = csv.trimEnd().split('\r\n');
    expect(rows).toHaveLength(5);
    expect(rows[0]).toBe('invoice,number,line,kind,description,agent,install,pricing,meter,plan,quantity,amount_minor,amount,currency,period_start,period_end');
    expect(rows[2]).toContain(',3,750,7.50,usd,');
    expect(rows[3]).toContain(`"units, ""quoted"", =SUM(A1)"`);
    expect(rows[4]).toContain(',total,Total,');
    expect(rows[4]).toContain(',5668,56.68,usd,');
    expect(formatMinor(money(-5))).toBe('-0.05');
  });

  it('draws a PDF with pdf-lib that reads back, one page per 40-odd lines', async () => {
    const many = { ...facts, lines: Array.from({ length: 90 }, (_, i) => line(`il_${i}`, i, { agentId: 'probe', model: 'per_run' }, { description: `run ${i} ✓ ünïcode` })) };
    const bytes = await new PdfLibInvoiceRenderer().pdf(invoiceDocument(invoiceOf(many, plans), { name: 'Acme', workspaceId: 'ws1' }));
    expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe('%PDF-');
    const doc = await PDFDocument.load(bytes);
    expect(doc.getTitle()).toBe('Invoice INV-1');
    expect(doc.getPageCount()).toBeGreaterThanOrEqual(2);
  });
});

describe('revenue share', () => {
  const paidAt = new Date('2027-02-01T00:00:00Z');
  const shareOf = (agentId: string) => (agentId === 'unknown' ? null : { publisherId: `pub-${agentId}`, shareBps: agentId === 'tally' ? 7000 : 8000 });
  const sales = saleEntries(
    { id: 'in_1', wsId: 'ws1', paidAt, lines: [{ id: 'il_a', agentId: 'probe', amount: money(333) }, { id: 'il_b', agentId: 'tally', amount: money(1) }, { id: 'il_c', agentId: 'unknown', amount: money(50) }, { id: 'il_d', agentId: 'probe', amount: money(0) }] },
    shareOf,
    3600,
  );

  it('splits each paid line so the shares add up to the cent, at the publisher share', () => {
    expect(sales.map((e) => [e.id, e.publisherId, e.gross.amountMinor, e.publisherShare.amountMinor, e.platformShare.amountMinor])).toEqual([
      ['il_a', 'pub-probe', 333, 266, 67],
      ['il_b', 'pub-tally', 1, 1, 0],
    ]);
    for (const e of sales) expect(e.publisherShare.amountMinor + e.platformShare.amountMinor).toBe(e.gross.amountMinor);
    expect(sales[0]!.settlesAt).toEqual(new Date(paidAt.getTime() + 3_600_000));
  });

  it('a full credit reverses both shares exactly; partial credits never reverse more than the sale', () => {
    const byId = new Map(sales.map((e) => [e.id, e] as const));
    const full = reversalEntries({ id: 'cn_1', created: paidAt, lines: [{ id: 'cnli_1', invoiceLineId: 'il_a', amountMinor: 333 }] }, byId, new Map());
    expect(full.map((e) => [e.kind, e.reverses, e.gross.amountMinor, e.publisherShare.amountMinor, e.platformShare.amountMinor])).toEqual([['reversal', 'il_a', -333, -266, -67]]);
    const partial = reversalEntries({ id: 'cn_2', created: paidAt, lines: [{ id: 'cnli_2', invoiceLineId: 'il_a', amountMinor: 500 }] }, byId, new Map([['il_a', 300]]));
    expect(partial.map((e) => e.gross.amountMinor)).toEqual([-33]);
    expect(reversalEntries({ id: 'cn_3', created: paidAt, lines: [{ id: 'cnli_3', invoiceLineId: 'il_plan', amountMinor: 4900 }] }, byId, new Map())).toEqual([]);
  });

  it('balances and payouts: settled entries not paid out, once they reach the minimum', () => {
    const entry = (id: string, share: number, settlesAt: Date, payoutId: string | null = null) => ({ ...sales[0]!, id, publisherShare: money(share), settlesAt, payoutId }) as RevenueEntry;
    const now = new Date('2027-02-10T00:00:00Z');
    const later = new Date('2027-03-01T00:00:00Z');
    const entries = [entry('a', 600, paidAt), entry('b', 500, paidAt), entry('c', -200, paidAt), entry('d', 900, later), entry('e', 1000, paidAt, 'po_1')];
    expect(balancesOf(entries, now)).toEqual({ settled: money(900), pending: money(900), paidOut: money(1000) });
    expect(payoutSelection(entries, now, money(1000))).toBeNull();
    const selected = payoutSelection(entries, now, money(900))!;
    expect(selected.amount).toEqual(money(900));
    expect(selected.entries.map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(payoutSelection([entry('x', -100, paidAt)], now, money(0))).toBeNull();
  });
});
