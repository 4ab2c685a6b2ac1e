import { money, splitBps, sum, type Money } from './money.js';

/**
 * Revenue share: each paid agent's invoice line, once the invoice is paid, split between the
 * agent's publisher and the platform (basis points, the two adding up to the line exactly); a
 * credit note reverses what it takes back. A publisher's balance is the sum of its entries;
 * settled entries not yet paid out are what a payout sends. Free of I/O (docs/billing.md).
 */
export const DEFAULT_PUBLISHER_SHARE_BPS = 8000;

export interface RevenueEntry {
  /** The invoice line id (a sale) or the credit note line id (a reversal): a replayed event writes nothing twice. */
  id: string;
  kind: 'sale' | 'reversal';
  publisherId: string;
  agentId: string;
  wsId: string;
  invoiceId: string;
  /** A reversal's sale. */
  reverses: string | null;
  gross: Money;
  publisherShare: Money;
  platformShare: Money;
  shareBps: number;
  createdAt: Date;
  /** When it counts toward a payout. */
  settlesAt: Date;
  /** The payout that covers it; null until one does. */
  payoutId: string | null;
}

export interface PaidAgentLine {
  id: string;
  agentId: string;
  amount: Money;
}

/** Who gets an agent's share, and how much of it (an override on the publisher, else the platform's setting). */
export interface ShareOf {
  publisherId: string;
  shareBps: number;
}

/** The entries of a paid invoice: one per paid agent line with an amount; lines of agents without a known publisher are left out (the caller logs them). */
export function saleEntries(
  invoice: { id: string; wsId: string; paidAt: Date; lines: readonly PaidAgentLine[] },
  shareOf: (agentId: string) => ShareOf | null,
  settlementSeconds: number,
): RevenueEntry[] {
  const settlesAt = new Date(invoice.paidAt.getTime() + settlementSeconds * 1000);
  return invoice.lines.flatMap((line) => {
    const share = shareOf(line.agentId);
    if (!share || line.amount.amountMinor <= 0) return [];
    const { share: publisherShare, rest: platformShare } = splitBps(line.amount, share.shareBps);
    return [
      {
        id: line.id,
        kind: 'sale' as const,
        publisherId: share.publisherId,
        agentId: line.agentId,
        wsId: invoice.wsId,
        invoiceId: invoice.id,
        reverses: null,
        gross: line.amount,
        publisherShare,
        platformShare,
        shareBps: share.shareBps,
        createdAt: invoice.paidAt,
        settlesAt,
        payoutId: null,
      },
    ];
  });
}

/**
 * The reversals of a credit note: each of its lines that takes back a sale reverses that much
 * of it (never more than is left of the sale after earlier reversals), split at the sale's own
 * share, so a full credit reverses the sale's two shares exactly. Reversals settle at once.
 */
export function reversalEntries(
  creditNote: { id: string; created: Date; lines: readonly { id: string; invoiceLineId: string | null; amountMinor: number }[] },
  sales: ReadonlyMap<string, RevenueEntry>,
  reversedSoFar: ReadonlyMap<string, number>,
): RevenueEntry[] {
  return creditNote.lines.flatMap((line) => {
    const sale = line.invoiceLineId ? sales.get(line.invoiceLineId) : undefined;
    if (!sale) return [];
    const left = sale.gross.amountMinor - (reversedSoFar.get(sale.id) ?? 0);
    const amount = Math.min(line.amountMinor, left);
    if (amount <= 0) return [];
    const gross = money(-amount, sale.gross.currency);
    const { share: publisherShare, rest: platformShare } = splitBps(gross, sale.shareBps);
    return [
      {
        ...sale,
        id: line.id,
        kind: 'reversal' as const,
        reverses: sale.id,
        gross,
        publisherShare,
        platformShare,
        createdAt: creditNote.created,
        settlesAt: creditNote.created,
        payoutId: null,
      },
    ];
  });
}

export interface Balances {
  /** Settled and not yet paid out. */
  settled: Money;
  /** Not yet settled. */
  pending: Money;
  /** Covered by payouts. */
  paidOut: Money;
}

export function balancesOf(entries: readonly RevenueEntry[], now: Date): Balances {
  const shares = (f: (e: RevenueEntry) => boolean) => sum(entries.filter(f).map((e) => e.publisherShare));
  return {
    settled: shares((e) => e.payoutId === null && e.settlesAt <= now),
    pending: shares((e) => e.payoutId === null && e.settlesAt > now),
    paidOut: shares((e) => e.payoutId !== null),
  };
}

/**
 * What a payout would cover now: every settled entry not yet paid out (reversals included, so
 * a credit after a payout is netted from the next), if their sum reaches the minimum.
 */
export function payoutSelection(entries: readonly RevenueEntry[], now: Date, minimum: Money): { entries: RevenueEntry[]; amount: Money } | null {
  const due = entries.filter((e) => e.payoutId === null && e.settlesAt <= now).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const amount = sum(due.map((e) => e.publisherShare), minimum.currency);
  if (due.length === 0 || amount.amountMinor <= 0 || amount.amountMinor < minimum.amountMinor) return null;
  return { entries: due, amount };
}
