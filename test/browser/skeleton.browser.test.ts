/**
 * The customer journey in Chromium on the local stack: sign up, create a workspace, search
 * the catalog, open an agent, install it through all six wizard steps, run it with the
 * input form, watch it succeed with its logs streaming in, find it in the dashboard, and
 * manage members and API keys. Every page is checked with axe and photographed at 375 px
 * and 1280 px (test-results/screenshots/).
 */
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { alertText, browserTest, checkPage, collectErrors, newPage, poll } from '../support/browserChecks.ts';
import { urls } from '../support/stack.ts';
import { apiAs } from '../support/client.ts';
import { signUpVerified } from '../support/users.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('the web app on the local stack, in Chromium', () => {
  it('sign up → workspace → search → agent → six-step install → run with logs → dashboard → settings', browserTest, async () => {
    const { context, page } = await newPage(browser);
    const errors = collectErrors(page);
    const email = `web-${randomUUID().slice(0, 8)}@example.test`;

    // Sign up
    await page.goto(`${urls.web}/#/signin`);
    await page.getByLabel('Email').waitFor();
    await checkPage(page, 'signin');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct-horse-battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    // No workspace yet: the dashboard sends the new user to create one.
    await poll(() => page.getByRole('heading', { name: 'Workspaces', level: 1 }).count()).toBe(1);

    // Create a workspace: it becomes current, and its (empty) dashboard opens.
    await page.getByLabel('Name').fill('Browser workspace');
    await checkPage(page, 'workspaces');
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await poll(() => page.getByText('Workspace Browser workspace is created and selected.').count()).toBeGreaterThan(0);
    await poll(() => page.getByRole('heading', { name: 'Dashboard: Browser workspace' }).count()).toBe(1);
    await poll(() => page.getByLabel('Workspace', { exact: true }).inputValue()).not.toBe('');

    // Search the catalog as you type; the address keeps the search.
    await page.getByRole('link', { name: 'Catalog', exact: true }).click();
    await poll(() => page.locator('#catalog-results li').count()).toBeGreaterThan(5);
    await page.getByRole('searchbox', { name: 'Search' }).pressSequentially('anomal', { delay: 30 });
    await poll(() => page.locator('#catalog-results li').count()).toBe(1);
    expect(page.url()).toContain('q=anomal');
    await poll(() => page.locator('#catalog-results').innerText()).toContain('Cost Anomaly Detector');
    await checkPage(page, 'catalog');
    await page.getByLabel('Category').selectOption('security');
    await poll(() => page.getByText('No agents match your search and filters.').count()).toBe(1);
    await page.getByLabel('Category').selectOption('');
    await poll(() => page.locator('#catalog-results li').count()).toBe(1);

    // The agent page: Markdown description, manifest viewer, versions, reviews.
    await page.getByRole('link', { name: 'Cost Anomaly Detector' }).click();
    await poll(() => page.getByRole('heading', { name: 'Cost Anomaly Detector', level: 1 }).count()).toBe(1);
    await poll(() => page.getByRole('heading', { name: 'Version 1.2.0' }).count()).toBe(1);
    expect(await page.locator('#agent-manifest').locator('xpath=..').innerText()).toContain('billing.read');
    await poll(() => page.getByText('No reviews yet.').count()).toBe(1);
    await checkPage(page, 'agent');

    // The wizard, step by step.
    await page.getByRole('button', { name: 'Install in Browser workspace' }).click();
    const step = (n: number, name: string) => poll(() => page.getByRole('heading', { name: `Step ${n} of 6: ${name}` }).count()).toBe(1);
    await step(1, 'Choose');
    expect(await page.locator('[aria-current="step"]').innerText()).toContain('Choose');
    await checkPage(page, 'wizard-1-choose');
    await page.getByRole('button', { name: 'Continue' }).click();
    await step(2, 'Configure');
    await checkPage(page, 'wizard-2-configure');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await step(3, 'Connect');
    await poll(() => page.getByText('This agent needs no secrets.').count()).toBe(1);
    await checkPage(page, 'wizard-3-connect');
    await page.getByRole('button', { name: 'Continue' }).click();
    await step(4, 'Consent');
    await page.getByLabel('I allow Cost Anomaly Detector this permission').check();
    await checkPage(page, 'wizard-4-consent');
    await page.getByRole('button', { name: 'Accept and continue' }).click();
    await step(5, 'Triggers');
    await page.getByRole('button', { name: 'Add a schedule' }).click();
    await page.getByLabel('Cron expression').fill('0 6 * * 1-5');
    await page.getByLabel('Time zone').fill('Europe/Paris');
    await page.getByRole('button', { name: 'Save and show next runs' }).click();
    await poll(() => page.locator('.next-fires li').count()).toBe(5);
    const fires = await page.locator('.next-fires time').evaluateAll((els) => els.map((e) => e.getAttribute('datetime')!));
    // 06:00 in Paris on weekdays: 04:00 or 05:00 UTC, Monday to Friday, in order.
    for (const iso of fires) {
      const d = new Date(iso);
      expect([4, 5]).toContain(d.getUTCHours());
      expect([1, 2, 3, 4, 5]).toContain(d.getUTCDay());
    }
    expect([...fires].sort()).toEqual(fires);
    await checkPage(page, 'wizard-5-triggers');
    await page.getByRole('button', { name: 'Continue to review' }).click();
    await step(6, 'Review and deploy');
    await poll(() => page.getByText('Everything is in place').count()).toBe(1);
    await checkPage(page, 'wizard-6-review');
    await page.getByRole('button', { name: 'Deploy' }).click();
    await poll(() => page.getByText('Cost Anomaly Detector is deployed.').count()).toBe(1);

    // Run it from the dashboard with the input form.
    await poll(() => page.getByRole('button', { name: 'Run now' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByLabel('Window days').fill('2');
    await page.getByRole('button', { name: 'Start run' }).click();
    await poll(() => page.locator('.field-error').first().innerText()).toBe('The smallest allowed value is 3.');
    await page.getByLabel('Window days').fill('14');
    await page.getByRole('button', { name: 'Start run' }).click();

    // The run view: live state and logs through Firestore listeners.
    await poll(() => page.locator('.state-line .state-succeeded').count()).toBe(1);
    await poll(() => page.locator('.log-rows').innerText()).toContain('Loaded 270 cost rows');
    expect(await page.locator('[data-transport]').getAttribute('data-transport')).toBe('firestore');
    expect(page.url()).toMatch(/#\/runs\/[A-Za-z0-9]+\/[A-Za-z0-9]+$/);
    await poll(() => page.getByRole('heading', { name: 'Outputs' }).count()).toBe(1);
    await checkPage(page, 'run');

    // The dashboard lists the run; the state filter narrows the history.
    await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
    await poll(() => page.locator('#runs-list li[data-state="succeeded"]').count()).toBe(1);
    // The run engine's metrics for the workspace: one run, succeeded, drawn per day.
    await poll(() => page.locator('.stats').innerText()).toMatch(/^1\s+Runs\s+100%\s+Success rate/);
    await poll(() => page.locator('#chart-daily-runs canvas').count()).toBe(1);
    expect(await page.locator('#chart-daily-runs').getAttribute('aria-label')).toBe('Bar chart: 1 run over the last 30 days, 0 of them failed.');
    expect(await page.locator('.install-card').innerText()).toContain('1 run, 100% succeeded');
    await page.getByLabel('State', { exact: true }).selectOption('failed');
    await poll(() => page.locator('#runs-list li').count()).toBe(0);
    await page.getByLabel('State', { exact: true }).selectOption('succeeded');
    await poll(() => page.locator('#runs-list li').count()).toBe(1);
    await checkPage(page, 'dashboard');

    // Now that the workspace has installed it, the user can review the agent.
    await page.getByRole('link', { name: 'cost-anomaly-detector', exact: true }).click();
    await page.getByLabel('4 of 5 stars').check();
    await page.getByLabel('Your review').fill('Found the BigQuery spike on day one.');
    await page.getByRole('button', { name: 'Publish review' }).click();
    await poll(() => page.locator('.reviews').innerText()).toContain('Found the BigQuery spike on day one.');
    await poll(() => page.getByText('4.0 of 5 (1 rating)').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Update review' }).count()).toBe(1);

    // Settings: the owner is listed; a new API key's secret is shown once.
    await page.getByRole('link', { name: 'Settings' }).click();
    await poll(() => page.locator('.member').innerText()).toContain(email);
    // A colleague joins by invitation: the link is shown once, and they accept it with their verified email.
    const colleague = await signUpVerified('colleague');
    await page.getByLabel('Email address').fill(colleague.email);
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Create invitation' }).click();
    await poll(() => page.locator('.invitation-link').count()).toBe(1);
    const link = await page.locator('.invitation-link').innerText();
    expect(link).toMatch(/#\/invitation\?token=/);
    await poll(() => page.locator('.invitation').innerText()).toContain('Pending');
    await apiAs(colleague.idToken).call('acceptInvitation', { body: { token: decodeURIComponent(link.split('token=')[1]!) } });
    await page.reload();
    await poll(() => page.locator('.invitation').innerText()).toContain('Accepted');
    await poll(() => page.locator('.member', { hasText: colleague.email }).count()).toBe(1);
    await page.getByLabel(`Role of ${colleague.email}`).selectOption('operator');
    await page.locator('.member', { hasText: colleague.email }).getByRole('button', { name: 'Save role' }).click();
    await poll(() => page.getByText(`${colleague.email} is now Operator.`).count()).toBe(1);
    await page.getByLabel('Key name').fill('CI');
    await page.getByRole('button', { name: 'Create key' }).click();
    await poll(() => page.locator('.secret-once code').count()).toBe(1);
    const secret = await page.locator('.secret-once code').innerText();
    expect(secret.length).toBeGreaterThan(20);
    await checkPage(page, 'settings');
    await page.reload();
    await poll(() => page.locator('#settings-keys').locator('xpath=..').innerText()).toContain('CI');
    expect(await page.content()).not.toContain(secret);

    expect(await alertText(page)).toBe('');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('an API error reads as a sentence, not JSON', browserTest, async () => {
    const { context, page } = await newPage(browser);
    await page.goto(`${urls.web}/#/agents/no-such-agent`);
    await poll(() => page.getByText(/agent_not_found/).count()).toBeGreaterThan(0);
    const text = await page.locator('body').innerText();
    expect(text).not.toContain('{"');
    await checkPage(page, 'error-not-found');
    await context.close();
  });
});
