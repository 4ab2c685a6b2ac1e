import { lineOf } from '../../domain/invoices.js';
import { money } from '../../domain/money.js';
import { reversalEntries, saleEntries, type RevenueEntry, type ShareOf } from '../../domain/revenueShare.js';
import type { Deps } from '../deps.js';
import type { ProviderCreditNote, ProviderInvoice } from './ports.js';

/**
 * Revenue entries from the provider's refetched objects: a paid invoice's paid-agent lines
 * (split by domain/revenueShare.ts), and a credit note's reversals. Entries are keyed by the
 * line they come from and created once, so replayed or reordered webhooks write nothing twice.
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
  return deps.earnings.record(entries);
}

/** Records the reversals of an issued credit note (its invoice's sales first, if their event has not come yet). */
export async function recordCreditNoteReversal(deps: RevenueDeps, note: ProviderCreditNote): Promise<number> {
  if (note.status !== 'issued') return 0;
  await recordInvoiceRevenue(deps, await deps.billing.retrieveInvoice(note.invoiceId));
  const existing = await deps.earnings.entriesOfInvoice(note.invoiceId);
  const own = new Set(note.lines.map((l) => l.id));
  const sales = new Map(existing.filter((e) => e.kind === 'sale').map((e) => [e.id, e] as const));
  const reversed = new Map<string, number>();
  for (const e of existing) {
    if (e.kind !== 'reversal' || !e.reverses || own.has(e.id)) continue;
    reversed.set(e.reverses, (reversed.get(e.reverses) ?? 0) - e.gross.amountMinor);
  }
  const entries: RevenueEntry[] = reversalEntries({ id: note.id, created: new Date(note.created * 1000), lines: note.lines }, sales, reversed);
  return deps.earnings.record(entries);
}
