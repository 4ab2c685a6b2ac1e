/**
 * The developer portal in the web app (issue 23, docs/publishing.md): a developer creates a
 * publisher in the UI (the API's field errors beside the fields), manages members (the last
 * owner kept, said plainly), follows a version submitted over REST through the scan into review,
 * a platform admin approves it from the review queue, the developer sees it published with its
 * history and yanks it (the confirmation reachable and cancellable by keyboard), and a customer
 * whose install runs it is told, and upgrades after seeing the permission diff. Analytics: the
 * real endpoint's empty period, then a served one with figures for the chart and tables.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AgentAnalytics, DeveloperVersion, PublisherAnalytics } from '@agent-marketplace/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packBundle } from '../../cli/src/pack.ts';
import { adminDb } from '../support/admin.ts';
import { launchChromium } from '../support/browser.ts';
import { alertText, checkPage, collectErrors, newPage, poll, signInAs, tabTo } from '../support/browserChecks.ts';
import { uniqueWord } from '../support/catalog.ts';
import { apiAs } from '../support/client.ts';
import { eventually } from '../support/notify.ts';
import { urls } from '../support/stack.ts';
import { newWorkspace, signUp, type TestUser } from '../support/users.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

function agentYaml(id: string, publisher: string, version: string, extraScope = ''): string {
  return `id: ${id}
name: Hello ${id}
version: ${version}
publisher: ${publisher}
summary: Says hello, to test the developer portal.
categories: [operations]
runtime:
  local:
    entry: src/index.js
permissions:
  - scope: vm.list
    risk: low
    reason: reads the inventory to say hello to it
${extraScope ? `  - scope: ${extraScope}\n    risk: low\n    reason: greets certificates too\n` : ''}resources:
  timeoutSeconds: 30
pricing:
  model: free
license: MIT
support:
  email: dev@example.test
releaseNotes: |
  ## ${version}
  - says **hello**
`;
}

/** The agent folder packed as the CLI packs it (cli/src/pack.ts), then submitted over REST. */
async function submit(dev: TestUser, publisherId: string, agentId: string, version: string, extraScope = ''): Promise<DeveloperVersion> {
  const dir = mkdtempSync(path.join(tmpdir(), 'am-portal-'));
  mkdirSync(path.join(dir, 'src'));
  const yaml = agentYaml(agentId, publisherId, version, extraScope);
  writeFileSync(path.join(dir, 'agent.yaml'), yaml);
  writeFileSync(path.join(dir, 'src', 'index.js'), `export default async function hello() {\n  return { version: ${JSON.stringify(version)} };\n}\n`);
  const bundle = (await packBundle(dir)).bytes.toString('base64');
  return apiAs(dev.idToken).call('submitVersion', { params: { publisherId, agentId }, body: { manifest: yaml, bundle: { base64: bundle } } });
}

async function waitForState(dev: TestUser, publisherId: string, agentId: string, version: string, state: DeveloperVersion['state']): Promise<DeveloperVersion> {
  return eventually(`${agentId}@${version} ${state}`, async () => {
    const v = await apiAs(dev.idToken).call('getDeveloperVersion', { params: { publisherId, agentId, version } });
    return v.state === state ? v : undefined;
  }, 60_000);
}

const hashOf = (page: Page) => new URL(page.url()).hash;
/** The focused element's id, text and aria-expanded (the page's globals are reached through an element: no DOM library here). */
const focused = (page: Page) =>
  page.locator('html').evaluate((root) => {
    const el = root.ownerDocument.activeElement;
    return { id: el?.id ?? '', text: el?.textContent?.trim() ?? '', expanded: el?.getAttribute('aria-expanded') ?? null };
  });
const statusText = (page: Page) => page.locator('#app-status').innerText();
const badgeStates = (page: Page, selector: string) => page.locator(selector).evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));

describe('the developer portal', () => {
  it('takes a publisher from creation to a published, then yanked, version; the customer is told and upgrades', { timeout: 420_000 }, async () => {
    const dev = await signUp('dev');
    const viewer = await signUp('viewer');
    const reviewer = await signUp('reviewer');
    await adminDb.collection('platformAdmins').doc(reviewer.uid).set({ uid: reviewer.uid, email: reviewer.email, grantedAt: new Date() });
    const publisherId = `pub-${uniqueWord()}`;
    const agentId = `hello-${uniqueWord()}`;

    // From the account page into the portal: no publishers yet.
    const { context, page } = await newPage(browser);
    const errors = collectErrors(page);
    await signInAs(page, dev);
    await page.goto(`${urls.web}/#/account`);
    await page.getByRole('link', { name: 'Your publishers, agents and versions' }).click();
    await poll(() => page.locator('#publisher-list-empty').count()).toBe(1);
    expect(hashOf(page)).toBe('#/publishers');
    // The developer is no platform admin: once the API has said so, the review link stays hidden.
    await poll(() => errors.includes('403 GET /v1/admin/reviews')).toBe(true);
    expect(await page.locator('section[aria-labelledby="dev-review"]').isHidden()).toBe(true);
    await checkPage(page, 'dev-publishers');

    // The API judges the id: its problems show beside the fields.
    await page.getByLabel('Publisher id').fill('Not An Id');
    await page.getByLabel('Name', { exact: true }).fill('Hello Labs');
    await page.getByRole('button', { name: 'Create publisher' }).click();
    await poll(() => page.locator('#new-publisher-id-error').innerText()).not.toBe('');
    expect(await page.getByLabel('Publisher id').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#new-publisher-name').getAttribute('aria-invalid')).toBeNull();
    // Seeded agents name publishers without a document: their ids are taken too.
    await page.getByLabel('Publisher id').fill('platform-tests');
    await page.getByRole('button', { name: 'Create publisher' }).click();
    await poll(() => page.locator('#new-publisher-id-error').innerText()).toBe('The id platform-tests is taken (by another publisher or by an agent in the catalog). Choose another.');
    await checkPage(page, 'dev-publishers-errors');
    await page.getByLabel('Publisher id').fill(publisherId);
    await page.getByRole('button', { name: 'Create publisher' }).click();
    await poll(() => page.getByRole('heading', { name: 'Hello Labs', level: 1 }).count()).toBe(1);
    expect(hashOf(page)).toBe(`#/publishers/${publisherId}`);
    expect(await statusText(page)).toBe('Publisher Hello Labs is created: you are its owner.');
    expect(await page.locator('#my-publisher-role').innerText()).toBe('Owner');
    await poll(() => page.locator('#dev-agents-empty').count()).toBe(1);
    expect(await page.getByText('npm run am -- publish <folder> --wait').count()).toBe(1);

    // Members: an unknown address is refused beside the field; a viewer is added; the last owner may not leave.
    await page.getByLabel('Email address').fill('nobody-here@example.test');
    await page.getByRole('button', { name: 'Add member' }).click();
    await poll(() => page.locator('#pub-member-email-error').innerText()).toContain('No account uses nobody-here@example.test');
    await page.getByLabel('Email address').fill(viewer.email);
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Add member' }).click();
    await poll(() => page.locator(`#publisher-members li[data-member="${viewer.uid}"]`).getAttribute('data-role')).toBe('viewer');
    page.once('dialog', (d) => void d.accept());
    await page.locator(`#publisher-members li[data-member="${dev.uid}"]`).getByRole('button', { name: 'Leave' }).click();
    await poll(() => page.locator('#members-problem').innerText()).toBe('A publisher always keeps an owner. This is its last owner: make another member an owner first, then change or remove this one.');
    expect(hashOf(page)).toBe(`#/publishers/${publisherId}`);
    await checkPage(page, 'dev-publisher');
    // Only the refusals asked for failed (and the review queue's answer to a developer).
    expect([...errors].sort()).toEqual(
      [
        '400 POST /v1/publishers',
        '409 POST /v1/publishers',
        `404 POST /v1/publishers/${publisherId}/members`,
        '403 GET /v1/admin/reviews',
        `409 DELETE /v1/publishers/${publisherId}/members/${dev.uid}`,
      ].sort(),
    );
    errors.length = 0;

    // 1.0.0 is submitted over REST (the web app uploads nothing); the page follows it into review.
    const submitted = await submit(dev, publisherId, agentId, '1.0.0');
    expect(submitted.state).toBe('submitted');
    await page.goto(`${urls.web}/#/publishers/${publisherId}/agents/${agentId}`);
    await poll(() => page.locator('#version-state [data-state]').getAttribute('data-state')).toBe('in_review');
    expect(await badgeStates(page, '#version-history li')).toEqual(['submitted', 'in_review']);
    expect(await page.locator('#version-detail .prose strong').innerText()).toBe('hello');
    expect(await page.locator('#version-detail .scan-summary').innerText()).toMatch(/^Scan passed\. \d+ passed, \d+ with warnings, 0 failed\.$/);
    expect(await page.locator('#version-detail .scan-check').count()).toBe(7);
    expect(await page.locator('#version-detail').getByText('Not reviewed yet.').count()).toBe(1);
    // Not published yet: nothing to deprecate or yank.
    expect(await page.getByRole('button', { name: 'Yank…' }).count()).toBe(0);
    await checkPage(page, 'dev-version-in-review');

    // A developer is refused the review queue, plainly.
    await page.goto(`${urls.web}/#/admin/reviews`);
    await poll(() => page.locator('#review-forbidden').innerText()).toBe('Only platform admins review versions.');
    await checkPage(page, 'review-forbidden');

    // The platform admin finds the queue from the portal, reads the item, and decides.
    const admin = await newPage(browser);
    const adminErrors = collectErrors(admin.page);
    await signInAs(admin.page, reviewer);
    await admin.page.goto(`${urls.web}/#/publishers`);
    await poll(() => admin.page.getByRole('link', { name: 'Review queue: versions waiting for a platform admin' }).isVisible()).toBe(true);
    await admin.page.getByRole('link', { name: 'Review queue: versions waiting for a platform admin' }).click();
    const item = admin.page.locator(`li.review-item[data-item="${agentId}@1.0.0"]`);
    await poll(() => item.count()).toBe(1);
    expect(await item.locator('.new-scopes mark').allInnerTexts()).toEqual(['vm.list']);
    expect(await item.locator('.scan-summary').innerText()).toContain('Scan passed.');
    await item.locator('summary').click();
    expect(await item.locator('.scan-check').count()).toBe(7);
    await checkPage(admin.page, 'review-queue');
    // Changes need comments: said beside the field, nothing sent.
    await item.getByRole('button', { name: 'Request changes' }).click();
    expect(await item.locator('.field-error').innerText()).toBe('Say what to change: the developers read these comments.');
    await item.getByLabel('Comments for the developers').fill('Looks good.');
    await item.getByRole('button', { name: 'Approve' }).click();
    await poll(() => item.count()).toBe(0);
    expect(await statusText(admin.page)).toBe(`${agentId}@1.0.0 is approved: it is built and published next.`);
    expect(adminErrors).toEqual([]);

    // Built and published: the developer's page follows it, with its history, review and image.
    await page.goto(`${urls.web}/#/publishers/${publisherId}/agents/${agentId}?version=1.0.0`);
    await poll(() => page.locator('#version-state [data-state]').getAttribute('data-state'), 90_000).toBe('published');
    await poll(() => badgeStates(page, '#version-history li')).toEqual(['submitted', 'in_review', 'approved', 'published']);
    expect(await page.locator('#version-review').innerText()).toContain('Looks good.');
    expect(await page.locator('#version-build code').innerText()).toMatch(/@sha256:[a-f0-9]{64}$/);
    await checkPage(page, 'dev-version-published');

    // 1.1.0 adds a permission; published through the API alone.
    await submit(dev, publisherId, agentId, '1.1.0', 'certificate.list');
    await waitForState(dev, publisherId, agentId, '1.1.0', 'in_review');
    await apiAs(reviewer.idToken).call('approveVersion', { params: { agentId, version: '1.1.0' }, body: {} });
    await waitForState(dev, publisherId, agentId, '1.1.0', 'published');

    // A customer installs 1.0.0: their dashboard quietly offers 1.1.0.
    const ws = await newWorkspace(undefined, 'Customer');
    const customerApi = apiAs(ws.owner.idToken);
    const install = await customerApi.call('startInstall', { params: { wsId: ws.id }, body: { agentId, version: '1.0.0' } });
    await customerApi.call('consentInstall', { params: { wsId: ws.id, installId: install.id }, body: { scopes: ['vm.list'] } });
    await customerApi.call('deployInstall', { params: { wsId: ws.id, installId: install.id } });
    const customer = await newPage(browser);
    const customerErrors = collectErrors(customer.page);
    await signInAs(customer.page, ws.owner, { id: ws.id, name: 'Customer' });
    await customer.page.goto(`${urls.web}/#/workspace`);
    const card = customer.page.locator(`li.install-card[data-install="${install.id}"]`);
    await poll(() => card.locator('[data-version-status]').getAttribute('data-version-status')).toBe('update');
    expect(await card.locator('.update-available').innerText()).toContain('Update available: 1.1.0.');

    // The viewer reads 1.0.0 and has no buttons.
    const asViewer = await newPage(browser);
    await signInAs(asViewer.page, viewer);
    await asViewer.page.goto(`${urls.web}/#/publishers/${publisherId}/agents/${agentId}?version=1.0.0`);
    await poll(() => asViewer.page.locator('#version-state [data-state]').getAttribute('data-state')).toBe('published');
    expect(await asViewer.page.locator('#version-detail button').count()).toBe(0);
    // On the publisher page: the members, no way to manage them; only leaving.
    await asViewer.page.goto(`${urls.web}/#/publishers/${publisherId}`);
    await poll(() => asViewer.page.locator('#publisher-members li').count()).toBe(2);
    expect(await asViewer.page.locator('#pub-member-email').count()).toBe(0);
    expect(await asViewer.page.locator('#publisher-members select').count()).toBe(0);
    expect(await asViewer.page.locator('#publisher-members button').allInnerTexts()).toEqual(['Leave']);
    expect(await asViewer.page.getByRole('link', { name: 'Earnings and payouts' }).count()).toBe(0);
    await asViewer.context.close();

    // Yanking 1.0.0 from the page, by keyboard: the confirmation says what yanking does; Escape and Cancel close it.
    await page.reload();
    await poll(() => page.getByRole('button', { name: 'Yank…' }).count()).toBe(1);
    await tabTo(page, (f) => f.tag === 'BUTTON' && f.name === 'Yank…', 80);
    await page.keyboard.press('Enter');
    await poll(() => page.locator('#yank-panel').count()).toBe(1);
    expect(await page.locator('#yank-panel').innerText()).toContain('Yanking 1.0.0 stops every new install of it. Installs already on it keep running it');
    expect((await focused(page)).id).toBe('yank-text');
    await checkPage(page, 'dev-yank-confirm');
    await page.keyboard.press('Escape');
    await poll(() => page.locator('#yank-panel').count()).toBe(0);
    expect(await focused(page)).toMatchObject({ text: 'Yank…', expanded: 'false' });
    await page.keyboard.press('Enter');
    await poll(() => page.locator('#yank-panel').count()).toBe(1);
    await tabTo(page, (f) => f.tag === 'BUTTON' && f.name === 'Cancel', 5);
    await page.keyboard.press('Enter');
    await poll(() => page.locator('#yank-panel').count()).toBe(0);
    expect(await focused(page)).toMatchObject({ text: 'Yank…', expanded: 'false' });
    // Submitting an empty reason is refused beside the field; then the yank goes through.
    await page.keyboard.press('Enter');
    await poll(() => page.locator('#yank-panel').count()).toBe(1);
    await tabTo(page, (f) => f.tag === 'BUTTON' && f.name === 'Yank 1.0.0', 5);
    await page.keyboard.press('Enter');
    await poll(() => page.locator('#yank-text-error').innerText()).toBe('Write a few words: they are shown to your customers.');
    await page.keyboard.type('greets the wrong inventory');
    await tabTo(page, (f) => f.tag === 'BUTTON' && f.name === 'Yank 1.0.0', 5);
    await page.keyboard.press('Enter');
    await poll(() => page.locator('#version-state .version-yanked').count()).toBe(1);
    expect(await statusText(page)).toBe('Version 1.0.0 is yanked: no new installs; installs on it are told to upgrade.');
    expect((await focused(page)).id).toBe('version-detail-title');
    expect(await page.getByRole('button', { name: 'Undo the yank' }).count()).toBe(1);
    expect((await badgeStates(page, '#version-history li')).length).toBe(5);
    await checkPage(page, 'dev-version-yanked');

    // The customer's install is told, with the reason, and upgrades after reading the diff.
    await customer.page.reload();
    await poll(() => card.locator('[data-version-status]').getAttribute('data-version-status')).toBe('yanked');
    const banner = card.locator('[data-version-status="yanked"]');
    expect(await banner.innerText()).toContain('Version 1.0.0 was yanked by its publisher');
    expect(await banner.innerText()).toContain('Reason: greets the wrong inventory');
    await banner.getByRole('button', { name: 'Upgrade to 1.1.0' }).click();
    const panel = card.locator(`#upgrade-${install.id}-panel`);
    await poll(() => panel.count()).toBe(1);
    expect(await panel.locator('.diff-added').innerText()).toContain('certificate.list');
    await checkPage(customer.page, 'customer-yanked-upgrade');
    await panel.getByRole('button', { name: 'Confirm the upgrade to 1.1.0' }).click();
    expect(await panel.locator('.field-error').innerText()).toBe('The new version asks for more: allow its permissions first.');
    await panel.getByLabel('I allow the permissions of version 1.1.0').check();
    await panel.getByRole('button', { name: 'Confirm the upgrade to 1.1.0' }).click();
    await poll(() => statusText(customer.page)).toBe(`${agentId} now runs version 1.1.0.`);
    await poll(() => card.locator('.version-status').getAttribute('data-version')).toBe('1.1.0');
    expect(await card.locator('[data-version-status]').count()).toBe(0);
    expect((await customerApi.call('getInstall', { params: { wsId: ws.id, installId: install.id } })).version).toBe('1.1.0');

    // Deprecating 1.1.0 from the page: the customer now on it reads the message; lifting it clears it.
    await page.goto(`${urls.web}/#/publishers/${publisherId}/agents/${agentId}?version=1.1.0`);
    await page.getByRole('button', { name: 'Deprecate…' }).click();
    await page.getByLabel('Message to customers').fill('Use 2.0 when it ships.');
    await page.getByRole('button', { name: 'Deprecate', exact: true }).click();
    await poll(() => statusText(page)).toBe('Version 1.1.0 is deprecated.');
    expect(await page.locator('#version-state .version-deprecated').count()).toBe(1);
    await customer.page.reload();
    await poll(() => card.locator('[data-version-status]').getAttribute('data-version-status')).toBe('deprecated');
    expect(await card.locator('[data-version-status="deprecated"]').innerText()).toBe('Version 1.1.0 is deprecated: Use 2.0 when it ships.');
    await page.getByRole('button', { name: 'Lift the deprecation' }).click();
    await poll(() => statusText(page)).toBe('Version 1.1.0 is no longer deprecated.');
    await customer.page.reload();
    await poll(() => card.locator('.version-status').getAttribute('data-version')).toBe('1.1.0');
    expect(await card.locator('[data-version-status]').count()).toBe(0);
    expect(customerErrors).toEqual([]);

    // Analytics from the publisher page: the real endpoint's period (nothing ran), then 7 days.
    await page.goto(`${urls.web}/#/publishers/${publisherId}`);
    await page.getByRole('link', { name: 'Analytics' }).click();
    const section = page.locator(`section.agent-analytics[data-agent="${agentId}"]`);
    await poll(() => section.count()).toBe(1);
    expect(hashOf(page)).toBe(`#/publishers/${publisherId}/analytics`);
    expect(await page.locator('nav.period-picker a[aria-current="page"]').innerText()).toBe('Last 30 days');
    await page.getByRole('link', { name: 'Last 7 days' }).click();
    await poll(() => section.getByRole('heading', { name: 'Runs per day, last 7 days' }).count()).toBe(1);
    expect(hashOf(page)).toBe(`#/publishers/${publisherId}/analytics?days=7`);
    expect(await section.getByText('No runs in this period.').count()).toBe(1);
    await checkPage(page, 'dev-analytics-empty');

    expect(await alertText(page)).toBe('');
    // The developer's visit to the review queue was refused; nothing else failed.
    expect(errors).toEqual(['403 GET /v1/admin/reviews']);
    await Promise.all([context.close(), admin.context.close(), customer.context.close()]);
  });

  it('draws analytics with figures: the daily runs chart, per-version, revenue and ratings tables', { timeout: 120_000 }, async () => {
    const dev = await signUp('dev');
    const publisherId = `pub-${uniqueWord()}`;
    await apiAs(dev.idToken).call('createPublisher', { body: { id: publisherId, name: 'Figures Labs' } });
    // Weeks of runs, revenue and ratings, which the suite cannot produce in seconds, in the
    // endpoint's schema (PublisherAnalyticsOut), served to this page.
    const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);
    const runs = { total: 12, succeeded: 10, failed: 1, timedOut: 0, canceled: 1, successRate: 10 / 11, p95DurationMs: 4100 };
    const usd = (amountMinor: number) => ({ amountMinor, currency: 'usd' });
    const agent: AgentAnalytics = {
      agentId: 'hello-figures',
      name: 'Hello figures',
      installs: { total: 5, active: 3 },
      runs,
      revenue: { gross: usd(4500), publisherShare: usd(3600) },
      rating: { avg: 4.5, count: 2 },
      versions: [
        { version: '1.1.0', activeInstalls: 2, runs: { ...runs, total: 8 } },
        { version: '1.0.0', activeInstalls: 1, runs: { ...runs, total: 4, successRate: null, p95DurationMs: null } },
      ],
      daily: Array.from({ length: 30 }, (_, i) => ({ day: day(29 - i), runs: i === 29 ? 7 : i === 28 ? 5 : 0, succeeded: i === 29 ? 5 : i === 28 ? 5 : 0, failed: i === 29 ? 1 : 0, p95DurationMs: null })),
      ratingsByMonth: [{ month: day(0).slice(0, 7), avg: 4.5, count: 2 }],
      revenueByMonth: [{ month: day(0).slice(0, 7), gross: usd(4500), publisherShare: usd(3600) }],
    };
    const body: PublisherAnalytics = { publisherId, from: day(29), to: day(0), agents: [agent] };
    const { context, page } = await newPage(browser);
    const errors = collectErrors(page);
    await page.route(`**/v1/publishers/${publisherId}/analytics?days=30`, (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) }));
    await signInAs(page, dev);
    await page.goto(`${urls.web}/#/publishers/${publisherId}/analytics?days=30`);
    const section = page.locator('section.agent-analytics[data-agent="hello-figures"]');
    await poll(() => section.locator('#analytics-hello-figures-chart canvas').count()).toBeGreaterThan(0);
    expect(await section.locator('#analytics-hello-figures-chart').getAttribute('aria-label')).toBe('Bar chart: 12 runs over the last 30 days, 1 of them failed.');
    expect(await section.locator('.stats .stat-value').allInnerTexts()).toEqual(['5', '3', '12', '90.9%', '4.1 sec']);
    const rows = async (id: string) => {
      const out: string[][] = [];
      for (const tr of await section.locator(`#${id} tbody tr`).all()) out.push((await tr.locator('th, td').allInnerTexts()).map((c) => c.trim()));
      return out;
    };
    expect(await rows('analytics-hello-figures-versions-table')).toEqual([
      ['1.1.0', '2', '8', '90.9%', '4.1 sec'],
      ['1.0.0', '1', '4', '–', '–'],
    ]);
    expect((await rows('analytics-hello-figures-revenue-table'))[0]!.slice(1)).toEqual(['$45.00', '$36.00']);
    expect((await rows('analytics-hello-figures-ratings-table'))[0]![1]).toBe('4.5 of 5 (2 ratings)');
    expect(await section.innerText()).toContain('$45.00 gross, $36.00 your share');
    await checkPage(page, 'dev-analytics-figures');
    expect(errors).toEqual([]);
    await context.close();
  });
});
