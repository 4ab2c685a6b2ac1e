import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactsDir, launchChromium } from '../support/browser.ts';
import { urls } from '../support/stack.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(artifactsDir, `skeleton-${name}.png`), fullPage: true });

describe('the web app on the local stack, in Chromium', () => {
  it('sign up → workspace → catalog → install → run, watching it succeed live with its logs', async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 812 } });
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });

    await page.goto(`${urls.web}/#/signin`);
    await page.getByLabel('Email').fill(`web-${randomUUID().slice(0, 8)}@example.test`);
    await page.getByLabel('Password').fill('correct-horse-battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.getByText('Your account is ready.').count()).toBeGreaterThan(0);

    await page.goto(`${urls.web}/#/workspace`);
    await page.getByLabel('Name').fill('Browser workspace');
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await expect.poll(() => page.getByText('Workspace Browser workspace is created and selected.').count()).toBeGreaterThan(0);

    await page.goto(`${urls.web}/#/`);
    await page.getByRole('link', { name: 'Cost Anomaly Detector' }).click();
    await shot(page, 'agent');
    await page.getByRole('button', { name: /^Install in / }).click();
    await expect.poll(() => page.getByText(/is installed in Browser workspace/).count()).toBeGreaterThan(0);

    await page.goto(`${urls.web}/#/workspace`);
    await page.getByRole('button', { name: 'Run now' }).click();
    await expect.poll(() => page.locator('.state-succeeded').count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => page.getByText('Loaded 270 cost rows').count()).toBeGreaterThan(0);
    await shot(page, 'run');
    expect(page.url()).toMatch(/#\/runs\/[A-Za-z0-9]+\/[A-Za-z0-9]+$/);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('an API error reads as a sentence, not JSON', async () => {
    const page = await browser.newPage();
    await page.goto(`${urls.web}/#/agents/no-such-agent`);
    await expect.poll(() => page.getByText(/agent_not_found/).count()).toBeGreaterThan(0);
    const text = await page.locator('body').innerText();
    expect(text).not.toContain('{"');
    await page.close();
  });
});
