/**
 * The run view's log viewer with 100,000 lines delivered by the real Firestore listeners:
 * the DOM holds only the rows in view whatever the size, the tail is followed, and scrolling,
 * the level filter and the search work on the whole log. Lines are written as the runner's
 * ingestion writes them (chunk documents of up to 1,000 lines), straight into the emulator.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { launchChromium } from '../support/browser.ts';
import { browserTest, checkPage, collectErrors, newPage, poll, signInAs } from '../support/browserChecks.ts';
import { seedStartingRun } from '../support/runs.ts';
import { urls } from '../support/stack.ts';
import { newWorkspace, signUp } from '../support/users.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const LINES_PER_CHUNK = 1000;
const level = (i: number) => (i % 100 === 0 ? 'error' : i % 10 === 0 ? 'warn' : 'info');

async function writeChunks(wsId: string, runId: string, from: number, count: number): Promise<void> {
  const logs = adminDb.collection(`workspaces/${wsId}/runs/${runId}/logs`);
  const writer = adminDb.bulkWriter();
  const t0 = Date.parse('2026-11-26T08:00:00Z');
  for (let seq = from; seq < from + count; seq++) {
    const lines = Array.from({ length: LINES_PER_CHUNK }, (_, k) => {
      const i = seq * LINES_PER_CHUNK + k;
      return { ts: new Date(t0 + i).toISOString(), level: level(i), msg: i === 73_210 ? `line ${i} carries the needle zq7` : `line ${i}.` };
    });
    void writer.create(logs.doc(String(seq).padStart(10, '0')), { seq, attempt: 1, lines, receivedAt: new Date() });
  }
  await writer.close();
}

const rowCount = (page: Page) => page.locator('.log-rows .log-row').count();
const rowsText = (page: Page) => page.locator('.log-rows').innerText();
const countText = (page: Page) => page.locator('.log-viewer [role="status"]').innerText();

describe('the log viewer', () => {
  it('holds 100,000 lines with a bounded DOM: follows the tail, scrolls, filters and searches; live progress; Cancel', browserTest, async () => {
    const owner = await signUp('logs');
    const ws = await newWorkspace(owner, 'Logs');
    const { runId } = await seedStartingRun(ws.id, { agentId: 'cost-anomaly-detector', agentVersion: '1.1.0', by: owner.uid });
    const runDoc = adminDb.doc(`workspaces/${ws.id}/runs/${runId}`);
    await runDoc.update({ state: 'running', startedAt: new Date(), progress: { percent: 42, message: 'Reading log shard 42' } });
    await writeChunks(ws.id, runId, 0, 100);

    const { context, page } = await newPage(browser);
    const errors = collectErrors(page);
    await signInAs(page, owner, { id: ws.id, name: 'Logs' });
    await page.goto(`${urls.web}/#/runs/${ws.id}/${runId}`);
    await poll(() => countText(page)).toBe('100,000 lines.');

    // Progress is live too: the bar follows the run document.
    expect(await page.getByLabel('Progress: 42%').getAttribute('value')).toBe('42');
    expect(await page.getByText('Reading log shard 42').count()).toBe(1);
    await runDoc.update({ progress: { percent: 80, message: 'Reading log shard 80' } });
    await poll(() => page.getByLabel('Progress: 80%').getAttribute('value')).toBe('80');
    expect(await page.getByRole('button', { name: 'Cancel run' }).isVisible()).toBe(true);

    // Following the tail: the last line is in view, and only a screenful of rows exists.
    await poll(() => rowsText(page)).toContain('line 99999.');
    const inDom = await rowCount(page);
    expect(inDom).toBeGreaterThan(10);
    expect(inDom).toBeLessThan(80);

    // Scrolling to the middle (as a reader would, by the scrollbar): that part is built, no more.
    await page.locator('.log-viewport').evaluate((el: { scrollTop: number }) => {
      el.scrollTop = 50_000 * 20;
    });
    await poll(() => rowsText(page)).toContain('line 50000.');
    expect(await rowCount(page)).toBeLessThan(80);
    expect(await page.getByLabel('Follow new lines').isChecked()).toBe(false);

    // More lines while the reader is elsewhere: they are counted, the view stays where it is.
    await writeChunks(ws.id, runId, 100, 5);
    await poll(() => countText(page)).toBe('105,000 lines.');
    expect(await rowsText(page)).toContain('line 50000.');
    expect(await rowCount(page)).toBeLessThan(80);

    // Follow again: back at the (new) tail.
    await page.getByLabel('Follow new lines').check();
    await poll(() => rowsText(page)).toContain('line 104999.');

    // The level filter: every 100th line is an error.
    await page.getByLabel('Level').selectOption('error');
    await poll(() => countText(page)).toBe('1,050 of 105,000 lines match.');
    expect(await page.locator('.log-rows .level-info, .log-rows .level-warn').count()).toBe(0);

    // The search, over all levels: one line carries the needle, highlighted.
    await page.getByLabel('Level').selectOption('debug');
    await page.getByLabel('Search the logs').fill('NEEDLE zq7');
    await poll(() => countText(page)).toBe('1 of 105,000 lines match.');
    expect(await page.locator('.log-rows mark').innerText()).toBe('needle zq7');
    expect(await rowsText(page)).toContain('line 73210 carries the needle zq7');
    await page.getByLabel('Search the logs').fill('');
    await poll(() => countText(page)).toBe('105,000 lines.');

    // Cancel, through the API; the new state arrives through the listener.
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await poll(() => page.locator('.state-line .state-canceled').count()).toBe(1);
    await poll(() => page.getByText('Cancel requested.').count()).toBe(1);
    await poll(() => page.locator('.run-note').innerText()).toBe('Canceled: The run was canceled.');
    expect(await page.getByRole('button', { name: 'Cancel run' }).isHidden()).toBe(true);

    // The whole page stays a page: the DOM did not grow with the log.
    expect(await page.locator('*').count()).toBeLessThan(1000);
    await checkPage(page, 'run-logs-105k');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows a timed-out run with its error, and no Cancel once a run has finished', browserTest, async () => {
    const owner = await signUp('timeout');
    const ws = await newWorkspace(owner, 'Timeouts');
    const { runId } = await seedStartingRun(ws.id, { agentId: 'cost-anomaly-detector', agentVersion: '1.1.0', by: owner.uid });
    await adminDb.doc(`workspaces/${ws.id}/runs/${runId}`).update({
      state: 'timed_out',
      startedAt: new Date(Date.now() - 300_000),
      finishedAt: new Date(),
      error: { code: 'timeout', message: 'The run exceeded its 300 s limit.' },
    });
    const { context, page } = await newPage(browser);
    await signInAs(page, owner, { id: ws.id, name: 'Timeouts' });
    await page.goto(`${urls.web}/#/runs/${ws.id}/${runId}`);
    await poll(() => page.locator('.state-line .state-timed_out').innerText()).toBe('Timed out');
    expect(await page.locator('.run-error').innerText()).toBe('Timed out (timeout): The run exceeded its 300 s limit.');
    expect(await page.getByRole('button', { name: 'Cancel run' }).isHidden()).toBe(true);
    await context.close();
  });
});
