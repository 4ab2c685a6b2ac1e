import { createHash, randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import type { DocumentReference, Transaction } from 'firebase-admin/firestore';
import type { PaidPlan } from '@agent-marketplace/contract/billingAccount';
import type { BillingProvider, MeterEvent, ProviderEvent } from '../../app/billing/ports.js';
import { agentPriceKey, meterEventName, milliUnitAmountDecimal, type PaidPricing } from '../../domain/billingCatalog.js';
import { firestore } from '../firestore/client.js';
import { mapBounded } from './concurrency.js';
import { mulDiv } from '../../domain/money.js';
import { linePriceIds, paidInvoiceIds, paidPaymentIntents, toAccount, toCheckoutSession, toCreditNote, toCustomer, toInvoice, toInvoiceRefunds, toPaymentRef, toSubscription } from './stripeObjects.js';
import { verifyStripeWebhook } from './webhookVerifier.js';

/**
 * The billing provider on the local stack: a stand-in for Stripe that keeps the same objects
 * (customers, checkout and portal sessions, prices and meters, subscriptions with items,
 * invoices, credit notes, invoice payments with their charges and refunds, meter events, Connect
 * accounts, transfers) as Stripe-shaped JSON in Firestore under
 * `localStripe/{kind}/objects/{id}`, with Stripe-shaped ids (`cus_local_...`), and sends the
 * webhook events Stripe would, signed with the local webhook secret, to our own `stripeWebhook`
 * function: the webhook path is the same code locally as in production. Its hosted pages are
 * served by the `localBilling` function. docs/billing.md "The local stand-in".
 */
type Json = Record<string, unknown>;

export type LocalKind =
  | 'customers'
  | 'checkoutSessions'
  | 'portalSessions'
  | 'prices'
  | 'meters'
  | 'meterEvents'
  | 'subscriptions'
  | 'invoices'
  | 'accounts'
  | 'accountLinks'
  | 'transfers'
  | 'creditNotes'
  | 'paymentIntents'
  | 'charges'
  | 'invoicePayments'
  | 'refunds'
  | 'events';

export const LOCAL_STRIPE_COLLECTION = 'localStripe';
export const LOCAL_PLAN_PRICES: Readonly<Record<PaidPlan, string>> = { team: 'price_local_plan_team', enterprise: 'price_local_plan_enterprise' };
/** The plans' monthly prices on the stand-in (cents). */
const LOCAL_PLAN_AMOUNTS: Readonly<Record<PaidPlan, number>> = { team: 4_900, enterprise: 49_900 };

const API_VERSION = Stripe.API_VERSION;

/** An error shaped like the SDK's (`code`, `statusCode`), so callers treat both alike. */
export class LocalStripeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = 'LocalStripeError';
  }
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 24);
/** A Stripe-shaped id: fixed by the idempotency key when there is one (a retry finds the same object). */
const newId = (prefix: string, idempotencyKey?: string) => `${prefix}_local_${idempotencyKey ? hash(`${prefix}:${idempotencyKey}`) : randomBytes(12).toString('hex')}`;

export interface LocalProviderOptions {
  /** Our `stripeWebhook` function's URL: where events are delivered. */
  webhookUrl: string;
  webhookSecret: () => string;
  /** The `localBilling` function's URL: the hosted pages. */
  pagesUrl: string;
  now?: () => Date;
}

export class LocalBillingProvider implements BillingProvider {
  readonly planPrices = LOCAL_PLAN_PRICES;
  private readonly now: () => Date;

  constructor(private readonly options: LocalProviderOptions) {
    this.now = options.now ?? (() => new Date());
  }

  private seconds = () => Math.floor(this.now().getTime() / 1000);

  static objectsOf(kind: LocalKind) {
    return firestore().collection(LOCAL_STRIPE_COLLECTION).doc(kind).collection('objects');
  }

  static ref(kind: LocalKind, id: string): DocumentReference {
    return LocalBillingProvider.objectsOf(kind).doc(id);
  }

  private async read(kind: LocalKind, id: string): Promise<Json> {
    const snap = await LocalBillingProvider.ref(kind, id).get();
    if (!snap.exists) throw new LocalStripeError('resource_missing', `No such ${kind}: '${id}'`, 404);
    return snap.get('object') as Json;
  }

  /** Creates the object unless its id (fixed by the idempotency key) exists: then the first one is answered, as Stripe does. */
  private async createOnce(kind: LocalKind, object: Json, index: Json = {}): Promise<{ object: Json; created: boolean }> {
    const ref = LocalBillingProvider.ref(kind, String(object['id']));
    return firestore().runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      if (snap.exists) return { object: snap.get('object') as Json, created: false };
      tx.create(ref, { object, ...index });
      return { object, created: true };
    });
  }

  private async write(kind: LocalKind, object: Json, index: Json = {}): Promise<void> {
    await LocalBillingProvider.ref(kind, String(object['id'])).set({ object, ...index });
  }

  // ---- events: recorded, then delivered signed to our webhook endpoint, in order ----

  private async emit(events: { type: string; object: Json }[]): Promise<void> {
    for (const e of events) {
      const event = {
        id: newId('evt'),
        object: 'event',
        api_version: API_VERSION,
        created: this.seconds(),
        type: e.type,
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        data: { object: e.object },
      };
      const payload = JSON.stringify(event);
      const customer = typeof e.object['customer'] === 'string' ? e.object['customer'] : e.object['object'] === 'customer' ? e.object['id'] : null;
      await LocalBillingProvider.ref('events', event.id).set({ payload, type: e.type, customer, objectId: e.object['id'], at: this.now(), delivered: null });
      await this.deliver(event.id, payload);
    }
  }

  /** One delivery attempt (Stripe retries failures for 3 days; here a failure is recorded and can be sent again with `redeliver`). */
  private async deliver(eventId: string, payload: string): Promise<void> {
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: this.options.webhookSecret() });
    let outcome: Json;
    try {
      const res = await fetch(this.options.webhookUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
        body: payload,
        signal: AbortSignal.timeout(30_000),
      });
      outcome = { status: res.status, ok: res.ok, at: this.now() };
    } catch (err) {
      outcome = { status: null, ok: false, error: String(err), at: this.now() };
    }
    await LocalBillingProvider.ref('events', eventId).update({ delivered: outcome });
  }

  /** Sends a recorded event again (what Stripe's retry or "resend" does). */
  async redeliver(eventId: string): Promise<void> {
    const snap = await LocalBillingProvider.ref('events', eventId).get();
    if (!snap.exists) throw new LocalStripeError('resource_missing', `No such event: '${eventId}'`, 404);
    await this.deliver(eventId, String(snap.get('payload')));
  }

  // ---- the port ----

  async reportUsage(events: readonly MeterEvent[]) {
    const outcomes = await mapBounded(events, 8, async (e) => {
      try {
        await this.createOnce('meterEvents', {
          id: `mev_local_${hash(e.identifier)}`,
          object: 'billing.meter_event',
          event_name: e.eventName,
          identifier: e.identifier,
          payload: { stripe_customer_id: e.customerId, value: String(e.value) },
          timestamp: Math.floor(e.timestamp.getTime() / 1000),
          created: this.seconds(),
          livemode: false,
        });
        return { identifier: e.identifier, error: null };
      } catch (err) {
        return { identifier: e.identifier, error: String((err as Error).message ?? err) };
      }
    });
    return {
      reported: outcomes.filter((o) => o.error === null).map((o) => o.identifier),
      failed: outcomes.flatMap((o) => (o.error === null ? [] : [{ identifier: o.identifier, error: o.error }])),
    };
  }

  async createCustomer(input: { wsId: string; name: string }, idempotencyKey: string) {
    const { object, created } = await this.createOnce('customers', {
      id: newId('cus', idempotencyKey),
      object: 'customer',
      name: input.name,
      email: null,
      metadata: { wsId: input.wsId },
      created: this.seconds(),
      livemode: false,
    });
    if (created) await this.emit([{ type: 'customer.created', object }]);
    return toCustomer(object);
  }

  private async planPrice(plan: PaidPlan): Promise<Json> {
    const { object } = await this.createOnce('prices', {
      id: LOCAL_PLAN_PRICES[plan],
      object: 'price',
      active: true,
      currency: 'usd',
      unit_amount: LOCAL_PLAN_AMOUNTS[plan],
      recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed', meter: null },
      lookup_key: `am_plan_${plan}`,
      product: `prod_local_plan_${plan}`,
      nickname: `${plan[0]!.toUpperCase()}${plan.slice(1)} plan`,
      metadata: { plan },
      created: this.seconds(),
      livemode: false,
    });
    return object;
  }

  async createCheckoutSession(input: { wsId: string; customerId: string; plan: PaidPlan; successUrl: string; cancelUrl: string }, idempotencyKey: string) {
    await this.read('customers', input.customerId);
    const price = await this.planPrice(input.plan);
    const id = newId('cs', idempotencyKey);
    const { object } = await this.createOnce(
      'checkoutSessions',
      {
        id,
        object: 'checkout.session',
        mode: 'subscription',
        status: 'open',
        payment_status: 'unpaid',
        customer: input.customerId,
        client_reference_id: input.wsId,
        metadata: { wsId: input.wsId, plan: input.plan },
        subscription: null,
        success_url: input.successUrl,
        cancel_url: input.cancelUrl,
        url: `${this.options.pagesUrl}/checkout/${id}`,
        created: this.seconds(),
        livemode: false,
      },
      // What Stripe keeps of the session's line items and subscription_data (not on the object itself).
      { lineItems: [{ price: price['id'], quantity: 1 }], subscriptionMetadata: { wsId: input.wsId } },
    );
    return toCheckoutSession(object);
  }

  async createPortalSession(input: { customerId: string; returnUrl: string }, idempotencyKey: string) {
    await this.read('customers', input.customerId);
    const id = newId('bps', idempotencyKey);
    const { object } = await this.createOnce('portalSessions', {
      id,
      object: 'billing_portal.session',
      customer: input.customerId,
      return_url: input.returnUrl,
      url: `${this.options.pagesUrl}/portal/${id}`,
      created: this.seconds(),
      livemode: false,
    });
    return { id, url: String(object['url']) };
  }

  async agentPrice(agentId: string, agentName: string, pricing: PaidPricing): Promise<string> {
    const key = agentPriceKey(agentId, pricing);
    let meter: string | null = null;
    if (pricing.model !== 'subscription') {
      const eventName = meterEventName(agentId, pricing.model === 'per_run' ? 'run' : 'units');
      const created = await this.createOnce('meters', {
        id: `mtr_local_${hash(eventName)}`,
        object: 'billing.meter',
        event_name: eventName,
        display_name: `${agentName} (${eventName})`,
        status: 'active',
        default_aggregation: { formula: 'sum' },
        customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
        value_settings: { event_payload_key: 'value' },
        created: this.seconds(),
        livemode: false,
      });
      meter = String(created.object['id']);
    }
    const { object } = await this.createOnce('prices', {
      id: `price_local_${hash(key)}`,
      object: 'price',
      active: true,
      currency: pricing.currency,
      ...(pricing.model === 'per_unit' ? { unit_amount: null, unit_amount_decimal: milliUnitAmountDecimal(pricing.amountCents) } : { unit_amount: pricing.amountCents }),
      recurring: { interval: 'month', interval_count: 1, usage_type: meter ? 'metered' : 'licensed', meter },
      lookup_key: key,
      product: `prod_local_${hash(agentId)}`,
      nickname: agentName,
      metadata: { agentId, model: pricing.model },
      created: this.seconds(),
      livemode: false,
    });
    return String(object['id']);
  }

  async addSubscriptionItem(input: { subscriptionId: string; priceId: string; metadata: Record<string, string> }, idempotencyKey: string) {
    const price = await this.read('prices', input.priceId);
    const itemId = newId('si', idempotencyKey);
    const ref = LocalBillingProvider.ref('subscriptions', input.subscriptionId);
    const changed = await firestore().runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      if (!snap.exists) throw new LocalStripeError('resource_missing', `No such subscription: '${input.subscriptionId}'`, 404);
      const sub = snap.get('object') as Json;
      const items = itemsOf(sub);
      if (items.some((i) => i['id'] === itemId)) return null;
      if (sub['status'] === 'canceled') throw new LocalStripeError('resource_invalid', 'A canceled subscription cannot be changed.');
      const period = periodOf(sub, this.seconds());
      const item = {
        id: itemId,
        object: 'subscription_item',
        price,
        quantity: price['recurring'] && (price['recurring'] as Json)['usage_type'] === 'metered' ? null : 1,
        metadata: input.metadata,
        subscription: sub['id'],
        created: this.seconds(),
        // An item joins the subscription's current cycle (Stripe keeps the period on each item since 2025-03-31).
        current_period_start: period.start,
        current_period_end: period.end,
      };
      const next = withItems(sub, [...items, item]);
      tx.set(ref, { object: next, itemIds: itemsOf(next).map((i) => i['id']) }, { merge: true });
      return next;
    });
    if (changed) await this.emit([{ type: 'customer.subscription.updated', object: changed }]);
    return { id: itemId };
  }

  async removeSubscriptionItem(itemId: string): Promise<void> {
    const found = await firestore().collection(LOCAL_STRIPE_COLLECTION).doc('subscriptions').collection('objects').where('itemIds', 'array-contains', itemId).limit(1).get();
    const doc = found.docs[0];
    if (!doc) return;
    const changed = await firestore().runTransaction(async (tx) => {
      const snap = await tx.get(doc.ref);
      const sub = snap.get('object') as Json;
      const items = itemsOf(sub);
      if (!items.some((i) => i['id'] === itemId)) return null;
      const next = withItems(sub, items.filter((i) => i['id'] !== itemId));
      tx.set(doc.ref, { object: next, itemIds: itemsOf(next).map((i) => i['id']) }, { merge: true });
      return next;
    });
    if (changed) await this.emit([{ type: 'customer.subscription.updated', object: changed }]);
  }

  async createConnectAccount(input: { publisherId: string; email: string | null }, idempotencyKey: string) {
    const { object, created } = await this.createOnce('accounts', {
      id: newId('acct', idempotencyKey),
      object: 'account',
      type: 'express',
      email: input.email,
      metadata: { publisherId: input.publisherId },
      capabilities: { transfers: 'inactive' },
      charges_enabled: false,
      payouts_enabled: false,
      details_submitted: false,
      created: this.seconds(),
      livemode: false,
    });
    if (created) await this.emit([{ type: 'account.updated', object }]);
    return toAccount(object);
  }

  async createAccountLink(input: { accountId: string; refreshUrl: string; returnUrl: string }) {
    await this.read('accounts', input.accountId);
    const id = newId('link');
    const url = `${this.options.pagesUrl}/connect/${id}`;
    await this.write('accountLinks', { id, object: 'account_link', account: input.accountId, url, return_url: input.returnUrl, refresh_url: input.refreshUrl, created: this.seconds(), expires_at: this.seconds() + 300 });
    return { url };
  }

  async createTransfer(input: { amountMinor: number; currency: 'usd'; destination: string; group: string; metadata: Record<string, string> }, idempotencyKey: string) {
    const account = await this.read('accounts', input.destination);
    if (account['payouts_enabled'] !== true) throw new LocalStripeError('account_invalid', `The account ${input.destination} cannot receive transfers yet (onboarding not complete).`);
    const { object, created } = await this.createOnce('transfers', {
      id: newId('tr', idempotencyKey),
      object: 'transfer',
      amount: input.amountMinor,
      currency: input.currency,
      destination: input.destination,
      transfer_group: input.group,
      metadata: input.metadata,
      reversed: false,
      created: this.seconds(),
      livemode: false,
    });
    if (created) await this.emit([{ type: 'transfer.created', object }]);
    return { id: String(object['id']) };
  }

  async findTransfer(group: string) {
    const snap = await LocalBillingProvider.objectsOf('transfers').where('object.transfer_group', '==', group).limit(1).get();
    const first = snap.docs[0];
    return first ? { id: String((first.get('object') as Json)['id']) } : null;
  }

  async retrieveCustomer(id: string) {
    return toCustomer(await this.read('customers', id));
  }

  async retrieveCheckoutSession(id: string) {
    return toCheckoutSession(await this.read('checkoutSessions', id));
  }

  async retrieveSubscription(id: string) {
    return toSubscription(await this.read('subscriptions', id));
  }

  async retrieveInvoice(id: string) {
    const invoice = await this.read('invoices', id);
    const lines = itemsOfList(invoice['lines']);
    const prices = new Map<string, Json>();
    for (const priceId of linePriceIds(lines)) prices.set(priceId, await this.read('prices', priceId));
    return toInvoice(invoice, lines, prices);
  }

  async retrieveCreditNote(id: string) {
    return toCreditNote(await this.read('creditNotes', id));
  }

  async retrieveAccount(id: string) {
    return toAccount(await this.read('accounts', id));
  }

  async retrieveCharge(id: string) {
    return toPaymentRef(await this.read('charges', id));
  }

  async retrieveRefund(id: string) {
    return toPaymentRef(await this.read('refunds', id));
  }

  async invoicesPaidBy(paymentIntentId: string) {
    const snap = await LocalBillingProvider.objectsOf('invoicePayments').where('paymentIntent', '==', paymentIntentId).get();
    return paidInvoiceIds(snap.docs.map((d) => d.get('object') as Json));
  }

  async retrieveInvoiceRefunds(invoiceId: string) {
    const payments = await LocalBillingProvider.objectsOf('invoicePayments').where('invoice', '==', invoiceId).get();
    const refunds: Json[] = [];
    for (const paymentIntent of paidPaymentIntents(payments.docs.map((d) => d.get('object') as Json))) {
      const snap = await LocalBillingProvider.objectsOf('refunds').where('paymentIntent', '==', paymentIntent).get();
      refunds.push(...snap.docs.map((d) => d.get('object') as Json));
    }
    const notes = await LocalBillingProvider.objectsOf('creditNotes').where('invoice', '==', invoiceId).get();
    return toInvoiceRefunds(
      invoiceId,
      refunds,
      notes.docs.map((d) => d.get('object') as Json),
    );
  }

  verifyWebhook(rawBody: Buffer, signature: string | undefined): ProviderEvent {
    return verifyStripeWebhook(rawBody, signature, this.options.webhookSecret());
  }

  // ---- what Stripe's hosted pages and its billing engine do (the localBilling function calls these) ----

  async checkoutView(sessionId: string) {
    const snap = await LocalBillingProvider.ref('checkoutSessions', sessionId).get();
    if (!snap.exists) throw new LocalStripeError('resource_missing', `No such checkout session: '${sessionId}'`, 404);
    const session = snap.get('object') as Json;
    const lines = await Promise.all((snap.get('lineItems') as { price: string }[]).map((l) => this.read('prices', l.price)));
    return { session, lines: lines.map((p) => ({ name: String(p['nickname'] ?? p['id']), amountCents: Number(p['unit_amount'] ?? 0) })) };
  }

  /**
   * The customer pays: the session's subscription starts (active, its first invoice paid), and
   * the events follow as Stripe sends them. Completing a completed session changes nothing.
   */
  async completeCheckout(sessionId: string): Promise<{ redirect: string }> {
    const ref = LocalBillingProvider.ref('checkoutSessions', sessionId);
    const created = this.seconds();
    const done = await firestore().runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      if (!snap.exists) throw new LocalStripeError('resource_missing', `No such checkout session: '${sessionId}'`, 404);
      const session = snap.get('object') as Json;
      if (session['status'] !== 'open') return { session, events: [] };
      const prices = await Promise.all((snap.get('lineItems') as { price: string }[]).map(async (l) => (await tx.get(LocalBillingProvider.ref('prices', l.price))).get('object') as Json));
      const subId = newId('sub', `checkout:${sessionId}`);
      const invoiceId = newId('in', `checkout:${sessionId}`);
      const metadata = (snap.get('subscriptionMetadata') as Json) ?? {};
      const items = prices.map((price) => ({
        id: newId('si', `${subId}:${String(price['id'])}`),
        object: 'subscription_item',
        price,
        quantity: 1,
        metadata: {},
        subscription: subId,
        created,
        current_period_start: created,
        current_period_end: created + PERIOD_SECONDS,
      }));
      const subscription = withItems(
        { id: subId, object: 'subscription', customer: session['customer'], status: 'active', metadata, created, start_date: created, cancel_at_period_end: false, canceled_at: null, ended_at: null, latest_invoice: invoiceId, livemode: false },
        items,
      );
      const invoice = invoiceFor(invoiceId, subscription, 'paid', created, 'subscription_create', licensedLines(subscription, invoiceId, created, created + PERIOD_SECONDS));
      const completed: Json = { ...session, status: 'complete', payment_status: 'paid', subscription: subId };
      tx.set(LocalBillingProvider.ref('subscriptions', subId), { object: subscription, itemIds: items.map((i) => i.id), customer: session['customer'] });
      tx.set(LocalBillingProvider.ref('invoices', invoiceId), { object: invoice, customer: session['customer'], subscription: subId });
      tx.set(ref, { object: completed }, { merge: true });
      return {
        session: completed,
        events: [
          { type: 'customer.subscription.created', object: subscription },
          { type: 'invoice.paid', object: invoice },
          { type: 'checkout.session.completed', object: completed },
        ],
      };
    });
    await this.emit(done.events);
    return { redirect: String(done.session['success_url']) };
  }

  async portalView(portalSessionId: string) {
    const portal = await this.read('portalSessions', portalSessionId);
    const subs = await firestore().collection(LOCAL_STRIPE_COLLECTION).doc('subscriptions').collection('objects').where('customer', '==', portal['customer']).get();
    return {
      returnUrl: String(portal['return_url']),
      customer: String(portal['customer']),
      subscriptions: subs.docs.map((d) => {
        const sub = d.get('object') as Json;
        return { id: String(sub['id']), status: String(sub['status']), items: itemsOf(sub).map((i) => String(((i['price'] as Json)['nickname'] as string | undefined) ?? (i['price'] as Json)['id'])) };
      }),
    };
  }

  /** The portal's actions, for a subscription of the portal session's customer. */
  async portalAction(portalSessionId: string, subscriptionId: string, action: 'cancel' | 'fail-payment' | 'pay' | 'close-period'): Promise<void> {
    const portal = await this.read('portalSessions', portalSessionId);
    const sub = await this.read('subscriptions', subscriptionId);
    if (sub['customer'] !== portal['customer']) throw new LocalStripeError('resource_missing', `No such subscription: '${subscriptionId}'`, 404);
    if (action === 'cancel') return this.cancelSubscription(subscriptionId);
    if (action === 'close-period') return void (await this.closePeriod(subscriptionId));
    if (action === 'fail-payment') return this.failPayment(subscriptionId);
    return this.payOpenInvoices(subscriptionId);
  }

  /** A renewal's payment fails: an open invoice, and the subscription past due (Stripe's default). */
  async failPayment(subscriptionId: string): Promise<void> {
    const ref = LocalBillingProvider.ref('subscriptions', subscriptionId);
    const created = this.seconds();
    const events = await firestore().runTransaction(async (tx) => {
      const sub = (await tx.get(ref)).get('object') as Json;
      if (sub['status'] === 'canceled') throw new LocalStripeError('resource_invalid', 'The subscription is canceled.');
      const id = newId('in');
      const period = periodOf(sub, created);
      const invoice = { ...invoiceFor(id, sub, 'open', created, 'subscription_cycle', licensedLines(sub, id, period.start, period.end)), attempted: true, attempt_count: 1 };
      const next = { ...sub, status: 'past_due', latest_invoice: invoice.id };
      tx.set(LocalBillingProvider.ref('invoices', invoice.id), { object: invoice, customer: sub['customer'], subscription: subscriptionId });
      tx.set(ref, { object: next }, { merge: true });
      return [
        { type: 'invoice.payment_failed', object: invoice },
        { type: 'customer.subscription.updated', object: next },
      ];
    });
    await this.emit(events);
  }

  /** The customer pays what is open: the invoices paid, the subscription active again. */
  async payOpenInvoices(subscriptionId: string): Promise<void> {
    const ref = LocalBillingProvider.ref('subscriptions', subscriptionId);
    const open = await firestore().collection(LOCAL_STRIPE_COLLECTION).doc('invoices').collection('objects').where('subscription', '==', subscriptionId).get();
    const events = await firestore().runTransaction(async (tx) => {
      const invoices = await Promise.all(open.docs.map((d) => tx.get(d.ref)));
      const sub = (await tx.get(ref)).get('object') as Json;
      const out: { type: string; object: Json }[] = [];
      for (const snap of invoices) {
        const invoice = snap.get('object') as Json;
        if (invoice['status'] !== 'open') continue;
        const paid = {
          ...invoice,
          status: 'paid',
          amount_paid: invoice['amount_due'],
          amount_remaining: 0,
          attempt_count: Number(invoice['attempt_count'] ?? 0) + 1,
          status_transitions: { ...((invoice['status_transitions'] as Json | undefined) ?? {}), paid_at: this.seconds() },
        };
        tx.set(snap.ref, { object: paid }, { merge: true });
        out.push({ type: 'invoice.paid', object: paid });
      }
      if (sub['status'] === 'past_due' || sub['status'] === 'unpaid') {
        const next = { ...sub, status: 'active' };
        tx.set(ref, { object: next }, { merge: true });
        out.push({ type: 'customer.subscription.updated', object: next });
      }
      return out;
    });
    await this.emit(events);
  }

  async cancelSubscription(subscriptionId: string): Promise<void> {
    const ref = LocalBillingProvider.ref('subscriptions', subscriptionId);
    const now = this.seconds();
    const canceled = await firestore().runTransaction(async (tx) => {
      const sub = (await tx.get(ref)).get('object') as Json;
      if (sub['status'] === 'canceled') return null;
      const next = { ...sub, status: 'canceled', canceled_at: now, ended_at: now };
      tx.set(ref, { object: next }, { merge: true });
      return next;
    });
    if (canceled) await this.emit([{ type: 'customer.subscription.deleted', object: canceled }]);
  }

  /**
   * Stripe's billing engine at the end of a cycle: the subscription moves to its next period
   * and one invoice bills it, a line per item: licensed items their price × quantity for the
   * period ahead (in advance), metered items the sum of their meter's events for the customer
   * in the period that ended × the price (per unit, or per `unit_amount_decimal`), rounded once,
   * half up. The invoice is created, finalized and paid (or its payment fails: open, the
   * subscription past due), with the events in Stripe's order. Closing the same period again
   * (the same `periodEnd`) answers the same invoice and changes nothing.
   */
  async closePeriod(subscriptionId: string, options: { periodEnd?: Date; outcome?: 'pay' | 'fail' } = {}): Promise<{ invoiceId: string }> {
    const ref = LocalBillingProvider.ref('subscriptions', subscriptionId);
    const sub0 = await this.read('subscriptions', subscriptionId);
    // "Now" in the very second the period began (Close period right after checkout) ends it one second in, as a clock that moved on would.
    const periodEnd = options.periodEnd ? Math.floor(options.periodEnd.getTime() / 1000) : Math.max(this.seconds(), periodOf(sub0, this.seconds()).start + 1);
    const invoiceId = newId('in', `cycle:${subscriptionId}:${periodEnd}`);
    const usage = await this.meteredUsage(sub0, periodEnd);
    const created = this.seconds();
    const events = await firestore().runTransaction(async (tx) => {
      const invoiceRef = LocalBillingProvider.ref('invoices', invoiceId);
      if ((await tx.get(invoiceRef)).exists) return [];
      const sub = (await tx.get(ref)).get('object') as Json;
      if (sub['status'] === 'canceled') throw new LocalStripeError('resource_invalid', 'The subscription is canceled.');
      const { start } = periodOf(sub, created);
      if (periodEnd <= start) throw new LocalStripeError('parameter_invalid', `The period starting ${start} cannot end at ${periodEnd}.`);
      const nextEnd = periodEnd + PERIOD_SECONDS;
      const lines = itemsOf(sub).map((item) => {
        const price = item['price'] as Json;
        const metered = (price['recurring'] as Json | undefined)?.['usage_type'] === 'metered';
        const quantity = metered ? (usage.get(String(item['id'])) ?? 0) : Number(item['quantity'] ?? 1);
        return lineFor(invoiceId, item, metered ? meteredAmount(price, quantity) : Number(price['unit_amount'] ?? 0) * quantity, quantity, metered ? { start, end: periodEnd } : { start: periodEnd, end: nextEnd });
      });
      const renewed = withItems(
        sub,
        itemsOf(sub).map((i) => ({ ...i, current_period_start: periodEnd, current_period_end: nextEnd })),
      );
      const finalized: Json = { ...invoiceFor(invoiceId, sub, 'open', created, 'subscription_cycle', lines), period_start: start, period_end: periodEnd };
      const draft = { ...finalized, status: 'draft', number: null, status_transitions: { finalized_at: null, paid_at: null } };
      const out: { type: string; object: Json }[] = [
        { type: 'customer.subscription.updated', object: renewed },
        { type: 'invoice.created', object: draft },
        { type: 'invoice.finalized', object: finalized },
      ];
      let invoice: Json = finalized;
      let next: Json = { ...renewed, latest_invoice: invoiceId };
      const total = Number(finalized['total']);
      if (options.outcome === 'fail' && total > 0) {
        invoice = { ...finalized, attempted: true, attempt_count: 1 };
        next = { ...next, status: 'past_due' };
        out.push({ type: 'invoice.payment_failed', object: invoice }, { type: 'customer.subscription.updated', object: next });
      } else {
        invoice = { ...finalized, status: 'paid', amount_paid: total, amount_remaining: 0, attempted: total > 0, attempt_count: total > 0 ? 1 : 0, status_transitions: { finalized_at: created, paid_at: created } };
        out.push({ type: 'invoice.paid', object: invoice });
      }
      tx.set(invoiceRef, { object: invoice, customer: sub['customer'], subscription: subscriptionId });
      tx.set(ref, { object: next }, { merge: true });
      return out;
    });
    await this.emit(events);
    return { invoiceId };
  }

  /** Each metered item's usage in the subscription's current period up to `periodEnd`: the sum of its meter's events for the customer. */
  private async meteredUsage(sub: Json, periodEnd: number): Promise<Map<string, number>> {
    const { start } = periodOf(sub, this.seconds());
    const out = new Map<string, number>();
    for (const item of itemsOf(sub)) {
      const recurring = (item['price'] as Json)['recurring'] as Json | undefined;
      if (recurring?.['usage_type'] !== 'metered' || typeof recurring['meter'] !== 'string') continue;
      const meter = await this.read('meters', recurring['meter']);
      const events = await firestore()
        .collection(LOCAL_STRIPE_COLLECTION)
        .doc('meterEvents')
        .collection('objects')
        .where('object.event_name', '==', meter['event_name'])
        .where('object.payload.stripe_customer_id', '==', sub['customer'])
        .get();
      let total = 0;
      for (const d of events.docs) {
        const e = d.get('object') as Json;
        const at = Number(e['timestamp']);
        if (at >= start && at < periodEnd) total += Number((e['payload'] as Json)['value']);
      }
      out.set(String(item['id']), total);
    }
    return out;
  }

  /**
   * A credit note on a paid invoice (a refund or credit after payment): by default every line in
   * full, else the lines and amounts given. Emits `credit_note.created`. A repeated idempotency
   * key answers the first credit note.
   */
  async createCreditNote(
    invoiceId: string,
    options: { lines?: { invoiceLineId: string; amountMinor: number }[]; refunds?: { refundId: string; amountMinor: number }[]; reason?: string; idempotencyKey?: string } = {},
  ): Promise<{ id: string }> {
    const invoiceRef = LocalBillingProvider.ref('invoices', invoiceId);
    const id = newId('cn', options.idempotencyKey);
    const created = this.seconds();
    const note = await firestore().runTransaction(async (tx) => {
      const noteRef = LocalBillingProvider.ref('creditNotes', id);
      if ((await tx.get(noteRef)).exists) return null;
      const invoice = (await tx.get(invoiceRef)).get('object') as Json | undefined;
      if (!invoice) throw new LocalStripeError('resource_missing', `No such invoice: '${invoiceId}'`, 404);
      if (invoice['status'] !== 'paid') throw new LocalStripeError('invoice_not_paid', 'This stand-in issues credit notes on paid invoices only.');
      const refunds = await this.linkedRefunds(tx, invoiceId, options.refunds ?? []);
      const invoiceLines = itemsOfList(invoice['lines']);
      const wanted = options.lines ?? invoiceLines.filter((l) => Number(l['amount']) > 0).map((l) => ({ invoiceLineId: String(l['id']), amountMinor: Number(l['amount']) }));
      const lines = wanted.map((w, i) => {
        const line = invoiceLines.find((l) => l['id'] === w.invoiceLineId);
        if (!line) throw new LocalStripeError('resource_missing', `No such invoice line: '${w.invoiceLineId}'`, 404);
        return { id: `cnli_local_${hash(`${id}:${i}`)}`, object: 'credit_note_line_item', type: 'invoice_line_item', invoice_line_item: w.invoiceLineId, amount: w.amountMinor, quantity: line['quantity'], description: line['description'], livemode: false };
      });
      const total = lines.reduce((n, l) => n + l.amount, 0);
      const credited = Number(invoice['post_payment_credit_notes_amount'] ?? 0) + total;
      if (credited > Number(invoice['amount_paid'] ?? 0)) throw new LocalStripeError('parameter_invalid', 'A credit note cannot take back more than was paid.');
      if (refunds.reduce((n, r) => n + r.amount_refunded, 0) > total) throw new LocalStripeError('parameter_invalid', 'The refunds a credit note links cannot add up to more than its total.');
      const object = {
        id,
        object: 'credit_note',
        invoice: invoiceId,
        customer: invoice['customer'],
        currency: 'usd',
        status: 'issued',
        type: 'post_payment',
        reason: options.reason ?? 'order_change',
        amount: total,
        total,
        number: `${String(invoice['number'])}-CN-${hash(id).slice(0, 4).toUpperCase()}`,
        lines: { object: 'list', data: lines, has_more: false, url: `/v1/credit_notes/${id}/lines` },
        refunds,
        pre_payment_amount: 0,
        post_payment_amount: total,
        voided_at: null,
        created,
        livemode: false,
      };
      tx.create(noteRef, { object, customer: invoice['customer'], invoice: invoiceId });
      tx.set(invoiceRef, { object: { ...invoice, post_payment_credit_notes_amount: credited } }, { merge: true });
      return object;
    });
    if (note) await this.emit([{ type: 'credit_note.created', object: note }]);
    return { id };
  }

  /**
   * The existing refunds a new credit note links (Stripe's `refunds[]`): each must be a refund of
   * the invoice's payment, and no refund is linked for more than it refunded across the invoice's
   * issued notes. Read inside the note's transaction.
   */
  private async linkedRefunds(tx: Transaction, invoiceId: string, wanted: readonly { refundId: string; amountMinor: number }[]): Promise<{ type: 'refund'; refund: string; amount_refunded: number; payment_record_refund: null }[]> {
    if (wanted.length === 0) return [];
    const notes = await tx.get(LocalBillingProvider.objectsOf('creditNotes').where('invoice', '==', invoiceId));
    const linked = new Map<string, number>();
    for (const d of notes.docs) {
      const other = d.get('object') as Json;
      if (other['status'] !== 'issued') continue;
      for (const r of (other['refunds'] as Json[] | undefined) ?? []) linked.set(String(r['refund']), (linked.get(String(r['refund'])) ?? 0) + Number(r['amount_refunded']));
    }
    const paymentIntent = newId('pi', `invoice:${invoiceId}`);
    const out: { type: 'refund'; refund: string; amount_refunded: number; payment_record_refund: null }[] = [];
    for (const w of wanted) {
      const refund = (await tx.get(LocalBillingProvider.ref('refunds', w.refundId))).get('object') as Json | undefined;
      if (!refund || refund['payment_intent'] !== paymentIntent) throw new LocalStripeError('resource_missing', `No such refund of invoice ${invoiceId}: '${w.refundId}'`, 404);
      if (!Number.isSafeInteger(w.amountMinor) || w.amountMinor <= 0 || (linked.get(w.refundId) ?? 0) + w.amountMinor > Number(refund['amount'])) {
        throw new LocalStripeError('parameter_invalid', `Refund ${w.refundId} cannot be linked for ${w.amountMinor}: more than is left of it.`);
      }
      linked.set(w.refundId, (linked.get(w.refundId) ?? 0) + w.amountMinor);
      out.push({ type: 'refund', refund: w.refundId, amount_refunded: w.amountMinor, payment_record_refund: null });
    }
    return out;
  }

  /**
   * Voids a credit note (`credit_note.voided`): it no longer credits its invoice. A refund it made
   * or linked is not taken back (at Stripe neither). Voiding a void note changes nothing.
   */
  async voidCreditNote(creditNoteId: string): Promise<void> {
    const noteRef = LocalBillingProvider.ref('creditNotes', creditNoteId);
    const voided = this.seconds();
    const note = await firestore().runTransaction(async (tx) => {
      const found = (await tx.get(noteRef)).get('object') as Json | undefined;
      if (!found) throw new LocalStripeError('resource_missing', `No such credit note: '${creditNoteId}'`, 404);
      if (found['status'] === 'void') return null;
      const invoiceRef = LocalBillingProvider.ref('invoices', String(found['invoice']));
      const invoice = (await tx.get(invoiceRef)).get('object') as Json;
      const next = { ...found, status: 'void', voided_at: voided };
      tx.set(noteRef, { object: next }, { merge: true });
      tx.set(invoiceRef, { object: { ...invoice, post_payment_credit_notes_amount: Number(invoice['post_payment_credit_notes_amount'] ?? 0) - Number(found['total'] ?? 0) } }, { merge: true });
      return next;
    });
    if (note) await this.emit([{ type: 'credit_note.voided', object: note }]);
  }

  /**
   * A refund on a paid invoice's payment without a credit note (what the Dashboard or the Refund
   * API on the invoice's PaymentIntent does): the charge's `amount_refunded` grows, the invoice
   * does not change. The payment (PaymentIntent, Charge, InvoicePayment, ids fixed by the
   * invoice) is recorded at the first refund. Emits `charge.refunded`, then `refund.created`. A
   * repeated idempotency key answers the first refund.
   */
  async refundInvoice(invoiceId: string, amountMinor: number, options: { idempotencyKey?: string; reason?: string } = {}): Promise<{ id: string; chargeId: string; paymentIntentId: string }> {
    const id = newId('re', options.idempotencyKey);
    const paymentIntentId = newId('pi', `invoice:${invoiceId}`);
    const chargeId = newId('ch', `invoice:${invoiceId}`);
    const paymentId = newId('inpay', `invoice:${invoiceId}`);
    const now = this.seconds();
    const events = await firestore().runTransaction(async (tx) => {
      const refundRef = LocalBillingProvider.ref('refunds', id);
      const [refundSnap, invoiceSnap, chargeSnap] = await Promise.all([tx.get(refundRef), tx.get(LocalBillingProvider.ref('invoices', invoiceId)), tx.get(LocalBillingProvider.ref('charges', chargeId))]);
      if (refundSnap.exists) return [];
      const invoice = invoiceSnap.get('object') as Json | undefined;
      if (!invoice) throw new LocalStripeError('resource_missing', `No such invoice: '${invoiceId}'`, 404);
      const paid = Number(invoice['amount_paid'] ?? 0);
      if (invoice['status'] !== 'paid' || paid <= 0) throw new LocalStripeError('invoice_not_paid', 'Only a paid invoice has a payment to refund.');
      const paidAt = Number((invoice['status_transitions'] as Json | undefined)?.['paid_at'] ?? now);
      const customer = invoice['customer'];
      const charge = (chargeSnap.get('object') as Json | undefined) ?? {
        id: chargeId,
        object: 'charge',
        amount: paid,
        amount_captured: paid,
        amount_refunded: 0,
        captured: true,
        currency: 'usd',
        customer,
        paid: true,
        payment_intent: paymentIntentId,
        refunded: false,
        status: 'succeeded',
        metadata: {},
        created: paidAt,
        livemode: false,
      };
      if (!chargeSnap.exists) {
        tx.set(LocalBillingProvider.ref('paymentIntents', paymentIntentId), {
          object: { id: paymentIntentId, object: 'payment_intent', amount: paid, amount_received: paid, currency: 'usd', customer, latest_charge: chargeId, status: 'succeeded', metadata: {}, created: paidAt, livemode: false },
          customer,
        });
        tx.set(LocalBillingProvider.ref('invoicePayments', paymentId), {
          object: {
            id: paymentId,
            object: 'invoice_payment',
            invoice: invoiceId,
            amount_paid: paid,
            amount_requested: paid,
            currency: 'usd',
            is_default: true,
            payment: { type: 'payment_intent', payment_intent: paymentIntentId },
            status: 'paid',
            status_transitions: { paid_at: paidAt, canceled_at: null },
            created: paidAt,
            livemode: false,
          },
          invoice: invoiceId,
          paymentIntent: paymentIntentId,
        });
      }
      const left = Number(charge['amount']) - Number(charge['amount_refunded']);
      if (left <= 0) throw new LocalStripeError('charge_already_refunded', `Charge ${chargeId} has already been refunded.`);
      if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0 || amountMinor > left) throw new LocalStripeError('amount_too_large', `Refund amount (${amountMinor}) must be between 1 and the unrefunded amount on the charge (${left}).`);
      const refund = {
        id,
        object: 'refund',
        amount: amountMinor,
        charge: chargeId,
        payment_intent: paymentIntentId,
        currency: 'usd',
        customer,
        reason: options.reason ?? 'requested_by_customer',
        status: 'succeeded',
        metadata: {},
        created: now,
      };
      const refundedTotal = Number(charge['amount_refunded']) + amountMinor;
      const nextCharge = { ...charge, amount_refunded: refundedTotal, refunded: refundedTotal === Number(charge['amount']) };
      tx.set(refundRef, { object: refund, customer, paymentIntent: paymentIntentId });
      tx.set(LocalBillingProvider.ref('charges', chargeId), { object: nextCharge, customer, paymentIntent: paymentIntentId });
      return [
        { type: 'charge.refunded', object: nextCharge },
        { type: 'refund.created', object: refund },
      ];
    });
    await this.emit(events);
    return { id, chargeId, paymentIntentId };
  }

  async onboardingView(linkId: string) {
    const link = await this.read('accountLinks', linkId);
    return { accountId: String(link['account']), returnUrl: String(link['return_url']) };
  }

  /** The publisher submits their details: the account can take transfers and pay out. */
  async completeOnboarding(linkId: string): Promise<{ redirect: string }> {
    const link = await this.read('accountLinks', linkId);
    const ref = LocalBillingProvider.ref('accounts', String(link['account']));
    const updated = await firestore().runTransaction(async (tx) => {
      const account = (await tx.get(ref)).get('object') as Json;
      if (account['details_submitted'] === true) return null;
      const next = { ...account, details_submitted: true, charges_enabled: true, payouts_enabled: true, capabilities: { transfers: 'active' } };
      tx.set(ref, { object: next }, { merge: true });
      return next;
    });
    if (updated) await this.emit([{ type: 'account.updated', object: updated }]);
    return { redirect: String(link['return_url']) };
  }
}

const itemsOf = (sub: Json): Json[] => ((sub['items'] as Json | undefined)?.['data'] as Json[] | undefined) ?? [];
const itemsOfList = (list: unknown): Json[] => ((list as Json | undefined)?.['data'] as Json[] | undefined) ?? [];

/** The stand-in's billing cycle: 30 days. */
const PERIOD_SECONDS = 30 * 86_400;

/** The subscription's current period (on its items since API version 2025-03-31; a subscription without items starts now). */
function periodOf(sub: Json, now: number): { start: number; end: number } {
  const item = itemsOf(sub).find((i) => typeof i['current_period_start'] === 'number');
  if (item) return { start: Number(item['current_period_start']), end: Number(item['current_period_end']) };
  const start = Number(sub['start_date'] ?? sub['created'] ?? now);
  return { start, end: start + PERIOD_SECONDS };
}

/** A metered price's amount for a quantity: per unit (`unit_amount`), or per `unit_amount_decimal` cents exactly, rounded once, half up. */
function meteredAmount(price: Json, quantity: number): number {
  const decimal = price['unit_amount_decimal'];
  if (typeof decimal !== 'string') return Number(price['unit_amount'] ?? 0) * quantity;
  const [whole = '0', frac = ''] = decimal.split('.');
  const denominator = 10 ** frac.length;
  return mulDiv(quantity, Number(whole) * denominator + Number(frac || '0'), denominator);
}

/** An invoice line for a subscription item (API version 2025-03-31 shape). */
function lineFor(invoiceId: string, item: Json, amount: number, quantity: number, period: { start: number; end: number }): Json {
  const price = item['price'] as Json;
  return {
    id: `il_local_${hash(`${invoiceId}:${String(item['id'])}`)}`,
    object: 'line_item',
    invoice: invoiceId,
    amount,
    currency: 'usd',
    description: `${quantity} × ${String(price['nickname'] ?? price['id'])}`,
    quantity,
    metadata: (item['metadata'] as Json | undefined) ?? {},
    period,
    pricing: { type: 'price_details', price_details: { price: price['id'], product: price['product'] }, unit_amount_decimal: price['unit_amount_decimal'] ?? String(price['unit_amount'] ?? 0) },
    parent: { type: 'subscription_item_details', subscription_item_details: { subscription: item['subscription'], subscription_item: item['id'], proration: false, invoice_item: null } },
    livemode: false,
  };
}

/** Lines for the subscription's licensed items (what a payment at checkout or a renewal bills in advance). */
function licensedLines(sub: Json, invoiceId: string, start: number, end: number): Json[] {
  return itemsOf(sub)
    .filter((i) => ((i['price'] as Json)['recurring'] as Json | undefined)?.['usage_type'] !== 'metered')
    .map((i) => {
      const quantity = Number(i['quantity'] ?? 1);
      return lineFor(invoiceId, i, Number((i['price'] as Json)['unit_amount'] ?? 0) * quantity, quantity, { start, end });
    });
}
const withItems = (sub: Json, items: Json[]): Json => ({ ...sub, items: { object: 'list', data: items, has_more: false, url: `/v1/subscription_items?subscription=${String(sub['id'])}` } });

function invoiceFor(id: string, sub: Json, status: 'draft' | 'open' | 'paid', created: number, reason: string, lines: Json[]): Json & { id: string } {
  const amount = lines.reduce((n, l) => n + Number(l['amount']), 0);
  const period = periodOf(sub, created);
  return {
    id,
    object: 'invoice',
    customer: sub['customer'],
    status,
    number: status === 'draft' ? null : `LOCAL-${hash(id).slice(0, 8).toUpperCase()}`,
    billing_reason: reason,
    currency: 'usd',
    subtotal: amount,
    total: amount,
    amount_due: amount,
    amount_paid: status === 'paid' ? amount : 0,
    amount_remaining: status === 'paid' ? 0 : amount,
    post_payment_credit_notes_amount: 0,
    attempted: status === 'paid',
    attempt_count: status === 'paid' ? 1 : 0,
    period_start: period.start,
    period_end: period.start,
    status_transitions: { finalized_at: status === 'draft' ? null : created, paid_at: status === 'paid' ? created : null },
    lines: { object: 'list', data: lines, has_more: false, url: `/v1/invoices/${id}/lines` },
    parent: { type: 'subscription_details', subscription_details: { subscription: sub['id'], metadata: sub['metadata'] ?? {} }, quote_details: null },
    created,
    livemode: false,
  };
}
