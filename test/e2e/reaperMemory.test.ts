import { describe, expect, it } from 'vitest';
import { call } from '../support/http.ts';
import { finished, trigger, waitFor } from '../support/probe.ts';
import { installAgent, newWorkspace } from '../support/users.ts';

/**
 * Memory that changes what an agent does (issue 25): a person rejects the idle-VM reaper's stop;
 * the platform keeps the decision in the install's task memory; the next run leaves that VM
 * alone and says why.
 */
const asOf = '2026-11-20T00:00:00Z';
const waiting = (r: { state: string }) => finished(r) || r.state === 'awaiting_approval';

describe('the idle-VM reaper remembers a rejection', () => {
  it('does not propose again, for its cooldown, a VM a person refused to stop', { timeout: 180_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installAgent(ws, 'idle-vm-reaper');
    const first = (await trigger(ws, installId, { asOf, maxStops: 1 })).body.id as string;
    expect((await waitFor(ws, first, waiting, 60_000)).state).toBe('awaiting_approval');
    const [proposal] = (await call('GET', `/workspaces/${ws.id}/approvals?runId=${first}`, { token: ws.owner.idToken })).body.items as { id: string; action: { resourceId: string } }[];
    const rejected = await call('POST', `/workspaces/${ws.id}/approvals/${proposal!.id}:decide`, { token: ws.owner.idToken, body: { decision: 'reject', comment: 'batch host, busy at night' } });
    expect(rejected.status).toBe(200);
    expect((await waitFor(ws, first, finished, 60_000)).state).toBe('succeeded');

    const second = (await trigger(ws, installId, { asOf, maxStops: 1 })).body.id as string;
    const run = await waitFor(ws, second, waiting, 60_000);
    const next = (await call('GET', `/workspaces/${ws.id}/approvals?runId=${second}`, { token: ws.owner.idToken })).body.items as { action: { resourceId: string } }[];
    expect(next.map((a) => a.action.resourceId)).not.toContain(proposal!.action.resourceId);
    expect(run.outputs.notAttempted).toContainEqual(expect.objectContaining({ id: proposal!.action.resourceId, why: expect.stringContaining('rejected stopping it') }));
    expect(JSON.stringify(run.outputs.notAttempted)).toContain('batch host, busy at night');
  });
});
