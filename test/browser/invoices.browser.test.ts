/**
 * Invoices on the billing page and a publisher's earnings page (web/src/pages/billing/
 * invoicesSection.ts, web/src/pages/publisher/earningsPage.ts): a workspace on the team plan
 * makes a paid run, its billing period is closed and paid with the local stand-in (as
 * test/e2e/billingMonth.test.ts does), the invoice is listed with its lines and its PDF and
 * CSV download; the receipt agent's publisher, owned by the test user, shows the sale split 80/20,
 * onboards for payouts through the stand-in's page, and after the sweep shows the payout.
 * Anyone else sees "not found".
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FieldValue } from 'firebase-admin/firestore';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { billingApi, checkout } from '../support/billing.ts';
import { launchChromium } from '../support/browser.ts';
import { browserTest, checkPage, collectErrors, MOBILE, newPage, poll, signInAs } from '../support/browserChecks.ts';
import { publishYaml } from '../support/catalog.ts';
import { call } from '../support/http.ts';
import { eventually, sleep } from '../support/notify.ts';
import { finished, tickWatchdog, trigger, waitFor } from '../support/probe.ts';
import { runAsFunctions, urls } from '../support/stack.ts';
import { installAgent, newWorkspace, signUp, type TestWorkspace } from '../support/users.ts';

runAsFunctions();
const { LocalBillingProvider } = await import('../../functions/src/adapters/billing/localProvider.ts');
const secret = /^STRIPE_WEBHOOK_SECRET=(.*)$/m.exec(readFileSync(path.resolve(import.meta.dirname, '../../functions/.secret.local'), 'utf8'))![1]!;
const local = new LocalBillingProvider({ webhookUrl: `${urls.functionsBase}/stripeWebhook`, pagesUrl: `${urls.functionsBase}/localBilling`, webhookSecret: () => secret });

/** The receipt agent (publisher receipt-tests, which no other test bills) at $15.00 a run: one run's 80 % ($12.00) is above the $10.00 payout minimum. */
const PER_RUN = '1.7.0';
const RUN_CENTS = 1500;
const PUBLISHER = 'receipt-tests';
const receiptYaml = readFileSync(path.resolve(import.meta.dirname, '../fixtures/agents/receipt/agent.yaml'), 'utf8');
const perRunYaml = receiptYaml.replace(/^version: .*$/m, `version: ${PER_RUN}`).replace(/^pricing:\n {2}model: free$/m, `pricing:\n  model: per_run\n  amountCents: ${RUN_CENTS}`);

interface Line {
  id: string;
  kind: string;
  agentId: string | null;
  amount: { amountMinor: number };
}

let browser: Browser;
beforeAll(async () => {
  expect(perRunYaml).toContain(`amountCents: ${RUN_CENTS}`);
  await publishYaml(perRunYaml);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** A workspace on the team plan with one paid run, its period closed into a paid invoice. */
async function billedWorkspace(): Promise<{ ws: TestWorkspace; invoice: { id: string; number: string | null; total: { amountMinor: number }; lines: Line[] } }> {
  const ws = await newWorkspace(undefined, 'Invoiced');
  const { subscriptionId } = await checkout(ws, 'team');
  const installId = await installAgent(ws, 'receipt', PER_RUN);
  const run = (await trigger(ws, installId, {})).body.id as string;
  expect((await waitFor(ws, run, finished)).state).toBe('succeeded');
  const facts = async () => (await adminDb.collection(`workspaces/${ws.id}/usage`).where('kind', '==', 'run').get()).docs.map((d) => d.data());
  await eventually('the run in the ledger', async () => ((await facts()).length === 1 ? true : undefined), 90_000);
  await eventually('usage reported to the meter', async () => {
    await tickWatchdog();
    return (await facts()).every((f) => f['reportedAt']) ? true : undefined;
  }, 60_000);
  await sleep(1100); // the meter event's second is inside the period
  const { invoiceId } = await local.closePeriod(subscriptionId, { outcome: 'pay' });
  const invoice = await eventually('the invoice paid', async () => {
    const r = await billingApi(ws, 'GET', `/billing/invoices/${invoiceId}`);
    return r.status === 200 && r.body.status === 'paid' ? r.body : undefined;
  });
  return { ws, invoice };
}

const cells = async (page: Page, selector: string) => (await page.locator(selector).locator('th, td').allInnerTexts()).map((s) => s.trim());

describe('invoices and publisher earnings', () => {
  it('lists the invoice with its lines, downloads its PDF and CSV; the publisher sees the 80/20 sale, onboards, and the payout after the sweep; others see not found', { timeout: 400_000 }, async () => {
    const { ws, invoice } = await billedWorkspace();
    const agentLine = invoice.lines.find((l) => l.kind === 'agent' && l.agentId === 'receipt')!;
    expect(agentLine.amount.amountMinor).toBe(RUN_CENTS);
    const label = invoice.number ?? invoice.id;

    const { context, page } = await newPage(browser, MOBILE);
    const errors = collectErrors(page);
    await signInAs(page, ws.owner, { id: ws.id, name: 'Invoiced' });
    await page.goto(`${urls.web}/#/billing`);
    const item = page.locator(`#invoice-list li[data-invoice="${invoice.id}"]`);
    await poll(() => item.count()).toBe(1);
    // The checkout's first invoice is listed too, below this one (newest first).
    expect(await page.locator('#invoice-list li.invoice').first().getAttribute('data-invoice')).toBe(invoice.id);
    expect(await item.getByRole('heading', { level: 3 }).innerText()).toBe(`Invoice ${label}`);
    expect(await item.locator('.badge').innerText()).toBe('Paid');
    expect(await item.locator('.invoice-total').innerText()).toBe('$64.00'); // Team $49.00 + one run $15.00

    // The lines are behind a disclosure: closed, then open from the keyboard.
    const lines = item.locator('table.invoice-lines');
    expect(await lines.isVisible()).toBe(false);
    await item.locator('summary').focus();
    await page.keyboard.press('Enter');
    await poll(() => lines.isVisible()).toBe(true);
    expect(await cells(page, `#invoice-list li[data-invoice="${invoice.id}"] tr[data-line="${agentLine.id}"]`)).toEqual(['Agent receipt', 'am_runs_receipt', '1', '$15.00']);
    expect(await cells(page, `#invoice-list li[data-invoice="${invoice.id}"] tr[data-kind="plan"]`)).toEqual(['Plan: Team', 'None (monthly price)', '1', '$49.00']);
    await checkPage(page, 'invoices-billing');

    // The PDF and the CSV, fetched with the user's token and saved as files.
    const [pdf] = await Promise.all([page.waitForEvent('download'), item.getByRole('button', { name: 'Download PDF' }).click()]);
    expect(pdf.suggestedFilename()).toBe(`${label}.pdf`);
    expect(readFileSync((await pdf.path())!).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const [csv] = await Promise.all([page.waitForEvent('download'), item.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(csv.suggestedFilename()).toBe(`${label}.csv`);
    const rows = readFileSync((await csv.path())!, 'utf8').trimEnd().split('\r\n').map((r) => r.split(','));
    const amountAt = rows[0]!.indexOf('amount_minor');
    expect(amountAt).toBeGreaterThanOrEqual(0);
    expect(rows.slice(1, -1).map((r) => Number(r[amountAt])).sort((a, b) => a - b)).toEqual(invoice.lines.map((l) => l.amount.amountMinor).sort((a, b) => a - b));
    expect(rows.at(-1)![amountAt]).toBe(String(invoice.total.amountMinor));
    await poll(() => page.locator('#app-status').innerText()).toBe(`Downloaded ${label}.csv.`);
    expect(errors).toEqual([]);

    // The publisher's earnings: the test user becomes an owner (platform admins write ownerUids).
    await adminDb.doc(`publishers/${PUBLISHER}`).set({ ownerUids: FieldValue.arrayUnion(ws.owner.uid) }, { merge: true });
    const earnings = async () => (await call('GET', `/publishers/${PUBLISHER}/earnings?limit=100`, { token: ws.owner.idToken })).body as { entries: { id: string; payoutId: string | null }[] };
    await eventually('the revenue entry', async () => ((await earnings()).entries.some((e) => e.id === agentLine.id) ? true : undefined));
    // From the account page, by the publisher's id.
    await page.goto(`${urls.web}/#/account`);
    await page.getByLabel('Publisher id').fill(PUBLISHER);
    await page.getByRole('button', { name: 'Open earnings' }).click();
    await poll(() => page.getByRole('heading', { name: `Earnings: ${PUBLISHER}`, level: 1 }).count()).toBe(1);
    expect(new URL(page.url()).hash).toBe(`#/publishers/${PUBLISHER}/earnings`);
    const entryRow = `#earnings-entries tr[data-entry="${agentLine.id}"]`;
    expect((await cells(page, entryRow)).slice(1)).toEqual(['Sale', invoice.id, 'receipt', '$15.00', '$12.00', '$3.00']);
    expect(await page.getByText('Your share is 80% of each paid agent line', { exact: false }).count()).toBe(1);
    await checkPage(page, 'invoices-earnings');

    // Payout onboarding through the stand-in's page, back on this page; then the sweep pays.
    expect(await page.locator('#payout-account-state').innerText()).toBe('To be paid, set up a payout account with the payment provider.');
    await page.getByRole('button', { name: 'Set up payouts' }).click();
    await poll(() => page.getByRole('button', { name: 'Submit details' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Submit details' }).click();
    await poll(() => page.locator('#payout-account-state').count()).toBe(1);
    expect(new URL(page.url()).hash).toBe(`#/publishers/${PUBLISHER}/earnings?onboarding=complete`);
    // The stand-in enables payouts with the details; the page reads the account's state from the earnings.
    await eventually('payouts enabled', async () => ((await adminDb.doc(`publishers/${PUBLISHER}`).get()).get('payoutAccount.payoutsEnabled') === true ? true : undefined));
    await page.reload();
    await poll(() => page.locator('#payout-account-state').innerText()).toContain('Payouts are enabled for this account');
    const payoutId = await eventually('the entry paid out', async () => {
      await tickWatchdog();
      return (await earnings()).entries.find((e) => e.id === agentLine.id)?.payoutId ?? undefined;
    }, 60_000);
    const payout = await eventually('the payout paid', async () => {
      const items = (await call('GET', `/publishers/${PUBLISHER}/payouts`, { token: ws.owner.idToken })).body.items as { id: string; status: string; transferId: string; amount: { amountMinor: number } }[];
      const found = items.find((p) => p.id === payoutId);
      return found?.status === 'paid' ? found : undefined;
    });
    expect(payout.amount.amountMinor).toBeGreaterThanOrEqual(1200);
    await page.reload();
    const payoutRow = `#earnings-payouts tr[data-payout="${payoutId}"]`;
    await poll(() => page.locator(payoutRow).count()).toBe(1);
    const [, amount, status, transfer] = await cells(page, payoutRow);
    expect([amount, status, transfer]).toEqual([`$${(payout.amount.amountMinor / 100).toFixed(2)}`, 'Paid', payout.transferId]);
    expect(payout.transferId).toMatch(/^tr_local_/);
    expect(await page.locator('#payout-account-state').innerText()).toContain('Payouts are enabled for this account');
    expect(await page.locator('#earnings-paid-out').innerText()).not.toBe('$0.00');
    // A refund of $3.00 without a credit note after the payout: the agent line's proportion of it is a new entry, owed back from the next payout.
    await local.refundInvoice(invoice.id, 300, { idempotencyKey: `browser-refund:${invoice.id}` });
    await page.reload();
    const refundRow = `#earnings-entries tr[data-kind="refund"][data-reverses="${agentLine.id}"]`;
    await poll(() => page.locator(refundRow).count()).toBe(1);
    const [, kind, refundInvoice, , gross, share] = await cells(page, refundRow);
    expect([kind, refundInvoice]).toEqual(['Refund adjustment', invoice.id]);
    expect(gross).toMatch(/^-\$0\.\d\d$/);
    expect(share).toMatch(/^-\$0\.\d\d$/);
    expect(await page.locator('#main').innerText()).not.toMatch(/\b(null|undefined|NaN)\b/);
    await checkPage(page, 'invoices-earnings-paid');
    expect(errors).toEqual([]);
    await context.close();

    // Someone who does not own the publisher: not found, plainly.
    const stranger = await signUp('stranger');
    const other = await newPage(browser, MOBILE);
    await signInAs(other.page, stranger);
    await other.page.goto(`${urls.web}/#/publishers/${PUBLISHER}/earnings`);
    await poll(() => other.page.getByRole('heading', { name: 'Publisher not found', level: 1 }).count()).toBe(1);
    expect(await other.page.locator('#earnings-not-found').innerText()).toContain(`There is no publisher ${PUBLISHER} that you own.`);
    expect(await other.page.locator('#earnings-entries').count()).toBe(0);
    await checkPage(other.page, 'invoices-earnings-not-found');
    await other.context.close();
  });

  it('says when the first invoice comes to a workspace without one; the account page refuses a malformed publisher id', browserTest, async () => {
    const ws = await newWorkspace(undefined, 'Fresh');
    const { context, page } = await newPage(browser, MOBILE);
    const errors = collectErrors(page);
    await signInAs(page, ws.owner, { id: ws.id, name: 'Fresh' });
    await page.goto(`${urls.web}/#/billing`);
    await poll(() => page.locator('#invoices-empty').count()).toBe(1);
    expect(await page.locator('#invoices-empty').innerText()).toContain('An invoice is made at the end of each billing period');
    expect(await page.locator('#invoice-list').count()).toBe(0);

    await page.goto(`${urls.web}/#/account`);
    await page.getByLabel('Publisher id').fill('Not An Id');
    await page.keyboard.press('Enter');
    await poll(() => page.locator('#publisher-id-error').innerText()).toBe('A publisher id is lowercase letters, digits and dashes, starting with a letter.');
    expect(await page.getByLabel('Publisher id').getAttribute('aria-invalid')).toBe('true');
    expect(new URL(page.url()).hash).toBe('#/account');
    await checkPage(page, 'invoices-account-form');
    expect(errors).toEqual([]);
    await context.close();
  });
});
