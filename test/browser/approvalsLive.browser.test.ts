/**
 * The approvals inbox, live, in Chromium on the local stack, with the probe agent's real
 * requests (`ctx.approval.request`, its `ask` mode): a request appears in an open inbox
 * without a reload (a comment being typed and the focus stay), a decision by another member
 * shows on its card in place, and the run resumes and succeeds; "Load more" over seeded
 * approvals loses and repeats nothing, and the list stays live below the first page, also
 * when Firestore is blocked (the API is polled); a request's card at 375 px (axe, keyboard
 * only) and its suspended run's view.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { launchChromium } from '../support/browser.ts';
import { alertText, browserTest, checkPage, collectErrors, MOBILE, newPage, poll, signInAs, tabTo } from '../support/browserChecks.ts';
import { call } from '../support/http.ts';
import { finished, installProbe, trigger, waitFor } from '../support/probe.ts';
import { stack, urls } from '../support/stack.ts';
import { addMember, newWorkspace, type TestWorkspace } from '../support/users.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const suspended = (r: any) => finished(r) || (r.state === 'awaiting_approval' && r.suspended);
const card = (page: Page, id: string) => page.locator(`li.approval[data-approval="${id}"]`);
const status = (page: Page) => page.locator('section[aria-labelledby="approvals-list-title"] > [role="status"]').innerText();
const shownIds = (page: Page) => page.locator('#approvals-list > li.approval').evaluateAll((els) => els.map((el) => el.getAttribute('data-approval')));
const focusedId = (page: Page) => page.locator('html').evaluate((root) => root.ownerDocument.activeElement?.id ?? '');
/** The header's pending count ('' when none). */
const headerCount = (page: Page) => page.locator('#nav-approvals-count').textContent();

/** A probe run that asks one question and is suspended on it; the request. */
async function askingRun(ws: TestWorkspace, installId: string): Promise<{ runId: string; request: any }> {
  const runId = (await trigger(ws, installId, { mode: 'ask' })).body.id as string;
  const run = await waitFor(ws, runId, suspended, 45_000);
  expect(run).toMatchObject({ state: 'awaiting_approval', suspended: true });
  const items = (await call('GET', `/workspaces/${ws.id}/approvals?runId=${runId}`, { token: ws.owner.idToken })).body.items as any[];
  expect(items).toHaveLength(1);
  return { runId, request: items[0] };
}

/** A pending request as the platform stores it (functions/src/app/approvals/ports.ts StoredApproval), written straight into the emulator. */
async function seedApproval(ws: TestWorkspace, installId: string, n: number, createdAt: Date): Promise<string> {
  const id = randomBytes(10).toString('hex');
  await adminDb.doc(`workspaces/${ws.id}/approvals/${id}`).set({
    id, wsId: ws.id, runId: randomBytes(8).toString('hex'), installId, agentId: 'probe', agentVersion: '1.0.0',
    action: null, request: { key: `seed-${n}`, details: { n } }, summary: `Seeded request ${n}`, reason: 'Seeded to page through.', risk: 'low', impact: null,
    requester: ws.owner.uid,
    rule: { levels: [{ approvers: { roles: ['owner', 'admin', 'approver'], members: [] }, required: 1, slaMinutes: 1440, onExpiry: 'reject' }], allowRequester: true },
    state: 'pending', level: 0, dueAt: new Date(createdAt.getTime() + 86_400_000), decisions: [], decidedAt: null, basis: '', result: null, createdAt,
  });
  return id;
}

describe('the approvals inbox, live', () => {
  it('a request appears at the top while the inbox is open, a comment being typed stays; another member approves it and the card follows in place; the run resumes and succeeds; bulk decides requests', browserTest, async () => {
    const ws = await newWorkspace(undefined, 'Live');
    const approver = await addMember(ws, 'approver');
    const installId = await installProbe(ws);
    const { context, page } = await newPage(browser);
    const errors = collectErrors(page);
    await signInAs(page, ws.owner, { id: ws.id, name: 'Live' });
    await page.goto(`${urls.web}/#/approvals`);
    await poll(() => status(page)).toBe('No approvals match these filters.');
    // Gone on a reload or a re-render of the page.
    await page.locator('h1').evaluate((el) => el.setAttribute('data-still-here', ''));

    const first = await askingRun(ws, installId);
    await poll(() => shownIds(page)).toEqual([first.request.id]);
    expect(await status(page)).toBe('1 new approval, at the top of the list. Showing 1 approval.');
    expect(await page.locator('[data-inbox-transport]').getAttribute('data-inbox-transport')).toBe('firestore');
    await poll(() => headerCount(page)).toBe('1 pending');
    const firstCard = card(page, first.request.id);
    const text = await firstCard.innerText();
    expect(text).toContain('Go on with step 1 of 1?');
    expect(text).toMatch(/Request\s+step-1 \(the agent asked this and waits; its run resumes with your decision\)/);
    expect(text).toMatch(/Details\s+\{\s+"step": 1,\s+"of": 1\s+\}/);
    expect(text).toContain('Low risk');
    expect(text).not.toMatch(/Parameters| on step-1/);

    // Someone starts writing a comment; meanwhile a second request arrives, above it.
    await firstCard.getByLabel('Comment (optional)').fill('Checked the plan');
    const second = await askingRun(ws, installId);
    await poll(() => shownIds(page)).toEqual([second.request.id, first.request.id]);
    expect(await status(page)).toBe('1 new approval, at the top of the list. Showing 2 approvals.');
    expect(await firstCard.getByLabel('Comment (optional)').inputValue()).toBe('Checked the plan');
    expect(await focusedId(page)).toBe(`appr-${first.request.id}-comment`);
    await poll(() => headerCount(page)).toBe('2 pending');

    // Another member approves the second one in their own browser.
    const other = await newPage(browser);
    const otherErrors = collectErrors(other.page);
    await signInAs(other.page, approver, { id: ws.id, name: 'Live' });
    await other.page.goto(`${urls.web}/#/approvals`);
    await poll(() => other.page.locator('li.approval').count()).toBe(2);
    await card(other.page, second.request.id).getByRole('button', { name: 'Approve' }).click();
    await poll(() => card(other.page, second.request.id).locator('.decision-result').innerText()).toBe('Approved. The agent goes on with this answer when its run resumes.');
    expect(otherErrors).toEqual([]);
    await other.context.close();

    // The first page follows in place: the card says what happened, stays where it was, and cannot be decided again.
    const secondCard = card(page, second.request.id);
    await poll(() => secondCard.getAttribute('data-state')).toBe('approved');
    expect(await secondCard.locator('.decision-result').innerText()).toBe('No longer pending: Approved.');
    expect(await secondCard.getByRole('button', { name: 'Approve' }).isVisible()).toBe(false);
    expect(await secondCard.getByLabel('Select').isVisible()).toBe(false);
    expect(await focusedId(page)).toBe(`appr-${first.request.id}-comment`);
    await secondCard.getByRole('button', { name: 'Show details' }).click();
    expect(await secondCard.locator('.approval-details').innerText()).toContain(`${approver.email} approved at Level 1 of 1`);
    expect(await shownIds(page)).toEqual([second.request.id, first.request.id]);
    await poll(() => headerCount(page)).toBe('1 pending');
    expect(await firstCard.getByLabel('Comment (optional)').inputValue()).toBe('Checked the plan');

    // Resumed with its answer, the second run succeeds.
    const resumed = await waitFor(ws, second.runId, finished, 60_000);
    expect(resumed).toMatchObject({ state: 'succeeded', attempt: 2, resumes: 1, outputs: { echo: 'approved at attempt 2' } });

    // The comment typed before all this goes with the first one's approval.
    await firstCard.getByRole('button', { name: 'Approve' }).click();
    await poll(() => firstCard.locator('.decision-result').innerText()).toBe('Approved. The agent goes on with this answer when its run resumes.');
    const decided = (await call('GET', `/workspaces/${ws.id}/approvals/${first.request.id}`, { token: ws.owner.idToken })).body;
    expect(decided.decisions).toEqual([expect.objectContaining({ by: ws.owner.uid, decision: 'approve', comment: 'Checked the plan' })]);
    expect((await waitFor(ws, first.runId, finished, 60_000)).state).toBe('succeeded');
    await poll(() => headerCount(page)).toBe('');

    // A third request arrives and is decided in bulk: only pending ones are selected.
    const third = await askingRun(ws, installId);
    await poll(() => shownIds(page)).toEqual([third.request.id, second.request.id, first.request.id]);
    await page.getByLabel('Select every pending approval shown').check();
    expect(await page.locator('#bulk-count').innerText()).toBe('1 selected.');
    await page.getByRole('button', { name: 'Approve selected' }).click();
    await poll(() => page.locator('.bulk-results').innerText()).toContain('Decided: 1; refused: 0.');
    expect(await page.locator(`.bulk-results li[data-approval="${third.request.id}"]`).innerText()).toBe(
      'Go on with step 1 of 1?: Approved. The agent goes on with this answer when its run resumes.',
    );
    await poll(() => card(page, third.request.id).getAttribute('data-state')).toBe('approved');
    expect((await waitFor(ws, third.runId, finished, 60_000)).state).toBe('succeeded');

    expect(await page.locator('h1[data-still-here]').count()).toBe(1);
    expect(await alertText(page)).toBe('');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('"Load more" over 30 pending approvals shows each once, newest first; the list stays live below the first page, and polls the API when Firestore is blocked', browserTest, async () => {
    const ws = await newWorkspace(undefined, 'Paging');
    const installId = await installProbe(ws);
    const start = Date.now() - 3_600_000;
    const seeded: string[] = [];
    for (let n = 0; n < 30; n++) seeded.push(await seedApproval(ws, installId, n, new Date(start + n * 60_000)));
    const newestFirst = [...seeded].reverse();

    const { context, page } = await newPage(browser);
    const errors = collectErrors(page);
    await signInAs(page, ws.owner, { id: ws.id, name: 'Paging' });
    await page.goto(`${urls.web}/#/approvals`);
    await poll(() => shownIds(page)).toEqual(newestFirst.slice(0, 25));
    expect(await status(page)).toBe('Showing 25 approvals (more below).');
    await page.getByRole('button', { name: 'Load more' }).click();
    await poll(() => shownIds(page)).toEqual(newestFirst);
    expect(await status(page)).toBe('Showing 30 approvals.');
    expect(await page.getByRole('button', { name: 'Load more' }).isVisible()).toBe(false);

    // Live below the first page too: a new one arrives at the top; the oldest, on the second page, is decided elsewhere.
    const newest = await seedApproval(ws, installId, 30, new Date());
    await poll(() => shownIds(page)).toEqual([newest, ...newestFirst]);
    expect(await page.locator('[data-inbox-transport]').getAttribute('data-inbox-transport')).toBe('firestore');
    const oldest = seeded[0]!;
    // Someone is about to type a comment on it.
    await card(page, oldest).getByLabel('Comment (optional)').focus();
    await adminDb.doc(`workspaces/${ws.id}/approvals/${oldest}`).update({
      state: 'rejected',
      decidedAt: new Date(),
      decisions: [{ level: 0, by: ws.owner.uid, byName: null, decision: 'reject', comment: 'elsewhere', at: new Date() }],
    });
    await poll(() => card(page, oldest).getAttribute('data-state')).toBe('rejected');
    expect(await card(page, oldest).locator('.decision-result').innerText()).toBe('No longer pending: Rejected.');
    // Its comment box went away under the keyboard: focus waits on what happened, in the same card.
    const focused = await page.locator('html').evaluate((root) => {
      const el = root.ownerDocument.activeElement;
      return { className: el?.className ?? '', inside: el?.closest('li.approval')?.getAttribute('data-approval') ?? null };
    });
    expect(focused).toEqual({ className: 'decision-result info', inside: oldest });
    expect(await shownIds(page)).toHaveLength(31);
    await poll(() => headerCount(page)).toBe('30 pending');
    expect(errors).toEqual([]);
    await context.close();

    // Firestore blocked (a proxy, say): the pending list is polled from the API, and still follows.
    const blocked = await newPage(browser);
    await blocked.page.route(`${stack.urls.firestore}/**`, (route) => route.abort('blockedbyclient'));
    await signInAs(blocked.page, ws.owner, { id: ws.id, name: 'Paging' });
    await blocked.page.goto(`${urls.web}/#/approvals`);
    await poll(() => blocked.page.locator('[data-inbox-transport]').getAttribute('data-inbox-transport')).toBe('poll');
    expect(await blocked.page.getByText('Pending approvals are checked every few seconds').count()).toBe(1);
    await poll(() => shownIds(blocked.page)).toEqual([newest, ...newestFirst.slice(0, 24)]);
    const later = await seedApproval(ws, installId, 31, new Date());
    await poll(() => shownIds(blocked.page)).toEqual([later, newest, ...newestFirst.slice(0, 24)]);
    expect(await status(blocked.page)).toBe('1 new approval, at the top of the list. Showing 26 approvals (more below).');
    await blocked.context.close();
  });

  it("a request's card at 375 px passes axe and is decided from the keyboard alone; its run's view says it waits on the agent's request, then that it resumed", browserTest, async () => {
    const ws = await newWorkspace(undefined, 'Asks');
    const installId = await installProbe(ws);
    const { runId, request } = await askingRun(ws, installId);
    const { context, page } = await newPage(browser, MOBILE);
    const errors = collectErrors(page);
    await signInAs(page, ws.owner, { id: ws.id, name: 'Asks' });

    // The suspended run says what it waits for, and that it will resume.
    await page.goto(`${urls.web}/#/runs/${ws.id}/${runId}`);
    await poll(() => page.locator('.approvals-line').innerText()).toContain('The agent asked for a decision and waits (1 of 1 pending). The run resumes once none is pending.');
    await poll(() => page.locator('.proposals li.approval').count()).toBe(1);
    expect(await page.locator('#run-proposals').innerText()).toBe('Proposals and requests');
    await checkPage(page, 'run-suspended');

    await page.goto(`${urls.web}/#/approvals`);
    const asked = card(page, request.id);
    await poll(() => asked.count()).toBe(1);
    await checkPage(page, 'approvals-request');

    // Keyboard only: from the page's heading to the card's comment, then Approve.
    await page.getByRole('heading', { name: 'Approvals: Asks', level: 1 }).evaluate((el) => {
      el.setAttribute('tabindex', '-1');
      (el as unknown as { focus(): void }).focus();
    });
    await tabTo(page, (f) => f.tag === 'INPUT' && f.name === 'Comment (optional)' && f.inside === request.id);
    await page.keyboard.type('Go ahead');
    await tabTo(page, (f) => f.tag === 'BUTTON' && f.name === 'Approve' && f.inside === request.id, 3);
    await page.keyboard.press('Enter');
    await poll(() => asked.locator('.decision-result').innerText()).toBe('Approved. The agent goes on with this answer when its run resumes.');
    expect(await page.locator('html').evaluate((root) => root.ownerDocument.activeElement?.className)).toContain('decision-result');
    await tabTo(page, (f) => f.tag === 'BUTTON' && f.name === 'Show details' && f.inside === request.id, 5);
    await page.keyboard.press('Enter');
    const details = await asked.locator('.approval-details').innerText();
    expect(details).toMatch(/Asked\s+\S/);
    expect(details).toContain('Go ahead');
    expect(details).not.toContain('Parameters');
    await checkPage(page, 'approvals-request-decided');

    // Resumed, it succeeds; its view says so.
    const done = await waitFor(ws, runId, finished, 60_000);
    expect(done).toMatchObject({ state: 'succeeded', resumes: 1 });
    await page.goto(`${urls.web}/#/runs/${ws.id}/${runId}`);
    await poll(() => page.locator('.state-line .state-succeeded').count()).toBe(1);
    expect(await page.locator('dl.details').first().innerText()).toMatch(/Resumed\s+1 time, after the agent's requests were decided/);
    const outcome = page.locator('.approval-outcome');
    await poll(() => outcome.innerText()).toContain('Requests granted (1)');
    expect(await outcome.locator(`li[data-approval="${request.id}"]`).innerText()).toBe('Go on with step 1 of 1?');
    await checkPage(page, 'run-resumed');
    expect(await alertText(page)).toBe('');
    expect(errors).toEqual([]);
    await context.close();
  });
});
