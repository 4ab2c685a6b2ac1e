import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FieldValue } from 'firebase-admin/firestore';
import { PDFDocument } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { billingApi, checkout, submit } from '../support/billing.ts';
import { publishYaml } from '../support/catalog.ts';
import { apiAs } from '../support/client.ts';
import { call, codeOf } from '../support/http.ts';
import { eventually, sleep } from '../support/notify.ts';
import { finished, tickWatchdog, trigger, waitFor } from '../support/probe.ts';
import { runAsFunctions, urls } from '../support/stack.ts';
import { installAgent, newWorkspace, signUp, type TestWorkspace } from '../support/users.ts';

/**
 * A month of billing end to end (docs/billing.md): three workspaces on the team plan run two
 * paid agents from two publishers (the probe per run, publisher platform-tests; tally per unit,
 * publisher tally-labs); their usage is recorded and reported to the stand-in's meters; each
 * subscription's period is closed into an invoice and paid (one after a failed payment); the
 * paid agents' lines become revenue entries, settled balances above the minimum become
 * payouts, and a credit note reverses one invoice. Everything adds up to the cent.
 */
runAsFunctions();
const { LocalBillingProvider } = await import('../../functions/src/adapters/billing/localProvider.ts');
const { allocate } = await import('../../functions/src/domain/revenueShare.ts');
const secret = /^STRIPE_WEBHOOK_SECRET=(.*)$/m.exec(readFileSync(path.resolve(import.meta.dirname, '../../functions/.secret.local'), 'utf8'))![1]!;
const local = new LocalBillingProvider({ webhookUrl: `${urls.functionsBase}/stripeWebhook`, pagesUrl: `${urls.functionsBase}/localBilling`, webhookSecret: () => secret });

const PER_RUN = '1.5.0'; // probe: $2.50 a run
const PER_UNIT = '1.1.0'; // tally: 7 cents an item
const RUN_CENTS = 250;
const UNIT_CENTS = 7;
const fixture = (agent: string) => readFileSync(path.resolve(import.meta.dirname, `../fixtures/agents/${agent}/agent.yaml`), 'utf8');
const priced = (yaml: string, version: string, pricing: string) => yaml.replace(/^version: .*$/m, `version: ${version}`).replace(/^pricing:\n {2}model: free$/m, `pricing:\n${pricing}`);

/** Runs per workspace: probe runs, and the units of each tally run. */
const PLAN = [
  { probeRuns: 2, tallyUnits: [2.5] },
  { probeRuns: 1, tallyUnits: [4, 0.75] },
  { probeRuns: 3, tallyUnits: [] },
];

interface Line {
  id: string;
  kind: string;
  agentId: string | null;
  meter: string | null;
  plan: string | null;
  quantity: number;
  amount: { amountMinor: number; currency: string };
}
interface Entry {
  id: string;
  kind: 'sale' | 'reversal' | 'refund' | 'void';
  reverses: string | null;
  invoiceId: string;
  agentId: string;
  gross: { amountMinor: number };
  publisherShare: { amountMinor: number };
  platformShare: { amountMinor: number };
  shareBps: number;
  payoutId: string | null;
}

const half = (milli: number, cents: number) => Math.floor((milli * cents * 2 + 1000) / 2000);
const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

beforeAll(async () => {
  await publishYaml(priced(fixture('probe'), PER_RUN, `  model: per_run\n  amountCents: ${RUN_CENTS}`));
  await publishYaml(priced(fixture('tally'), PER_UNIT, `  model: per_unit\n  amountCents: ${UNIT_CENTS}\n  unit: item`));
});

async function earnings(token: string, publisherId: string) {
  const r = await call('GET', `/publishers/${publisherId}/earnings?limit=100`, { token });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as { settled: { amountMinor: number }; pending: { amountMinor: number }; paidOut: { amountMinor: number }; shareBps: number; entries: Entry[]; nextCursor: string | null };
}

async function onboard(token: string, publisherId: string) {
  const r = await call('POST', `/publishers/${publisherId}/payouts:onboard`, { token });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  expect(await submit(r.body.url, `${r.body.url}/complete`)).toBe(`${urls.web}/publishers/${publisherId}/payouts?onboarding=complete`);
  await eventually(`${publisherId} payout account enabled`, async () => ((await adminDb.doc(`publishers/${publisherId}`).get()).get('payoutAccount.payoutsEnabled') === true ? true : undefined));
  return r.body.id as string;
}

/** The ledger's billable facts of a workspace: runs of the per-run install, units (thousandths) of the per-unit one. */
async function ledgerOf(ws: TestWorkspace) {
  const facts = (await adminDb.collection(`workspaces/${ws.id}/usage`).get()).docs.map((d) => d.data());
  const of = (agentId: string, version: string, kind: string) => total(facts.filter((f) => f['agentId'] === agentId && f['agentVersion'] === version && f['kind'] === kind).map((f) => f['quantity'] as number));
  return { runs: of('probe', PER_RUN, 'run'), milli: of('tally', PER_UNIT, 'units'), facts };
}

describe('a month of billing', () => {
  it('three workspaces, two paid agents: the ledger, the invoices, the revenue split and the payouts add up to the cent, and a credit note reverses it', { timeout: 300_000 }, async () => {
    const owner = await signUp('publisher');
    const stranger = await signUp('stranger');
    for (const p of ['platform-tests', 'tally-labs']) await adminDb.doc(`publishers/${p}`).set({ ownerUids: FieldValue.arrayUnion(owner.uid) }, { merge: true });
    // tally-labs has a negotiated share (70 %); platform-tests gets the platform's default (80 %).
    await adminDb.doc('publishers/tally-labs').set({ shareBps: 7000 }, { merge: true });
    expect(codeOf(await call('GET', '/publishers/platform-tests/earnings', { token: stranger.idToken }))).toBe('publisher_not_found');
    expect((await call('POST', '/publishers/platform-tests/payouts:onboard', { token: stranger.idToken })).status).toBe(404);
    const accounts = { 'platform-tests': await onboard(owner.idToken, 'platform-tests'), 'tally-labs': await onboard(owner.idToken, 'tally-labs') };

    // The month: subscriptions, paid installs, real runs.
    const workspaces: { ws: TestWorkspace; subscriptionId: string }[] = [];
    for (const plan of PLAN) {
      const ws = await newWorkspace();
      const { subscriptionId } = await checkout(ws, 'team');
      const probe = await installAgent(ws, 'probe', PER_RUN);
      const tally = await installAgent(ws, 'tally', PER_UNIT);
      const runs: string[] = [];
      for (let i = 0; i < plan.probeRuns; i++) runs.push((await trigger(ws, probe, { mode: 'ok' })).body.id);
      for (const units of plan.tallyUnits) runs.push((await trigger(ws, tally, { units })).body.id);
      for (const id of runs) expect((await waitFor(ws, id, finished)).state).toBe('succeeded');
      workspaces.push({ ws, subscriptionId });
    }

    // Recorded in the ledger, then reported to the meters with the watchdog's tick.
    const ledgers = await Promise.all(
      workspaces.map(({ ws }, i) =>
        eventually(`ledger of workspace ${i}`, async () => {
          const l = await ledgerOf(ws);
          const want = PLAN[i]!;
          return l.runs === want.probeRuns && l.milli === total(want.tallyUnits.map((u) => Math.round(u * 1000))) ? l : undefined;
        }, 90_000),
      ),
    );
    await eventually('usage reported', async () => {
      await tickWatchdog();
      for (const { ws } of workspaces) if (!(await ledgerOf(ws)).facts.every((f) => f['reportedAt'])) return undefined;
      return true;
    }, 60_000);

    // The period closes: an invoice per subscription; the third one's payment fails first, then is paid in the portal.
    await sleep(1100); // every meter event's second is inside the period
    const invoiceIds: string[] = [];
    for (const [i, { ws, subscriptionId }] of workspaces.entries()) {
      const { invoiceId } = await local.closePeriod(subscriptionId, { outcome: i === 2 ? 'fail' : 'pay' });
      // Closing the same period again answers the same invoice.
      invoiceIds.push(invoiceId);
      if (i === 2) {
        await eventually('past due', async () => ((await billingApi(ws, 'GET', '/billing/account')).body.status === 'past_due' ? true : undefined));
        const portal = await billingApi(ws, 'POST', '/billing/portal');
        expect(await submit(portal.body.url, `${portal.body.url}/subscriptions/${subscriptionId}/pay`)).toBe(portal.body.url);
      }
    }

    // Our invoices: the metered lines are the ledger's totals priced once.
    const invoices = [];
    for (const [i, { ws }] of workspaces.entries()) {
      const invoice = await eventually(`invoice ${i} paid`, async () => {
        const r = await billingApi(ws, 'GET', `/billing/invoices/${invoiceIds[i]}`);
        return r.status === 200 && r.body.status === 'paid' ? r.body : undefined;
      });
      const lines = invoice.lines as Line[];
      const probeLine = lines.find((l) => l.agentId === 'probe')!;
      const tallyLine = lines.find((l) => l.agentId === 'tally')!;
      expect(probeLine).toMatchObject({ kind: 'agent', meter: 'am_runs_probe', quantity: ledgers[i]!.runs, amount: { amountMinor: ledgers[i]!.runs * RUN_CENTS, currency: 'usd' } });
      expect(tallyLine).toMatchObject({ kind: 'agent', meter: 'am_units_tally', quantity: ledgers[i]!.milli, amount: { amountMinor: half(ledgers[i]!.milli, UNIT_CENTS), currency: 'usd' } });
      expect(lines.find((l) => l.kind === 'plan')).toMatchObject({ plan: 'team', quantity: 1, amount: { amountMinor: 4900 } });
      expect(invoice.total.amountMinor).toBe(total(lines.map((l) => l.amount.amountMinor)));
      expect(invoice.amountPaid).toEqual(invoice.total);
      // The month's figures the workspace sees price the same ledger the same way.
      const month = (await billingApi(ws, 'GET', '/billing')).body;
      expect(month.spent.amountMinor).toBe(probeLine.amount.amountMinor + tallyLine.amount.amountMinor);
      invoices.push(invoice);
    }
    // Listed newest first beside the checkout's invoice; a stranger's workspace does not see them.
    const listed = await billingApi(workspaces[0]!.ws, 'GET', '/billing/invoices');
    expect(listed.body.items.map((i: { id: string }) => i.id)[0]).toBe(invoiceIds[0]);
    expect(listed.body.items).toHaveLength(2);
    const other = await newWorkspace(stranger);
    expect(codeOf(await billingApi(other, 'GET', `/billing/invoices/${invoiceIds[0]}`))).toBe('invoice_not_found');

    // CSV and PDF.
    const csv = await billingApi(workspaces[0]!.ws, 'GET', `/billing/invoices/${invoiceIds[0]}/csv`);
    expect(csv.status).toBe(200);
    expect(csv.contentType).toBe('text/csv; charset=utf-8');
    const rows = (csv.body as string).trimEnd().split('\r\n').map((r) => r.split(','));
    const amountAt = rows[0]!.indexOf('amount_minor');
    expect(rows.at(-1)![amountAt]).toBe(String(invoices[0].total.amountMinor));
    expect(total(rows.slice(1, -1).map((r) => Number(r[amountAt])))).toBe(invoices[0].total.amountMinor);
    const pdf = await fetch(`${urls.api}/workspaces/${workspaces[0]!.ws.id}/billing/invoices/${invoiceIds[0]}/pdf`, { headers: { Authorization: `Bearer ${workspaces[0]!.ws.owner.idToken}` } });
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const doc = await PDFDocument.load(new Uint8Array(await pdf.arrayBuffer()));
    expect(doc.getTitle()).toBe(`Invoice ${invoices[0].number}`);
    expect((await apiAs(workspaces[0]!.ws.owner.idToken).call('getInvoicePdf', { params: { wsId: workspaces[0]!.ws.id, invoiceId: invoiceIds[0]! } })).byteLength).toBeGreaterThan(500);

    // Revenue: one sale per paid agent line, shares adding up to the line.
    const agentLines = invoices.flatMap((inv) => (inv.lines as Line[]).filter((l) => l.kind === 'agent' && l.amount.amountMinor > 0).map((l) => ({ ...l, invoiceId: inv.id as string })));
    const grossOf = (agentId: string) => total(agentLines.filter((l) => l.agentId === agentId).map((l) => l.amount.amountMinor));
    const expected = { 'platform-tests': { agentId: 'probe', bps: 8000 }, 'tally-labs': { agentId: 'tally', bps: 7000 } } as const;
    const shareOf = (amount: number, bps: number) => Math.floor((amount * bps * 2 + 10_000) / 20_000);
    const owed: Record<string, number> = {};
    for (const [publisherId, { agentId, bps }] of Object.entries(expected)) {
      const e = await eventually(`${publisherId} revenue`, async () => {
        const found = await earnings(owner.idToken, publisherId);
        return found.entries.filter((x) => invoiceIds.includes(x.invoiceId)).length === agentLines.filter((l) => l.agentId === agentId).length ? found : undefined;
      });
      const sales = e.entries.filter((x) => invoiceIds.includes(x.invoiceId));
      expect(e.shareBps).toBe(bps);
      expect(sales.map((s) => s.id).sort()).toEqual(agentLines.filter((l) => l.agentId === agentId).map((l) => l.id).sort());
      for (const s of sales) {
        expect(s.publisherShare.amountMinor + s.platformShare.amountMinor).toBe(s.gross.amountMinor);
        expect(s.publisherShare.amountMinor).toBe(shareOf(s.gross.amountMinor, bps));
      }
      expect(total(sales.map((s) => s.gross.amountMinor))).toBe(grossOf(agentId));
      owed[publisherId] = total(sales.map((s) => s.publisherShare.amountMinor));
    }
    // 6 runs at $2.50 = $15.00, 80 % = $12.00 (above the $10.00 minimum); 7.25 items at 7 cents, 70 % is cents (below it).
    expect(owed).toEqual({ 'platform-tests': 1200, 'tally-labs': shareOf(18, 7000) + shareOf(33, 7000) });

    // Payouts: the sweep (the watchdog's tick) pays what is settled and above the minimum, once.
    await tickWatchdog();
    await tickWatchdog();
    const payouts = async (publisherId: string) => (await call('GET', `/publishers/${publisherId}/payouts`, { token: owner.idToken })).body.items as { id: string; amount: { amountMinor: number }; status: string; transferId: string | null; entryCount: number }[];
    const paid = await eventually('platform-tests paid out', async () => {
      const items = await payouts('platform-tests');
      return items.length && items.every((p) => p.status === 'paid') ? items : undefined;
    });
    expect(paid).toEqual([expect.objectContaining({ amount: { amountMinor: 1200, currency: 'usd' }, status: 'paid', transferId: expect.stringMatching(/^tr_local_/), entryCount: 3 })]);
    const transfer = (await adminDb.doc(`localStripe/transfers/objects/${paid[0]!.transferId}`).get()).get('object') as { amount: number; destination: string; metadata: Record<string, string> };
    expect(transfer).toMatchObject({ amount: 1200, destination: accounts['platform-tests'], metadata: { publisherId: 'platform-tests', payoutId: paid[0]!.id } });
    expect(await payouts('tally-labs')).toEqual([]);
    const afterPayout = await earnings(owner.idToken, 'platform-tests');
    expect({ settled: afterPayout.settled.amountMinor, paidOut: afterPayout.paidOut.amountMinor }).toEqual({ settled: 0, paidOut: 1200 });
    expect((await earnings(owner.idToken, 'tally-labs')).settled.amountMinor).toBe(owed['tally-labs']);
    const transfers = async () => (await adminDb.collection('localStripe/transfers/objects').where('object.destination', '==', accounts['platform-tests']).get()).size;
    expect(await transfers()).toBe(1);

    // A credit note takes the first invoice back in full: its agent lines' sales are reversed exactly.
    const note = await local.createCreditNote(invoiceIds[0]!, { reason: 'order_change', idempotencyKey: `refund:${invoiceIds[0]}` });
    const reversed = await eventually('reversals', async () => {
      const e = await earnings(owner.idToken, 'platform-tests');
      return e.entries.some((x) => x.kind === 'reversal') ? e : undefined;
    });
    const sale = reversed.entries.find((x) => x.kind === 'sale' && x.invoiceId === invoiceIds[0])!;
    const reversal = reversed.entries.find((x) => x.kind === 'reversal')!;
    expect([reversal.gross, reversal.publisherShare, reversal.platformShare].map((m) => m.amountMinor)).toEqual([sale.gross, sale.publisherShare, sale.platformShare].map((m) => -m.amountMinor));
    // Already paid out: the reversal is owed back, netted from the next payouts.
    expect(reversed.settled.amountMinor).toBe(-sale.publisherShare.amountMinor);
    const tally = await eventually('tally reversal', async () => {
      const e = await earnings(owner.idToken, 'tally-labs');
      return e.entries.some((x) => x.kind === 'reversal') ? e : undefined;
    });
    const tallySale = tally.entries.find((x) => x.kind === 'sale' && x.invoiceId === invoiceIds[0])!;
    expect(tally.settled.amountMinor).toBe(owed['tally-labs']! - tallySale.publisherShare.amountMinor);
    const credited = (await billingApi(workspaces[0]!.ws, 'GET', `/billing/invoices/${invoiceIds[0]}`)).body;
    expect(credited.credited).toEqual(credited.total);

    // Replays change nothing: every event of the invoices and the credit note again, and more ticks.
    const events = (await adminDb.collection('localStripe/events/objects').where('objectId', 'in', [...invoiceIds, note.id]).get()).docs;
    expect(events.map((d) => d.get('type'))).toEqual(expect.arrayContaining(['invoice.created', 'invoice.finalized', 'invoice.paid', 'invoice.payment_failed', 'credit_note.created']));
    for (const d of events) await local.redeliver(d.id);
    await tickWatchdog();
    const again = { probe: await earnings(owner.idToken, 'platform-tests'), tally: await earnings(owner.idToken, 'tally-labs') };
    expect(again.probe.entries).toEqual(reversed.entries);
    expect(again.tally.entries).toEqual(tally.entries);
    expect(await transfers()).toBe(1);

    // To the cent: every entry's shares add to its gross; sales are the paid agent lines; reversals the credit note's agent lines.
    const all = [...again.probe.entries, ...again.tally.entries].filter((x) => invoiceIds.includes(x.invoiceId));
    for (const x of all) expect(x.publisherShare.amountMinor + x.platformShare.amountMinor).toBe(x.gross.amountMinor);
    expect(total(all.filter((x) => x.kind === 'sale').map((x) => x.gross.amountMinor))).toBe(total(agentLines.map((l) => l.amount.amountMinor)));
    expect(total(all.filter((x) => x.kind === 'reversal').map((x) => x.gross.amountMinor))).toBe(-total(agentLines.filter((l) => l.invoiceId === invoiceIds[0]).map((l) => l.amount.amountMinor)));
    expect(total(all.map((x) => x.publisherShare.amountMinor))).toBe(again.probe.settled.amountMinor + again.probe.paidOut.amountMinor + again.tally.settled.amountMinor);

    // A refund without a credit note on the second invoice (a third of it, odd cents): each of its lines takes its proportion, the plan's stays the platform's.
    const second = invoices[1] as { id: string; total: { amountMinor: number }; lines: Line[] };
    const refundMinor = Math.floor(second.total.amountMinor / 3) + 1;
    const refund = await local.refundInvoice(second.id, refundMinor, { idempotencyKey: `refund:${second.id}` });
    const parts = allocate(
      refundMinor,
      second.lines.map((l) => l.amount.amountMinor),
    );
    const afterRefund = await eventually('refund entries', async () => {
      const e = { probe: await earnings(owner.idToken, 'platform-tests'), tally: await earnings(owner.idToken, 'tally-labs') };
      return [...e.probe.entries, ...e.tally.entries].some((x) => x.kind === 'refund') ? e : undefined;
    });
    const refunds = [...afterRefund.probe.entries, ...afterRefund.tally.entries].filter((x) => x.kind === 'refund');
    const agentParts = second.lines.flatMap((l, i) => (l.kind === 'agent' && l.amount.amountMinor > 0 ? [[l.id, -parts[i]!] as const] : []));
    expect(refunds.map((x) => [x.reverses, x.gross.amountMinor]).sort()).toEqual(agentParts.map(([id, minor]) => [id, minor]).sort());
    expect(total(parts)).toBe(refundMinor);
    for (const x of refunds) expect(x.publisherShare.amountMinor + x.platformShare.amountMinor).toBe(x.gross.amountMinor);
    // Replayed, the refund's events change nothing; to the cent, the publishers' entries are their balances.
    const refundEvents = (await adminDb.collection('localStripe/events/objects').where('objectId', 'in', [refund.chargeId, refund.id]).get()).docs;
    expect(refundEvents.map((d) => d.get('type')).sort()).toEqual(['charge.refunded', 'refund.created']);
    for (const d of [...refundEvents].reverse()) await local.redeliver(d.id);
    const final = { probe: await earnings(owner.idToken, 'platform-tests'), tally: await earnings(owner.idToken, 'tally-labs') };
    expect(final.probe.entries).toEqual(afterRefund.probe.entries);
    expect(final.tally.entries).toEqual(afterRefund.tally.entries);
    const everything = [...final.probe.entries, ...final.tally.entries].filter((x) => invoiceIds.includes(x.invoiceId));
    expect(total(everything.map((x) => x.gross.amountMinor))).toBe(total(agentLines.map((l) => l.amount.amountMinor)) - total(agentLines.filter((l) => l.invoiceId === invoiceIds[0]).map((l) => l.amount.amountMinor)) - total(agentParts.map(([, minor]) => -minor)));
    expect(total(everything.map((x) => x.publisherShare.amountMinor))).toBe(final.probe.settled.amountMinor + final.probe.paidOut.amountMinor + final.tally.settled.amountMinor);
  });
});
