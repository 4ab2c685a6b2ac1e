/**
 * The catalog page on a catalog larger than one page: search as you type, pages by the API's
 * cursors (Next and Previous), sort, the rating and pricing filters, and Back restoring the
 * filters the address holds.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { browserTest, collectErrors, newPage, poll } from '../support/browserChecks.ts';
import { publishSynthetic, uniqueWord } from '../support/catalog.ts';
import { urls } from '../support/stack.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const status = (page: Page) => page.locator('#catalog-status').innerText();
const names = (page: Page) => page.locator('#catalog-results h2').allInnerTexts();

describe('the catalog page', () => {
  it('searches as you type, pages, sorts and filters, with the filters in the address', browserTest, async () => {
    const word = uniqueWord();
    // 15 agents named after the word: more than a page (12). Ratings 1.0 to 4.5, installs 0 to 1400.
    await publishSynthetic(
      'catalog-browser',
      Array.from({ length: 15 }, (_, i) => ({
        id: `${word}-agent-${String(i).padStart(2, '0')}`,
        name: `${word} Agent ${String(i).padStart(2, '0')}`,
        installCount: i * 100,
        ratingAvg: 1 + (i % 8) * 0.5,
        pricing: i % 3 === 0 ? 'free' : 'per_run',
      })),
    );
    const { context, page } = await newPage(browser);
    const errors = collectErrors(page);
    const scripts: string[] = [];
    page.on('request', (r) => {
      if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
    });
    await page.goto(`${urls.web}/#/`);
    await page.getByRole('searchbox', { name: 'Search' }).fill(word);
    // Until the search's results are in, the list is busy (the unfiltered first page also has 12).
    await poll(() => page.locator('#catalog-results:not([aria-busy])').count()).toBe(1);
    expect(await status(page)).toBe('12 agents on page 1.');
    expect((await names(page)).every((n) => n.startsWith(word))).toBe(true);
    // Most installed first: 14, 13, ...
    expect((await names(page))[0]).toBe(`${word} Agent 14`);

    await page.getByRole('button', { name: 'Next page' }).click();
    await poll(() => status(page)).toBe('3 agents on page 2.');
    expect(await names(page)).toEqual([`${word} Agent 02`, `${word} Agent 01`, `${word} Agent 00`]);
    expect(await page.getByRole('button', { name: 'Next page' }).isHidden()).toBe(true);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await poll(() => status(page)).toBe('12 agents on page 1.');

    await page.getByLabel('Sort by').selectOption('name');
    await poll(async () => (await names(page))[0]).toBe(`${word} Agent 00`);
    expect(page.url()).toContain('sort=name');

    // 4 stars and up: ratings 4.0 and 4.5 are i % 8 of 6 and 7, so agents 6, 7, 14.
    await page.getByLabel('Rating').selectOption('4');
    await poll(() => status(page)).toBe('3 agents on page 1.');
    expect(await names(page)).toEqual([`${word} Agent 06`, `${word} Agent 07`, `${word} Agent 14`]);
    await page.getByLabel('Pricing').selectOption('free');
    await poll(() => status(page)).toBe('1 agent on page 1.');
    expect(await names(page)).toEqual([`${word} Agent 06`]);
    expect(page.url()).toMatch(/minRating=4/);

    // Back: the previous filters come back from the address.
    await page.goBack();
    await poll(() => status(page)).toBe('3 agents on page 1.');
    expect(await page.getByLabel('Pricing').inputValue()).toBe('');
    expect(await page.getByLabel('Rating').inputValue()).toBe('4');
    expect(await page.getByRole('searchbox', { name: 'Search' }).inputValue()).toBe(word);
    // The catalog is in the first bundle, and does not load Firestore's SDK (nor Markdown's or the charts').
    expect(scripts.filter((p) => /firestore|markdown|charts/.test(p))).toEqual([]);
    expect(scripts).toHaveLength(1);
    expect(errors).toEqual([]);
    await context.close();
  });
});
