import Stripe from 'stripe';
import type { PaidPlan } from '@agent-marketplace/contract/billingAccount';
import type { BillingProvider, MeterEvent, ProviderEvent } from '../../app/billing/ports.js';
import { agentPriceKey, meterEventName, milliUnitAmountDecimal, type PaidPricing } from '../../domain/billingCatalog.js';
import { mapBounded } from './concurrency.js';
import { linePriceIds, paidInvoiceIds, paidPaymentIntents, toAccount, toCheckoutSession, toCreditNote, toCustomer, toInvoice, toInvoiceRefunds, toPaymentRef, toSubscription } from './stripeObjects.js';
import { verifyStripeWebhook } from './webhookVerifier.js';

export interface StripeProviderOptions {
  /** Read at first use: only functions bound to the secret ever call Stripe. */
  apiKey: () => string;
  webhookSecret: () => string;
  planPrices: Readonly<Record<PaidPlan, string>>;
  /** Where the SDK sends requests (the contract tests point it at a recording server). */
  client?: { host: string; port: number; protocol: 'http' | 'https' };
  maxNetworkRetries?: number;
  /** Meter events in flight at once (Stripe takes 1,000/s; its API 100 requests/s live). */
  meterConcurrency?: number;
}

type Json = Record<string, unknown>;

/** A Stripe resource as plain JSON (without the SDK's `lastResponse`). */
const plain = (o: unknown): Json => {
  const { lastResponse: _ignored, ...rest } = o as Json;
  return rest;
};

const errorText = (err: unknown) => {
  const e = err as { code?: string; message?: string };
  return e.code ? `${e.code}: ${e.message ?? ''}` : String(e.message ?? err);
};

/** The billing provider in production: Stripe, through its SDK. docs/billing.md. */
export class StripeBillingProvider implements BillingProvider {
  readonly planPrices: Readonly<Record<PaidPlan, string>>;
  private stripe: Stripe | undefined;
  private readonly prices = new Map<string, Promise<string>>();

  constructor(private readonly options: StripeProviderOptions) {
    this.planPrices = options.planPrices;
  }

  private api(): Stripe {
    if (!this.stripe) {
      const key = this.options.apiKey();
      if (!key) throw new Error('STRIPE_SECRET_KEY is not set');
      this.stripe = new Stripe(key, { maxNetworkRetries: this.options.maxNetworkRetries ?? 2, ...(this.options.client ?? {}) });
    }
    return this.stripe;
  }

  async reportUsage(events: readonly MeterEvent[]) {
    const outcomes = await mapBounded(events, this.options.meterConcurrency ?? 8, async (e) => {
      try {
        await this.api().billing.meterEvents.create(
          {
            event_name: e.eventName,
            identifier: e.identifier,
            timestamp: Math.floor(e.timestamp.getTime() / 1000),
            payload: { stripe_customer_id: e.customerId, value: String(e.value) },
          },
          { idempotencyKey: e.identifier },
        );
        return { identifier: e.identifier, error: null };
      } catch (err) {
        return { identifier: e.identifier, error: errorText(err) };
      }
    });
    return {
      reported: outcomes.filter((o) => o.error === null).map((o) => o.identifier),
      failed: outcomes.flatMap((o) => (o.error === null ? [] : [{ identifier: o.identifier, error: o.error }])),
    };
  }

  async createCustomer(input: { wsId: string; name: string }, idempotencyKey: string) {
    return toCustomer(plain(await this.api().customers.create({ name: input.name, metadata: { wsId: input.wsId } }, { idempotencyKey })));
  }

  async createCheckoutSession(input: { wsId: string; customerId: string; plan: PaidPlan; successUrl: string; cancelUrl: string }, idempotencyKey: string) {
    const session = await this.api().checkout.sessions.create(
      {
        mode: 'subscription',
        customer: input.customerId,
        client_reference_id: input.wsId,
        line_items: [{ price: this.planPrices[input.plan], quantity: 1 }],
        success_url: input.successUrl,
        cancel_url: input.cancelUrl,
        metadata: { wsId: input.wsId, plan: input.plan },
        subscription_data: { metadata: { wsId: input.wsId } },
      },
      { idempotencyKey },
    );
    return toCheckoutSession(plain(session));
  }

  async createPortalSession(input: { customerId: string; returnUrl: string }, idempotencyKey: string) {
    const session = await this.api().billingPortal.sessions.create({ customer: input.customerId, return_url: input.returnUrl }, { idempotencyKey });
    return { id: session.id, url: session.url };
  }

  agentPrice(agentId: string, agentName: string, pricing: PaidPricing): Promise<string> {
    const key = agentPriceKey(agentId, pricing);
    let found = this.prices.get(key);
    if (!found) {
      found = this.findOrCreatePrice(key, agentId, agentName, pricing);
      found.catch(() => this.prices.delete(key));
      this.prices.set(key, found);
    }
    return found;
  }

  private async findOrCreatePrice(key: string, agentId: string, agentName: string, pricing: PaidPricing): Promise<string> {
    const existing = await this.api().prices.list({ lookup_keys: [key], limit: 1 });
    if (existing.data[0]) return existing.data[0].id;
    const amount = pricing.model === 'per_unit' ? { unit_amount_decimal: Stripe.Decimal.from(milliUnitAmountDecimal(pricing.amountCents)) } : { unit_amount: pricing.amountCents };
    const recurring: Stripe.PriceCreateParams.Recurring =
      pricing.model === 'subscription' ? { interval: 'month' } : { interval: 'month', usage_type: 'metered', meter: await this.meterFor(meterEventName(agentId, pricing.model === 'per_run' ? 'run' : 'units'), agentName) };
    const price = await this.api().prices.create(
      { currency: pricing.currency, ...amount, recurring, lookup_key: key, product_data: { name: agentName, metadata: { agentId } }, metadata: { agentId, model: pricing.model } },
      { idempotencyKey: `price:${key}` },
    );
    return price.id;
  }

  private async meterFor(eventName: string, agentName: string): Promise<string> {
    for await (const meter of this.api().billing.meters.list({ status: 'active', limit: 100 })) {
      if (meter.event_name === eventName) return meter.id;
    }
    const meter = await this.api().billing.meters.create(
      {
        display_name: `${agentName} (${eventName})`,
        event_name: eventName,
        default_aggregation: { formula: 'sum' },
        customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
        value_settings: { event_payload_key: 'value' },
      },
      { idempotencyKey: `meter:${eventName}` },
    );
    return meter.id;
  }

  async addSubscriptionItem(input: { subscriptionId: string; priceId: string; metadata: Record<string, string> }, idempotencyKey: string) {
    const item = await this.api().subscriptionItems.create({ subscription: input.subscriptionId, price: input.priceId, metadata: input.metadata }, { idempotencyKey });
    return { id: item.id };
  }

  async removeSubscriptionItem(itemId: string): Promise<void> {
    try {
      await this.api().subscriptionItems.del(itemId);
    } catch (err) {
      if ((err as { code?: string }).code !== 'resource_missing') throw err;
    }
  }

  async createConnectAccount(input: { publisherId: string; email: string | null }, idempotencyKey: string) {
    const account = await this.api().accounts.create(
      { type: 'express', ...(input.email ? { email: input.email } : {}), capabilities: { transfers: { requested: true } }, metadata: { publisherId: input.publisherId } },
      { idempotencyKey },
    );
    return toAccount(plain(account));
  }

  async createAccountLink(input: { accountId: string; refreshUrl: string; returnUrl: string }) {
    // A link is short-lived and single-use: a retry should get a fresh one, so no idempotency key.
    const link = await this.api().accountLinks.create({ account: input.accountId, refresh_url: input.refreshUrl, return_url: input.returnUrl, type: 'account_onboarding' });
    return { url: link.url };
  }

  async createTransfer(input: { amountMinor: number; currency: 'usd'; destination: string; group: string; metadata: Record<string, string> }, idempotencyKey: string) {
    const transfer = await this.api().transfers.create(
      { amount: input.amountMinor, currency: input.currency, destination: input.destination, transfer_group: input.group, metadata: input.metadata },
      { idempotencyKey },
    );
    return { id: transfer.id };
  }

  async findTransfer(group: string) {
    const found = await this.api().transfers.list({ transfer_group: group, limit: 1 });
    const first = found.data[0];
    return first ? { id: first.id } : null;
  }

  async retrieveCustomer(id: string) {
    return toCustomer(plain(await this.api().customers.retrieve(id)));
  }

  async retrieveCheckoutSession(id: string) {
    return toCheckoutSession(plain(await this.api().checkout.sessions.retrieve(id)));
  }

  async retrieveSubscription(id: string) {
    return toSubscription(plain(await this.api().subscriptions.retrieve(id)));
  }

  /** The invoice with all its lines (the object carries the first ten) and each line's price, for its metadata. */
  async retrieveInvoice(id: string) {
    const invoice = plain(await this.api().invoices.retrieve(id));
    const inline = invoice['lines'] as { data?: Json[]; has_more?: boolean } | undefined;
    let lines = inline?.data ?? [];
    if (inline?.has_more) {
      lines = [];
      for await (const line of this.api().invoices.listLineItems(id, { limit: 100 })) lines.push(plain(line));
    }
    const prices = new Map<string, Json>();
    for (const priceId of linePriceIds(lines)) prices.set(priceId, await this.priceObject(priceId));
    return toInvoice(invoice, lines, prices);
  }

  private readonly priceObjects = new Map<string, Promise<Json>>();
  /** A price as JSON; cached per instance (what we read of a price, its metadata and usage type, never changes). */
  private priceObject(priceId: string): Promise<Json> {
    let found = this.priceObjects.get(priceId);
    if (!found) {
      found = this.api().prices.retrieve(priceId).then(plain);
      found.catch(() => this.priceObjects.delete(priceId));
      this.priceObjects.set(priceId, found);
    }
    return found;
  }

  async retrieveCreditNote(id: string) {
    const note = plain(await this.api().creditNotes.retrieve(id));
    const inline = note['lines'] as { data?: Json[]; has_more?: boolean } | undefined;
    let lines = inline?.data ?? [];
    if (inline?.has_more) {
      lines = [];
      for await (const line of this.api().creditNotes.listLineItems(id, { limit: 100 })) lines.push(plain(line));
    }
    return toCreditNote(note, lines);
  }

  async retrieveCharge(id: string) {
    return toPaymentRef(plain(await this.api().charges.retrieve(id)));
  }

  /** A refund names its payment intent; one made on a bare charge names it through the charge. */
  async retrieveRefund(id: string) {
    const refund = plain(await this.api().refunds.retrieve(id));
    const chargeId = typeof refund['charge'] === 'string' ? refund['charge'] : null;
    const charge = !refund['payment_intent'] && chargeId ? plain(await this.api().charges.retrieve(chargeId)) : undefined;
    return toPaymentRef(refund, charge);
  }

  /** Since API version 2025-03-31 a charge no longer names its invoice: the invoice payments of its payment intent do. */
  async invoicesPaidBy(paymentIntentId: string) {
    const payments: Json[] = [];
    for await (const p of this.api().invoicePayments.list({ payment: { type: 'payment_intent', payment_intent: paymentIntentId }, limit: 100 })) payments.push(plain(p));
    return paidInvoiceIds(payments);
  }

  async retrieveInvoiceRefunds(invoiceId: string) {
    const payments: Json[] = [];
    for await (const p of this.api().invoicePayments.list({ invoice: invoiceId, limit: 100 })) payments.push(plain(p));
    const refunds: Json[] = [];
    for (const paymentIntent of paidPaymentIntents(payments)) {
      for await (const r of this.api().refunds.list({ payment_intent: paymentIntent, limit: 100 })) refunds.push(plain(r));
    }
    const notes: Json[] = [];
    for await (const n of this.api().creditNotes.list({ invoice: invoiceId, limit: 100 })) notes.push(plain(n));
    return toInvoiceRefunds(invoiceId, refunds, notes);
  }

  async retrieveAccount(id: string) {
    return toAccount(plain(await this.api().accounts.retrieve(id)));
  }

  verifyWebhook(rawBody: Buffer, signature: string | undefined): ProviderEvent {
    return verifyStripeWebhook(rawBody, signature, this.options.webhookSecret());
  }
}
