/**
 * The run view's two transports. With the Firestore emulator blocked for the page (as a
 * proxy might), the page says it falls back to the API's event stream and still shows the
 * run reaching `succeeded` with its logs; with Firestore reachable it never opens the stream.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { alertText, browserTest, checkPage, collectErrors, newPage, poll, signInAs } from '../support/browserChecks.ts';
import { stack, urls } from '../support/stack.ts';
import { installAgent, newWorkspace, signUp } from '../support/users.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** Signs in a fresh owner of a workspace with Cost Anomaly Detector installed, and starts a run from the dashboard. */
async function runFromDashboard(page: Page): Promise<void> {
  const owner = await signUp('live');
  const ws = await newWorkspace(owner, 'Live');
  await installAgent(ws);
  await signInAs(page, owner, { id: ws.id, name: 'Live' });
  await page.goto(`${urls.web}/#/workspace`);
  await page.getByRole('button', { name: 'Run now' }).click();
  await page.getByRole('button', { name: 'Start run' }).click();
  await poll(() => page.url()).toMatch(/#\/runs\//);
}

describe('live run updates in Chromium', () => {
  it('falls back to the SSE stream when Firestore is blocked, says so, and still shows the run succeed with its logs', browserTest, async () => {
    const { context, page } = await newPage(browser);
    const errors = collectErrors(page);
    let blocked = 0;
    // Every request to the Firestore emulator fails, as behind a proxy that blocks it.
    await page.route(`${stack.urls.firestore}/**`, (route) => {
      blocked++;
      return route.abort('blockedbyclient');
    });
    const streams: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/stream')) streams.push(r.url());
    });

    await runFromDashboard(page);
    await poll(() => page.locator('[data-transport]').getAttribute('data-transport')).toBe('sse');
    await poll(() => page.getByText("updates come through the API's event stream instead").count()).toBe(1);
    await poll(() => page.locator('.state-line .state-succeeded').count()).toBe(1);
    await poll(() => page.locator('.log-rows').innerText()).toContain('Loaded 270 cost rows');
    // The transitions arrived through the stream too, each once (the history list renders after
    // the state line: a loaded machine shows the gap, so it is waited for, not read once).
    await poll(async () => (await page.locator('.events li').allInnerTexts()).at(-1) ?? '').toContain('Succeeded');
    const history = await page.locator('.events li').allInnerTexts();
    expect(new Set(history).size).toBe(history.length);
    expect(await page.getByRole('heading', { name: 'Outputs' }).count()).toBe(1);
    expect(blocked).toBeGreaterThan(0);
    expect(streams.length).toBeGreaterThan(0);
    await checkPage(page, 'run-fallback');
    expect(await alertText(page)).toBe('');
    // Only the blocked Firestore requests failed (Chromium logs those, and the SDK its retries).
    expect(errors.filter((e) => !/Firestore|firestore|ERR_BLOCKED_BY_CLIENT|WebChannel/.test(e))).toEqual([]);
    await context.close();
  });

  it('uses the Firestore listeners, and no stream, when Firestore is reachable', browserTest, async () => {
    const { context, page } = await newPage(browser);
    const streams: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/stream')) streams.push(r.url());
    });
    await runFromDashboard(page);
    await poll(() => page.locator('.state-line .state-succeeded').count()).toBe(1);
    await poll(() => page.locator('.log-rows').innerText()).toContain('Loaded 270 cost rows');
    expect(await page.locator('[data-transport]').getAttribute('data-transport')).toBe('firestore');
    expect(await page.getByText('Live updates: connected.').count()).toBe(1);
    expect(streams).toEqual([]);
    await context.close();
  });
});
