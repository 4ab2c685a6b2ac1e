/**
 * Human-in-the-loop approvals in Chromium on the local stack, with the idle-VM reaper's real
 * proposals: the inbox (savings, levels, decisions one by one, from the keyboard and in bulk,
 * refusals in words), the run view's live Proposals section and its outcome, the polling
 * fallback, the audit export with its verification, and the install's approval policy
 * editor (an admin may tighten, not loosen). axe and 375 px on every page. The inbox's live
 * pending view and agents' own requests: approvalsLive.browser.test.ts.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { alertText, browserTest, checkPage, collectErrors, expectAccessible, MOBILE, newPage, poll, signInAs, tabTo } from '../support/browserChecks.ts';
import { call } from '../support/http.ts';
import { finished, trigger, waitFor } from '../support/probe.ts';
import { stack, urls } from '../support/stack.ts';
import { addMember, installAgent, newWorkspace, type TestUser, type TestWorkspace } from '../support/users.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const INPUT = { asOf: '2026-11-20T00:00:00Z', maxStops: 2 };
const GPU = 'gpu-train-a100-02';

interface Proposal {
  id: string;
  summary: string;
  runId: string;
}

/** The reaper installed (with `rules` as its approval policy, if given) and run until its two stops wait for approval. */
async function twoProposals(ws: TestWorkspace, rules?: Record<string, unknown>): Promise<{ installId: string; runId: string; proposals: Proposal[] }> {
  const installId = await installAgent(ws, 'idle-vm-reaper');
  if (rules) expect((await call('PUT', `/workspaces/${ws.id}/installs/${installId}/approval-policy`, { token: ws.owner.idToken, body: { rules } })).status).toBe(200);
  const runId = (await trigger(ws, installId, INPUT)).body.id as string;
  const run = await waitFor(ws, runId, (r) => finished(r) || r.state === 'awaiting_approval', 90_000);
  expect(run.state).toBe('awaiting_approval');
  const list = await call('GET', `/workspaces/${ws.id}/approvals?runId=${runId}`, { token: ws.owner.idToken });
  const proposals = (list.body.items as Proposal[]).sort((a, b) => (a.summary.includes(GPU) ? -1 : b.summary.includes(GPU) ? 1 : 0));
  expect(proposals).toHaveLength(2);
  expect(proposals[0]!.summary).toContain(GPU);
  return { installId, runId, proposals };
}

const decide = (ws: TestWorkspace, who: TestUser, id: string, decision: 'approve' | 'reject') =>
  call('POST', `/workspaces/${ws.id}/approvals/${id}:decide`, { token: who.idToken, body: { decision, comment: 'from the API' } });

const card = (page: Page, id: string) => page.locator(`li.approval[data-approval="${id}"]`);

describe('approvals in the web app', () => {
  it('the inbox lists the proposals with their savings; approving one updates it; the run view follows the rest live and shows what was applied', browserTest, async () => {
    const ws = await newWorkspace(undefined, 'Approvals');
    const { runId, proposals } = await twoProposals(ws);
    const [gpu, other] = proposals as [Proposal, Proposal];
    const { context, page } = await newPage(browser);
    const errors = collectErrors(page);
    const lines: string[] = [];
    page.on('console', (m) => lines.push(`${m.type()} ${m.text()}`));
    await signInAs(page, ws.owner, { id: ws.id, name: 'Approvals' });
    await page.goto(`${urls.web}/#/approvals`);
    await poll(() => page.locator('li.approval').count()).toBe(2);
    // The pending view listens (approvalsLive.browser.test.ts follows it).
    await poll(() => page.locator('[data-inbox-transport]').getAttribute('data-inbox-transport')).toBe('firestore');
    // The header counts them.
    await poll(() => page.locator('#nav-approvals-count').textContent()).toBe('2 pending');
    const first = card(page, gpu.id);
    const text = await first.innerText();
    expect(text).toContain(gpu.summary);
    expect(text).toMatch(/Action\s+vm\.stop on \S+/);
    expect(text).toContain('High risk');
    expect(text).toContain('$2,681.29 a month');
    expect(text).toContain('idle-vm-reaper');
    expect(text).toContain('Level 1 of 1');
    expect(text).toMatch(/Due\s+in \d+ hours/);
    expect(await card(page, other.id).innerText()).toMatch(/\$[\d,]+\.\d\d a month/);
    // Details: the reason, the rule, no decisions yet.
    await first.getByRole('button', { name: 'Show details' }).click();
    const details = await first.locator('.approval-details').innerText();
    expect(details).toContain('Level 1 of 1: Owner, Admin, Approver; 1 approval needed; 1 day to decide, then it expires.');
    expect(details).toContain('None yet');
    await checkPage(page, 'approvals-inbox');

    await first.getByLabel('Comment (optional)').fill('Nobody has used it for weeks');
    await first.getByRole('button', { name: 'Approve' }).click();
    await poll(() => first.locator('.decision-result').innerText()).toBe('Approved.');
    expect(await first.getAttribute('data-state')).toBe('approved');
    expect(await first.getByRole('button', { name: 'Approve' }).isVisible()).toBe(false);
    expect(await first.locator('.approval-details').innerText()).toMatch(/\(you\) approved at Level 1 of 1[\s\S]*Nobody has used it for weeks/);
    await poll(() => page.locator('#nav-approvals-count').textContent()).toBe('1 pending');

    // The run view: both proposals, one approved, live.
    await first.getByRole('link', { name: runId }).click();
    await poll(() => page.locator('.proposals li.approval').count()).toBe(2);
    expect(await page.locator('.approvals-line').innerText()).toContain('Waiting for approvals (1 of 2 pending).');
    expect(await page.locator('[data-approvals-transport]').getAttribute('data-approvals-transport'), lines.join('\n')).toBe('firestore');
    expect(await card(page, gpu.id).getAttribute('data-state')).toBe('approved');
    expect(await card(page, other.id).getAttribute('data-state')).toBe('pending');
    expect(await card(page, other.id).getByRole('button', { name: 'Approve' }).isVisible()).toBe(true);
    await checkPage(page, 'approvals-run-waiting');

    // The second decision comes from elsewhere (the API): the page follows by itself.
    expect((await decide(ws, ws.owner, other.id, 'approve')).status).toBe(200);
    await poll(() => page.locator('.state-line .state-succeeded').count()).toBe(1);
    await poll(() => card(page, other.id).getAttribute('data-state')).toBe('approved');
    const outcome = page.locator('.approval-outcome');
    await poll(() => outcome.innerText()).toContain('Applied (2)');
    expect(await outcome.innerText()).toContain(gpu.summary);
    expect(await outcome.innerText()).toContain(other.summary);
    expect(await outcome.innerText()).toContain('Rejected (0)');
    expect(await page.locator('.approvals-line').isVisible()).toBe(false);
    await first.getByRole('button', { name: 'Show details' }).click();
    await poll(() => card(page, gpu.id).locator('.approval-details').innerText()).toMatch(/Result\s+Applied/);
    await checkPage(page, 'approvals-run-settled');

    // The inbox's filters: none pending now; both approved; none rejected.
    await page.getByRole('link', { name: /^Approvals/ }).click();
    await poll(() => page.getByText('No approvals match these filters.').count()).toBe(1);
    await page.getByLabel('State', { exact: true }).selectOption('approved');
    await poll(() => page.locator('li.approval[data-state="approved"]').count()).toBe(2);
    expect(page.url()).toContain('state=approved');
    await page.getByLabel('State', { exact: true }).selectOption('rejected');
    await poll(() => page.getByText('No approvals match these filters.').count()).toBe(1);

    // The audit log: exported, verified by the server and in the browser, downloadable.
    await page.getByRole('button', { name: 'Export and verify the audit log' }).click();
    await poll(() => page.locator('.audit-verdict').innerText()).toBe('Log verified: 6 records.');
    expect(await page.locator('.audit-result').innerText()).toContain('Checked by the server, and again in your browser.');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a.audit-download').click()]);
    const file = JSON.parse(await (await import('node:fs/promises')).readFile((await download.path())!, 'utf8'));
    expect(file.records.map((r: { type: string }) => r.type)).toEqual(['requested', 'requested', 'decided', 'decided', 'applied', 'applied']);
    expect(file.verification).toEqual({ ok: true, checked: 6 });
    expect(await alertText(page)).toBe('');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('levels, from the keyboard and in bulk: an operator approves level 1, a refusal reads clearly, an admin rejects in bulk; the run lists what became of each', browserTest, async () => {
    const ws = await newWorkspace(undefined, 'Levels');
    const operator = await addMember(ws, 'operator');
    const admin = await addMember(ws, 'admin');
    const { runId, proposals } = await twoProposals(ws, {
      'vm.stop': { levels: [{ approvers: { roles: ['operator'] } }, { approvers: { roles: ['admin'] } }], allowRequester: false },
    });
    const [a, b] = proposals as [Proposal, Proposal];

    // The operator, keyboard only, at 375 px: a comment and Approve on the first proposal.
    const op = await newPage(browser, MOBILE);
    const opErrors = collectErrors(op.page);
    await signInAs(op.page, operator, { id: ws.id, name: 'Levels' });
    await op.page.goto(`${urls.web}/#/approvals`);
    await poll(() => op.page.locator('li.approval').count()).toBe(2);
    await op.page.getByRole('heading', { name: 'Approvals: Levels', level: 1 }).evaluate((el) => {
      el.setAttribute('tabindex', '-1');
      (el as unknown as { focus(): void }).focus();
    });
    await tabTo(op.page, (f) => f.tag === 'INPUT' && f.name === 'Comment (optional)' && f.inside === a.id);
    await op.page.keyboard.type('Checked with the ML team');
    await tabTo(op.page, (f) => f.tag === 'BUTTON' && f.name === 'Approve' && f.inside === a.id, 3);
    await op.page.keyboard.press('Enter');
    await poll(() => card(op.page, a.id).locator('.decision-result').innerText()).toBe('Approved; it now waits for Level 2 of 2.');
    // The buttons are gone (one decision per person): focus waits on what happened.
    expect(await op.page.locator('html').evaluate((root) => root.ownerDocument.activeElement?.className)).toContain('decision-result');
    expect(await card(op.page, a.id).innerText()).toContain('You have decided this approval; it waits for other people.');
    expect(await card(op.page, a.id).innerText()).toContain('Level 2 of 2');

    // Decided elsewhere meanwhile, on a list that is not live (every state, as loaded): the page's Approve is refused, and says why.
    await op.page.getByLabel('State', { exact: true }).selectOption('all');
    // The live note goes once the list of every state has loaded.
    await poll(() => op.page.locator('[data-inbox-transport]').isVisible()).toBe(false);
    expect(await op.page.locator('li.approval').count()).toBe(2);
    expect((await decide(ws, operator, b.id, 'approve')).status).toBe(200);
    await card(op.page, b.id).getByRole('button', { name: 'Approve' }).click();
    await poll(() => card(op.page, b.id).locator('.decision-result').innerText()).toBe(
      'You already decided: You have already decided this approval. (approval_already_decided)',
    );
    expect(await card(op.page, b.id).locator('.decision-result').getAttribute('class')).toContain('refused');
    await poll(() => card(op.page, b.id).getByRole('button', { name: 'Approve' }).isVisible()).toBe(false);
    await checkPage(op.page, 'approvals-operator');
    expect(opErrors.filter((e) => !/^409 POST .*:decide$/.test(e))).toEqual([]);
    await op.context.close();

    // The admin decides level 2 in bulk; one of them was approved through the API just before
    // (on the list of every state, which is not live, so the bulk decision meets the refusal).
    const ad = await newPage(browser);
    const adErrors = collectErrors(ad.page);
    await signInAs(ad.page, admin, { id: ws.id, name: 'Levels' });
    await ad.page.goto(`${urls.web}/#/approvals?state=all`);
    await poll(() => ad.page.locator('li.approval').count()).toBe(2);
    await ad.page.getByLabel('Select every pending approval shown').check();
    expect(await ad.page.locator('#bulk-count').innerText()).toBe('2 selected.');
    expect((await decide(ws, admin, a.id, 'approve')).status).toBe(200);
    await ad.page.getByLabel('Comment for all of them (optional)').fill('Not this quarter');
    await ad.page.getByRole('button', { name: 'Reject selected' }).click();
    const results = ad.page.locator('.bulk-results');
    await poll(() => results.innerText()).toContain('Decided: 1; refused: 1.');
    expect(await results.locator(`li[data-approval="${a.id}"]`).innerText()).toBe(`${a.summary}: No longer pending: This approval is already approved. (approval_not_pending)`);
    expect(await results.locator(`li[data-approval="${b.id}"]`).innerText()).toBe(`${b.summary}: Rejected.`);
    await poll(() => card(ad.page, b.id).getAttribute('data-state')).toBe('rejected');
    expect(await card(ad.page, a.id).getAttribute('data-state')).toBe('approved');
    await checkPage(ad.page, 'approvals-bulk');
    expect(await alertText(ad.page)).toBe('');
    expect(adErrors).toEqual([]);

    // Settled: the run lists the applied and the rejected one.
    const done = await waitFor(ws, runId, finished);
    expect(done.state).toBe('succeeded');
    await ad.page.goto(`${urls.web}/#/runs/${ws.id}/${runId}`);
    const outcome = ad.page.locator('.approval-outcome');
    await poll(() => outcome.innerText()).toContain('Applied (1)');
    expect(await outcome.innerText()).toContain('Rejected (1)');
    expect(await outcome.locator(`li[data-approval="${b.id}"]`).count()).toBe(1);
    await ad.context.close();

    // Without Firestore (a proxy blocks it), the proposals are polled from the API.
    const blocked = await newPage(browser);
    await blocked.page.route(`${stack.urls.firestore}/**`, (route) => route.abort('blockedbyclient'));
    await signInAs(blocked.page, admin, { id: ws.id, name: 'Levels' });
    await blocked.page.goto(`${urls.web}/#/runs/${ws.id}/${runId}`);
    await poll(() => blocked.page.locator('[data-approvals-transport]').getAttribute('data-approvals-transport')).toBe('poll');
    await poll(() => blocked.page.locator('.proposals li.approval').count()).toBe(2);
    expect(await card(blocked.page, b.id).innerText()).toContain('Rejected');
    expect(await blocked.page.getByText('These are checked every few seconds').count()).toBe(1);
    await blocked.context.close();
  });

  it('the approval policy editor: an admin cannot loosen (the server says why), can tighten; a viewer only reads', browserTest, async () => {
    const ws = await newWorkspace(undefined, 'Policy');
    const admin = await addMember(ws, 'admin');
    const viewer = await addMember(ws, 'viewer');
    const installId = await installAgent(ws, 'idle-vm-reaper');
    const { context, page } = await newPage(browser);
    const errors = collectErrors(page);
    await signInAs(page, admin, { id: ws.id, name: 'Policy' });
    await page.goto(`${urls.web}/#/workspace`);
    await page.getByRole('link', { name: 'Approval policy' }).click();
    await poll(() => page.getByRole('heading', { name: 'Approval policy: idle-vm-reaper', level: 1 }).count()).toBe(1);
    const rule = page.locator('fieldset.policy-rule[data-action="vm.stop"]');
    await poll(() => rule.locator('li.policy-level').count()).toBe(1);
    expect(await rule.innerText()).toContain("Comes from the install wizard's approver settings");
    await checkPage(page, 'approval-policy');

    // Looser: operators may decide too. Only an owner may do that.
    const level1 = rule.locator('li.policy-level').nth(0);
    await level1.getByLabel('Operator', { exact: true }).check();
    await page.getByRole('button', { name: 'Save the approval policy' }).click();
    const problem = page.locator('#policy-problem');
    await poll(() => problem.innerText()).toBe('Not saved. Only an owner may make approvals less strict: vm.stop: level 1 adds operator. approval_policy_looser');
    await expectAccessible(page, 'approval-policy-refused');

    // Impossible: five different approvers where two members may approve; the level says so.
    await level1.getByLabel('Operator', { exact: true }).uncheck();
    await level1.getByLabel('Approvals needed').fill('5');
    await page.getByRole('button', { name: 'Save the approval policy' }).click();
    await poll(() => level1.locator('.field-error').innerText()).toContain('needs 5 distinct approvers but only 2 member(s)');
    expect(await level1.getByLabel('Approvals needed').getAttribute('aria-invalid')).toBe(null);
    expect(await problem.innerText()).toContain('approval_policy_unsatisfiable');

    // Stricter: a second level, owners only, with an hour to decide and escalation from level 1.
    await level1.getByLabel('Approvals needed').fill('1');
    await level1.getByLabel('When the time is up').selectOption('escalate');
    await rule.getByRole('button', { name: 'Add a level' }).click();
    const level2 = rule.locator('li.policy-level').nth(1);
    expect(await level2.locator('legend').first().innerText()).toBe('Level 2 of 2');
    await level2.getByLabel('Admin', { exact: true }).uncheck();
    await level2.getByLabel('Approver', { exact: true }).uncheck();
    await level2.getByLabel('Time to decide (minutes)').fill('60');
    await page.getByRole('button', { name: 'Save the approval policy' }).click();
    await poll(() => page.locator('#app-status').innerText()).toContain('The approval policy is saved.');
    expect(await problem.innerText()).toBe('');
    const saved = (await call('GET', `/workspaces/${ws.id}/installs/${installId}/approval-policy`, { token: ws.owner.idToken })).body;
    expect(saved.gated[0].rule).toBe('vm.stop');
    expect(saved.rules['vm.stop']).toMatchObject({
      levels: [
        { approvers: { roles: ['owner', 'admin', 'approver'] }, required: 1, onExpiry: 'escalate' },
        { approvers: { roles: ['owner'] }, required: 1, slaMinutes: 60, onExpiry: 'reject' },
      ],
      allowRequester: true,
    });
    await poll(() => rule.innerText()).toContain("This install's own rule.");
    expect(await page.locator('p.hint', { hasText: 'Last changed' }).innerText()).toContain(admin.email);
    await checkPage(page, 'approval-policy-saved');
    expect(await alertText(page)).toBe('');
    expect(errors.filter((e) => !/^40[03] PUT .*\/approval-policy$/.test(e))).toEqual([]);
    await context.close();

    // A viewer sees the rule, and cannot change it.
    const v = await newPage(browser);
    await signInAs(v.page, viewer, { id: ws.id, name: 'Policy' });
    await v.page.goto(`${urls.web}/#/installs/${ws.id}/${installId}/approval-policy`);
    await poll(() => v.page.getByText('Only owners and admins change the approval policy.').count()).toBe(1);
    expect(await v.page.locator('li.policy-level').count()).toBe(2);
    expect(await v.page.getByRole('button', { name: 'Save the approval policy' }).count()).toBe(0);
    expect(await v.page.locator('li.policy-level').nth(1).getByLabel('Owner', { exact: true }).isDisabled()).toBe(true);
    await expectAccessible(v.page, 'approval-policy-read-only');
    await v.context.close();
  });
});
