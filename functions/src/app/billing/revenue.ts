import { AppError } from '../../domain/errors.js';
import { lineOf } from '../../domain/invoices.js';
import { money } from '../../domain/money.js';
import { refundAdjustments, refundedOutsideCreditNotes, reversalEntries, saleEntries, voidEntries, type ShareOf } from '../../domain/revenueShare.js';
import type { Deps } from '../deps.js';
import type { ProviderCreditNote, ProviderInvoice } from './ports.js';

/**
 * Revenue entries from the provider's refetched objects: a paid invoice's paid-agent lines
 * (split by domain/revenueShare.ts), a credit note's reversals (undone when it is voided), and
 * the part of refunds no credit note accounts for. Entries have deterministic ids and are
 * created once, so replayed or reordered webhooks write nothing twice.
 */
type RevenueDeps = Pick<Deps, 'earnings' | 'catalog' | 'billing' | 'payoutConfig' | 'clock'>;

/** Each agent's publisher and share: the publisher's override, else the platform's setting. */
async function sharesOf(deps: RevenueDeps, agentIds: readonly string[]): Promise<(agentId: string) => ShareOf | null> {
  const shares = new Map<string, ShareOf>();
  for (const agentId of new Set(agentIds)) {
    const listing = await deps.catalog.getListing(agentId);
    if (!listing) {
      console.error(JSON.stringify({ severity: 'ERROR', message: 'revenue: a paid line names an agent not in the catalog; no share recorded', agentId }));
      continue;
    }
    const publisher = await deps.earnings.publisher(listing.publisher);
    shares.set(agentId, { publisherId: listing.publisher, shareBps: publisher?.shareBps ?? deps.payoutConfig.publisherShareBps });
  }
  return (agentId) => shares.get(agentId) ?? null;
}

/** Records the sales of a paid invoice (nothing for any other status); how many entries were new. */
export async function recordInvoiceRevenue(deps: RevenueDeps, invoice: ProviderInvoice): Promise<number> {
  if (invoice.status !== 'paid') return 0;
  const lines = invoice.lines
    .map((l) => lineOf(l, invoice.currency, deps.billing.planPrices))
    .flatMap((l) => (l.kind === 'agent' && l.agentId ? [{ id: l.id, agentId: l.agentId, amount: money(l.amount.amountMinor, l.amount.currency) }] : []));
  if (lines.length === 0) return 0;
  const wsId = (await deps.billing.retrieveCustomer(invoice.customerId)).metadata['wsId'] ?? '';
  const paidAt = invoice.paidAt ? new Date(invoice.paidAt * 1000) : deps.clock.now();
  const entries = saleEntries({ id: invoice.id, wsId, paidAt, lines }, await sharesOf(deps, lines.map((l) => l.agentId)), deps.payoutConfig.settlementSeconds);
  return (await deps.earnings.record(entries)).created;
}

/**
 * A credit note's revenue as the provider has it now, then the invoice's refund side
 * (reconcileRefunds: the note may account for a refund already reversed as one made outside
 * notes). An issued note reverses what it takes back. A void one is undone: its reversals are
 * written if no earlier event got to them, then one undo each, so whichever of its events comes
 * first, and however often, the entries end the same. `invoice`: the note's, refetched.
 */
export async function recordCreditNote(deps: RevenueDeps, note: ProviderCreditNote, invoice: ProviderInvoice): Promise<void> {
  await recordInvoiceRevenue(deps, invoice);
  if (note.status === 'issued' || note.status === 'void') {
    const entries = await deps.earnings.entriesOfInvoice(note.invoiceId);
    await deps.earnings.record(reversalEntries({ id: note.id, created: new Date(note.created * 1000), lines: note.lines }, entries));
    if (note.status === 'void') {
      // Read again: the undo mirrors the reversal as stored (created once, maybe by another delivery).
      const stored = await deps.earnings.entriesOfInvoice(note.invoiceId);
      await deps.earnings.record(voidEntries({ lineIds: note.lines.map((l) => l.id), voidedAt: new Date((note.voidedAt ?? note.created) * 1000) }, stored));
    }
  }
  await reconcileRefunds(deps, invoice);
}

const RECONCILE_ATTEMPTS = 4;

/**
 * The refund side of a paid invoice, as a reconcile (domain/revenueShare.ts refundAdjustments):
 * from the provider's current refunds and credit notes, each sale's target, compared with the
 * `refund` entries it holds; the difference is written as its next entry. The entries are read
 * before the provider's state, so any entry seen was computed from a state read earlier than
 * ours. Two reconciles that read the same entries write the same ids and one is a no-op; when an
 * id exists with other amounts (computed from another state), this one reads both again. How
 * many entries were new.
 */
export async function reconcileRefunds(deps: RevenueDeps, invoice: ProviderInvoice): Promise<number> {
  if (invoice.status !== 'paid') return 0;
  const lines = invoice.lines.map((l) => ({ id: l.id, amountMinor: l.amountMinor }));
  for (let attempt = 0; attempt < RECONCILE_ATTEMPTS; attempt++) {
    const entries = await deps.earnings.entriesOfInvoice(invoice.id);
    if (!entries.some((e) => e.kind === 'sale')) return 0;
    const facts = await deps.billing.retrieveInvoiceRefunds(invoice.id);
    const adjustments = refundAdjustments({ lines, amountPaidMinor: invoice.amountPaidMinor, refundedMinor: refundedOutsideCreditNotes(facts), entries, at: deps.clock.now() });
    const { created, differing } = await deps.earnings.record(adjustments);
    if (differing.length === 0) return created;
  }
  // Non-2xx: the provider delivers the event again, and the reconcile starts over.
  throw new AppError('conflict', 'refund_reconcile_contended', `The refunds of invoice ${invoice.id} kept changing while they were reconciled; try again.`);
}
