import { describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { call } from '../support/http.ts';
import { finished, installProbe, trigger, waitFor } from '../support/probe.ts';
import { addMember, newWorkspace } from '../support/users.ts';

describe('run metrics, kept as runs finish', () => {
  it('per install and per agent: runs, outcomes, success rate, duration percentiles; and the run list filters by state', { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const a = await installProbe(ws);
    const b = await installProbe(ws);
    const ids: string[] = [];
    for (const [install, input] of [[a, { mode: 'sleep', sleepMs: 300 }], [a, { mode: 'ok' }], [a, { mode: 'exit', code: 2 }], [b, { mode: 'ok' }]] as const) {
      const run = await trigger(ws, install, input);
      ids.push(run.body.id);
      await waitFor(ws, run.body.id, finished);
    }
    const hang = await trigger(ws, b, { mode: 'hang' });
    await waitFor(ws, hang.body.id, (r) => r.state === 'running');
    expect((await call('POST', `/workspaces/${ws.id}/runs/${hang.body.id}/cancel`, { token: ws.owner.idToken })).status).toBe(200);

    const viewer = await addMember(ws, 'viewer');
    const metrics = await call('GET', `/workspaces/${ws.id}/metrics`, { token: viewer.idToken });
    expect(metrics.status).toBe(200);
    const m = metrics.body;
    expect(m.workspace).toMatchObject({ runs: 5, succeeded: 3, failed: 1, canceled: 1, timedOut: 0, successRate: 0.75, activeRuns: 0, runsThisMonth: 5, limits: { runsPerMonth: 1000, concurrentRuns: 5 } });
    expect(m.workspace.durationP50Ms).toBeGreaterThan(0);
    expect(m.workspace.durationP95Ms).toBeGreaterThanOrEqual(m.workspace.durationP50Ms);
    const today = new Date().toISOString().slice(0, 10);
    expect(m.workspace.daily).toEqual([{ date: today, runs: 5, succeeded: 3, failed: 1 }]);
    const byInstall = Object.fromEntries(m.installs.map((i: { installId: string }) => [i.installId, i]));
    expect(byInstall[a]).toMatchObject({ agentId: 'probe', runs: 3, succeeded: 2, failed: 1, successRate: 0.667 });
    expect(byInstall[b]).toMatchObject({ agentId: 'probe', runs: 2, succeeded: 1, canceled: 1, successRate: 1 });
    expect(m.agents).toEqual([expect.objectContaining({ agentId: 'probe', runs: 5, succeeded: 3 })]);

    const failed = await call('GET', `/workspaces/${ws.id}/runs?state=failed`, { token: ws.owner.idToken });
    expect(failed.body.items.map((r: { id: string }) => r.id)).toEqual([ids[2]]);
    const aSucceeded = await call('GET', `/workspaces/${ws.id}/runs?installId=${a}&state=succeeded`, { token: ws.owner.idToken });
    expect(aSucceeded.body.items.map((r: { id: string }) => r.id).sort()).toEqual([ids[0], ids[1]].sort());
    expect((await call('GET', `/workspaces/${ws.id}/runs?state=exploded`, { token: ws.owner.idToken })).status).toBe(400);
  });

  it("finished runs count in deltas of the install's metrics; a read folds them into the install's document and says the same before and after", { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const install = await installProbe(ws);
    for (const input of [{ mode: 'ok' }, { mode: 'exit', code: 2 }]) await waitFor(ws, (await trigger(ws, install, input)).body.id, finished);
    const docIds = async () => (await adminDb.collection(`workspaces/${ws.id}/metrics`).get()).docs.map((d) => d.id).sort();
    // One delta per workspace concurrency slot the runs held (domain/runMetrics.ts), no document of the install yet.
    expect((await docIds()).every((id) => id.startsWith(`install_${install}.w`))).toBe(true);
    const first = (await call('GET', `/workspaces/${ws.id}/metrics`, { token: ws.owner.idToken })).body;
    expect(first.installs).toEqual([expect.objectContaining({ installId: install, runs: 2, succeeded: 1, failed: 1 })]);
    expect(await docIds()).toEqual([`install_${install}`]);
    const second = (await call('GET', `/workspaces/${ws.id}/metrics`, { token: ws.owner.idToken })).body;
    expect(second).toEqual(first);
    // A run finishing after the fold counts in a new delta, summed with the folded document.
    await waitFor(ws, (await trigger(ws, install, { mode: 'ok' })).body.id, finished);
    const third = (await call('GET', `/workspaces/${ws.id}/metrics`, { token: ws.owner.idToken })).body;
    expect(third.installs).toEqual([expect.objectContaining({ installId: install, runs: 3, succeeded: 2, failed: 1 })]);
    expect(third.agents).toEqual([expect.objectContaining({ agentId: 'probe', runs: 3 })]);
  });

  it('a new workspace has empty metrics, not errors', async () => {
    const ws = await newWorkspace();
    const m = (await call('GET', `/workspaces/${ws.id}/metrics`, { token: ws.owner.idToken })).body;
    expect(m).toEqual({
      workspace: { runs: 0, succeeded: 0, failed: 0, canceled: 0, timedOut: 0, successRate: null, durationP50Ms: null, durationP95Ms: null, lastRunAt: null, daily: [], activeRuns: 0, runsThisMonth: 0, limits: { runsPerMonth: 1000, concurrentRuns: 5 },
        approvals: { pending: 0, decided: 0, approved: 0, rejected: 0, expired: 0, escalated: 0, slaBreaches: 0, decisionP50Ms: null } },
      installs: [],
      agents: [],
    });
  });
});
