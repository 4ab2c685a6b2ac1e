/**
 * The install wizard's forms on an agent with a config schema, secrets and an approval-gated
 * action: a config form generated from the JSON Schema with errors at their fields (from the
 * browser's checks and from the API), secrets that are never shown again, a schedule the API
 * refuses with a readable reason, and a draft that resumes where it was left.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { alertText, browserTest, checkPage, collectErrors, newPage, poll, signInAs } from '../support/browserChecks.ts';
import { publishYaml, uniqueWord } from '../support/catalog.ts';
import { urls } from '../support/stack.ts';
import { newWorkspace, signUp } from '../support/users.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const agentYaml = (id: string) => `id: ${id}
name: Wizard Forms ${id.slice(-6)}
version: 2.0.0
publisher: test-publisher
summary: An agent whose install needs configuration, secrets and an approval policy.
description: |
  Checks **labels** on everything.

  <script>window.__injected = true</script><img src="x" onerror="window.__injected = true">
categories: [compliance]
tags: [labels]
runtime:
  local:
    entry: src/index.ts
config:
  type: object
  additionalProperties: false
  required: [team]
  properties:
    team:
      type: string
      pattern: "^[a-z]+$"
      description: The owning team, lower-case letters.
    maxFixes:
      type: integer
      title: Most fixes per run
      minimum: 1
      maximum: 100
      default: 10
    dryRun:
      type: boolean
      default: true
    region:
      type: string
      enum: [eu, us]
    labels:
      type: object
      additionalProperties:
        type: string
      description: Labels to add to every fix.
permissions:
  - scope: vm.list
    risk: low
    reason: Read VMs.
  - scope: vm.stop
    risk: high
    reason: Stop idle VMs.
approvals:
  - action: vm.stop
    description: Stop a VM
    risk: high
secrets:
  - name: API_TOKEN
    description: The token of the labelling service.
    required: true
  - name: SLACK_WEBHOOK_URL
    description: Where to post findings.
    required: false
pricing:
  model: per_run
  amountCents: 25
license: MIT
support:
  email: dev@example.test
releaseNotes: |
  2.0.0: **config** and secrets.
`;

describe('the install wizard forms', () => {
  it('validates config inline, never echoes secrets, explains a refused schedule, and resumes a draft', browserTest, async () => {
    const agentId = `wizard-${uniqueWord()}`;
    await publishYaml(agentYaml(agentId));
    const owner = await signUp('wizard');
    const ws = await newWorkspace(owner, 'Wizard');
    const { context, page } = await newPage(browser);
    const errors = collectErrors(page);
    await signInAs(page, owner, { id: ws.id, name: 'Wizard' });

    // The description's Markdown is rendered, its script and handler are not.
    await page.goto(`${urls.web}/#/agents/${agentId}`);
    await poll(() => page.locator('.prose strong').first().innerText()).toBe('labels');
    expect(await page.evaluate('window.__injected')).toBeUndefined();
    expect(await page.locator('.prose script, .prose img').count()).toBe(0);
    expect(await page.locator('#agent-manifest').locator('xpath=..').innerText()).toMatch(/High risk[\s\S]*vm\.stop/);

    await page.getByRole('button', { name: 'Install in Wizard' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await poll(() => page.getByRole('heading', { name: 'Step 2 of 6: Configure' }).count()).toBe(1);

    // Fields are labelled by their schema title, else by their name in words.
    expect(await page.getByLabel('Dry run', { exact: true }).isChecked()).toBe(true);
    // Browser-side checks, at the field: the pattern, the range.
    expect(await page.getByLabel('Most fixes per run').inputValue()).toBe('10');
    await page.getByLabel(/^Team/).fill('Platform Team');
    await page.getByLabel('Most fixes per run').fill('500');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await poll(() => page.locator('#config-team-error').innerText()).toContain('does not match the expected format');
    expect(await page.locator('#config-maxFixes-error').innerText()).toBe('The largest allowed value is 100.');
    expect(await page.getByLabel(/^Team/).getAttribute('aria-invalid')).toBe('true');
    await checkPage(page, 'wizard-config-errors');

    // An error only the API finds (a label value that is not a string) lands at its field too.
    await page.getByLabel(/^Team/).fill('platform');
    await page.getByLabel('Most fixes per run').fill('20');
    await page.getByLabel('Region').selectOption('eu');
    await page.getByLabel('Labels').fill('{"owner": 42}');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await poll(() => page.locator('#config-labels-error').innerText()).toContain('must be string');
    expect(await alertText(page)).toContain('config_invalid');
    await page.getByLabel('Labels').fill('{"owner": "platform"}');
    await page.getByRole('button', { name: 'Save and continue' }).click();

    // Secrets: required one first; the value never comes back.
    await poll(() => page.getByRole('heading', { name: 'Step 3 of 6: Connect' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await poll(() => alertText(page)).toContain('Enter the required secrets: API_TOKEN.');
    // Too short to be redacted from run logs: refused before anything is sent.
    await page.getByLabel(/^API_TOKEN/).fill('abc12');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await poll(() => alertText(page)).toContain('API_TOKEN must be at least 6 characters');
    expect(await page.getByLabel(/^API_TOKEN/).getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel(/^API_TOKEN/).fill('tok-s3cret-value-8472');
    await checkPage(page, 'wizard-connect');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await poll(() => page.getByRole('heading', { name: 'Step 4 of 6: Consent' }).count()).toBe(1);
    await page.getByRole('link', { name: /Connect/ }).click();
    await poll(() => page.getByText(/^Set on /).count()).toBe(1);
    expect(await page.getByLabel(/^API_TOKEN/).inputValue()).toBe('');
    expect(await page.content()).not.toContain('tok-s3cret-value-8472');

    // Resume: from the dashboard the draft continues at the first step it still needs.
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('link', { name: 'Continue setup' }).click();
    await poll(() => page.getByRole('heading', { name: 'Step 4 of 6: Consent' }).count()).toBe(1);
    expect(await page.locator('.step-done').count()).toBe(3); // choose, configure, connect
    await page.getByLabel(/I allow .* these 2 permissions/).check();
    await page.getByRole('button', { name: 'Accept and continue' }).click();

    // A schedule the API refuses (every minute) is explained in words, beside the schedule.
    await poll(() => page.getByRole('heading', { name: 'Step 5 of 6: Triggers' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Add a schedule' }).click();
    await page.getByLabel('Cron expression').fill('* * * * *');
    await page.getByLabel('Time zone').fill('UTC');
    await page.getByLabel('Who approves').selectOption('admin');
    await page.getByRole('button', { name: 'Save and show next runs' }).click();
    await poll(() => alertText(page)).toMatch(/minutes/);
    expect(await alertText(page)).not.toContain('{"');
    await page.getByLabel('Cron expression').fill('*/30 * * * *');
    await page.getByRole('button', { name: 'Save and show next runs' }).click();
    await poll(() => page.locator('.next-fires li').count()).toBe(5);
    await page.getByRole('button', { name: 'Continue to review' }).click();

    await poll(() => page.getByText('Everything is in place').count()).toBe(1);
    const review = await page.locator('.wizard-step').innerText();
    expect(review).toContain('API_TOKEN');
    expect(review).toContain('vm.stop: Admin, 1 level');
    expect(review).toContain('"team": "platform"');
    expect(review).toContain('Cloud account\nSandbox (sample resources, nothing real is touched)');
    expect(review).not.toContain('tok-s3cret-value-8472');
    await page.getByRole('button', { name: 'Deploy' }).click();
    await poll(() => page.getByText(/is deployed\./).count()).toBe(1);

    // A deployed install's triggers can still be edited; its review offers no second deploy.
    await page.getByRole('link', { name: 'Edit triggers' }).click();
    await poll(() => page.getByRole('heading', { name: 'Step 5 of 6: Triggers' }).count()).toBe(1);
    expect(await page.getByLabel('Cron expression').inputValue()).toBe('*/30 * * * *');
    await page.getByRole('button', { name: 'Continue to review' }).click();
    await poll(() => page.getByText('This install is deployed').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Deploy' }).isHidden()).toBe(true);
    // The two refusals above are the only failed requests.
    expect(errors).toEqual([expect.stringMatching(/^400 PUT .*\/config$/), expect.stringMatching(/^400 PUT .*\/triggers$/)]);
    await context.close();
  });
});
