/**
 * Notification channels in the workspace settings, in Chromium on the local stack: add a
 * webhook (its secret shown once), send a test and read the result, see the delivery log,
 * add an email channel from the keyboard, delete; at 375 px as well.
 */
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { alertText, browserTest, checkPage, collectErrors, MOBILE, newPage, poll, signInAs } from '../support/browserChecks.ts';
import { mailTo, startReceiver } from '../support/notify.ts';
import { urls } from '../support/stack.ts';
import { newWorkspace } from '../support/users.ts';

let browser: Browser;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  browser = await launchChromium();
  receiver = await startReceiver();
});
afterAll(async () => {
  await browser?.close();
  await receiver?.close();
});

describe('notification settings', () => {
  it('add a webhook, see its secret once, send a test, read the deliveries, delete it', browserTest, async () => {
    const ws = await newWorkspace(undefined, 'Notify workspace');
    const { context, page } = await newPage(browser);
    const errors = collectErrors(page);
    await signInAs(page, ws.owner, { id: ws.id, name: 'Notify workspace' });
    await page.goto(`${urls.web}/#/settings`);
    const section = page.locator('#settings-notifications').locator('xpath=..');
    await poll(() => section.innerText()).toContain('No notification channels yet.');

    await page.getByLabel('Channel name').fill('Ops webhook');
    await page.getByLabel('Kind').selectOption('webhook');
    await page.getByLabel('Webhook URL').fill(`${receiver.url}/ops`);
    await page.getByLabel('Run failed').check();
    await page.getByRole('button', { name: 'Add channel' }).click();
    await poll(() => page.locator('.secret-once code').count()).toBe(1);
    const secret = await page.locator('.secret-once code').innerText();
    expect(secret).toMatch(/^whsec_/);
    await poll(() => section.locator('.channel').innerText()).toContain('Ops webhook');
    expect(await section.locator('.channel').innerText()).toContain('Run failed');
    await checkPage(page, 'settings-notifications');

    await section.locator('.channel').getByRole('button', { name: 'Send test' }).click();
    await poll(() => section.locator('.test-result').innerText()).toContain('Test delivered (HTTP 200)');
    expect(receiver.received.filter((r) => r.path === '/ops')).toHaveLength(1);
    await section.locator('.channel').getByRole('button', { name: 'Show deliveries' }).click();
    await poll(() => section.locator('.delivery').count()).toBe(1);
    expect(await section.locator('.delivery').innerText()).toMatch(/Delivered[\s\S]*test/);

    // The secret is gone after a reload.
    await page.reload();
    await poll(() => section.locator('.channel').count()).toBe(1);
    expect(await page.content()).not.toContain(secret);

    page.once('dialog', (d) => void d.accept());
    await section.locator('.channel').getByRole('button', { name: 'Delete' }).click();
    await poll(() => section.innerText()).toContain('No notification channels yet.');
    expect(await alertText(page)).toBe('');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('an email channel added from the keyboard at 375 px receives its test', browserTest, async () => {
    const ws = await newWorkspace(undefined, 'Phone workspace');
    const to = `phone-${randomUUID().slice(0, 8)}@example.test`;
    const { context, page } = await newPage(browser, MOBILE);
    const errors = collectErrors(page);
    await signInAs(page, ws.owner, { id: ws.id, name: 'Phone workspace' });
    await page.goto(`${urls.web}/#/settings`);
    const section = page.locator('#settings-notifications').locator('xpath=..');
    await poll(() => section.innerText()).toContain('No notification channels yet.');
    await page.getByLabel('Channel name').focus();
    await page.keyboard.type('Phone alerts');
    await page.keyboard.press('Tab');
    // Kind: Email is the first choice; on to the addresses.
    await page.keyboard.press('Tab');
    await page.keyboard.type(to);
    await page.getByLabel('Recipients').press('Enter');
    await poll(() => section.locator('.channel').innerText()).toContain(to);
    expect(await section.locator('.channel').innerText()).toContain('All events');
    await section.locator('.channel').getByRole('button', { name: 'Send test' }).focus();
    await page.keyboard.press('Enter');
    await poll(() => section.locator('.test-result').innerText()).toContain('Test delivered (250');
    expect(await mailTo(to)).toHaveLength(1);
    await checkPage(page, 'settings-notifications-email');
    expect(errors).toEqual([]);
    await context.close();
  });
});
