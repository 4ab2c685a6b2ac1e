import { money, splitBps, sum, type Money } from './money.js';

/**
 * Revenue share: each paid agent's invoice line, once the invoice is paid, split between the
 * agent's publisher and the platform (basis points, the two adding up to the line exactly); a
 * credit note reverses what it takes back, a voided one gives it back, and a refund made
 * outside credit notes reverses its proportion of every line. A publisher's balance is the sum
 * of its entries; settled entries not yet paid out are what a payout sends. Free of I/O
 * (docs/billing.md).
 */
export const DEFAULT_PUBLISHER_SHARE_BPS = 8000;

/**
 * `sale`: a paid agent line. `reversal`: a credit note line that takes back a sale. `refund`: a
 * change in the part of a sale reversed by refunds no credit note accounts for (negative when
 * more is refunded, positive when a credit note later accounts for a refund or a refund fails).
 * `void`: undoes the reversal of a voided credit note.
 */
export type RevenueEntryKind = 'sale' | 'reversal' | 'refund' | 'void';

export interface RevenueEntry {
  /**
   * Where it comes from, so a replayed event writes nothing twice: the invoice line (a sale), the
   * credit note line (a reversal), `<sale>:refund:<n>` (a sale's n-th refund adjustment),
   * `<reversal>:void`.
   */
  id: string;
  kind: RevenueEntryKind;
  publisherId: string;
  agentId: string;
  wsId: string;
  invoiceId: string;
  /** The sale it changes; null for a sale. */
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

export const refundEntryId = (saleId: string, n: number) => `${saleId}:refund:${n}`;
const VOID_SUFFIX = ':void';
export const voidEntryId = (reversalId: string) => `${reversalId}${VOID_SUFFIX}`;

/** The invoice line (sale, refund) or credit note line (reversal, void) an entry comes from. */
export function sourceLineOf(entry: Pick<RevenueEntry, 'id' | 'kind' | 'reverses'>): string {
  if (entry.kind === 'refund') return entry.reverses ?? entry.id;
  if (entry.kind === 'void') return entry.id.slice(0, -VOID_SUFFIX.length);
  return entry.id;
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
  entries: readonly RevenueEntry[],
): RevenueEntry[] {
  const sales = new Map(entries.filter((e) => e.kind === 'sale').map((e) => [e.id, e] as const));
  // Other notes' reversals (net of voids) bound this one; refund adjustments do not: the refund side yields to credit notes (refundAdjustments).
  const reversedSoFar = creditNoteReversed(entries, new Set(creditNote.lines.map((l) => l.id)));
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

/** How much of each sale credit notes take back (positive minor units): reversals net of their voids, leaving out the reversals in `except` (and their voids). */
export function creditNoteReversed(entries: readonly RevenueEntry[], except: ReadonlySet<string> = new Set()): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of entries) {
    if ((e.kind !== 'reversal' && e.kind !== 'void') || !e.reverses || except.has(sourceLineOf(e))) continue;
    out.set(e.reverses, (out.get(e.reverses) ?? 0) - e.gross.amountMinor);
  }
  return out;
}

/** Minus, never -0 (a stored -0 reads back unequal to 0). */
const negated = (m: Money): Money => money(0 - m.amountMinor + 0, m.currency);

/**
 * The entries that undo a voided credit note's reversals, one per reversal (`<reversal>:void`),
 * mirroring it exactly. A reversal a payout already covered stays: its undo is a new entry, paid
 * with the next payout.
 */
export function voidEntries(note: { lineIds: readonly string[]; voidedAt: Date }, entries: readonly RevenueEntry[]): RevenueEntry[] {
  const lines = new Set(note.lineIds);
  return entries
    .filter((e) => e.kind === 'reversal' && lines.has(e.id))
    .map((r) => ({
      ...r,
      id: voidEntryId(r.id),
      kind: 'void' as const,
      gross: negated(r.gross),
      publisherShare: negated(r.publisherShare),
      platformShare: negated(r.platformShare),
      createdAt: note.voidedAt,
      settlesAt: note.voidedAt,
      payoutId: null,
    }));
}

/**
 * `total` spread over `weights` in proportion, in whole units adding up to `total` exactly
 * (largest remainder: each gets its floor, the units left go to the largest remainders, ties to
 * the earlier weight). Weights below zero count as zero; with nothing to weigh, all get zero.
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`allocate needs a whole, non-negative total, not ${total}`);
  const w = weights.map((x) => BigInt(Math.max(0, Math.trunc(x))));
  const whole = w.reduce((a, b) => a + b, 0n);
  if (whole === 0n) return weights.map(() => 0);
  const t = BigInt(total);
  const parts = w.map((x) => ({ floor: (t * x) / whole, rest: (t * x) % whole }));
  let left = t - parts.reduce((a, p) => a + p.floor, 0n);
  const order = parts.map((_, i) => i).sort((a, b) => (parts[b]!.rest > parts[a]!.rest ? 1 : parts[b]!.rest < parts[a]!.rest ? -1 : a - b));
  const out = parts.map((p) => p.floor);
  for (const i of order) {
    if (left === 0n) break;
    out[i]! += 1n;
    left -= 1n;
  }
  return out.map(Number);
}

/** A refund's status that keeps the money refunded (Stripe gives a failed or canceled refund back). */
const refundCounts = (status: string) => status !== 'failed' && status !== 'canceled';

/**
 * What an invoice's payments had refunded that no issued credit note accounts for: each refund
 * less what issued notes say they cover of it (a note that made the refund, or links an existing
 * one). A voided note accounts for nothing.
 */
export function refundedOutsideCreditNotes(facts: {
  refunds: readonly { id: string; amountMinor: number; status: string }[];
  creditNotes: readonly { status: string; refunds: readonly { refundId: string; amountMinor: number }[] }[];
}): number {
  const covered = new Map<string, number>();
  for (const note of facts.creditNotes) {
    if (note.status !== 'issued') continue;
    for (const r of note.refunds) covered.set(r.refundId, (covered.get(r.refundId) ?? 0) + r.amountMinor);
  }
  return facts.refunds.filter((r) => refundCounts(r.status)).reduce((n, r) => n + Math.max(0, r.amountMinor - (covered.get(r.id) ?? 0)), 0);
}

/**
 * The refund side as a reconcile. The part refunded outside credit notes (at most what was
 * paid) is spread over every line of the invoice in proportion to its amount (allocate: the plan
 * and other platform lines take their share, so an agent line's part is its proportion, never
 * the whole refund); a sale's target is its part, less what credit notes already take back of
 * it (never below zero). Each sale whose `refund` entries do not add up to its target gets one
 * more, `<sale>:refund:<n>` with n the count so far, for the difference: two reconciles that
 * read the same entries write the same id. Shares are the target's split less what is held, so
 * the held entries always add up to the split of the target exactly.
 */
export function refundAdjustments(input: {
  lines: readonly { id: string; amountMinor: number }[];
  amountPaidMinor: number;
  refundedMinor: number;
  entries: readonly RevenueEntry[];
  at: Date;
}): RevenueEntry[] {
  const refunded = Math.max(0, Math.min(input.refundedMinor, input.amountPaidMinor));
  const parts = allocate(
    refunded,
    input.lines.map((l) => l.amountMinor),
  );
  const partOf = new Map(input.lines.map((l, i) => [l.id, parts[i]!] as const));
  const credited = creditNoteReversed(input.entries);
  return input.entries
    .filter((e) => e.kind === 'sale')
    .flatMap((sale) => {
      const held = input.entries.filter((e) => e.kind === 'refund' && e.reverses === sale.id);
      const target = Math.max(0, Math.min(partOf.get(sale.id) ?? 0, sale.gross.amountMinor - (credited.get(sale.id) ?? 0)));
      const heldGross = held.reduce((n, e) => n + e.gross.amountMinor, 0);
      const heldShare = held.reduce((n, e) => n + e.publisherShare.amountMinor, 0);
      const targetShare = splitBps(money(0 - target, sale.gross.currency), sale.shareBps).share.amountMinor;
      // `+ 0` turns a -0 (a share rounded to nothing) into 0.
      const gross = 0 - target - heldGross + 0;
      const share = targetShare - heldShare + 0;
      if (gross === 0 && share === 0) return [];
      return [
        {
          ...sale,
          id: refundEntryId(sale.id, held.length),
          kind: 'refund' as const,
          reverses: sale.id,
          gross: money(gross, sale.gross.currency),
          publisherShare: money(share, sale.gross.currency),
          platformShare: money(gross - share, sale.gross.currency),
          createdAt: input.at,
          settlesAt: input.at,
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
