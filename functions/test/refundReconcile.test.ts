import { describe, expect, it } from 'vitest';
import type { ProviderInvoice, ProviderInvoiceRefunds } from '../src/app/billing/ports.js';
import { reconcileRefunds } from '../src/app/billing/revenue.js';
import { money } from '../src/domain/money.js';
import { refundAdjustments, saleEntries, type RevenueEntry } from '../src/domain/revenueShare.js';

/**
 * The refund side's reconcile (app/billing/revenue.ts) when another delivery writes between its
 * read and its write, from an older or a newer state of the provider: it ends at the provider's
 * latest state either way. The ports are small in-memory fakes: a store with the Firestore
 * store's create-once rule and its report of ids that exist with other amounts, and a provider
 * whose refunds are whatever the test says they are now. The stack test
 * (test/api/stripeWebhooks.test.ts) drives the real adapters.
 */
const at = new Date('2027-02-03T00:00:00Z');
const lines = [
  { id: 'il_plan', amountMinor: 4900 },
  { id: 'il_a', amountMinor: 500 },
  { id: 'il_b', amountMinor: 500 },
];
const invoice = { id: 'in_1', status: 'paid', amountPaidMinor: 5900, lines } as unknown as ProviderInvoice;
const sales = saleEntries(
  { id: 'in_1', wsId: 'ws1', paidAt: at, lines: [{ id: 'il_a', agentId: 'probe', amount: money(500) }, { id: 'il_b', agentId: 'tally', amount: money(500) }] },
  () => ({ publisherId: 'pub', shareBps: 8000 }),
  0,
);
const refunded = (amountMinor: number): ProviderInvoiceRefunds => ({ invoiceId: 'in_1', refunds: [{ id: 're_1', amountMinor, status: 'succeeded' }], creditNotes: [] });

function world(state: { refunded: number }, beforeWrite: (store: Map<string, RevenueEntry>, call: number) => void = () => undefined) {
  const store = new Map<string, RevenueEntry>(sales.map((e) => [e.id, e]));
  let writes = 0;
  const deps = {
    clock: { now: () => at },
    earnings: {
      entriesOfInvoice: async () => [...store.values()],
      record: async (entries: readonly RevenueEntry[]) => {
        beforeWrite(store, writes++);
        let created = 0;
        const differing: string[] = [];
        for (const e of entries) {
          const found = store.get(e.id);
          if (found) {
            if (found.gross.amountMinor !== e.gross.amountMinor || found.publisherShare.amountMinor !== e.publisherShare.amountMinor) differing.push(e.id);
            continue;
          }
          store.set(e.id, e);
          created += 1;
        }
        return { created, differing };
      },
    },
    billing: { retrieveInvoiceRefunds: async () => refunded(state.refunded) },
  };
  const net = (saleId: string) => [...store.values()].filter((e) => e.kind === 'refund' && e.reverses === saleId).reduce((n, e) => n + e.gross.amountMinor, 0);
  return { deps: deps as never, store, net };
}

/** What another delivery writes, reconciling from `refundedMinor`. */
const otherWrites = (store: Map<string, RevenueEntry>, refundedMinor: number) => {
  for (const e of refundAdjustments({ lines, amountPaidMinor: 5900, refundedMinor, entries: [...store.values()], at })) if (!store.has(e.id)) store.set(e.id, e);
};

describe('the refund reconcile under concurrent deliveries', () => {
  it('reads again when a delivery from a newer state wrote its ids first, and adds nothing', async () => {
    const state = { refunded: 1001 };
    // Between our read (1001) and our write, a newer refund (1501 in all) lands and its delivery writes.
    const { deps, net, store } = world(state, (s, call) => {
      if (call === 0) {
        state.refunded = 1501;
        otherWrites(s, 1501);
      }
    });
    expect(await reconcileRefunds(deps, invoice)).toBe(0);
    expect([net('il_a'), net('il_b')]).toEqual([-127, -127]);
    expect([...store.keys()].filter((id) => id.includes(':refund:')).sort()).toEqual(['il_a:refund:0', 'il_b:refund:0']);
  });

  it('corrects a delivery from an older state that wrote its ids first', async () => {
    const state = { refunded: 1501 };
    const { deps, net } = world(state, (s, call) => {
      if (call === 0) otherWrites(s, 1001);
    });
    expect(await reconcileRefunds(deps, invoice)).toBe(2);
    expect([net('il_a'), net('il_b')]).toEqual([-127, -127]);
  });

  it('gives up with 409 refund_reconcile_contended while every write finds its ids taken (the provider redelivers)', async () => {
    let n = 0;
    const state = { refunded: 1001 };
    const { deps } = world(state, (s) => {
      state.refunded = 1001 + ++n * 100;
      otherWrites(s, state.refunded + 7);
    });
    await expect(reconcileRefunds(deps, invoice)).rejects.toMatchObject({ kind: 'conflict', code: 'refund_reconcile_contended' });
  });

  it('writes nothing for an invoice that is not paid, or has no sales', async () => {
    const { deps, store } = world({ refunded: 1001 });
    expect(await reconcileRefunds(deps, { ...invoice, status: 'open' } as ProviderInvoice)).toBe(0);
    store.clear();
    expect(await reconcileRefunds(deps, invoice)).toBe(0);
    expect(store.size).toBe(0);
  });
});
