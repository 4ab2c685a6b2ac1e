import type { BillingAccountStore, MirroredInvoice, MirrorKind, ProviderObject } from '../../app/billing/ports.js';
import type { Page, PageRequest } from '../../app/shared/paging.js';
import { subscriptionApplies, type SubscriptionState, type WorkspaceBilling } from '../../domain/billingAccount.js';
import { notFound } from '../../domain/errors.js';
import { dataOf, firestore, paginate } from './client.js';
import { wsRef } from './workspaces.js';

/** The mirror of the provider's objects: one collection per kind, documents keyed by the provider's ids. */
const MIRROR: Record<MirrorKind, string> = {
  customers: 'stripeCustomers',
  checkoutSessions: 'stripeCheckoutSessions',
  subscriptions: 'stripeSubscriptions',
  invoices: 'stripeInvoices',
  accounts: 'stripeAccounts',
  creditNotes: 'stripeCreditNotes',
};

export class FirestoreBillingAccountStore implements BillingAccountStore {
  async setCustomer(wsId: string, customerId: string): Promise<void> {
    await firestore().runTransaction(async (tx) => {
      const snap = await tx.get(wsRef(wsId));
      if (!snap.exists) throw notFound('Workspace', 'workspace_not_found');
      const billing = snap.get('billing') as WorkspaceBilling & { customerId?: string | null } | undefined;
      if (billing?.customerId === customerId) return;
      tx.update(wsRef(wsId), { 'billing.customerId': customerId, ...(billing?.status ? {} : { 'billing.status': 'active' }) });
    });
  }

  async applySubscription(wsId: string, state: SubscriptionState): Promise<boolean> {
    return firestore().runTransaction(async (tx) => {
      const snap = await tx.get(wsRef(wsId));
      if (!snap.exists) return false;
      if (!subscriptionApplies(snap.get('billing') as WorkspaceBilling | undefined, state)) return false;
      tx.update(wsRef(wsId), {
        plan: state.plan,
        'billing.status': state.status,
        'billing.customerId': state.customerId,
        'billing.subscriptionId': state.subscriptionId,
        'billing.subscriptionCreated': state.created,
      });
      return true;
    });
  }

  async upsertMirror(kind: MirrorKind, object: ProviderObject, at: Date): Promise<void> {
    const { raw, ...fields } = object;
    // The whole object as JSON (Stripe objects may nest what Firestore cannot store), beside the fields we read.
    await firestore().collection(MIRROR[kind]).doc(object.id).set({ ...fields, json: JSON.stringify(raw), syncedAt: at });
  }

  async invoice(invoiceId: string): Promise<MirroredInvoice | null> {
    const found = dataOf<MirroredInvoice & { json?: string }>(await firestore().collection(MIRROR.invoices).doc(invoiceId).get());
    if (!found) return null;
    const { json: _raw, ...invoice } = found;
    return invoice;
  }

  async invoices(customerId: string, page: PageRequest): Promise<Page<MirroredInvoice>> {
    // Index: stripeInvoices (customerId, created desc, id desc) in firestore.indexes.json.
    const query = firestore().collection(MIRROR.invoices).where('customerId', '==', customerId).orderBy('created', 'desc').orderBy('id', 'desc');
    const found = await paginate<MirroredInvoice & { json?: string }>(query, page, ['plain', 'plain'], (i) => [i.created, i.id]);
    return { items: found.items.map(({ json: _raw, ...invoice }) => invoice), nextCursor: found.nextCursor };
  }

  async setPayoutAccount(publisherId: string, account: { accountId: string; chargesEnabled: boolean; payoutsEnabled: boolean; detailsSubmitted: boolean }, at: Date): Promise<void> {
    await firestore().collection('publishers').doc(publisherId).set({ payoutAccount: { ...account, syncedAt: at } }, { merge: true });
  }
}
