import { describe, expect, it } from 'vitest';
import { sweepPayouts } from '../src/app/billing/payouts.js';
import type { PayoutRecord, PublisherBilling } from '../src/app/billing/ports.js';
import { money } from '../src/domain/money.js';

/**
 * The payout sweep's retry of a payout an earlier sweep recorded but did not complete: it looks
 * for the payout's transfer by group before transferring again (Stripe keeps an idempotency key
 * for 24 hours only, so the key alone cannot stop a late retry from paying twice). The ports are
 * small in-memory fakes; the adapters' requests are covered by stripeProviderRequests.test.ts.
 */
const publisher: PublisherBilling = { id: 'pub1', ownerUids: [], shareBps: null, payoutAccount: { accountId: 'acct_1', payoutsEnabled: true, detailsSubmitted: true } };
const stuck: PayoutRecord = { id: 'po_stuck', publisherId: 'pub1', accountId: 'acct_1', amount: money(1500), status: 'pending', transferId: null, entryIds: ['e1'], createdAt: new Date('2026-11-01T00:00:00Z'), paidAt: null, lastError: 'timeout' };

function world(existing: Record<string, string>) {
  const created: string[] = [];
  const completed: Array<[string, string]> = [];
  const deps = {
    clock: { now: () => new Date('2026-11-03T00:00:00Z') },
    payoutConfig: { publisherShareBps: 8000, minimumMinor: 1000, settlementSeconds: 0 },
    earnings: {
      payablePublishers: async () => [publisher],
      pendingPayouts: async () => [{ ...stuck }],
      entriesOf: async () => [],
      claimPayout: async () => true,
      completePayout: async (id: string, transferId: string) => void completed.push([id, transferId]),
      notePayoutError: async () => undefined,
    },
    billing: {
      findTransfer: async (group: string) => (existing[group] ? { id: existing[group]! } : null),
      createTransfer: async (input: { group: string }) => {
        created.push(input.group);
        return { id: `tr_new_${input.group}` };
      },
    },
  };
  return { deps: deps as never, created, completed };
}

describe('the payout sweep', () => {
  it('completes a retried payout with the transfer its group already has, and makes none', async () => {
    const { deps, created, completed } = world({ po_stuck: 'tr_made' });
    expect(await sweepPayouts(deps)).toMatchObject({ paid: 1, failed: 0 });
    expect(created).toEqual([]);
    expect(completed).toEqual([['po_stuck', 'tr_made']]);
  });

  it('transfers a retried payout whose group has none, in its group and with its key', async () => {
    const { deps, created, completed } = world({});
    expect(await sweepPayouts(deps)).toMatchObject({ paid: 1 });
    expect(created).toEqual(['po_stuck']);
    expect(completed).toEqual([['po_stuck', 'tr_new_po_stuck']]);
  });
});
