import { FieldValue } from 'firebase-admin/firestore';
import type { EarningsStore, PayoutRecord, PublisherBilling } from '../../app/billing/ports.js';
import type { Page, PageRequest } from '../../app/shared/paging.js';
import type { RevenueEntry } from '../../domain/revenueShare.js';
import { dataOf, firestore, paginate, revive } from './client.js';

/**
 * Revenue entries (`revenueEntries/{id}`, ids from domain/revenueShare.ts), payouts
 * (`payouts/{id}`) and what payouts read of publishers (`publishers/{id}`: `ownerUids`,
 * `shareBps`, `payoutAccount`). docs/billing.md "Revenue share", "Payouts".
 */
const entries = () => firestore().collection('revenueEntries');
const payouts = () => firestore().collection('payouts');
const publishers = () => firestore().collection('publishers');

function publisherOf(id: string, data: Record<string, unknown> | null): PublisherBilling | null {
  if (!data) return null;
  const account = data['payoutAccount'] as { accountId?: string; payoutsEnabled?: boolean; detailsSubmitted?: boolean } | undefined;
  return {
    id,
    ownerUids: Array.isArray(data['ownerUids']) ? (data['ownerUids'] as unknown[]).filter((u): u is string => typeof u === 'string') : [],
    shareBps: typeof data['shareBps'] === 'number' ? data['shareBps'] : null,
    payoutAccount: account?.accountId ? { accountId: account.accountId, payoutsEnabled: account.payoutsEnabled === true, detailsSubmitted: account.detailsSubmitted === true } : null,
  };
}

export class FirestoreEarningsStore implements EarningsStore {
  async record(list: readonly RevenueEntry[]): Promise<{ created: number; differing: string[] }> {
    if (list.length === 0) return { created: 0, differing: [] };
    return firestore().runTransaction(async (tx) => {
      const refs = list.map((e) => entries().doc(e.id));
      const snaps = await tx.getAll(...refs);
      let created = 0;
      const differing: string[] = [];
      snaps.forEach((snap, i) => {
        const entry = list[i]!;
        if (snap.exists) {
          // Recorded by an earlier delivery; from another state of the provider if its amounts differ.
          if (snap.get('gross.amountMinor') !== entry.gross.amountMinor || snap.get('publisherShare.amountMinor') !== entry.publisherShare.amountMinor) differing.push(entry.id);
          return;
        }
        tx.create(refs[i]!, entry);
        created += 1;
      });
      return { created, differing };
    });
  }

  async entriesOf(publisherId: string): Promise<RevenueEntry[]> {
    return (await entries().where('publisherId', '==', publisherId).get()).docs.map((d) => revive<RevenueEntry>(d.data()));
  }

  async entriesBetween(publisherId: string, start: Date, end: Date): Promise<RevenueEntry[]> {
    // Index: revenueEntries (publisherId, createdAt) in firestore.indexes.json.
    const snap = await entries().where('publisherId', '==', publisherId).where('createdAt', '>=', start).where('createdAt', '<', end).get();
    return snap.docs.map((d) => revive<RevenueEntry>(d.data()));
  }

  async entriesOfInvoice(invoiceId: string): Promise<RevenueEntry[]> {
    return (await entries().where('invoiceId', '==', invoiceId).get()).docs.map((d) => revive<RevenueEntry>(d.data()));
  }

  async publisher(publisherId: string): Promise<PublisherBilling | null> {
    return publisherOf(publisherId, dataOf<Record<string, unknown>>(await publishers().doc(publisherId).get()));
  }

  async payablePublishers(): Promise<PublisherBilling[]> {
    const snap = await publishers().where('payoutAccount.payoutsEnabled', '==', true).get();
    return snap.docs.flatMap((d) => publisherOf(d.id, revive<Record<string, unknown>>(d.data())) ?? []);
  }

  async claimPayout(payout: PayoutRecord): Promise<boolean> {
    return firestore().runTransaction(async (tx) => {
      const ref = payouts().doc(payout.id);
      const refs = payout.entryIds.map((id) => entries().doc(id));
      const [existing, ...snaps] = await tx.getAll(ref, ...refs);
      if (existing!.exists) return false;
      if (snaps.some((s) => !s.exists || s.get('payoutId') !== null)) return false;
      tx.create(ref, payout);
      for (const r of refs) tx.update(r, { payoutId: payout.id });
      return true;
    });
  }

  async pendingPayouts(publisherId: string): Promise<PayoutRecord[]> {
    const snap = await payouts().where('publisherId', '==', publisherId).where('status', '==', 'pending').get();
    return snap.docs.map((d) => revive<PayoutRecord>(d.data()));
  }

  async completePayout(payoutId: string, transferId: string, at: Date): Promise<void> {
    await firestore().runTransaction(async (tx) => {
      const ref = payouts().doc(payoutId);
      const snap = await tx.get(ref);
      if (!snap.exists || snap.get('status') === 'paid') return;
      tx.update(ref, { status: 'paid', transferId, paidAt: at, lastError: null });
    });
  }

  async notePayoutError(payoutId: string, error: string): Promise<void> {
    await payouts().doc(payoutId).update({ lastError: error.slice(0, 500), attempts: FieldValue.increment(1) });
  }

  async payouts(publisherId: string, page: PageRequest): Promise<Page<PayoutRecord>> {
    // Index: payouts (publisherId, createdAt desc, id desc) in firestore.indexes.json.
    const query = payouts().where('publisherId', '==', publisherId).orderBy('createdAt', 'desc').orderBy('id', 'desc');
    return paginate<PayoutRecord>(query, page, ['timestamp', 'plain'], (p) => [p.createdAt, p.id]);
  }
}
