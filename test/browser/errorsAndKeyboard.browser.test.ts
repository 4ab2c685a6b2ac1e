/**
 * Errors read as sentences (a real 429 with its Retry-After in words), and the app works from the
 * keyboard alone: a skip link, every control reachable by Tab with a visible focus ring, and
 * pages that move focus to their heading.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { alertText, browserTest, checkPage, MOBILE, newPage, poll, signInAs } from '../support/browserChecks.ts';
import { urls } from '../support/stack.ts';
import { call } from '../support/http.ts';
import { installProbe, publishLongProbe, trigger } from '../support/probe.ts';
import { newWorkspace, signUp } from '../support/users.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('errors and keyboard use', () => {
  it('shows a 429 from the API as its detail plus when to try again, never JSON', browserTest, async () => {
    const owner = await signUp('quota');
    const ws = await newWorkspace(owner, 'Quota');
    // The probe agent, one run at a time; a run that hangs holds the only place.
    const installId = await installProbe(ws, { concurrency: 1, maxAttempts: 1, backoffSeconds: 30 }, await publishLongProbe());
    const holding = await trigger(ws, installId, { mode: 'hang' });
    expect(holding.status).toBe(201);
    const { context, page } = await newPage(browser, MOBILE);
    try {
      await signInAs(page, owner, { id: ws.id, name: 'Quota' });
      await page.goto(`${urls.web}/#/workspace`);
      await page.getByRole('button', { name: 'Run now' }).click();
      await page.getByRole('button', { name: 'Start run' }).click();
      await poll(() => alertText(page)).toContain('install_concurrency_limit');
      const text = await alertText(page);
      expect(text).toContain('Too Many Requests');
      expect(text).toContain('Try again in 15 seconds.');
      expect(text).not.toContain('{');
      await checkPage(page, 'error-429');
    } finally {
      await call('POST', `/workspaces/${ws.id}/runs/${holding.body.id}/cancel`, { token: owner.idToken });
      await context.close();
    }
  });

  it('is usable from the keyboard: skip link, reachable controls with a visible focus ring, focus on the new page', browserTest, async () => {
    const { context, page } = await newPage(browser);
    await page.goto(`${urls.web}/#/`);
    await poll(() => page.locator('#catalog-results li').count()).toBeGreaterThan(0);

    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').innerText()).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.locator(':focus').getAttribute('id')).toBe('main');

    // Tab on from the content: the search, the filters, then the agents' links, each with a focus ring.
    const reached: string[] = [];
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.locator(':focus').evaluate((el) => {
        const style = el.ownerDocument.defaultView!.getComputedStyle(el);
        const label = el.id ? el.ownerDocument.querySelector(`label[for="${el.id}"]`)?.textContent : null;
        return { name: String(label ?? el.textContent ?? ''), ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 };
      });
      expect(focused.ring, `focus ring on ${focused.name}`).toBe(true);
      reached.push(focused.name.trim());
    }
    expect(reached.slice(0, 5)).toEqual(['Search', 'Category', 'Pricing', 'Rating', 'Sort by']);
    expect(reached[5]).toMatch(/\w/); // the first agent's link

    // Enter on an agent link opens it; focus moves to its heading.
    await page.keyboard.press('Enter');
    await poll(() => page.locator(':focus').evaluate((el) => el.tagName)).toBe('H1');
    await context.close();
  });
});
