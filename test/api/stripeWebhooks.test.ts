import { readFileSync } from 'node:fs';
import path from 'node:path';
import Stripe from 'stripe';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { publishSynthetic, uniqueWord } from '../support/catalog.ts';
import { codeOf } from '../support/http.ts';
import { installProbe, publishLongProbe, trigger } from '../support/probe.ts';
import { runAsFunctions, urls } from '../support/stack.ts';
import { installAgent, newWorkspace, type TestWorkspace } from '../support/users.ts';
import { call } from '../support/http.ts';
import { eventually } from '../support/notify.ts';
import { billingApi as api, checkout, submit } from '../support/billing.ts';

/**
 * Stripe's webhooks on the local stack: the stand-in (functions/src/adapters/billing/localProvider.ts)
 * sends the events Stripe would, signed with the local webhook secret, to our stripeWebhook
 * function; here they are also replayed, reordered and forged.
 */
runAsFunctions();
const { LocalBillingProvider } = await import('../../functions/src/adapters/billing/localProvider.ts');

const secret = /^STRIPE_WEBHOOK_SECRET=(.*)$/m.exec(readFileSync(path.resolve(import.meta.dirname, '../../functions/.secret.local'), 'utf8'))![1]!;
const webhookUrl = `${urls.functionsBase}/stripeWebhook`;
const local = new LocalBillingProvider({ webhookUrl, pagesUrl: `${urls.functionsBase}/localBilling`, webhookSecret: () => secret });

async function sendEvent(payload: string, signWith = secret) {
  const res = await fetch(webhookUrl, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: signWith }) }, body: payload });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: (await res.json()) as { code?: string } };
}

async function portalAction(ws: TestWorkspace, subscriptionId: string, action: 'cancel' | 'fail-payment' | 'pay') {
  const portal = await api(ws, 'POST', '/billing/portal');
  expect(portal.status).toBe(201);
  expect(await submit(portal.body.url, `${portal.body.url}/subscriptions/${subscriptionId}/${action}`)).toBe(portal.body.url);
}

/** Everything billing decides for a workspace: its plan and standing, and the mirrored subscriptions and invoices. */
async function billingState(wsId: string, customerId: string) {
  const ws = (await adminDb.doc(`workspaces/${wsId}`).get()).data()!;
  const mirror = async (collection: string) =>
    Object.fromEntries((await adminDb.collection(collection).where('customerId', '==', customerId).get()).docs.map((d) => [d.id, d.get('status') as string]).sort());
  return { plan: ws['plan'], billing: ws['billing'], subscriptions: await mirror('stripeSubscriptions'), invoices: await mirror('stripeInvoices') };
}

/** The events the stand-in sent about a customer, oldest first, each delivered with a 2xx. */
async function eventsOf(customerId: string) {
  const docs = (await adminDb.collection('localStripe/events/objects').where('customer', '==', customerId).get()).docs.sort((a, b) => a.get('at').toMillis() - b.get('at').toMillis());
  for (const d of docs) expect(d.get('delivered'), `${d.get('type')} delivered`).toMatchObject({ ok: true });
  return docs.map((d) => ({ type: d.get('type') as string, payload: d.get('payload') as string }));
}

async function replayReversedTwice(events: { payload: string }[]) {
  for (let round = 0; round < 2; round++) {
    for (const e of [...events].reverse()) expect((await sendEvent(e.payload)).status).toBe(200);
  }
}

let longProbe: string;
const paidAgent = `${uniqueWord()}-paid`;
// Two monthly agents ($5.00 each) of one publisher: with the team plan ($49.00) an invoice has a plan line and two agent lines.
const refundsPublisher = `pub-${uniqueWord()}`;
const monthlyA = `${uniqueWord()}-monthly-a`;
const monthlyB = `${uniqueWord()}-monthly-b`;
beforeAll(async () => {
  longProbe = await publishLongProbe();
  await publishSynthetic('billing-tests', [{ id: paidAgent, name: 'Paid Per Run', pricing: 'per_run' }]);
  await publishSynthetic(refundsPublisher, [
    { id: monthlyA, name: 'Monthly A', pricing: 'subscription' },
    { id: monthlyB, name: 'Monthly B', pricing: 'subscription' },
  ]);
}, 60_000);

describe('plans through the local checkout', () => {
  it('a plan upgrade changes the run limits at once', { timeout: 120_000 }, async () => {
    const ws = await newWorkspace();
    expect((await api(ws, 'GET', '/billing/account')).body).toEqual({ plan: 'free', status: 'active', customerId: null, subscriptionId: null });
    expect(codeOf(await api(ws, 'POST', '/billing/portal'))).toBe('no_billing_customer');
    const installId = await installProbe(ws, undefined, longProbe);
    const runs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await trigger(ws, installId, { mode: 'hang' });
      expect(r.status).toBe(201);
      runs.push(r.body.id);
    }
    // The free plan runs 5 at once.
    expect(codeOf(await trigger(ws, installId, { mode: 'hang' }))).toBe('concurrent_run_limit');

    const account = await checkout(ws, 'team');
    expect(account).toMatchObject({ plan: 'team', status: 'active', customerId: expect.stringMatching(/^cus_local_/), subscriptionId: expect.stringMatching(/^sub_local_/) });
    const sixth = await trigger(ws, installId, { mode: 'hang' });
    expect(sixth.status).toBe(201);
    runs.push(sixth.body.id);
    // One subscription at a time: the plan changes in the portal.
    expect(codeOf(await api(ws, 'POST', '/billing/checkout', { plan: 'enterprise' }))).toBe('subscription_exists');
    for (const id of runs) await api(ws, 'POST', `/runs/${id}/cancel`);
  });

  it('the stand-in closes a period in the very second it began (Close period right after checkout) and bills it', { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const { subscriptionId } = await checkout(ws, 'team');
    const items = (await adminDb.doc(`localStripe/subscriptions/objects/${subscriptionId}`).get()).get('object.items.data') as { current_period_start: number }[];
    const started = items[0]!.current_period_start;
    expect(Number.isInteger(started)).toBe(true);
    // The clock stands still in the subscription's first second: the cycle ends "now", which is its start.
    const frozen = new LocalBillingProvider({ webhookUrl, pagesUrl: `${urls.functionsBase}/localBilling`, webhookSecret: () => secret, now: () => new Date(started * 1000 + 400) });
    const { invoiceId } = await frozen.closePeriod(subscriptionId);
    const invoice = (await adminDb.doc(`localStripe/invoices/objects/${invoiceId}`).get()).get('object') as { status: string; period_start: number; period_end: number };
    expect(invoice.status).toBe('paid');
    expect(invoice.period_end).toBeGreaterThan(invoice.period_start);
  });
});

describe('past due', () => {
  it("refuses a paid agent's runs with 402 payment_past_due while free agents run; paying restores it", { timeout: 120_000 }, async () => {
    const ws = await newWorkspace();
    const paid = await installAgent(ws, paidAgent);
    const free = await installProbe(ws);
    const { subscriptionId } = await checkout(ws, 'team');
    // The paid install got its item on the subscription (metered, per run).
    const itemsOf = async () => ((await adminDb.doc(`localStripe/subscriptions/objects/${subscriptionId}`).get()).get('object.items.data') as { metadata: Record<string, string>; price: { recurring: { usage_type: string } } }[]).filter((i) => i.metadata['installId']);
    expect((await itemsOf()).map((i) => [i.metadata['installId'], i.price.recurring.usage_type])).toEqual([[paid, 'metered']]);

    await portalAction(ws, subscriptionId, 'fail-payment');
    expect((await api(ws, 'GET', '/billing/account')).body).toMatchObject({ status: 'past_due', plan: 'team' });
    const refused = await trigger(ws, paid, {});
    expect(refused.status).toBe(402);
    expect(refused.contentType).toContain('application/problem+json');
    expect(codeOf(refused)).toBe('payment_past_due');
    expect(refused.body.detail).toMatch(/past due/);
    expect((await trigger(ws, free, { mode: 'ok' })).status).toBe(201);

    await portalAction(ws, subscriptionId, 'pay');
    expect((await api(ws, 'GET', '/billing/account')).body).toMatchObject({ status: 'active', plan: 'team' });
    expect((await trigger(ws, paid, {})).status).toBe(201);

    // Uninstalling takes the item off the subscription.
    expect((await api(ws, 'DELETE', `/installs/${paid}`)).status).toBeLessThan(300);
    expect(await itemsOf()).toEqual([]);
  });
});

describe('webhook events', () => {
  it('every handled event, replayed twice and in reverse order, ends in the same state', { timeout: 180_000 }, async () => {
    const ws = await newWorkspace();
    const first = await checkout(ws, 'team');
    await portalAction(ws, first.subscriptionId, 'fail-payment');
    await portalAction(ws, first.subscriptionId, 'pay');
    await portalAction(ws, first.subscriptionId, 'fail-payment');
    const pastDue = await billingState(ws.id, first.customerId);
    expect(pastDue).toMatchObject({ plan: 'team', billing: { status: 'past_due', subscriptionId: first.subscriptionId } });
    let events = await eventsOf(first.customerId);
    expect(new Set(events.map((e) => e.type))).toEqual(
      new Set(['customer.created', 'customer.subscription.created', 'invoice.paid', 'checkout.session.completed', 'invoice.payment_failed', 'customer.subscription.updated']),
    );
    // Reversed, the last event replayed is the checkout's (active, team): trusting it would undo the failed payment.
    await replayReversedTwice(events);
    expect(await billingState(ws.id, first.customerId)).toEqual(pastDue);

    await portalAction(ws, first.subscriptionId, 'cancel');
    const canceled = await billingState(ws.id, first.customerId);
    expect(canceled).toMatchObject({ plan: 'free', billing: { status: 'canceled' } });
    events = await eventsOf(first.customerId);
    expect(events.map((e) => e.type)).toContain('customer.subscription.deleted');
    await replayReversedTwice(events);
    expect(await billingState(ws.id, first.customerId)).toEqual(canceled);

    // A new subscription: the old one's events, replayed, never take the workspace back.
    const second = await checkout(ws, 'enterprise');
    expect(second).toMatchObject({ plan: 'enterprise', status: 'active' });
    expect(second.subscriptionId).not.toBe(first.subscriptionId);
    const renewed = await billingState(ws.id, first.customerId);
    await replayReversedTwice(events);
    expect(await billingState(ws.id, first.customerId)).toEqual(renewed);
    expect(renewed).toMatchObject({ plan: 'enterprise', billing: { status: 'active', subscriptionId: second.subscriptionId } });
  });

  it('account.updated keeps a publisher payout account in step with Connect, in any order', { timeout: 60_000 }, async () => {
    const publisherId = `pub-${uniqueWord()}`;
    const account = await local.createConnectAccount({ publisherId, email: 'dev@example.test' }, `account:${publisherId}`);
    expect(account.id).toMatch(/^acct_local_/);
    const payout = async () => (await adminDb.doc(`publishers/${publisherId}`).get()).get('payoutAccount') as Record<string, unknown> | undefined;
    expect(await payout()).toMatchObject({ accountId: account.id, payoutsEnabled: false, detailsSubmitted: false });
    const { url } = await local.createAccountLink({ accountId: account.id, refreshUrl: `${urls.web}/r`, returnUrl: `${urls.web}/payouts` });
    expect(await submit(url, `${url}/complete`)).toBe(`${urls.web}/payouts`);
    expect(await payout()).toMatchObject({ accountId: account.id, payoutsEnabled: true, chargesEnabled: true, detailsSubmitted: true });
    const events = (await adminDb.collection('localStripe/events/objects').where('objectId', '==', account.id).get()).docs.map((d) => ({ payload: d.get('payload') as string }));
    expect(events).toHaveLength(2);
    await replayReversedTwice(events);
    expect(await payout()).toMatchObject({ payoutsEnabled: true });
    // An onboarded account takes transfers, once per key.
    const t1 = await local.createTransfer({ amountMinor: 1234, currency: 'usd', destination: account.id, group: `po_${publisherId}`, metadata: { publisherId } }, `transfer:${publisherId}:1`);
    const t2 = await local.createTransfer({ amountMinor: 1234, currency: 'usd', destination: account.id, group: `po_${publisherId}`, metadata: { publisherId } }, `transfer:${publisherId}:1`);
    expect(t2.id).toBe(t1.id);
  });

  it('a bad signature is 400 stripe_signature_invalid and changes nothing; a failure answers 5xx so Stripe retries', { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const { customerId, subscriptionId } = await checkout(ws, 'team');
    const before = await billingState(ws.id, customerId);
    // Made past due behind the stack's back, then forged events that would act on it.
    await local.failPayment(subscriptionId).catch(() => undefined);
    const after = await billingState(ws.id, customerId);
    expect(after.billing.status).toBe('past_due');
    await adminDb.doc(`workspaces/${ws.id}`).update({ 'billing.status': 'active', plan: 'team' });
    const forged = JSON.stringify({ id: 'evt_forged', object: 'event', type: 'customer.subscription.updated', created: 1, data: { object: { id: subscriptionId, object: 'subscription' } } });
    const wrong = await sendEvent(forged, 'whsec_not_ours');
    expect(wrong.status).toBe(400);
    expect(wrong.contentType).toContain('application/problem+json');
    expect(wrong.body.code).toBe('stripe_signature_invalid');
    const unsigned = await fetch(webhookUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: forged });
    expect(unsigned.status).toBe(400);
    const tampered = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': Stripe.webhooks.generateTestHeaderString({ payload: forged.replace('evt_forged', 'evt_other'), secret }) },
      body: forged,
    });
    expect(tampered.status).toBe(400);
    expect((await adminDb.doc(`workspaces/${ws.id}`).get()).get('billing.status')).toBe('active');
    expect(before.billing.status).toBe('active');

    // Signed, about an object the provider does not have: the refetch fails, the answer is 5xx.
    const missing = JSON.stringify({ id: 'evt_missing', object: 'event', type: 'invoice.paid', created: 1, data: { object: { id: 'in_local_missing', object: 'invoice' } } });
    expect((await sendEvent(missing)).status).toBeGreaterThanOrEqual(500);
  });
});

describe('refunds without a credit note, and voided credit notes', () => {
  interface Entry {
    id: string;
    kind: string;
    reverses: string | null;
    agentId: string;
    gross: { amountMinor: number };
    publisherShare: { amountMinor: number };
    platformShare: { amountMinor: number };
  }
  const entriesOf = async (invoiceId: string) =>
    Object.fromEntries(
      (await adminDb.collection('revenueEntries').where('invoiceId', '==', invoiceId).get()).docs
        .map((d) => d.data() as Entry)
        .map((e) => [e.id, [e.kind, e.reverses, e.gross.amountMinor, e.publisherShare.amountMinor, e.platformShare.amountMinor]] as const)
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  /** Per sale and kind: the gross and the publisher's share, summed. */
  const netOf = async (invoiceId: string) => {
    const out: Record<string, [number, number]> = {};
    for (const [id, [kind, reverses, gross, share]] of Object.entries(await entriesOf(invoiceId))) {
      const key = `${String(reverses ?? id)} ${String(kind)}`;
      const [g, p] = out[key] ?? [0, 0];
      out[key] = [g + Number(gross), p + Number(share)];
    }
    return out;
  };
  const balances = async (ws: TestWorkspace) => {
    const r = await call('GET', `/publishers/${refundsPublisher}/earnings?limit=100`, { token: ws.owner.idToken });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const { settled, pending, paidOut } = r.body as Record<string, { amountMinor: number }>;
    return { settled: settled!.amountMinor, pending: pending!.amountMinor, paidOut: paidOut!.amountMinor, entries: (r.body as { entries: Entry[] }).entries };
  };

  it('a refund reverses each agent line its proportion; a credit note linking it does not reverse twice; voiding the note restores it; any order and replay ends the same', { timeout: 180_000 }, async () => {
    const ws = await newWorkspace();
    await adminDb.doc(`publishers/${refundsPublisher}`).set({ ownerUids: [ws.owner.uid] }, { merge: true });
    const { subscriptionId, customerId } = await checkout(ws, 'team');
    await installAgent(ws, monthlyA);
    await installAgent(ws, monthlyB);
    const { invoiceId } = await local.closePeriod(subscriptionId);
    const lines = (await adminDb.doc(`localStripe/invoices/objects/${invoiceId}`).get()).get('object.lines.data') as { id: string; amount: number; metadata: Record<string, string> }[];
    expect(lines.map((l) => [l.metadata['agentId'] ?? 'plan', l.amount]).sort()).toEqual([[monthlyA, 500], [monthlyB, 500], ['plan', 4900]].sort());
    const a = lines.find((l) => l.metadata['agentId'] === monthlyA)!.id;
    const b = lines.find((l) => l.metadata['agentId'] === monthlyB)!.id;
    await eventually('the sales', async () => (Object.keys(await entriesOf(invoiceId)).length === 2 ? true : undefined));
    const sold = await balances(ws);
    expect(sold.settled).toBe(800); // 80 % of two $5.00 lines, settled at once on the test stack

    // A refund of $10.01 on the invoice's payment, without a credit note: 1001 over 4900/500/500 is 831/85/85.
    const r1 = await local.refundInvoice(invoiceId, 1001, { idempotencyKey: `refund-1:${invoiceId}` });
    expect(await netOf(invoiceId)).toEqual({ [`${a} sale`]: [500, 400], [`${b} sale`]: [500, 400], [`${a} refund`]: [-85, -68], [`${b} refund`]: [-85, -68] });
    // A second one: 1501 in all is 1247/127/127.
    const r2 = await local.refundInvoice(invoiceId, 500, { idempotencyKey: `refund-2:${invoiceId}` });
    expect(await netOf(invoiceId)).toEqual({ [`${a} sale`]: [500, 400], [`${b} sale`]: [500, 400], [`${a} refund`]: [-127, -102], [`${b} refund`]: [-127, -102] });
    const refunded = await balances(ws);
    expect(refunded.settled).toBe(800 - 204);
    expect(refunded.entries.filter((e) => e.kind === 'refund').every((e) => e.reverses === a || e.reverses === b)).toBe(true);

    // A credit note takes line A back in full (and 501 of the plan) and links the first refund: A is reversed once, by the note.
    const note = await local.createCreditNote(invoiceId, {
      lines: [
        { invoiceLineId: a, amountMinor: 500 },
        { invoiceLineId: lines.find((l) => l.amount === 4900)!.id, amountMinor: 501 },
      ],
      refunds: [{ refundId: r1.id, amountMinor: 1001 }],
      idempotencyKey: `note:${invoiceId}`,
    });
    // Outside notes now: 500, which is 415/43/42; A's part is clamped to what the note left of it (nothing).
    expect(await netOf(invoiceId)).toEqual({ [`${a} sale`]: [500, 400], [`${b} sale`]: [500, 400], [`${a} reversal`]: [-500, -400], [`${a} refund`]: [0, 0], [`${b} refund`]: [-42, -34] });
    expect((await balances(ws)).settled).toBe(400 - 34);
    // A refund link is checked: no refund is linked for more than it refunded.
    await expect(local.createCreditNote(invoiceId, { lines: [{ invoiceLineId: b, amountMinor: 1 }], refunds: [{ refundId: r1.id, amountMinor: 1 }] })).rejects.toMatchObject({ code: 'parameter_invalid' });
    await expect(local.refundInvoice(invoiceId, 999_999)).rejects.toMatchObject({ code: 'amount_too_large' });

    // Voided, the note gives A back and no longer accounts for the refund: the balance is what it was before the note.
    await local.voidCreditNote(note.id);
    await local.voidCreditNote(note.id);
    const net = await netOf(invoiceId);
    expect(net).toEqual({ [`${a} sale`]: [500, 400], [`${b} sale`]: [500, 400], [`${a} reversal`]: [-500, -400], [`${a} void`]: [500, 400], [`${a} refund`]: [-127, -102], [`${b} refund`]: [-127, -102] });
    const restored = await balances(ws);
    expect({ settled: restored.settled, pending: restored.pending }).toEqual({ settled: refunded.settled, pending: refunded.pending });
    const invoice = (await api(ws, 'GET', `/billing/invoices/${invoiceId}`)).body as { credited: { amountMinor: number } };
    expect(invoice.credited.amountMinor).toBe(0);

    // Every event of the invoice, its payment, the refunds and the note, delivered, then replayed twice in reverse order and all at once: nothing changes.
    const objectIds = [invoiceId, r1.chargeId, r1.id, r2.id, note.id];
    const events = (await adminDb.collection('localStripe/events/objects').where('objectId', 'in', objectIds).get()).docs.sort((x, y) => x.get('at').toMillis() - y.get('at').toMillis());
    for (const d of events) expect(d.get('delivered'), `${d.get('type')} delivered`).toMatchObject({ ok: true });
    expect(new Set(events.map((d) => d.get('type')))).toEqual(new Set(['invoice.created', 'invoice.finalized', 'invoice.paid', 'charge.refunded', 'refund.created', 'credit_note.created', 'credit_note.voided']));
    const settledEntries = await entriesOf(invoiceId);
    const payloads = events.map((d) => ({ payload: d.get('payload') as string }));
    await replayReversedTwice(payloads);
    expect(await entriesOf(invoiceId)).toEqual(settledEntries);
    const together = await Promise.all(payloads.map((e) => sendEvent(e.payload)));
    expect(together.map((r) => r.status)).toEqual(payloads.map(() => 200));
    expect(await entriesOf(invoiceId)).toEqual(settledEntries);

    // From nothing, in reverse order (the last event first), and twice: the same sums per sale and kind, and the same balance.
    const batch = adminDb.batch();
    for (const d of (await adminDb.collection('revenueEntries').where('invoiceId', '==', invoiceId).get()).docs) batch.delete(d.ref);
    await batch.commit();
    await replayReversedTwice(payloads);
    expect(await netOf(invoiceId)).toEqual(net);
    expect((await balances(ws)).settled).toBe(restored.settled);
    expect(customerId).toMatch(/^cus_local_/);
  });
});
