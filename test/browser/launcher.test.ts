/**
 * The browser the browser tests and the bench drive: it launches on a machine without
 * Debian's Chromium (the npm package's headless shell), renders, and its pages speak the
 * locale the tests expect whatever the machine's LANG (C.UTF-8 makes Chromium say `en-US@posix`).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, newContext } from '../support/browser.ts';

let browser: Browser;
beforeAll(async () => {
  process.env['LANG'] = 'C.UTF-8';
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
});

describe('launchChromium and newContext', () => {
  it('render a page whose navigator and Intl speak en-US', async () => {
    const context = await newContext(browser, { width: 640, height: 480 });
    const page = await context.newPage();
    await page.setContent('<main><h1>Catalog</h1><p id="n"></p></main>');
    expect(page.viewportSize()).toEqual({ width: 640, height: 480 });
    expect(await page.locator('h1').innerText()).toBe('Catalog');
    const seen = await page.evaluate(() => ({ language: navigator.language, languages: [...navigator.languages], intl: Intl.DateTimeFormat().resolvedOptions().locale }));
    expect(seen).toEqual({ language: 'en-US', languages: ['en-US'], intl: 'en-US' });
    await context.close();
  });
});
