/**
 * A phone-sized screen (375 px) and the keyboard alone: agent descriptions whose Markdown
 * tables are wider than the screen, the install wizard's step indicator, the generated run
 * form's labels, and the whole customer journey without a mouse.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { browserTest, checkPage, collectErrors, expectAccessible, MOBILE, newPage, poll } from '../support/browserChecks.ts';
import { publishYaml, uniqueWord } from '../support/catalog.ts';
import { urls } from '../support/stack.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** How far the document scrolls sideways (0: it fits the screen). */
const sideways = (page: Page) => page.locator('html').evaluate((root) => root.scrollWidth - root.clientWidth);

const wideTableAgent = (id: string) => `id: ${id}
name: Wide Table ${id.slice(-6)}
version: 1.0.0
publisher: test-publisher
summary: An agent whose description holds a table of many columns.
description: |
  ## Thresholds

  | region | machine family | CPU p95 below | network p95 below | login older than | lookback | estimated monthly saving |
  |---|---|---|---|---|---|---|
  | europe-west1 | n2-standard-8 | 5 % | 50 KB/s | 14 days | 7 days | 182.50 USD |
  | us-central1 | e2-highmem-16 | 3 % | 20 KB/s | 30 days | 14 days | 401.20 USD |
categories: [finops]
tags: [wide]
runtime:
  local:
    entry: src/index.ts
permissions:
  - scope: vm.list
    risk: low
    reason: Read VMs.
pricing:
  model: free
license: MIT
support:
  email: dev@example.test
releaseNotes: First release.
`;

describe('on a 375 px screen', () => {
  it("the idle VM reaper's page fits the screen: its Markdown table reflows", browserTest, async () => {
    const { context, page } = await newPage(browser, MOBILE);
    const errors = collectErrors(page);
    await page.goto(`${urls.web}/#/agents/idle-vm-reaper`);
    await poll(() => page.locator('.prose table').count()).toBe(1);
    expect(await sideways(page)).toBe(0);
    expect(await page.locator('.prose table').innerText()).toContain('cpuThresholdPercent');
    await checkPage(page, 'agent-idle-vm-reaper'); // no sideways scroll at 375 or 1280 px, axe clean
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a table too wide to reflow scrolls inside its own labelled region, which the keyboard can reach and scroll', browserTest, async () => {
    const agentId = `wide-${uniqueWord()}`;
    await publishYaml(wideTableAgent(agentId));
    const { context, page } = await newPage(browser, { width: 320, height: 700 });
    await page.goto(`${urls.web}/#/agents/${agentId}`);
    await poll(() => page.locator('.prose table').count()).toBe(1);
    expect(await sideways(page)).toBe(0);
    const region = page.getByRole('region', { name: /^Table: region, machine family/ });
    await poll(() => region.count()).toBe(1);
    expect(await region.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    // Reached by Tab (it is focusable), scrolled by the arrow keys.
    for (let i = 0; i < 60 && !(await region.evaluate((el) => el === el.ownerDocument.activeElement)); i++) await page.keyboard.press('Tab');
    expect(await region.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    const ring = await region.evaluate((el) => {
      const style = el.ownerDocument.defaultView!.getComputedStyle(el);
      return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    });
    expect(ring).toBe(true);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await poll(() => region.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);
    await expectAccessible(page, 'agent-wide-table');
    // At a desktop width the same table fits: no scroll region, no extra tab stop.
    await page.setViewportSize({ width: 1280, height: 900 });
    await poll(() => page.getByRole('region', { name: /^Table:/ }).count()).toBe(0);
    expect(await page.locator('.prose .table-scroll[tabindex]').count()).toBe(0);
    await context.close();
  });
});
