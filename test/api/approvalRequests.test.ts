import { describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { call, codeOf } from '../support/http.ts';
import { installProbe, PROBE_VERSION, tickWatchdog } from '../support/probe.ts';
import { seedStartingRun } from '../support/runs.ts';
import { newWorkspace, type TestWorkspace } from '../support/users.ts';

/**
 * The runner API's approval requests (`ctx.approval.request`), called as an attacker holding
 * the run's token would: bad bodies, repeats, suspending with nothing to wait for, requesting
 * once the run waits, and more requests than a run may make.
 */
async function liveRun(ws: TestWorkspace) {
  const installId = await installProbe(ws);
  return { installId, ...(await seedStartingRun(ws.id, { agentId: 'probe', agentVersion: PROBE_VERSION, installId, by: ws.owner.uid })) };
}
const ask = { key: 'deploy', summary: 'Deploy to production?', reason: 'Tests passed.', risk: 'high', details: { build: 42 } };

describe('runner API: approval requests', () => {
  it('records a request once per key; answers it pending, then with its decision; refuses bad bodies', async () => {
    const ws = await newWorkspace();
    const { runId, token } = await liveRun(ws);
    const path = `/runner/runs/${runId}/approvals`;
    const first = await call('POST', path, { token, body: ask });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ state: 'pending', decided: false, approved: false, decisions: [] });
    // The same key again (a retried call, a resumed execution): the same request, nothing new.
    const again = await call('POST', path, { token, body: { ...ask, summary: 'Something else?' } });
    expect(again.body.approvalId).toBe(first.body.approvalId);
    expect((await adminDb.doc(`workspaces/${ws.id}/runs/${runId}`).get()).get('approvals')).toEqual({ pending: 1, total: 1 });

    const shown = (await call('GET', `/workspaces/${ws.id}/approvals/${first.body.approvalId}`, { token: ws.owner.idToken })).body;
    expect(shown).toMatchObject({ action: null, request: { key: 'deploy', details: { build: 42 } }, summary: 'Deploy to production?', risk: 'high', requester: ws.owner.uid });
    // The default rule for a risk level: one level of approvers; the requester may decide (a one-person workspace works).
    expect(shown.rule.levels).toHaveLength(1);

    const decided = await call('POST', `/workspaces/${ws.id}/approvals/${first.body.approvalId}:decide`, { token: ws.owner.idToken, body: { decision: 'approve', comment: 'ship it' } });
    expect(decided.body.state).toBe('approved');
    const answered = await call('POST', path, { token, body: ask });
    expect(answered.body).toMatchObject({ state: 'approved', decided: true, approved: true, decisions: [{ decision: 'approve', comment: 'ship it', by: ws.owner.uid, level: 0 }] });

    for (const body of [{ ...ask, key: '' }, { ...ask, key: 'has space' }, { ...ask, summary: '' }, { ...ask, risk: 'none' }, { ...ask, details: { blob: 'x'.repeat(9000) } }, { ...ask, extra: 1 }]) {
      const bad = await call('POST', path, { token, body });
      expect({ status: bad.status, code: codeOf(bad) }).toEqual({ status: 400, code: 'validation_failed' });
    }
    const wrongToken = await call('POST', path, { token: `${token.slice(0, -4)}AAAA`, body: ask });
    expect(wrongToken.status).toBe(401);
  });

  it('a run that made no request cannot suspend; one that did is suspended once, and asks nothing more while it waits', async () => {
    const ws = await newWorkspace();
    const lone = await liveRun(ws);
    const refused = await call('POST', `/runner/runs/${lone.runId}/complete`, { token: lone.token, body: { outcome: 'suspended' } });
    expect({ status: refused.status, code: codeOf(refused) }).toEqual({ status: 409, code: 'nothing_to_wait_for' });
    expect((await adminDb.doc(`workspaces/${ws.id}/runs/${lone.runId}`).get()).get('state')).toBe('starting');

    const { runId, token } = await liveRun(ws);
    expect((await call('POST', `/runner/runs/${runId}/approvals`, { token, body: ask })).body.state).toBe('pending');
    const suspend = await call('POST', `/runner/runs/${runId}/complete`, { token, body: { outcome: 'suspended', outputs: { echo: 'so far' } } });
    expect(suspend.status).toBe(200);
    const run = (await call('GET', `/workspaces/${ws.id}/runs/${runId}`, { token: ws.owner.idToken })).body;
    expect(run).toMatchObject({ state: 'awaiting_approval', suspended: true, outputs: { echo: 'so far' }, error: null, finishedAt: null });
    // Reported twice (a retried request): nothing changes.
    expect((await call('POST', `/runner/runs/${runId}/complete`, { token, body: { outcome: 'suspended' } })).status).toBe(200);
    const late = await call('POST', `/runner/runs/${runId}/approvals`, { token, body: { ...ask, key: 'another' } });
    expect({ status: late.status, code: codeOf(late) }).toEqual({ status: 409, code: 'run_finished' });
  });

  it('a run makes at most 200 proposals and requests', async () => {
    const ws = await newWorkspace();
    const { runId, token } = await liveRun(ws);
    await adminDb.doc(`workspaces/${ws.id}/runs/${runId}`).update({ approvals: { pending: 0, total: 200 } });
    const over = await call('POST', `/runner/runs/${runId}/approvals`, { token, body: ask });
    expect({ status: over.status, code: codeOf(over) }).toEqual({ status: 422, code: 'too_many_approvals' });
    expect((await adminDb.collection(`workspaces/${ws.id}/approvals`).where('runId', '==', runId).get()).size).toBe(0);
  });

  it('a run the watchdog fails withdraws its pending requests at once (not left to their SLA)', async () => {
    const ws = await newWorkspace();
    const { runId, token } = await liveRun(ws);
    const asked = await call('POST', `/runner/runs/${runId}/approvals`, { token, body: ask });
    expect(asked.body.state).toBe('pending');
    // The execution never reported its start and its start window has passed.
    await adminDb.doc(`workspaces/${ws.id}/runs/${runId}`).update({ watchAt: new Date(Date.now() - 1000) });
    await tickWatchdog();
    expect((await adminDb.doc(`workspaces/${ws.id}/runs/${runId}`).get()).data()).toMatchObject({ state: 'failed', error: { code: 'start_timeout' }, approvals: { pending: 0, total: 1 } });
    const shown = (await call('GET', `/workspaces/${ws.id}/approvals/${asked.body.approvalId}`, { token: ws.owner.idToken })).body;
    expect(shown.state).toBe('withdrawn');
  });
});
