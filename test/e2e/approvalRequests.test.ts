import { describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { call, codeOf } from '../support/http.ts';
import { events, finished, installProbe, publishLongProbe, tickWatchdog, trigger, waitFor } from '../support/probe.ts';
import { addMember, newWorkspace, type TestUser, type TestWorkspace } from '../support/users.ts';

/**
 * An agent's own requests (`ctx.approval.request`) on the real runner: a pending request
 * suspends the run (its execution ends, it holds nothing); a decision resumes it in a new
 * execution, which repeats the code before the call and gets the recorded decision at once.
 * The probe agent's `ask` mode asks `asks` questions, one after the other.
 */
const suspended = (r: any) => finished(r) || (r.state === 'awaiting_approval' && r.suspended);
const pendingOf = async (ws: TestWorkspace, runId: string) =>
  (await call('GET', `/workspaces/${ws.id}/approvals?runId=${runId}&state=pending`, { token: ws.owner.idToken })).body.items as any[];
const decide = (ws: TestWorkspace, who: TestUser, id: string, decision: 'approve' | 'reject', comment = '') =>
  call('POST', `/workspaces/${ws.id}/approvals/${id}:decide`, { token: who.idToken, body: { decision, comment } });
const logText = async (ws: TestWorkspace, runId: string) =>
  ((await call('GET', `/workspaces/${ws.id}/runs/${runId}/logs`, { token: ws.owner.idToken })).body.lines as any[]).map((l) => l.msg).join('\n');

describe('ctx.approval.request: suspend, decide, resume', () => {
  it('a request suspends the run; approving resumes it in a new attempt (not a retry) where the call answers at once; a second request, rejected, likewise', { timeout: 150_000 }, async () => {
    const ws = await newWorkspace();
    const approver = await addMember(ws, 'approver');
    // maxAttempts 1: resumes must not spend the retry budget.
    const installId = await installProbe(ws, { concurrency: null, maxAttempts: 1, backoffSeconds: 30 });
    const runId = (await trigger(ws, installId, { mode: 'ask', asks: 2 })).body.id as string;

    const first = await waitFor(ws, runId, suspended, 45_000);
    expect(first).toMatchObject({ state: 'awaiting_approval', suspended: true, attempt: 1, resumes: 0, approvals: { pending: 1, total: 1 }, finishedAt: null });
    expect(first.progress.message).toBe('Waiting for approvals; the agent resumes after');
    // Suspended: its execution ended and its concurrency slot was freed.
    expect((await adminDb.collection(`workspaces/${ws.id}/runSlots`).where('runId', '==', runId).get()).size).toBe(0);
    const [step1] = await pendingOf(ws, runId);
    expect(step1).toMatchObject({
      action: null,
      request: { key: 'step-1', details: { step: 1, of: 2 } },
      summary: 'Go on with step 1 of 2?',
      reason: 'The probe asks before each step.',
      risk: 'low',
      state: 'pending',
      requester: ws.owner.uid,
    });

    expect((await decide(ws, approver, step1.id, 'approve', 'go')).body.state).toBe('approved');
    // Resumed (attempt 2), it gets step 1's decision at once and asks step 2: suspended again.
    const second = await waitFor(ws, runId, (r) => suspended(r) && r.attempt === 2, 45_000);
    expect(second).toMatchObject({ state: 'awaiting_approval', suspended: true, resumes: 1, approvals: { pending: 1, total: 2 } });
    const [step2] = await pendingOf(ws, runId);
    expect(step2.request.key).toBe('step-2');

    expect((await decide(ws, approver, step2.id, 'reject', 'not now')).body.state).toBe('rejected');
    const done = await waitFor(ws, runId, finished, 45_000);
    expect(done).toMatchObject({ state: 'succeeded', attempt: 3, resumes: 2, suspended: false, error: null });
    expect(done.outputs.echo).toBe('approved,rejected at attempt 3');
    expect(done.outputs.approvals.granted.map((a: any) => a.approvalId)).toEqual([step1.id]);
    expect(done.outputs.approvals.rejected).toEqual([expect.objectContaining({ approvalId: step2.id, request: 'step-2' })]);
    expect(done.outputs.approvals.applied).toEqual([]);

    // Each execution started over: the code before the call ran three times.
    const logs = await logText(ws, runId);
    for (const attempt of [1, 2, 3]) expect(logs).toContain(`ask: attempt ${attempt} starts over`);
    expect(logs).toContain('Waiting for approvals: the run is suspended and resumes once they are decided.');
    expect(logs).toContain('ask: step 2 rejected');
    const moves = (await events(ws, runId)).map((e) => `${e.from}>${e.to}:${e.reason}`);
    expect(moves.filter((m) => m === 'running>awaiting_approval:runner_suspended')).toHaveLength(2);
    expect(moves.filter((m) => m === 'awaiting_approval>queued:approvals_decided_resume')).toHaveLength(2);
    // The last execution's end settles the run's approvals (nothing left to apply) and it succeeds.
    expect(moves.slice(-2)).toEqual(['running>awaiting_approval:runner_succeeded', 'awaiting_approval>succeeded:approvals_settled']);

    const audit = (await call('GET', `/workspaces/${ws.id}/approvals:audit`, { token: ws.owner.idToken })).body;
    expect(audit.verification.ok).toBe(true);
    expect(audit.records.map((r: any) => `${r.type}:${r.data.request ?? r.data.decision}`)).toEqual(['requested:step-1', 'decided:approve', 'requested:step-2', 'decided:reject']);
  });

  it("a decided request waits for a free slot under the install's concurrency limit, then resumes", { timeout: 150_000 }, async () => {
    const ws = await newWorkspace();
    const long = await publishLongProbe();
    const installId = await installProbe(ws, { concurrency: 1, maxAttempts: 1, backoffSeconds: 30 }, long);
    const asker = (await trigger(ws, installId, { mode: 'ask' })).body.id as string;
    await waitFor(ws, asker, suspended, 45_000);
    // The suspended run holds no slot: another run of the install starts and holds the only one.
    const holder = await trigger(ws, installId, { mode: 'hang' });
    expect(holder.status).toBe(201);
    await waitFor(ws, holder.body.id, (r) => r.state === 'running', 45_000);

    const [request] = await pendingOf(ws, asker);
    expect((await decide(ws, ws.owner, request.id, 'approve')).status).toBe(200);
    const blocked = (await call('GET', `/workspaces/${ws.id}/runs/${asker}`, { token: ws.owner.idToken })).body;
    expect(blocked).toMatchObject({ state: 'awaiting_approval', suspended: true, attempt: 1, approvals: { pending: 0 } });
    expect(blocked.progress.message).toBe("Approvals decided; waiting for a free slot under this install's concurrency limit");
    // Still full: the watchdog's tick leaves it waiting.
    await adminDb.doc(`workspaces/${ws.id}/runs/${asker}`).update({ watchAt: new Date(Date.now() - 1000) });
    await tickWatchdog();
    expect((await call('GET', `/workspaces/${ws.id}/runs/${asker}`, { token: ws.owner.idToken })).body.state).toBe('awaiting_approval');

    expect((await call('POST', `/workspaces/${ws.id}/runs/${holder.body.id}:cancel`, { token: ws.owner.idToken })).status).toBe(200);
    await adminDb.doc(`workspaces/${ws.id}/runs/${asker}`).update({ watchAt: new Date(Date.now() - 1000) });
    await tickWatchdog();
    const done = await waitFor(ws, asker, finished, 45_000);
    expect(done).toMatchObject({ state: 'succeeded', attempt: 2, resumes: 1, outputs: { echo: 'approved at attempt 2' } });
  });

  it("an API key's run has the key's owner as its requester, whom a policy can bar from approving", { timeout: 90_000 }, async () => {
    const ws = await newWorkspace();
    const admin = await addMember(ws, 'admin');
    const installId = await installProbe(ws);
    const rules = { 'risk:low': { levels: [{ approvers: { roles: ['owner', 'admin'] } }], allowRequester: false } };
    expect((await call('PUT', `/workspaces/${ws.id}/installs/${installId}/approval-policy`, { token: ws.owner.idToken, body: { rules } })).status).toBe(200);
    const key = (await call('POST', `/workspaces/${ws.id}/api-keys`, { token: ws.owner.idToken, body: { name: 'ci', scopes: ['runs.trigger', 'runs.read'] } })).body;
    const started = await call('POST', `/workspaces/${ws.id}/installs/${installId}/runs`, { token: key.secret, body: { input: { mode: 'ask' } } });
    expect(started.status).toBe(201);
    await waitFor(ws, started.body.id, suspended, 45_000);
    const [request] = await pendingOf(ws, started.body.id);
    expect(request.requester).toBe(ws.owner.uid);
    const own = await decide(ws, ws.owner, request.id, 'approve');
    expect({ status: own.status, code: codeOf(own) }).toEqual({ status: 403, code: 'approval_requester_forbidden' });
    expect((await decide(ws, admin, request.id, 'approve')).body.state).toBe('approved');
    expect(await waitFor(ws, started.body.id, finished, 45_000)).toMatchObject({ state: 'succeeded', outputs: { echo: 'approved at attempt 2' } });
  });

  it('canceling a suspended run withdraws its request; a decision on it is refused', { timeout: 90_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws);
    const runId = (await trigger(ws, installId, { mode: 'ask' })).body.id as string;
    await waitFor(ws, runId, suspended, 45_000);
    const [request] = await pendingOf(ws, runId);
    expect((await call('POST', `/workspaces/${ws.id}/runs/${runId}:cancel`, { token: ws.owner.idToken })).body.state).toBe('canceled');
    const after = (await call('GET', `/workspaces/${ws.id}/approvals/${request.id}`, { token: ws.owner.idToken })).body;
    expect(after.state).toBe('withdrawn');
    const late = await decide(ws, ws.owner, request.id, 'approve');
    expect({ status: late.status, code: codeOf(late) }).toEqual({ status: 409, code: 'approval_not_pending' });
    expect((await call('GET', `/workspaces/${ws.id}/runs/${runId}`, { token: ws.owner.idToken })).body).toMatchObject({ state: 'canceled', attempt: 1 });
  });
});
