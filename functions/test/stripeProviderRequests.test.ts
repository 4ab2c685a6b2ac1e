import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StripeBillingProvider } from '../src/adapters/billing/stripeProvider.ts';
import { checkPaymentStanding, planOf, standingOf, subscriptionApplies } from '../src/domain/billingAccount.ts';
import { agentPriceKey, milliUnitAmountDecimal } from '../src/domain/billingCatalog.ts';
import { AppError } from '../src/domain/errors.ts';

/**
 * Contract tests of the Stripe adapter: the real stripe SDK sends its requests to a local server
 * that records them and answers like Stripe; each call's method, path, form body and
 * Idempotency-Key are asserted.
 */
interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  form: Record<string, string>;
  idempotencyKey: string | undefined;
  authorization: string | undefined;
}

const recorded: Recorded[] = [];
let server: Server;
let port = 0;

const list = (data: unknown[], url: string) => ({ object: 'list', data, has_more: false, url });
const stripeError = (status: number, code: string) => ({ status, body: { error: { type: 'invalid_request_error', code, message: code } } });

/** Stripe's answer to each request the adapter makes. */
function answer(r: Recorded): { status: number; body: unknown } {
  const ok = (body: unknown) => ({ status: 200, body });
  const route = `${r.method} ${r.path}`;
  switch (route) {
    case 'POST /v1/customers':
      return ok({ id: 'cus_1', object: 'customer', metadata: { wsId: r.form['metadata[wsId]'] } });
    case 'POST /v1/checkout/sessions':
      return ok({ id: 'cs_1', object: 'checkout.session', url: 'https://checkout.stripe.com/c/pay/cs_1', status: 'open', customer: 'cus_1', subscription: null, metadata: {} });
    case 'POST /v1/billing_portal/sessions':
      return ok({ id: 'bps_1', object: 'billing_portal.session', url: 'https://billing.stripe.com/p/session/bps_1' });
    case 'GET /v1/prices':
      return ok(list([], '/v1/prices'));
    case 'GET /v1/billing/meters':
      return ok(list([{ id: 'mtr_other', object: 'billing.meter', event_name: 'am_runs_other' }], '/v1/billing/meters'));
    case 'POST /v1/billing/meters':
      return ok({ id: 'mtr_1', object: 'billing.meter', event_name: r.form['event_name'] });
    case 'POST /v1/prices':
      return ok({ id: `price_${recorded.filter((x) => x.path === '/v1/prices' && x.method === 'POST').length}`, object: 'price' });
    case 'POST /v1/subscription_items':
      return ok({ id: 'si_1', object: 'subscription_item' });
    case 'DELETE /v1/subscription_items/si_1':
      return ok({ id: 'si_1', object: 'subscription_item', deleted: true });
    case 'DELETE /v1/subscription_items/si_gone':
      return stripeError(404, 'resource_missing');
    case 'POST /v1/accounts':
      return ok({ id: 'acct_1', object: 'account', charges_enabled: false, payouts_enabled: false, details_submitted: false, metadata: { publisherId: 'pub1' } });
    case 'POST /v1/account_links':
      return ok({ object: 'account_link', url: 'https://connect.stripe.com/setup/e/acct_1/x' });
    case 'POST /v1/transfers':
      return ok({ id: 'tr_1', object: 'transfer', transfer_group: r.form['transfer_group'] ?? null });
    case 'GET /v1/transfers':
      return ok(list(r.query['transfer_group'] === 'po_made' ? [{ id: 'tr_made', object: 'transfer', transfer_group: 'po_made' }] : [], '/v1/transfers'));
    case 'POST /v1/billing/meter_events':
      return r.form['identifier'] === 'usage:bad' ? stripeError(400, 'parameter_invalid') : ok({ object: 'billing.meter_event', identifier: r.form['identifier'] });
    case 'GET /v1/subscriptions/sub_1':
      return ok({
        id: 'sub_1',
        object: 'subscription',
        customer: 'cus_1',
        status: 'past_due',
        created: 1_800_000_000,
        metadata: { wsId: 'ws1' },
        items: list([{ id: 'si_plan', object: 'subscription_item', price: { id: 'price_team', object: 'price' }, metadata: {} }], '/v1/subscription_items'),
      });
    case 'GET /v1/invoices/in_1':
      return ok({ id: 'in_1', object: 'invoice', customer: 'cus_1', status: 'open', created: 1_800_000_100, metadata: {}, parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_1' } } });
    case 'GET /v1/invoices/in_2':
      return ok({
        id: 'in_2', object: 'invoice', customer: 'cus_1', status: 'paid', number: 'ABC-0002', created: 1_800_000_200, total: 768, amount_paid: 768, post_payment_credit_notes_amount: 0,
        period_start: 1_797_000_000, period_end: 1_800_000_000, status_transitions: { paid_at: 1_800_000_300 }, metadata: {},
        parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_1' } },
        lines: { object: 'list', data: [], has_more: true, url: '/v1/invoices/in_2/lines' },
      });
    case 'GET /v1/invoices/in_2/lines':
      return ok(list([
        { id: 'il_1', object: 'line_item', amount: 750, quantity: 3, description: '3 × Probe', metadata: {}, period: { start: 1_797_000_000, end: 1_800_000_000 }, pricing: { type: 'price_details', price_details: { price: 'price_run', product: 'prod_1' } }, parent: { type: 'subscription_item_details', subscription_item_details: { subscription_item: 'si_run', subscription: 'sub_1' } } },
        { id: 'il_2', object: 'line_item', amount: 18, quantity: 2500, description: 'Tally', metadata: { installId: 'i2' }, period: { start: 1_797_000_000, end: 1_800_000_000 }, pricing: { type: 'price_details', price_details: { price: 'price_unit', product: 'prod_2' } }, parent: null },
      ], '/v1/invoices/in_2/lines'));
    case 'GET /v1/prices/price_run':
      return ok({ id: 'price_run', object: 'price', recurring: { usage_type: 'metered' }, metadata: { agentId: 'probe', model: 'per_run' } });
    case 'GET /v1/prices/price_unit':
      return ok({ id: 'price_unit', object: 'price', recurring: { usage_type: 'metered' }, metadata: { agentId: 'tally', model: 'per_unit' } });
    case 'GET /v1/credit_notes/cn_1':
      return ok({ id: 'cn_1', object: 'credit_note', invoice: 'in_2', customer: 'cus_1', status: 'issued', total: 750, created: 1_800_000_400, lines: list([{ id: 'cnli_1', object: 'credit_note_line_item', type: 'invoice_line_item', invoice_line_item: 'il_1', amount: 750 }], '/v1/credit_notes/cn_1/lines') });
    case 'GET /v1/credit_notes/cn_void':
      return ok({
        id: 'cn_void', object: 'credit_note', invoice: 'in_2', customer: 'cus_1', status: 'void', total: 750, created: 1_800_000_400, voided_at: 1_800_000_900,
        refunds: [{ refund: 're_1', amount_refunded: 500, type: 'refund', payment_record_refund: null }],
        lines: list([{ id: 'cnli_2', object: 'credit_note_line_item', type: 'invoice_line_item', invoice_line_item: 'il_1', amount: 750 }], '/v1/credit_notes/cn_void/lines'),
      });
    case 'GET /v1/charges/ch_1':
      return ok({ id: 'ch_1', object: 'charge', amount: 768, amount_refunded: 300, refunded: false, payment_intent: 'pi_1', customer: 'cus_1' } satisfies Partial<Stripe.Charge>);
    case 'GET /v1/charges/ch_bare':
      return ok({ id: 'ch_bare', object: 'charge', amount: 500, amount_refunded: 500, refunded: true, payment_intent: null } satisfies Partial<Stripe.Charge>);
    case 'GET /v1/refunds/re_1':
      return ok({ id: 're_1', object: 'refund', amount: 300, charge: 'ch_1', payment_intent: 'pi_1', status: 'succeeded' } satisfies Partial<Stripe.Refund>);
    case 'GET /v1/refunds/re_old':
      return ok({ id: 're_old', object: 'refund', amount: 300, charge: 'ch_1', payment_intent: null, status: 'succeeded' } satisfies Partial<Stripe.Refund>);
    case 'GET /v1/refunds/re_bare':
      return ok({ id: 're_bare', object: 'refund', amount: 500, charge: 'ch_bare', payment_intent: null, status: 'succeeded' } satisfies Partial<Stripe.Refund>);
    case 'GET /v1/invoice_payments': {
      const payment = (id: string, invoice: string, status: string, paymentIntent: string) =>
        ({ id, object: 'invoice_payment', invoice, status, amount_paid: status === 'paid' ? 768 : null, amount_requested: 768, payment: { type: 'payment_intent', payment_intent: paymentIntent } }) satisfies Partial<Stripe.InvoicePayment>;
      if (r.query['payment[payment_intent]'] === 'pi_1') return ok(list([payment('inpay_1', 'in_2', 'paid', 'pi_1'), payment('inpay_9', 'in_9', 'open', 'pi_1')], '/v1/invoice_payments'));
      if (r.query['invoice'] === 'in_2') return ok(list([payment('inpay_1', 'in_2', 'paid', 'pi_1'), payment('inpay_0', 'in_2', 'canceled', 'pi_0')], '/v1/invoice_payments'));
      return ok(list([], '/v1/invoice_payments'));
    }
    case 'GET /v1/refunds':
      return ok(list(r.query['payment_intent'] === 'pi_1' ? [
        { id: 're_1', object: 'refund', amount: 300, charge: 'ch_1', payment_intent: 'pi_1', status: 'succeeded' } satisfies Partial<Stripe.Refund>,
        { id: 're_2', object: 'refund', amount: 200, charge: 'ch_1', payment_intent: 'pi_1', status: 'failed' } satisfies Partial<Stripe.Refund>,
      ] : [], '/v1/refunds'));
    case 'GET /v1/credit_notes':
      return ok(list(r.query['invoice'] === 'in_2' ? [
        { id: 'cn_1', object: 'credit_note', invoice: 'in_2', status: 'issued', total: 750, refunds: [{ refund: 're_1', amount_refunded: 300, type: 'refund', payment_record_refund: null }] } satisfies Partial<Stripe.CreditNote>,
        { id: 'cn_2', object: 'credit_note', invoice: 'in_2', status: 'void', total: 18, refunds: [] } satisfies Partial<Stripe.CreditNote>,
      ] : [], '/v1/credit_notes'));
    case 'GET /v1/accounts/acct_1':
      return ok({ id: 'acct_1', object: 'account', charges_enabled: true, payouts_enabled: true, details_submitted: true, metadata: { publisherId: 'pub1' } });
    default:
      return stripeError(404, `unexpected ${route}`);
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const r: Recorded = {
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        form: Object.fromEntries(new URLSearchParams(body)),
        idempotencyKey: req.headers['idempotency-key'] as string | undefined,
        authorization: req.headers['authorization'],
      };
      recorded.push(r);
      const { status, body: out } = answer(r);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': 'req_test' });
      res.end(JSON.stringify(out));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => void recorded.splice(0));

const provider = () =>
  new StripeBillingProvider({
    apiKey: () => 'sk_test_contract',
    webhookSecret: () => 'whsec_contract',
    planPrices: { team: 'price_team', enterprise: 'price_enterprise' },
    client: { host: '127.0.0.1', port, protocol: 'http' },
    maxNetworkRetries: 0,
  });

const only = () => {
  expect(recorded).toHaveLength(1);
  return recorded[0]!;
};

describe('Stripe adapter request shapes (the real SDK against a recording server)', () => {
  it('creates the customer with the workspace in its metadata, keyed by the workspace', async () => {
    const customer = await provider().createCustomer({ wsId: 'ws1', name: 'Acme' }, 'customer:ws1');
    expect(customer).toMatchObject({ id: 'cus_1', metadata: { wsId: 'ws1' } });
    const r = only();
    expect(r).toMatchObject({ method: 'POST', path: '/v1/customers', idempotencyKey: 'customer:ws1', authorization: 'Bearer sk_test_contract' });
    expect(r.form).toEqual({ name: 'Acme', 'metadata[wsId]': 'ws1' });
  });

  it('starts a subscription checkout for the plan price, with the workspace on the session and the subscription', async () => {
    const session = await provider().createCheckoutSession({ wsId: 'ws1', customerId: 'cus_1', plan: 'team', successUrl: 'https://app.test/ok', cancelUrl: 'https://app.test/no' }, 'checkout:ws1:c1');
    expect(session).toMatchObject({ id: 'cs_1', url: 'https://checkout.stripe.com/c/pay/cs_1', status: 'open' });
    const r = only();
    expect(r).toMatchObject({ method: 'POST', path: '/v1/checkout/sessions', idempotencyKey: 'checkout:ws1:c1' });
    expect(r.form).toEqual({
      mode: 'subscription',
      customer: 'cus_1',
      client_reference_id: 'ws1',
      'line_items[0][price]': 'price_team',
      'line_items[0][quantity]': '1',
      success_url: 'https://app.test/ok',
      cancel_url: 'https://app.test/no',
      'metadata[wsId]': 'ws1',
      'metadata[plan]': 'team',
      'subscription_data[metadata][wsId]': 'ws1',
    });
  });

  it('opens the billing portal for the customer', async () => {
    expect(await provider().createPortalSession({ customerId: 'cus_1', returnUrl: 'https://app.test/back' }, 'portal:ws1:p1')).toEqual({ id: 'bps_1', url: 'https://billing.stripe.com/p/session/bps_1' });
    expect(only()).toMatchObject({ method: 'POST', path: '/v1/billing_portal/sessions', idempotencyKey: 'portal:ws1:p1', form: { customer: 'cus_1', return_url: 'https://app.test/back' } });
  });

  it("creates a per-unit agent's meter and metered price once, looked up by its lookup key", async () => {
    const p = provider();
    const pricing = { model: 'per_unit', amountCents: 2, currency: 'usd', unit: 'line', maxUnitsPerRun: 1000 } as const;
    const id = await p.agentPrice('log-clusterer', 'Log Clusterer', pricing);
    expect(id).toBe('price_1');
    const key = agentPriceKey('log-clusterer', pricing);
    expect(recorded.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/prices', 'GET /v1/billing/meters', 'POST /v1/billing/meters', 'POST /v1/prices']);
    expect(recorded[0]!.query).toMatchObject({ 'lookup_keys[0]': key, limit: '1' });
    expect(recorded[2]).toMatchObject({ idempotencyKey: 'meter:am_units_log-clusterer' });
    expect(recorded[2]!.form).toEqual({
      display_name: 'Log Clusterer (am_units_log-clusterer)',
      event_name: 'am_units_log-clusterer',
      'default_aggregation[formula]': 'sum',
      'customer_mapping[type]': 'by_id',
      'customer_mapping[event_payload_key]': 'stripe_customer_id',
      'value_settings[event_payload_key]': 'value',
    });
    expect(recorded[3]).toMatchObject({ idempotencyKey: `price:${key}` });
    expect(recorded[3]!.form).toEqual({
      currency: 'usd',
      unit_amount_decimal: '0.002',
      'recurring[interval]': 'month',
      'recurring[usage_type]': 'metered',
      'recurring[meter]': 'mtr_1',
      lookup_key: key,
      'product_data[name]': 'Log Clusterer',
      'product_data[metadata][agentId]': 'log-clusterer',
      'metadata[agentId]': 'log-clusterer',
      'metadata[model]': 'per_unit',
    });
    // Cached for the instance: a second install of the agent asks nothing.
    await p.agentPrice('log-clusterer', 'Log Clusterer', pricing);
    expect(recorded).toHaveLength(4);
  });

  it("creates a subscription agent's monthly price without a meter", async () => {
    await provider().agentPrice('budget-guard', 'Budget Guard', { model: 'subscription', amountCents: 4900, currency: 'usd', maxUnitsPerRun: 1000 });
    expect(recorded.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/prices', 'POST /v1/prices']);
    expect(recorded[1]!.form).toMatchObject({ currency: 'usd', unit_amount: '4900', 'recurring[interval]': 'month' });
    expect(recorded[1]!.form['recurring[meter]']).toBeUndefined();
  });

  it('adds and removes subscription items; removing one already gone is not an error', async () => {
    const p = provider();
    expect(await p.addSubscriptionItem({ subscriptionId: 'sub_1', priceId: 'price_9', metadata: { installId: 'in1', agentId: 'a1' } }, 'subitem:sub_1:in1:price_9')).toEqual({ id: 'si_1' });
    expect(only()).toMatchObject({
      method: 'POST',
      path: '/v1/subscription_items',
      idempotencyKey: 'subitem:sub_1:in1:price_9',
      form: { subscription: 'sub_1', price: 'price_9', 'metadata[installId]': 'in1', 'metadata[agentId]': 'a1' },
    });
    await p.removeSubscriptionItem('si_1');
    await p.removeSubscriptionItem('si_gone');
    expect(recorded.slice(1).map((r) => `${r.method} ${r.path}`)).toEqual(['DELETE /v1/subscription_items/si_1', 'DELETE /v1/subscription_items/si_gone']);
  });

  it('creates Connect Express accounts, onboarding links and transfers', async () => {
    const p = provider();
    expect(await p.createConnectAccount({ publisherId: 'pub1', email: 'dev@example.test' }, 'account:pub1')).toMatchObject({ id: 'acct_1', payoutsEnabled: false });
    expect(recorded[0]).toMatchObject({
      path: '/v1/accounts',
      idempotencyKey: 'account:pub1',
      form: { type: 'express', email: 'dev@example.test', 'capabilities[transfers][requested]': 'true', 'metadata[publisherId]': 'pub1' },
    });
    await p.createAccountLink({ accountId: 'acct_1', refreshUrl: 'https://app.test/r', returnUrl: 'https://app.test/b' });
    expect(recorded[1]).toMatchObject({ path: '/v1/account_links', form: { account: 'acct_1', refresh_url: 'https://app.test/r', return_url: 'https://app.test/b', type: 'account_onboarding' } });
    await p.createTransfer({ amountMinor: 1234, currency: 'usd', destination: 'acct_1', group: 'po1', metadata: { payoutId: 'po1' } }, 'transfer:po1');
    expect(recorded[2]).toMatchObject({ path: '/v1/transfers', idempotencyKey: 'transfer:po1', form: { amount: '1234', currency: 'usd', destination: 'acct_1', transfer_group: 'po1', 'metadata[payoutId]': 'po1' } });
    // A payout retried past Stripe's 24-hour idempotency window looks for its transfer by group first.
    expect(await p.findTransfer('po_made')).toEqual({ id: 'tr_made' });
    expect(await p.findTransfer('po_none')).toBeNull();
    expect(recorded.slice(3).map((r) => `${r.method} ${r.path} ${r.query['transfer_group']} ${r.query['limit']}`)).toEqual(['GET /v1/transfers po_made 1', 'GET /v1/transfers po_none 1']);
  });

  it('reports meter events one by one, each keyed by its identifier; a refused one is reported, not thrown', async () => {
    const at = new Date('2026-11-02T10:00:00Z');
    const events = ['usage:r1:run', 'usage:bad', 'usage:r2:run'].map((identifier) => ({ identifier, eventName: 'am_runs_a1', customerId: 'cus_1', value: 1, timestamp: at }));
    const result = await provider().reportUsage(events);
    expect(result.reported.sort()).toEqual(['usage:r1:run', 'usage:r2:run']);
    expect(result.failed).toEqual([{ identifier: 'usage:bad', error: expect.stringContaining('parameter_invalid') }]);
    expect(recorded).toHaveLength(3);
    for (const r of recorded) {
      expect(r).toMatchObject({ method: 'POST', path: '/v1/billing/meter_events', idempotencyKey: r.form['identifier'] });
      expect(r.form).toEqual({ event_name: 'am_runs_a1', identifier: r.form['identifier'], timestamp: String(at.getTime() / 1000), 'payload[stripe_customer_id]': 'cus_1', 'payload[value]': '1' });
    }
  });

  it('refetches subscriptions, invoices and accounts and reads them the same way', async () => {
    const p = provider();
    expect(await p.retrieveSubscription('sub_1')).toMatchObject({ id: 'sub_1', customerId: 'cus_1', status: 'past_due', created: 1_800_000_000, items: [{ id: 'si_plan', priceId: 'price_team' }], metadata: { wsId: 'ws1' } });
    expect(await p.retrieveInvoice('in_1')).toMatchObject({ id: 'in_1', subscriptionId: 'sub_1', status: 'open' });
    expect(await p.retrieveAccount('acct_1')).toMatchObject({ chargesEnabled: true, payoutsEnabled: true, metadata: { publisherId: 'pub1' } });
    expect(recorded.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/subscriptions/sub_1', 'GET /v1/invoices/in_1', 'GET /v1/accounts/acct_1']);
  });
});

describe('invoices and credit notes', () => {
  it('refetches an invoice with all its lines (listed when the object has more) and the prices that name them, each price once', async () => {
    const p = provider();
    const invoice = await p.retrieveInvoice('in_2');
    expect(invoice).toMatchObject({ id: 'in_2', number: 'ABC-0002', status: 'paid', totalMinor: 768, amountPaidMinor: 768, paidAt: 1_800_000_300, periodStart: 1_797_000_000, periodEnd: 1_800_000_000, subscriptionId: 'sub_1' });
    expect(invoice.lines.map((l) => [l.id, l.amountMinor, l.quantity, l.priceId, l.subscriptionItemId, l.usageType, l.metadata])).toEqual([
      ['il_1', 750, 3, 'price_run', 'si_run', 'metered', { agentId: 'probe', model: 'per_run' }],
      ['il_2', 18, 2500, 'price_unit', null, 'metered', { agentId: 'tally', model: 'per_unit', installId: 'i2' }],
    ]);
    await p.retrieveInvoice('in_2');
    expect(recorded.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/invoices/in_2', 'GET /v1/invoices/in_2/lines', 'GET /v1/prices/price_run', 'GET /v1/prices/price_unit',
      'GET /v1/invoices/in_2', 'GET /v1/invoices/in_2/lines',
    ]);
  });

  it('refetches a credit note with the invoice lines it takes back, the refunds it accounts for, and when it was voided', async () => {
    expect(await provider().retrieveCreditNote('cn_1')).toMatchObject({ id: 'cn_1', invoiceId: 'in_2', status: 'issued', voidedAt: null, totalMinor: 750, lines: [{ id: 'cnli_1', invoiceLineId: 'il_1', amountMinor: 750 }], refunds: [] });
    expect(await provider().retrieveCreditNote('cn_void')).toMatchObject({ id: 'cn_void', status: 'void', voidedAt: 1_800_000_900, refunds: [{ refundId: 're_1', amountMinor: 500 }] });
  });
});

describe('refunds (made with or without a credit note)', () => {
  it("finds a charge's and a refund's payment intent (a refund without one through its charge)", async () => {
    const p = provider();
    expect(await p.retrieveCharge('ch_1')).toEqual({ id: 'ch_1', paymentIntentId: 'pi_1' });
    expect(await p.retrieveRefund('re_1')).toEqual({ id: 're_1', paymentIntentId: 'pi_1' });
    expect(await p.retrieveRefund('re_old')).toEqual({ id: 're_old', paymentIntentId: 'pi_1' });
    expect(await p.retrieveRefund('re_bare')).toEqual({ id: 're_bare', paymentIntentId: null });
    expect(recorded.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/charges/ch_1', 'GET /v1/refunds/re_1', 'GET /v1/refunds/re_old', 'GET /v1/charges/ch_1', 'GET /v1/refunds/re_bare', 'GET /v1/charges/ch_bare']);
  });

  it("finds the invoices a payment intent paid through its invoice payments (a charge no longer names its invoice)", async () => {
    expect(await provider().invoicesPaidBy('pi_1')).toEqual(['in_2']);
    const r = only();
    expect(r).toMatchObject({ method: 'GET', path: '/v1/invoice_payments' });
    expect(r.query).toEqual({ 'payment[type]': 'payment_intent', 'payment[payment_intent]': 'pi_1', limit: '100' });
  });

  it("lists an invoice's refunds (of its paid payments) and its credit notes with the refunds they account for", async () => {
    expect(await provider().retrieveInvoiceRefunds('in_2')).toEqual({
      invoiceId: 'in_2',
      refunds: [
        { id: 're_1', amountMinor: 300, status: 'succeeded' },
        { id: 're_2', amountMinor: 200, status: 'failed' },
      ],
      creditNotes: [
        { id: 'cn_1', status: 'issued', refunds: [{ refundId: 're_1', amountMinor: 300 }] },
        { id: 'cn_2', status: 'void', refunds: [] },
      ],
    });
    expect(recorded.map((r) => [`${r.method} ${r.path}`, r.query])).toEqual([
      ['GET /v1/invoice_payments', { invoice: 'in_2', limit: '100' }],
      ['GET /v1/refunds', { payment_intent: 'pi_1', limit: '100' }],
      ['GET /v1/credit_notes', { invoice: 'in_2', limit: '100' }],
    ]);
  });
});

describe('webhook signatures (the SDK checks them)', () => {
  const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'invoice.paid', created: 1, data: { object: { id: 'in_1', object: 'invoice' } } });
  const codeOf = (f: () => unknown) => {
    try {
      f();
      return null;
    } catch (err) {
      return err instanceof AppError ? err.code : String(err);
    }
  };

  it('accepts a signed event and names its object; refuses a wrong secret, a changed body and no header', () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_contract' });
    expect(provider().verifyWebhook(Buffer.from(payload), header)).toEqual({ id: 'evt_1', type: 'invoice.paid', created: 1, object: { id: 'in_1', object: 'invoice' } });
    const wrong = Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_other' });
    expect(codeOf(() => provider().verifyWebhook(Buffer.from(payload), wrong))).toBe('stripe_signature_invalid');
    expect(codeOf(() => provider().verifyWebhook(Buffer.from(payload.replace('in_1', 'in_2')), header))).toBe('stripe_signature_invalid');
    expect(codeOf(() => provider().verifyWebhook(Buffer.from(payload), undefined))).toBe('stripe_signature_invalid');
  });
});

describe('billing standing (domain)', () => {
  const prices = { team: 'price_team', enterprise: 'price_ent' };
  it('maps Stripe statuses and prices to standing and plan', () => {
    expect(['active', 'trialing', 'past_due', 'unpaid', 'incomplete', 'canceled', 'incomplete_expired'].map(standingOf)).toEqual(['active', 'active', 'past_due', 'past_due', 'past_due', 'canceled', 'canceled']);
    expect(planOf('active', ['price_x', 'price_team'], prices)).toBe('team');
    expect(planOf('past_due', ['price_ent', 'price_team'], prices)).toBe('enterprise');
    expect(planOf('canceled', ['price_ent'], prices)).toBe('free');
    expect(planOf('active', ['price_x'], prices)).toBe('free');
  });

  it('lets only the same or a newer subscription set the workspace', () => {
    const current = { status: 'active' as const, subscriptionId: 'sub_new', subscriptionCreated: 200 };
    const state = (id: string, created: number, status: 'active' | 'canceled' | 'past_due') => ({ subscriptionId: id, customerId: 'cus', created, status, plan: 'team' as const });
    expect(subscriptionApplies(undefined, state('sub_a', 1, 'active'))).toBe(true);
    expect(subscriptionApplies(current, state('sub_new', 200, 'canceled'))).toBe(true);
    expect(subscriptionApplies(current, state('sub_old', 100, 'canceled'))).toBe(false);
    expect(subscriptionApplies(current, state('sub_old', 100, 'active'))).toBe(false);
    expect(subscriptionApplies(current, state('sub_newer', 300, 'active'))).toBe(true);
    // A tie in seconds: the live one wins over the ended one, whichever came first.
    expect(subscriptionApplies(current, state('sub_tie', 200, 'canceled'))).toBe(false);
    expect(subscriptionApplies({ ...current, status: 'canceled' }, state('sub_tie', 200, 'active'))).toBe(true);
  });

  it('refuses paid agents only while past due', () => {
    const paid = { model: 'per_run', amountCents: 50, currency: 'usd', maxUnitsPerRun: 1000 } as const;
    const free = { model: 'free', amountCents: 0, currency: 'usd', maxUnitsPerRun: 1000 } as const;
    expect(() => checkPaymentStanding({ status: 'past_due' }, paid)).toThrow(expect.objectContaining({ code: 'payment_past_due', kind: 'payment_required' }));
    expect(() => checkPaymentStanding({ status: 'past_due' }, free)).not.toThrow();
    expect(() => checkPaymentStanding({ status: 'active' }, paid)).not.toThrow();
    expect(() => checkPaymentStanding(undefined, paid)).not.toThrow();
  });

  it('writes a per-unit price per thousandth exactly', () => {
    expect([1, 2, 25, 1000, 1234, 10_000_000].map(milliUnitAmountDecimal)).toEqual(['0.001', '0.002', '0.025', '1', '1.234', '10000']);
  });
});
