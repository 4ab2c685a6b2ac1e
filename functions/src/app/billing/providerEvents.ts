import { planOf, standingOf } from '../../domain/billingAccount.js';
import type { Deps } from '../deps.js';
import { syncAgentItems } from './agentItems.js';
import { reconcileRefunds, recordCreditNote, recordInvoiceRevenue } from './revenue.js';
import type { ProviderEvent } from './ports.js';

/**
 * The billing provider's webhook events. Each handler refetches the object the event is about
 * and upserts it by its id, so the outcome is the provider's current state whatever order
 * events arrive in and however often: a replayed or stale event never moves a workspace back
 * (and a subscription older than the workspace's, by its own `created`, never replaces it).
 * A failure throws: the webhook answers non-2xx and the provider retries.
 */
type EventDeps = Pick<Deps, 'billing' | 'billingAccounts' | 'workspaces' | 'installs' | 'catalog' | 'clock' | 'earnings' | 'payoutConfig'>;

export const HANDLED_EVENTS = [
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.created',
  'invoice.finalized',
  'invoice.paid',
  'invoice.payment_failed',
  'credit_note.created',
  'credit_note.voided',
  'charge.refunded',
  'charge.refund.updated',
  'refund.created',
  'refund.updated',
  'refund.failed',
  'account.updated',
] as const;

export async function handleProviderEvent(deps: EventDeps, event: ProviderEvent): Promise<{ handled: boolean }> {
  const now = deps.clock.now();
  switch (event.type) {
    case 'checkout.session.completed': {
      const session = await deps.billing.retrieveCheckoutSession(event.object.id);
      await deps.billingAccounts.upsertMirror('checkoutSessions', session, now);
      if (session.subscriptionId) await syncSubscription(deps, session.subscriptionId);
      return { handled: true };
    }
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
      await syncSubscription(deps, event.object.id);
      return { handled: true };
    case 'invoice.created':
    case 'invoice.finalized':
    case 'invoice.paid':
    case 'invoice.payment_failed': {
      const invoice = await deps.billing.retrieveInvoice(event.object.id);
      await deps.billingAccounts.upsertMirror('invoices', invoice, now);
      // Revenue share follows the refetched invoice: whichever of its events comes once it is paid records it (once).
      await recordInvoiceRevenue(deps, invoice);
      // The standing follows the subscription, which the provider moves with its invoices.
      if (invoice.subscriptionId && (event.type === 'invoice.paid' || event.type === 'invoice.payment_failed')) await syncSubscription(deps, invoice.subscriptionId);
      return { handled: true };
    }
    case 'credit_note.created':
    case 'credit_note.voided': {
      // Either event applies the note's current status: issued reverses, void undoes.
      const note = await deps.billing.retrieveCreditNote(event.object.id);
      await deps.billingAccounts.upsertMirror('creditNotes', note, now);
      const invoice = await deps.billing.retrieveInvoice(note.invoiceId);
      await deps.billingAccounts.upsertMirror('invoices', invoice, now);
      await recordCreditNote(deps, note, invoice);
      return { handled: true };
    }
    case 'charge.refunded':
    case 'charge.refund.updated':
    case 'refund.created':
    case 'refund.updated':
    case 'refund.failed': {
      // A refund (made with or without a credit note): the refund side of each invoice its payment paid, reconciled.
      const payment = event.object.object === 'charge' ? await deps.billing.retrieveCharge(event.object.id) : await deps.billing.retrieveRefund(event.object.id);
      if (!payment.paymentIntentId) return { handled: true }; // a payment outside invoices
      for (const invoiceId of await deps.billing.invoicesPaidBy(payment.paymentIntentId)) {
        const invoice = await deps.billing.retrieveInvoice(invoiceId);
        await recordInvoiceRevenue(deps, invoice);
        await reconcileRefunds(deps, invoice);
      }
      return { handled: true };
    }
    case 'account.updated': {
      const account = await deps.billing.retrieveAccount(event.object.id);
      await deps.billingAccounts.upsertMirror('accounts', account, now);
      const publisherId = account.metadata['publisherId'];
      if (publisherId) {
        const { chargesEnabled, payoutsEnabled, detailsSubmitted } = account;
        await deps.billingAccounts.setPayoutAccount(publisherId, { accountId: account.id, chargesEnabled, payoutsEnabled, detailsSubmitted }, now);
      }
      return { handled: true };
    }
    default:
      return { handled: false };
  }
}

/** Refetches a subscription, mirrors it, and sets its workspace's plan and standing from it. */
async function syncSubscription(deps: EventDeps, subscriptionId: string): Promise<void> {
  const subscription = await deps.billing.retrieveSubscription(subscriptionId);
  await deps.billingAccounts.upsertMirror('subscriptions', subscription, deps.clock.now());
  const wsId = subscription.metadata['wsId'] ?? (await deps.billing.retrieveCustomer(subscription.customerId)).metadata['wsId'];
  if (!wsId) return; // not one of ours
  const status = standingOf(subscription.status);
  const plan = planOf(
    status,
    subscription.items.map((i) => i.priceId),
    deps.billing.planPrices,
  );
  const applied = await deps.billingAccounts.applySubscription(wsId, { subscriptionId, customerId: subscription.customerId, created: subscription.created, status, plan });
  // A subscription that now holds the workspace carries its paid agents.
  if (applied && status !== 'canceled') await syncAgentItems(deps, wsId);
}
