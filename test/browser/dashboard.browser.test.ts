/**
 * The dashboard: the run history over more runs than a page, filtered by install and by state
 * (the API's filters), the workspace switcher, and the metrics with their charts.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { launchChromium } from '../support/browser.ts';
import { alertText, browserTest, checkPage, collectErrors, expectAccessible, newPage, poll, signInAs } from '../support/browserChecks.ts';
import { urls } from '../support/stack.ts';
import { installAgent, newWorkspace, signUp } from '../support/users.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** A finished run as the run engine leaves it (the fields of test/support/runs.ts), written straight into the emulator. */
async function seedRun(wsId: string, installId: string, agentId: string, state: string, createdAt: Date): Promise<void> {
  const id = randomBytes(8).toString('hex');
  await adminDb.doc(`workspaces/${wsId}/runs/${id}`).set({
    id, wsId, installId, agentId, agentVersion: '1.1.0', state, attempt: 1, trigger: { kind: 'schedule', by: 'scheduler' }, input: {},
    createdAt, updatedAt: createdAt, startedAt: createdAt, finishedAt: new Date(createdAt.getTime() + 1500), heartbeatAt: null,
    progress: null, outputs: null, error: state === 'failed' ? { code: 'agent_error', message: 'boom' } : null, eventCount: 5, lease: null, executionId: 'seeded',
    timeoutSeconds: 300, maxAttempts: 1, backoffSeconds: 30, deadlineAt: null, watchAt: null, slots: [], redeliveries: 0, usage: null,
  });
}

/**
 * Two days of history (which the suite cannot produce in seconds), in the metrics endpoint's
 * schema (MetricsOut), served to this page; the journey test reads the real endpoint.
 */
async function serveMetrics(page: Page, wsId: string, installId: string): Promise<void> {
  const today = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const daily = [{ date: yesterday, runs: 5, succeeded: 5, failed: 0 }, { date: today, runs: 7, succeeded: 5, failed: 1 }];
  const counts = { runs: 12, succeeded: 10, failed: 1, canceled: 1, timedOut: 0, successRate: 10 / 11, durationP50Ms: 1200, durationP95Ms: 4100, lastRunAt: new Date().toISOString(), daily };
  const metrics = {
    workspace: { ...counts, activeRuns: 0, runsThisMonth: 12, limits: { runsPerMonth: 1000, concurrentRuns: 5 } },
    installs: [{ installId, agentId: 'cost-anomaly-detector', ...counts }],
    agents: [{ agentId: 'cost-anomaly-detector', ...counts }],
  };
  await page.route(`**/v1/workspaces/${wsId}/metrics`, (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(metrics) }));
}

describe('the dashboard', () => {
  it('filters the run history by install and by state; switches workspace', browserTest, async () => {
    const owner = await signUp('dash');
    const ws = await newWorkspace(owner, 'Dash');
    const other = await newWorkspace(owner, 'Other');
    const cost = await installAgent(ws, 'cost-anomaly-detector');
    const certs = await installAgent(ws, 'cert-expiry-watcher');
    const t0 = Date.now() - 3_600_000;
    // 60 runs of the cost detector, newest first: the 5 oldest failed. 3 of the certificate watcher, newest of all.
    for (let i = 0; i < 60; i++) await seedRun(ws.id, cost, 'cost-anomaly-detector', i >= 55 ? 'failed' : 'succeeded', new Date(t0 - i * 60_000));
    for (let i = 0; i < 3; i++) await seedRun(ws.id, certs, 'cert-expiry-watcher', 'succeeded', new Date(t0 + (i + 1) * 60_000));

    const { context, page } = await newPage(browser);
    const errors = collectErrors(page);
    await signInAs(page, owner, { id: ws.id, name: 'Dash' });
    await page.goto(`${urls.web}/#/workspace`);
    await poll(() => page.getByText('Showing 25 runs (more below).').count()).toBe(1);
    await poll(() => page.locator('.install-card').count()).toBe(2);

    // The failures are the oldest runs; the API's state filter finds them.
    await page.getByLabel('State', { exact: true }).selectOption('failed');
    await poll(() => page.getByText('Showing 5 runs.').count()).toBe(1);
    expect(await page.locator('#runs-list li[data-state="failed"]').count()).toBe(5);
    expect(await page.getByRole('button', { name: 'Load more' }).isHidden()).toBe(true);

    // The install filter asks the API for that install's runs only.
    await page.getByLabel('State', { exact: true }).selectOption('');
    await page.getByLabel('Install', { exact: true }).selectOption({ label: 'cert-expiry-watcher (1.0.0)' });
    await poll(() => page.getByText('Showing 3 runs.').count()).toBe(1);
    expect(await page.locator('#runs-list').innerText()).not.toContain('cost-anomaly-detector');
    await checkPage(page, 'dashboard-history');

    // The header's switcher lists the user's workspaces; choosing one opens its dashboard.
    await page.getByLabel('Workspace', { exact: true }).selectOption({ label: 'Other' });
    await poll(() => page.getByRole('heading', { name: 'Dashboard: Other', level: 1 }).count()).toBe(1);
    await poll(() => page.getByText('No agents are installed here yet.').count()).toBe(1);
    expect(await page.getByLabel('Workspace', { exact: true }).inputValue()).toBe(other.id);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('while the run history and the approvals inbox load, their lists hold only list items (the wait is said in the status line)', browserTest, async () => {
    const owner = await signUp('waiting');
    const ws = await newWorkspace(owner, 'Waiting');
    await installAgent(ws, 'idle-vm-reaper');
    const { context, page } = await newPage(browser);
    // Both first pages are held until axe has looked at the page.
    const held: (() => void)[] = [];
    for (const list of ['runs', 'approvals']) {
      await page.route(`**/v1/workspaces/${ws.id}/${list}?*`, (route) => new Promise<void>((resolve) => held.push(() => resolve(route.continue()))));
    }
    await signInAs(page, owner, { id: ws.id, name: 'Waiting' });
    await page.goto(`${urls.web}/#/workspace`);
    await poll(() => page.locator('#runs-list').count()).toBe(1);
    await poll(() => page.getByText('Loading').count()).toBeGreaterThan(0);
    await expectAccessible(page, 'dashboard-loading');
    expect(await page.locator('#runs-list > :not(li)').count()).toBe(0);
    await page.goto(`${urls.web}/#/approvals`);
    await poll(() => page.locator('#approvals-list').count()).toBe(1);
    await expectAccessible(page, 'approvals-loading');
    expect(await page.locator('#approvals-list > :not(li)').count()).toBe(0);
    for (const release of held) release();
    await context.close();
  });

  it('draws the metrics: totals against limits, per-install figures, and two charts with their data as a table', browserTest, async () => {
    const owner = await signUp('metrics');
    const ws = await newWorkspace(owner, 'Metrics');
    const installId = await installAgent(ws, 'cost-anomaly-detector');
    const today = new Date().toISOString().slice(0, 10);
    const { context, page } = await newPage(browser);
    await serveMetrics(page, ws.id, installId);
    await signInAs(page, owner, { id: ws.id, name: 'Metrics' });
    await page.goto(`${urls.web}/#/workspace`);
    const stats = page.locator('.stats');
    await poll(() => stats.innerText()).toContain('90.9%');
    expect(await stats.innerText()).toMatch(/12\s+Runs/);
    expect(await stats.innerText()).toContain('1.2 sec');
    expect(await stats.innerText()).toContain('4.1 sec');
    expect(await page.locator('#dash-metrics').locator('xpath=..').innerText()).toContain('12 of 1,000');
    // uPlot drew both charts; each has a text summary.
    await poll(() => page.locator('#chart-daily-runs canvas').count()).toBe(1);
    expect(await page.locator('#chart-success-rate canvas').count()).toBe(1);
    expect(await page.locator('#chart-daily-runs').getAttribute('aria-label')).toBe('Bar chart: 12 runs over the last 30 days, 1 of them failed.');
    expect(await page.locator('#chart-success-rate').getAttribute('aria-label')).toBe('Line chart: the daily success rate ranged from 83.3% to 100%.');
    await page.getByText('Show the figures as a table').click();
    expect(await page.locator('.chart-data tbody tr').count()).toBe(2);
    expect(await page.locator('.chart-data thead th').allInnerTexts()).toEqual(['Date', 'Runs', 'Succeeded', 'Failed']);
    expect(await page.locator('.chart-data tbody tr').first().innerText()).toMatch(new RegExp(`^${today}\\s+7\\s+5\\s+1$`));
    expect(await page.locator('.install-card').innerText()).toContain('12 runs, 90.9% succeeded');
    await checkPage(page, 'dashboard-metrics');
    await context.close();
  });

  it('draws its charts when the browser reports an invalid locale (a Linux desktop on the C locale: en-US@posix)', browserTest, async () => {
    const owner = await signUp('posix');
    const ws = await newWorkspace(owner, 'Posix');
    const installId = await installAgent(ws, 'cost-anomaly-detector');
    const { context, page } = await newPage(browser);
    // What Chromium reports under LANG=C.UTF-8; every Intl constructor refuses it.
    await page.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'language', { get: () => 'en-US@posix', configurable: true });
      Object.defineProperty(Navigator.prototype, 'languages', { get: () => ['en-US@posix'], configurable: true });
    });
    const errors = collectErrors(page);
    await serveMetrics(page, ws.id, installId);
    await signInAs(page, owner, { id: ws.id, name: 'Posix' });
    await page.goto(`${urls.web}/#/workspace`);
    // The browser's own answer is the invalid tag (the app may repair what it hands to libraries).
    expect(await page.evaluate(() => Object.getOwnPropertyDescriptor(Navigator.prototype, 'language')!.get!.call(navigator))).toBe('en-US@posix');
    await poll(() => page.locator('.stats').innerText()).toContain('90.9%');
    await poll(() => page.locator('#chart-daily-runs canvas').count()).toBe(1);
    expect(await page.locator('#chart-success-rate canvas').count()).toBe(1);
    // Pointing at the last bar (today) shows its day and counts in the legend, in the app's locale (en-US here).
    const over = page.locator('#chart-daily-runs .u-over');
    const box = (await over.boundingBox())!;
    await over.hover({ position: { x: box.width - 4, y: box.height / 2 } });
    const day = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date());
    await poll(() => page.locator('#chart-daily-runs .u-legend').innerText()).toContain(day);
    expect(await page.locator('#chart-daily-runs .u-legend').innerText()).toMatch(/7[\s\S]*1/);
    expect(await page.locator('.stats').innerText()).toContain('1.2 sec');
    expect(await page.locator('#dash-metrics').locator('xpath=..').innerText()).toContain('12 of 1,000');
    expect(await alertText(page)).toBe('');
    expect(errors).toEqual([]);
    await checkPage(page, 'dashboard-posix-locale');
    await context.close();
  });
});
