import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { PdfLibInvoiceRenderer } from '../src/adapters/pdf/invoicePdf.ts';
import { formatMinor, invoiceCsv, invoiceDocument, invoiceOf, type InvoiceFacts } from '../src/domain/invoices.ts';
import { money } from '../src/domain/money.ts';
import {
  allocate,
  balancesOf,
  creditNoteReversed,
  payoutSelection,
  refundAdjustments,
  refundedOutsideCreditNotes,
  reversalEntries,
  saleEntries,
  sourceLineOf,
  voidEntries,
  type RevenueEntry,
} from '../src/domain/revenueShare.ts';

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
    const full = reversalEntries({ id: 'cn_1', created: paidAt, lines: [{ id: 'cnli_1', invoiceLineId: 'il_a', amountMinor: 333 }] }, sales);
    expect(full.map((e) => [e.kind, e.reverses, e.gross.amountMinor, e.publisherShare.amountMinor, e.platformShare.amountMinor])).toEqual([['reversal', 'il_a', -333, -266, -67]]);
    const earlier = reversalEntries({ id: 'cn_0', created: paidAt, lines: [{ id: 'cnli_0', invoiceLineId: 'il_a', amountMinor: 300 }] }, sales);
    const partial = reversalEntries({ id: 'cn_2', created: paidAt, lines: [{ id: 'cnli_2', invoiceLineId: 'il_a', amountMinor: 500 }] }, [...sales, ...earlier]);
    expect(partial.map((e) => e.gross.amountMinor)).toEqual([-33]);
    // A voided note's reversal no longer bounds the next one; refund adjustments never do.
    const undone = voidEntries({ lineIds: ['cnli_0'], voidedAt: paidAt }, earlier);
    expect(reversalEntries({ id: 'cn_2', created: paidAt, lines: [{ id: 'cnli_2', invoiceLineId: 'il_a', amountMinor: 500 }] }, [...sales, ...earlier, ...undone]).map((e) => e.gross.amountMinor)).toEqual([-333]);
    expect(reversalEntries({ id: 'cn_3', created: paidAt, lines: [{ id: 'cnli_3', invoiceLineId: 'il_plan', amountMinor: 4900 }] }, sales)).toEqual([]);
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

describe('refunds outside credit notes and voided credit notes', () => {
  const paidAt = new Date('2027-02-01T00:00:00Z');
  const at = new Date('2027-02-03T00:00:00Z');
  // A paid invoice: the plan (platform only) and two paid agents from two publishers.
  const lines = [
    { id: 'il_plan', amountMinor: 4900 },
    { id: 'il_a', amountMinor: 500 },
    { id: 'il_b', amountMinor: 500 },
  ];
  const sales = saleEntries(
    { id: 'in_1', wsId: 'ws1', paidAt, lines: [{ id: 'il_a', agentId: 'probe', amount: money(500) }, { id: 'il_b', agentId: 'tally', amount: money(500) }] },
    (agentId) => ({ publisherId: `pub-${agentId}`, shareBps: agentId === 'tally' ? 7000 : 8000 }),
    0,
  );
  const reconcile = (entries: readonly RevenueEntry[], refundedMinor: number) => refundAdjustments({ lines, amountPaidMinor: 5900, refundedMinor, entries, at });
  const rows = (entries: readonly RevenueEntry[]) => entries.map((e) => [e.id, e.kind, e.reverses, e.gross.amountMinor, e.publisherShare.amountMinor, e.platformShare.amountMinor]);
  const net = (entries: readonly RevenueEntry[], saleId: string, f: (e: RevenueEntry) => number = (e) => e.gross.amountMinor) =>
    entries.filter((e) => e.id === saleId || e.reverses === saleId).reduce((n, e) => n + f(e), 0);

  it('allocates by largest remainder, adding up exactly, ties to the earlier weight', () => {
    expect(allocate(1001, [4900, 500, 500])).toEqual([831, 85, 85]);
    expect(allocate(1501, [4900, 500, 500])).toEqual([1247, 127, 127]);
    expect(allocate(500, [4900, 500, 500])).toEqual([415, 43, 42]);
    expect(allocate(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(allocate(7, [0, -5, 0])).toEqual([0, 0, 0]);
    expect(allocate(0, [3, 4])).toEqual([0, 0]);
    expect(allocate(9_000_000_000_000, [9_000_000_000_000, 1])).toEqual([8_999_999_999_999, 1]);
    for (const total of [1, 2, 3, 999, 5899, 5900]) expect(allocate(total, [4900, 500, 500]).reduce((a, b) => a + b, 0)).toBe(total);
    expect(() => allocate(-1, [1])).toThrow(RangeError);
    expect(() => allocate(1.5, [1])).toThrow(RangeError);
  });

  it('a partial refund is split exactly across two agent lines and the plan line: each agent line reverses its proportion', () => {
    const first = reconcile(sales, 1001);
    // 1001 over 4900/500/500 is 831/85/85: the plan's 831 is the platform's alone.
    expect(rows(first)).toEqual([
      ['il_a:refund:0', 'refund', 'il_a', -85, -68, -17],
      ['il_b:refund:0', 'refund', 'il_b', -85, -60, -25],
    ]);
    expect(first.every((e) => e.settlesAt === at && e.payoutId === null)).toBe(true);
    // The same state again writes nothing: a replay is a no-op.
    expect(reconcile([...sales, ...first], 1001)).toEqual([]);
    // Two reconciles that read the same entries write the same ids.
    expect(rows(reconcile(sales, 1001))).toEqual(rows(first));
    // A second refund (1501 in all: 1247/127/127): one more entry per sale for the difference, the held entries adding up to the split of the target.
    const second = reconcile([...sales, ...first], 1501);
    expect(rows(second)).toEqual([
      ['il_a:refund:1', 'refund', 'il_a', -42, -34, -8],
      ['il_b:refund:1', 'refund', 'il_b', -42, -29, -13],
    ]);
    const all = [...sales, ...first, ...second];
    expect([net(all, 'il_a'), net(all, 'il_a', (e) => e.publisherShare.amountMinor)]).toEqual([500 - 127, 400 - 102]);
    expect([net(all, 'il_b'), net(all, 'il_b', (e) => e.publisherShare.amountMinor)]).toEqual([500 - 127, 350 - 89]);
    // Never more than was paid; a full refund reverses the sales exactly.
    const full = reconcile(all, 99_999);
    expect(net([...all, ...full], 'il_a')).toBe(0);
    expect(net([...all, ...full], 'il_a', (e) => e.publisherShare.amountMinor)).toBe(0);
    expect(net([...all, ...full], 'il_b', (e) => e.platformShare.amountMinor)).toBe(0);
  });

  it('counts refunds that keep the money, less what issued credit notes account for', () => {
    const refunds = [
      { id: 're_1', amountMinor: 1001, status: 'succeeded' },
      { id: 're_2', amountMinor: 500, status: 'pending' },
      { id: 're_3', amountMinor: 700, status: 'failed' },
      { id: 're_4', amountMinor: 300, status: 'canceled' },
    ];
    expect(refundedOutsideCreditNotes({ refunds, creditNotes: [] })).toBe(1501);
    const linking = { status: 'issued', refunds: [{ refundId: 're_1', amountMinor: 1001 }] };
    expect(refundedOutsideCreditNotes({ refunds, creditNotes: [linking] })).toBe(500);
    expect(refundedOutsideCreditNotes({ refunds, creditNotes: [{ ...linking, status: 'void' }] })).toBe(1501);
    // A note that links part of a refund covers that part; two notes never cover more than the refund.
    expect(refundedOutsideCreditNotes({ refunds, creditNotes: [{ status: 'issued', refunds: [{ refundId: 're_1', amountMinor: 600 }] }, { status: 'issued', refunds: [{ refundId: 're_1', amountMinor: 600 }] }] })).toBe(500);
  });

  it('a credit note that links an existing refund does not reverse twice', () => {
    const refunded = reconcile(sales, 1001);
    // The note takes back the agent line il_a in full and 501 of the plan, and links the 1001 refund.
    const reversal = reversalEntries({ id: 'cn_1', created: at, lines: [{ id: 'cnli_a', invoiceLineId: 'il_a', amountMinor: 500 }, { id: 'cnli_p', invoiceLineId: 'il_plan', amountMinor: 501 }] }, [...sales, ...refunded]);
    expect(rows(reversal)).toEqual([['cnli_a', 'reversal', 'il_a', -500, -400, -100]]);
    const entries = [...sales, ...refunded, ...reversal];
    // Nothing refunded outside notes now: the refund's entries are given back.
    const corrected = reconcile(entries, 0);
    expect(rows(corrected)).toEqual([
      ['il_a:refund:1', 'refund', 'il_a', 85, 68, 17],
      ['il_b:refund:1', 'refund', 'il_b', 85, 60, 25],
    ]);
    const all = [...entries, ...corrected];
    expect(net(all, 'il_a')).toBe(0);
    expect(net(all, 'il_b')).toBe(500);
    // A refund outside notes on a line a note already took back in full reverses nothing more of it.
    const later = reconcile(all, 5900);
    expect(net([...all, ...later], 'il_a')).toBe(0);
    expect(net([...all, ...later], 'il_b')).toBe(0);
  });

  it('a voided credit note is undone exactly, once per reversal, and restores the balance', () => {
    const before = balancesOf(sales, at);
    const reversal = reversalEntries({ id: 'cn_1', created: at, lines: [{ id: 'cnli_a', invoiceLineId: 'il_a', amountMinor: 333 }, { id: 'cnli_b', invoiceLineId: 'il_b', amountMinor: 1 }] }, sales);
    const undo = voidEntries({ lineIds: ['cnli_a', 'cnli_b', 'cnli_elsewhere'], voidedAt: at }, [...sales, ...reversal]);
    expect(rows(undo)).toEqual([
      ['cnli_a:void', 'void', 'il_a', 333, 266, 67],
      ['cnli_b:void', 'void', 'il_b', 1, 1, 0],
    ]);
    expect(undo.map(sourceLineOf)).toEqual(['cnli_a', 'cnli_b']);
    const all = [...sales, ...reversal, ...undo];
    expect(balancesOf(all, at)).toEqual(before);
    expect(creditNoteReversed(all)).toEqual(new Map([['il_a', 0], ['il_b', 0]]));
    // A reversal a payout already covered stays; its undo is paid with the next payout.
    const paidOut = [...sales, ...reversal.map((e) => ({ ...e, payoutId: 'po_1' })), ...undo];
    expect(payoutSelection(paidOut, at, money(1))!.entries.map((e) => e.id)).toEqual(['cnli_a:void', 'cnli_b:void', 'il_a', 'il_b']);
    // Voided, the note's refund share comes back to the refund side: the sale's part is its proportion again.
    expect(rows(reconcile(all, 1001)).map((r) => r.slice(0, 4))).toEqual([
      ['il_a:refund:0', 'refund', 'il_a', -85],
      ['il_b:refund:0', 'refund', 'il_b', -85],
    ]);
    expect(sourceLineOf({ id: 'il_a:refund:3', kind: 'refund', reverses: 'il_a' })).toBe('il_a');
    expect(sourceLineOf({ id: 'cnli_a', kind: 'reversal', reverses: 'il_a' })).toBe('cnli_a');
  });
});
