import { verifyApprovalLog, verifyWebhookSignature, WEBHOOK_HEADERS } from '@agent-marketplace/client';
import { eventually, startReceiver } from '../support/notify.ts';
import { describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { call, codeOf } from '../support/http.ts';
import { finished, tickWatchdog, trigger, waitFor } from '../support/probe.ts';
import { addMember, installAgent, newWorkspace, type TestUser, type TestWorkspace } from '../support/users.ts';

/**
 * Human-in-the-loop approvals end to end: the idle-VM reaper proposes its stops, people decide
 * level by level under the install's policy, and the platform applies what was approved to the
 * workspace's sandbox cloud itself.
 */
const asOf = '2026-11-20T00:00:00Z';
const waiting = (r: any) => finished(r) || r.state === 'awaiting_approval';

async function reaper(ws: TestWorkspace, rules?: Record<string, unknown>): Promise<string> {
  const installId = await installAgent(ws, 'idle-vm-reaper');
  if (rules) {
    const set = await call('PUT', `/workspaces/${ws.id}/installs/${installId}/approval-policy`, { token: ws.owner.idToken, body: { rules } });
    expect(set.status).toBe(200);
  }
  return installId;
}

async function proposeStops(ws: TestWorkspace, installId: string, maxStops: number) {
  const runId = (await trigger(ws, installId, { asOf, maxStops })).body.id as string;
  const run = await waitFor(ws, runId, waiting, 45_000);
  expect(run).toMatchObject({ state: 'awaiting_approval', approvals: { pending: maxStops, total: maxStops }, finishedAt: null });
  const list = await call('GET', `/workspaces/${ws.id}/approvals?runId=${runId}`, { token: ws.owner.idToken });
  expect(list.body.items).toHaveLength(maxStops);
  return { runId, run, approvals: list.body.items as any[] };
}

const decide = (ws: TestWorkspace, who: TestUser, id: string, decision: 'approve' | 'reject', comment = '') =>
  call('POST', `/workspaces/${ws.id}/approvals/${id}:decide`, { token: who.idToken, body: { decision, comment } });
const decideRun = (ws: TestWorkspace, who: TestUser, runId: string, decision: 'approve' | 'reject') =>
  call('POST', `/workspaces/${ws.id}/runs/${runId}/approvals:decide`, { token: who.idToken, body: { decision, comment: `${decision} all` } });
const sandboxState = async (wsId: string, vmId: string) =>
  (await adminDb.doc(`workspaces/${wsId}/sandbox/${encodeURIComponent(`vm/${vmId}`)}`).get()).data()?.['override']?.['state'] ?? null;

describe('approvals: proposals, levels, apply', () => {
  it('an operator approves level 1, an admin level 2; the platform stops the VMs, and the next run sees them stopped', { timeout: 120_000 }, async () => {
    const ws = await newWorkspace();
    const operator = await addMember(ws, 'operator');
    const admin = await addMember(ws, 'admin');
    const viewer = await addMember(ws, 'viewer');
    const installId = await reaper(ws, {
      'vm.stop': { levels: [{ approvers: { roles: ['operator'] } }, { approvers: { roles: ['admin'] } }], allowRequester: false },
    });
    const { runId, run, approvals } = await proposeStops(ws, installId, 2);
    // The agent's outputs name the proposals; its execution has ended, no slot is held.
    expect(run.outputs.pendingApproval.map((p: any) => p.approvalId).sort()).toEqual(approvals.map((a) => a.id).sort());
    const first = approvals.find((a) => a.summary.includes('gpu-train-a100-02'))!;
    expect(first).toMatchObject({
      state: 'pending',
      level: 0,
      requester: ws.owner.uid,
      risk: 'high',
      action: { scope: 'vm.stop', kind: 'vm', verb: 'stop', params: {} },
      impact: { monthlySavings: { amountMinor: 268129, currency: 'USD' } },
      rule: { levels: [{ approvers: { roles: ['operator'] } }, { approvers: { roles: ['admin'] } }] },
    });
    expect(first.summary).toContain('gpu-train-a100-02');
    expect(first.dueAt).toEqual(expect.any(String));

    // Refusals, each clear, nothing changed.
    const own = await decide(ws, ws.owner, first.id, 'approve');
    expect({ status: own.status, code: codeOf(own) }).toEqual({ status: 403, code: 'approval_requester_forbidden' });
    const early = await decide(ws, admin, first.id, 'approve');
    expect({ status: early.status, code: codeOf(early) }).toEqual({ status: 403, code: 'approval_level_not_eligible' });
    const looker = await decide(ws, viewer, first.id, 'approve');
    expect({ status: looker.status, code: codeOf(looker) }).toEqual({ status: 403, code: 'approval_level_not_eligible' });

    const level1 = await decideRun(ws, operator, runId, 'approve');
    expect(level1.body.results.map((r: any) => [r.ok, r.state])).toEqual([[true, 'pending'], [true, 'pending']]);
    const twice = await decide(ws, operator, first.id, 'approve');
    expect({ status: twice.status, code: codeOf(twice) }).toEqual({ status: 409, code: 'approval_already_decided' });
    expect((await call('GET', `/workspaces/${ws.id}/approvals/${first.id}`, { token: viewer.idToken })).body).toMatchObject({ level: 1, state: 'pending' });
    expect(await sandboxState(ws.id, first.action.resourceId)).toBeNull();

    const level2 = await decideRun(ws, admin, runId, 'approve');
    expect(level2.body.results.map((r: any) => r.state)).toEqual(['approved', 'approved']);
    const done = await waitFor(ws, runId, finished);
    expect(done.state).toBe('succeeded');
    expect(done.outputs.approvals.applied.map((a: any) => a.approvalId).sort()).toEqual(approvals.map((a) => a.id).sort());
    expect(done.outputs.approvals).toMatchObject({ rejected: [], expired: [], skipped: [], failed: [] });
    const applied = (await call('GET', `/workspaces/${ws.id}/approvals/${first.id}`, { token: ws.owner.idToken })).body;
    expect(applied).toMatchObject({ state: 'approved', result: { outcome: 'applied', reason: null } });
    expect(applied.decisions.map((d: any) => [d.level, d.by, d.decision])).toEqual([[0, operator.uid, 'approve'], [1, admin.uid, 'approve']]);
    expect(await sandboxState(ws.id, first.action.resourceId)).toBe('stopped');
    const figures = (await call('GET', `/workspaces/${ws.id}/metrics`, { token: viewer.idToken })).body.workspace.approvals;
    expect(figures).toMatchObject({ pending: 0, decided: 2, approved: 2, rejected: 0, slaBreaches: 0, decisionP50Ms: expect.any(Number) });

    // Final: no more decisions.
    const late = await decide(ws, admin, first.id, 'reject');
    expect({ status: late.status, code: codeOf(late) }).toEqual({ status: 409, code: 'approval_not_pending' });
    // The next run sees the stopped VMs as not running, and proposes the next ones.
    const next = await proposeStops(ws, installId, 2);
    const idleNow = next.run.outputs.idle.map((v: any) => v.id);
    for (const a of approvals) expect(idleNow).not.toContain(a.action.resourceId);
    await decideRun(ws, operator, next.runId, 'reject');
    expect((await waitFor(ws, next.runId, finished)).outputs.approvals.rejected).toHaveLength(2);
  });

  it('a rejection changes nothing and the run succeeds listing it; other workspaces see no approval', { timeout: 90_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await reaper(ws);
    const { runId, approvals } = await proposeStops(ws, installId, 1);
    const stranger = await newWorkspace();
    // Another tenant: this workspace does not exist for them, and their own path does not find this approval.
    expect((await decide(ws, stranger.owner, approvals[0].id, 'approve')).status).toBe(404);
    const foreign = await call('POST', `/workspaces/${stranger.id}/approvals/${approvals[0].id}:decide`, { token: stranger.owner.idToken, body: { decision: 'approve' } });
    expect({ status: foreign.status, code: codeOf(foreign) }).toEqual({ status: 404, code: 'approval_not_found' });
    expect((await call('GET', `/workspaces/${stranger.id}/approvals`, { token: stranger.owner.idToken })).body.items).toEqual([]);

    // The default policy (from the manifest): one level, and a one-person workspace's owner may approve their own run.
    const rejected = await decide(ws, ws.owner, approvals[0].id, 'reject', 'still in use by the ML team');
    expect(rejected.body).toMatchObject({ state: 'rejected', decisions: [{ decision: 'reject', comment: 'still in use by the ML team' }] });
    const done = await waitFor(ws, runId, finished);
    expect(done.state).toBe('succeeded');
    expect(done.outputs.approvals).toMatchObject({ applied: [], rejected: [{ approvalId: approvals[0].id, action: 'vm.stop' }] });
    expect(await sandboxState(ws.id, approvals[0].action.resourceId)).toBeNull();
  });

  it('an SLA escalates to the next level, then expires; the run succeeds listing the expiry', { timeout: 90_000 }, async () => {
    const ws = await newWorkspace();
    await addMember(ws, 'admin');
    const installId = await reaper(ws, {
      'vm.stop': {
        levels: [
          { approvers: { roles: ['admin'] }, slaMinutes: 5, onExpiry: 'escalate' },
          { approvers: { roles: ['owner'] }, slaMinutes: 5, onExpiry: 'reject' },
        ],
        allowRequester: true,
      },
    });
    const { runId, approvals } = await proposeStops(ws, installId, 1);
    const ref = adminDb.doc(`workspaces/${ws.id}/approvals/${approvals[0].id}`);
    const overdue = () => ref.update({ dueAt: new Date(Date.now() - 1000) });
    await overdue();
    await tickWatchdog();
    expect((await ref.get()).data()).toMatchObject({ state: 'pending', level: 1 });
    await overdue();
    await tickWatchdog();
    expect((await ref.get()).data()).toMatchObject({ state: 'expired', level: 1 });
    const done = await waitFor(ws, runId, finished);
    expect(done.state).toBe('succeeded');
    expect(done.outputs.approvals.expired.map((a: any) => a.approvalId)).toEqual([approvals[0].id]);
    const expiredLate = await decide(ws, ws.owner, approvals[0].id, 'approve');
    expect({ status: expiredLate.status, code: codeOf(expiredLate) }).toEqual({ status: 409, code: 'approval_not_pending' });

    const audit = (await call('GET', `/workspaces/${ws.id}/approvals:audit`, { token: ws.owner.idToken })).body;
    expect(audit.records.map((r: any) => r.type)).toEqual(['requested', 'escalated', 'expired']);
    const figures = (await call('GET', `/workspaces/${ws.id}/metrics`, { token: ws.owner.idToken })).body.workspace.approvals;
    expect(figures).toMatchObject({ decided: 1, expired: 1, escalated: 1, slaBreaches: 2 });
  });

  it('the audit export verifies, with the client helper too; a record edited in Firestore breaks it', { timeout: 90_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await reaper(ws);
    const { runId } = await proposeStops(ws, installId, 2);
    await decideRun(ws, ws.owner, runId, 'approve');
    await waitFor(ws, runId, finished);
    const audit = (await call('GET', `/workspaces/${ws.id}/approvals:audit`, { token: ws.owner.idToken })).body;
    expect(audit.records.map((r: any) => r.type)).toEqual(['requested', 'requested', 'decided', 'decided', 'applied', 'applied']);
    expect(audit.verification).toEqual({ ok: true, checked: 6, brokenAt: null, reason: null });
    expect(audit.head).toEqual({ seq: 6, hash: audit.records[5].hash });
    expect(await verifyApprovalLog(audit.records)).toEqual({ ok: true, checked: 6 });

    // Someone with database access rewrites a decision's comment.
    await adminDb.doc(`workspaces/${ws.id}/approvalLog/${String(3).padStart(10, '0')}`).update({ 'data.comment': 'approved by the CFO' });
    const after = (await call('GET', `/workspaces/${ws.id}/approvals:audit`, { token: ws.owner.idToken })).body;
    expect(after.verification).toMatchObject({ ok: false, brokenAt: 3 });
    expect(await verifyApprovalLog(after.records)).toMatchObject({ ok: false, brokenAt: 3 });
    // Removing the last record is caught by the head.
    await adminDb.doc(`workspaces/${ws.id}/approvalLog/${String(6).padStart(10, '0')}`).delete();
    await adminDb.doc(`workspaces/${ws.id}/approvalLog/${String(3).padStart(10, '0')}`).update({ 'data.comment': 'approve all' });
    const cut = (await call('GET', `/workspaces/${ws.id}/approvals:audit`, { token: ws.owner.idToken })).body;
    expect(cut.verification.ok).toBe(false);
  });

  it('approval events reach a webhook channel once each, signed: requested, decided, and the run waiting', { timeout: 90_000 }, async () => {
    const ws = await newWorkspace();
    const receiver = await startReceiver();
    try {
      const channel = await call('POST', `/workspaces/${ws.id}/notificationChannels`, {
        token: ws.owner.idToken,
        body: { name: 'approvals', kind: 'webhook', url: `${receiver.url}/hook`, events: ['approval.requested', 'approval.decided', 'run.awaiting_approval'] },
      });
      expect(channel.status).toBe(201);
      const installId = await reaper(ws);
      const { runId, approvals } = await proposeStops(ws, installId, 1);
      await decide(ws, ws.owner, approvals[0].id, 'reject', 'no');
      await waitFor(ws, runId, finished);
      const types = async () => receiver.received.map((r) => JSON.parse(r.body).type as string).sort();
      await eventually('three deliveries', async () => ((await types()).length >= 3 ? true : undefined));
      await new Promise((r) => setTimeout(r, 1000));
      expect(await types()).toEqual(['approval.decided', 'approval.requested', 'run.awaiting_approval']);
      for (const r of receiver.received) {
        const verified = await verifyWebhookSignature({ header: String(r.headers[WEBHOOK_HEADERS.signature.toLowerCase()]), body: r.body, secret: channel.body.signingSecret });
        expect(verified).toMatchObject({ ok: true });
      }
      const requested = receiver.received.map((r) => JSON.parse(r.body)).find((e) => e.type === 'approval.requested');
      expect(requested).toMatchObject({ subject: { runId, approvalId: approvals[0].id }, data: { level: 0, levels: 1, risk: 'high' } });
      expect(requested.summary).toContain('vm.stop');
    } finally {
      await receiver.close();
    }
  });

  it('a run canceled while it waits withdraws its proposals; an API key cannot decide', { timeout: 90_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await reaper(ws);
    const { runId, approvals } = await proposeStops(ws, installId, 1);
    const key = await call('POST', `/workspaces/${ws.id}/api-keys`, { token: ws.owner.idToken, body: { name: 'bot', scopes: ['runs.read', 'approvals.decide'] } });
    const byKey = await call('POST', `/workspaces/${ws.id}/approvals/${approvals[0].id}:decide`, { token: key.body.secret, body: { decision: 'approve' } });
    expect(byKey.status).toBe(403);
    expect((await call('POST', `/workspaces/${ws.id}/runs/${runId}:cancel`, { token: ws.owner.idToken })).body.state).toBe('canceled');
    expect((await call('GET', `/workspaces/${ws.id}/approvals/${approvals[0].id}`, { token: ws.owner.idToken })).body.state).toBe('withdrawn');
    const tooLate = await decide(ws, ws.owner, approvals[0].id, 'approve');
    expect({ status: tooLate.status, code: codeOf(tooLate) }).toEqual({ status: 409, code: 'approval_not_pending' });
  });
});
