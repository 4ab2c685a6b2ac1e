/**
 * The billing page (web/src/pages/billing): a month's usage and spend with its chart and the
 * month picker, a plan bought through the local checkout page and activated by its webhook,
 * spend caps edited from the keyboard, and the run form's price, estimate and 402 refusal.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { launchChromium } from '../support/browser.ts';
import { alertText, browserTest, checkPage, collectErrors, MOBILE, newPage, poll, signInAs, tabTo } from '../support/browserChecks.ts';
import { publishYaml } from '../support/catalog.ts';
import { call } from '../support/http.ts';
import { eventually, publishEvent } from '../support/notify.ts';
import { urls } from '../support/stack.ts';
import { addMember, installAgent, newWorkspace, type TestWorkspace } from '../support/users.ts';

/** The probe at 25 cents a run, as test/e2e/usageMetering.test.ts publishes it. */
const PER_RUN = '1.2.0';
const probeYaml = readFileSync(path.resolve(import.meta.dirname, '../fixtures/agents/probe/agent.yaml'), 'utf8');
const perRunYaml = probeYaml.replace(/^version: .*$/m, `version: ${PER_RUN}`).replace(/^pricing:\n {2}model: free$/m, 'pricing:\n  model: per_run\n  amountCents: 25');

let browser: Browser;
beforeAll(async () => {
  expect(perRunYaml).toContain('model: per_run');
  await publishYaml(perRunYaml);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const monthOf = (d: Date) => d.toISOString().slice(0, 7);
/** Noon on the last day of the previous month (UTC). */
const lastMonthDay = () => new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 0, 12));
const billingOf = async (ws: TestWorkspace, month: string) => (await call('GET', `/workspaces/${ws.id}/billing?month=${month}`, { token: ws.owner.idToken })).body;

/** `runs` run facts of an install at `at`, through the usage-events topic (the ledger records them as it would a run's). */
async function seedRuns(ws: TestWorkspace, installId: string, runs: number, at: Date, tag: string): Promise<void> {
  const runId = `${tag}-${ws.id.slice(0, 6)}`;
  const base = { wsId: ws.id, installId, agentId: 'probe', agentVersion: PER_RUN, runId, attempt: 1, occurredAt: at.toISOString() };
  const facts = [
    { ...base, id: `usage:${runId}:run`, kind: 'run', quantity: runs },
    { ...base, id: `usage:${runId}:compute:1`, kind: 'compute_seconds', quantity: 150 },
  ];
  for (const f of facts) await publishEvent(f, f.id, 'usage-events');
  const month = monthOf(at);
  await eventually(`usage of ${month} recorded`, async () => {
    const b = await billingOf(ws, month);
    return b.installs.some((i: { installId: string; runs: number; computeSeconds: number }) => i.installId === installId && i.runs === runs && i.computeSeconds === 150) ? b : undefined;
  });
}

describe('the billing page', () => {
  it("shows this month's spend per install with a chart at 375 px, and last month's figures from the month picker", browserTest, async () => {
    const ws = await newWorkspace(undefined, 'Spend');
    const installId = await installAgent(ws, 'probe', PER_RUN);
    await seedRuns(ws, installId, 2, new Date(), 'now'); // $0.50
    await seedRuns(ws, installId, 40, lastMonthDay(), 'old'); // $10.00
    await call('PUT', `/workspaces/${ws.id}/billing/spend-cap`, { token: ws.owner.idToken, body: { amountMinor: 2000 } });

    const { context, page } = await newPage(browser, MOBILE);
    const errors = collectErrors(page);
    await signInAs(page, ws.owner, { id: ws.id, name: 'Spend' });
    // The header links to Billing for an owner.
    await poll(() => page.getByRole('link', { name: 'Billing', exact: true }).isVisible()).toBe(true);
    await page.getByRole('link', { name: 'Billing', exact: true }).click();
    await poll(() => page.getByRole('heading', { name: 'Billing: Spend', level: 1 }).count()).toBe(1);
    await poll(() => page.locator('#billing-spent').innerText()).toBe('$0.50');
    expect(await page.locator('#billing-cap').innerText()).toBe('$20.00');
    expect(await page.getByText("$0.50 spent of the workspace's $20.00 monthly cap.").count()).toBe(1);
    const row = page.locator(`#billing-figures tr[data-install="${installId}"]`);
    // Agent, runs, compute time (150 s), units, spent, cap.
    expect((await row.locator('th, td').allInnerTexts()).map((s) => s.trim())).toEqual(['probe', '2', '2.5 min', '0', '$0.50', 'No cap']);
    expect(await page.locator('#billing-plan-name').innerText()).toBe('Free');
    // uPlot drew the spend per install; its summary says it in words.
    await poll(() => page.locator('#chart-install-spend canvas').count()).toBe(1);
    const thisMonth = new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date());
    expect(await page.locator('#chart-install-spend').getAttribute('aria-label')).toBe(`Bar chart: $0.50 spent in ${thisMonth} by 1 install; the most, $0.50, by probe.`);
    await checkPage(page, 'billing-mobile');

    // The picker offers this month and the 11 before; last month's figures are its own.
    const picker = page.getByLabel('Month', { exact: true });
    expect(await picker.locator('option').count()).toBe(12);
    await picker.selectOption(monthOf(lastMonthDay()));
    await poll(() => page.locator('#billing-spent').innerText()).toBe('$10.00');
    expect(await row.locator('td').nth(0).innerText()).toBe('40');
    const lastMonth = new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(lastMonthDay());
    expect(await page.locator('#billing-figures caption').innerText()).toBe(`Spend per install, ${lastMonth}`);
    await poll(() => page.locator('#chart-install-spend').getAttribute('aria-label')).toContain(`$10.00 spent in ${lastMonth}`);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('buys Team through the local checkout page: back on the billing page, the plan is activated and becomes Team', browserTest, async () => {
    const ws = await newWorkspace(undefined, 'Buyer');
    const { context, page } = await newPage(browser);
    await signInAs(page, ws.owner, { id: ws.id, name: 'Buyer' });
    await page.goto(`${urls.web}/#/billing`);
    await poll(() => page.locator('#billing-plan-name').innerText()).toBe('Free');
    // Without a customer there is no portal; without a subscription both plans are offered.
    expect(await page.getByRole('button', { name: 'Manage billing' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Upgrade to Enterprise' }).count()).toBe(1);
    // The provider's webhook may come after the browser is back: the first two reads of the
    // account answer what it was before, as they would then.
    let held = 0;
    await page.route(`**/v1/workspaces/${ws.id}/billing/account`, async (route) => {
      if (held >= 2) return route.continue();
      held++;
      const real = await route.fetch();
      return route.fulfill({ response: real, json: { ...(await real.json()), plan: 'free', subscriptionId: null } });
    });
    await page.getByRole('button', { name: 'Upgrade to Team' }).click();
    // The local stand-in's hosted checkout (functions/src/adapters/billing/localPages.ts).
    await poll(() => page.getByRole('button', { name: 'Pay and subscribe' }).count()).toBe(1);
    expect(page.url()).toContain('/localBilling/checkout/');
    await page.getByRole('button', { name: 'Pay and subscribe' }).click();
    // Back on the app at the provider's return path, shown as the billing page of that workspace.
    await poll(() => page.getByText('Your plan is being activated', { exact: false }).count()).toBe(1);
    expect(new URL(page.url()).hash).toBe('#/billing?checkout=complete');
    await poll(() => page.getByText('Your plan is now Team.').count()).toBe(1);
    expect(held).toBe(2);
    expect(await page.locator('#billing-plan-name').innerText()).toBe('Team');
    expect(await page.getByRole('button', { name: 'Manage billing' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Upgrade to Team' }).count()).toBe(0);
    expect((await call('GET', `/workspaces/${ws.id}/billing/account`, { token: ws.owner.idToken })).body).toMatchObject({ plan: 'team', status: 'active' });
    expect(await alertText(page)).toBe('');
    await context.close();
  });

  it('edits the caps from the keyboard alone; the run form shows the price and estimate, and a run over the cap its 402 with the billing link', browserTest, async () => {
    const ws = await newWorkspace(undefined, 'Capped');
    const installId = await installAgent(ws, 'probe', PER_RUN);
    const { context, page } = await newPage(browser);
    await signInAs(page, ws.owner, { id: ws.id, name: 'Capped' });

    // One run under no cap: its price shows before, its estimate after.
    await page.goto(`${urls.web}/#/workspace`);
    await page.getByRole('button', { name: 'Run now' }).click();
    await poll(() => page.getByText('Price: $0.25 per run.').count()).toBe(1);
    await page.getByRole('button', { name: 'Start run' }).click();
    await poll(() => page.locator('#app-status').innerText()).toContain('Run queued. Estimated cost: $0.25 (per run).');

    await page.goto(`${urls.web}/#/billing`);
    const installCap = page.locator(`#cap-${installId}`);
    await poll(() => installCap.count()).toBe(1);
    // The workspace's cap, then the install's: Tab to each field, type, Enter.
    await tabTo(page, (f) => f.tag === 'INPUT' && f.name.startsWith('Workspace cap'));
    await page.keyboard.type('-1');
    await page.keyboard.press('Enter');
    await poll(() => page.locator('#cap-workspace-error').innerText()).toBe('A cap cannot be negative.');
    expect(await page.locator('#cap-workspace').getAttribute('aria-invalid')).toBe('true');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('12.345');
    await page.keyboard.press('Enter');
    await poll(() => page.locator('#cap-workspace-error').innerText()).toBe('Use at most two decimals (cents).');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('1,024.09');
    await page.keyboard.press('Enter');
    await poll(() => page.locator('#app-status').innerText()).toBe('Workspace cap (USD a month): set to $1,024.09.');
    expect(await page.locator('#cap-workspace').getAttribute('aria-invalid')).toBeNull();

    await tabTo(page, (f) => f.tag === 'INPUT' && f.name === `Cap for probe ${PER_RUN} (USD a month)`);
    await page.keyboard.type('0.10');
    await page.keyboard.press('Enter');
    await poll(() => page.locator('#app-status').innerText()).toBe(`Cap for probe ${PER_RUN} (USD a month): set to $0.10.`);
    // Saved as integer cents read from the digits (1024.09 * 100 is 102408.99999999999 in floats).
    expect((await adminDb.doc(`workspaces/${ws.id}`).get()).get('billing.spendCapMinor')).toBe(102_409);
    expect((await adminDb.doc(`workspaces/${ws.id}/installs/${installId}`).get()).get('spendCapMinor')).toBe(10);
    await poll(() => page.locator('#billing-cap').innerText()).toBe('$1,024.09');

    // A run over the install's cap: the form says why and links to billing.
    await page.goto(`${urls.web}/#/workspace`);
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('button', { name: 'Start run' }).click();
    const refusal = page.locator('.run-refusal');
    await poll(() => refusal.innerText()).toContain('Spend cap reached.');
    expect(await refusal.innerText()).toContain("past its cap of $0.10");
    await checkPage(page, 'billing-run-refused');
    await refusal.getByRole('link', { name: 'Open billing: spend caps and payment' }).click();
    await poll(() => page.getByRole('heading', { name: 'Billing: Capped', level: 1 }).count()).toBe(1);
    await context.close();
  });

  it('shows billing to the roles that read it: admins read only, viewers get no link', browserTest, async () => {
    const ws = await newWorkspace(undefined, 'Roles');
    const admin = await addMember(ws, 'admin');
    const viewer = await addMember(ws, 'viewer');

    const asAdmin = await newPage(browser);
    await signInAs(asAdmin.page, admin, { id: ws.id, name: 'Roles' });
    await poll(() => asAdmin.page.getByRole('link', { name: 'Billing', exact: true }).isVisible()).toBe(true);
    await asAdmin.page.goto(`${urls.web}/#/billing`);
    await poll(() => asAdmin.page.getByText('Only owners and billing members change the plan and the spend caps.').count()).toBe(1);
    expect(await asAdmin.page.getByRole('button', { name: 'Upgrade to Team' }).count()).toBe(0);
    expect(await asAdmin.page.locator('#cap-workspace').count()).toBe(0);
    expect(await asAdmin.page.locator('.caps-list dd[data-cap="workspace"]').innerText()).toBe('No cap');
    await asAdmin.context.close();

    const asViewer = await newPage(browser);
    // The header learns the viewer's role from their list of workspaces: once that is in, the link stays hidden.
    const listed = asViewer.page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/workspaces' && r.request().method() === 'GET', { timeout: 60_000 });
    await signInAs(asViewer.page, viewer, { id: ws.id, name: 'Roles' });
    const response = await listed;
    expect(response.status()).toBe(200);
    await response.finished();
    await poll(() => asViewer.page.getByRole('link', { name: 'Settings', exact: true }).count()).toBe(1);
    expect(await asViewer.page.locator('#header a[href="#/billing"]').count()).toBe(1);
    expect(await asViewer.page.locator('#header a[href="#/billing"]').isVisible()).toBe(false);
    await asViewer.page.goto(`${urls.web}/#/billing`);
    await poll(() => asViewer.page.getByText('Your role in this workspace does not include billing.', { exact: false }).count()).toBe(1);
    await asViewer.context.close();
  });
});
