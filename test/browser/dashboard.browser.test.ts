/**
 * The dashboard's run history over more runs than a page: the install filter (the API's) and
 * the state filter, which loads further pages by itself to find matching runs.
 */
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { launchChromium } from '../support/browser.ts';
import { checkPage, collectErrors, newPage, notYetServed, poll, signInAs } from '../support/browserChecks.ts';
import { urls } from '../support/stack.ts';
import { installAgent, newWorkspace, signUp } from '../support/users.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** A finished run as the run engine leaves it, written straight into the emulator. */
async function seedRun(wsId: string, installId: string, agentId: string, state: string, createdAt: Date): Promise<void> {
  const id = randomBytes(8).toString('hex');
  await adminDb.doc(`workspaces/${wsId}/runs/${id}`).set({
    id, wsId, installId, agentId, agentVersion: '1.1.0', state, attempt: 1, trigger: { kind: 'schedule', by: 'scheduler' }, input: {},
    createdAt, updatedAt: createdAt, startedAt: createdAt, finishedAt: new Date(createdAt.getTime() + 1500), heartbeatAt: null,
    progress: null, outputs: null, error: state === 'failed' ? { code: 'agent_error', message: 'boom' } : null, eventCount: 5, lease: null, executionId: 'seeded',
  });
}

describe('the dashboard', () => {
  it('filters the run history by install and by state, loading pages to find matches; switches workspace', { timeout: 60_000 }, async () => {
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
    await poll(() => page.getByText('Showing 25 of 25 loaded runs.').count()).toBe(1);
    expect(await page.locator('.install-card').count()).toBe(2);

    // The failures are on the third page: the filter fetches until it has them all.
    await page.getByLabel('State', { exact: true }).selectOption('failed');
    await poll(() => page.getByText('Showing 5 of 63 loaded runs.').count()).toBe(1);
    expect(await page.locator('#runs-list li[data-state="failed"]').count()).toBe(5);
    expect(await page.getByRole('button', { name: 'Load more' }).isHidden()).toBe(true);

    // The install filter asks the API for that install's runs only.
    await page.getByLabel('State', { exact: true }).selectOption('');
    await page.getByLabel('Install', { exact: true }).selectOption({ label: 'cert-expiry-watcher (1.0.0)' });
    await poll(() => page.getByText('Showing 3 of 3 loaded runs.').count()).toBe(1);
    expect(await page.locator('#runs-list').innerText()).not.toContain('cost-anomaly-detector');
    await checkPage(page, 'dashboard-history');

    // The header's switcher lists the user's workspaces; choosing one opens its dashboard.
    await page.getByLabel('Workspace', { exact: true }).selectOption({ label: 'Other' });
    await poll(() => page.getByRole('heading', { name: 'Dashboard: Other', level: 1 }).count()).toBe(1);
    await poll(() => page.getByText('No agents are installed here yet.').count()).toBe(1);
    expect(await page.getByLabel('Workspace', { exact: true }).inputValue()).toBe(other.id);
    expect(errors.filter((e) => !notYetServed(e))).toEqual([]);
    await context.close();
  });
});
