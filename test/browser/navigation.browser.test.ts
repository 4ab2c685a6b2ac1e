/**
 * Moving between pages while they load. The router keeps the newest address: a page whose code
 * is still loading when the address changes again is not run (the dashboard, with no workspace
 * chosen, sends you to Workspaces: that must not replace an address you went to meanwhile). A
 * page left before its requests finished says nothing about them: no error, no console noise.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { browserTest, collectErrors, newPage, poll, submitSignIn } from '../support/browserChecks.ts';
import { installProbe } from '../support/probe.ts';
import { urls } from '../support/stack.ts';
import { newWorkspace, signUp } from '../support/users.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const heading = (page: Page) => page.getByRole('heading', { level: 1 }).innerText();

describe('moving between pages', () => {
  it('runs the page of the address in force once a page has loaded, not the one asked for before', browserTest, async () => {
    const user = await signUp('router');
    const { context, page } = await newPage(browser);
    try {
      // The dashboard's code is held back until the address has moved on.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let asked = 0;
      await page.route('**/assets/dashboardPage-*.js', async (route) => {
        asked++;
        await held;
        await route.continue();
      });
      // Signed in straight to the account page: the dashboard's code is not loaded on the way.
      await submitSignIn(page, user, '/account');
      await poll(() => heading(page)).toBe('Your account');
      await page.evaluate("location.hash = '#/workspace'");
      await poll(() => asked).toBe(1);
      // The address changes before its hashchange is handled (here: never announced at all).
      await page.evaluate("history.replaceState(history.state, '', '#/publishers')");
      release();
      await poll(() => heading(page)).toBe('Developer portal');
      expect(new URL(page.url()).hash).toBe('#/publishers');
    } finally {
      await context.close();
    }
  });

  it('leaving the dashboard while its runs are loading reports nothing', browserTest, async () => {
    const owner = await signUp('leaver');
    const ws = await newWorkspace(owner, 'Leaving');
    await installProbe(ws);
    const { context, page } = await newPage(browser);
    const errors = collectErrors(page);
    try {
      await page.addInitScript(
        ([uid, value]) => localStorage.setItem(`agent-marketplace.workspace.${uid}`, value!),
        [owner.uid, JSON.stringify({ id: ws.id, name: 'Leaving' })],
      );
      // The runs and the user's workspaces never answer: the dashboard is still waiting when left.
      const waiting: string[] = [];
      const hang = (name: string) => async () => void waiting.push(name);
      await page.route((url) => url.pathname === `/v1/workspaces/${ws.id}/runs`, hang('runs'));
      await page.route((url) => url.pathname === '/v1/workspaces', hang('workspaces'));
      await submitSignIn(page, owner, '/account');
      await poll(() => heading(page)).toBe('Your account');
      await page.goto(`${urls.web}/#/workspace`);
      await poll(() => page.locator('li.install-card').count()).toBe(0);
      await poll(() => waiting.includes('runs')).toBe(true);
      await page.goto(`${urls.web}/#/account`);
      await poll(() => heading(page)).toBe('Your account');
      // A rejection left unhandled is reported at the end of its task; give it a few.
      await page.waitForTimeout(500);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
