import { describe, expect, it } from 'vitest';
import { call } from '../support/http.ts';
import { newAwsAccount, newGcpProject, standInAwsAccount, standInAwsState, standInCalls, standInProject, standInVms } from '../support/cloud.ts';
import { finished, trigger, waitFor } from '../support/probe.ts';
import { installAgent, newWorkspace, type TestWorkspace } from '../support/users.ts';
import { grantFor } from '../../functions/src/domain/cloud/scopeTable.ts';

/**
 * Runs on a connected cloud (docs/cloud-connections.md): the idle-VM reaper on a GCP project
 * answered by the stand-in of Google's APIs, through the platform's real GCP adapter. The agent
 * holds no credential; the platform mints one per run, checks the grants first, and applies what
 * people approve.
 */
const asOf = new Date().toISOString();
const old = '2025-01-01T00:00:00.000Z';
const vm = (name: string, cpuP95: number) => ({ name, zone: 'us-central1-a', status: 'RUNNING', machineType: 'e2-standard-2', labels: { team: 'data' }, creationTimestamp: old, cpuP95 });
const waiting = (r: { state: string }) => finished(r) || r.state === 'awaiting_approval';

async function connectedReaper(ws: TestWorkspace, project: string): Promise<string> {
  const installId = await installAgent(ws, 'idle-vm-reaper');
  const conn = await call('POST', `/workspaces/${ws.id}/connections`, { token: ws.owner.idToken, body: { provider: 'gcp', name: 'GCP', target: { kind: 'project', id: project } } });
  expect(conn.status).toBe(201);
  const set = await call('PUT', `/workspaces/${ws.id}/installs/${installId}/connection`, { token: ws.owner.idToken, body: { connectionId: conn.body.id } });
  expect(set.status).toBe(200);
  return installId;
}

describe('runs on a connected GCP project', () => {
  it('the reaper lists the real VMs, proposes stopping the idle one; approved after its credential expired, the platform stops it with a fresh one', { timeout: 120_000 }, async () => {
    const ws = await newWorkspace();
    const project = newGcpProject();
    await standInProject(project, { granted: null, vms: [vm('idle-1', 0.5), vm('busy-1', 70)] });
    const installId = await connectedReaper(ws, project);
    const before = (await standInCalls()).length;
    const runId = (await trigger(ws, installId, { asOf, minLookbackDays: 1 })).body.id as string;
    const run = await waitFor(ws, runId, waiting, 60_000);
    expect(run.state, JSON.stringify(run.error)).toBe('awaiting_approval');
    const list = await call('GET', `/workspaces/${ws.id}/approvals?runId=${runId}`, { token: ws.owner.idToken });
    expect(list.body.items.map((a: { action: { resourceId: string } }) => a.action.resourceId)).toEqual([`projects/${project}/zones/us-central1-a/instances/idle-1`]);
    // While people decide, the run's credential expires: applying the stop needs a fresh one.
    await standInProject(project, { expireTokens: true });
    const decided = await call('POST', `/workspaces/${ws.id}/runs/${runId}/approvals:decide`, { token: ws.owner.idToken, body: { decision: 'approve', comment: 'stop it' } });
    expect(decided.status).toBe(200);
    const done = await waitFor(ws, runId, finished, 60_000);
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    expect(Object.fromEntries((await standInVms(project)).map((v) => [v.name, v.status]))).toEqual({ 'idle-1': 'TERMINATED', 'busy-1': 'RUNNING' });
    // Other test files share the stand-in: this workspace's service account and this project only.
    const sa = (await call('GET', `/workspaces/${ws.id}/cloud-identity`, { token: ws.owner.idToken })).body.gcp.serviceAccount as string;
    const calls = (await standInCalls()).slice(before);
    const onProject = calls.filter((c) => c.path.includes(`/projects/${project}/`) || c.path.includes(`/projects/${project}:`));
    // A credential ran out mid-run (a 401), a fresh one was minted, and the run went on.
    expect(onProject.some((c) => c.status === 401)).toBe(true);
    expect(calls.filter((c) => c.path.includes(sa) && c.path.endsWith(':generateAccessToken')).length).toBeGreaterThanOrEqual(3);
    expect(onProject.some((c) => c.path.endsWith('/instances/idle-1/stop'))).toBe(true);
  });

  it('a grant revoked on the customer side fails the run before it starts, naming what is missing', { timeout: 90_000 }, async () => {
    const ws = await newWorkspace();
    const project = newGcpProject();
    // Everything the reaper needs but stopping VMs.
    await standInProject(project, { granted: grantFor('gcp', ['vm.list']).permissions, vms: [vm('idle-1', 0.5)] });
    const installId = await connectedReaper(ws, project);
    const before = (await standInCalls()).length;
    const runId = (await trigger(ws, installId, { asOf })).body.id as string;
    const run = await waitFor(ws, runId, finished, 60_000);
    expect(run.state).toBe('failed');
    const lacking = grantFor('gcp', ['vm.stop']).permissions.filter((p) => !grantFor('gcp', ['vm.list']).permissions.includes(p));
    expect(lacking).toContain('compute.instances.stop');
    expect(run.error).toMatchObject({ code: 'cloud_grant_missing', message: expect.stringContaining(`vm.stop (${lacking.join(', ')})`) });
    // Nothing of the agent ran: no VM was listed.
    expect((await standInCalls()).slice(before).some((c) => c.path.includes(`/projects/${project}/aggregated/instances`))).toBe(false);
  });

  it('a provider throttling every call fails the run with a readable reason', { timeout: 120_000 }, async () => {
    const ws = await newWorkspace();
    const project = newGcpProject();
    await standInProject(project, { throttle: true });
    const installId = await connectedReaper(ws, project);
    const runId = (await trigger(ws, installId, { asOf })).body.id as string;
    const run = await waitFor(ws, runId, finished, 90_000);
    expect(run.state).toBe('failed');
    expect(run.error).toMatchObject({ code: 'cloud_throttled', message: expect.stringMatching(/throttl/i) });
  });
});

describe('runs on a connected AWS account', () => {
  it('the reaper assumes the role with the external id and a session policy of its scopes, proposes stopping the idle instance; approved, it is stopped', { timeout: 120_000 }, async () => {
    const ws = await newWorkspace();
    const account = newAwsAccount();
    const { externalId } = (await call('GET', `/workspaces/${ws.id}/cloud-identity`, { token: ws.owner.idToken })).body.aws;
    await standInAwsAccount(account, {
      externalId,
      granted: null,
      vms: [
        { id: 'i-0idle00000000001', region: 'us-east-1', state: 'running', type: 'm5.large', tags: { Name: 'idle-box' }, cpuP95: 0.5, networkBytesP95: 100 },
        { id: 'i-0busy00000000001', region: 'us-east-1', state: 'running', type: 'm5.large', tags: { Name: 'busy-box' }, cpuP95: 70, networkBytesP95: 900_000 },
      ],
    });
    const installId = await installAgent(ws, 'idle-vm-reaper');
    const conn = await call('POST', `/workspaces/${ws.id}/connections`, { token: ws.owner.idToken, body: { provider: 'aws', name: 'AWS', roleArn: `arn:aws:iam::${account}:role/agent-marketplace`, externalId, regions: ['us-east-1'] } });
    expect(conn.status).toBe(201);
    expect((await call('PUT', `/workspaces/${ws.id}/installs/${installId}/connection`, { token: ws.owner.idToken, body: { connectionId: conn.body.id } })).status).toBe(200);

    const runId = (await trigger(ws, installId, { asOf })).body.id as string;
    const run = await waitFor(ws, runId, waiting, 60_000);
    expect(run.state, JSON.stringify(run.error)).toBe('awaiting_approval');
    const list = await call('GET', `/workspaces/${ws.id}/approvals?runId=${runId}`, { token: ws.owner.idToken });
    expect(list.body.items.map((a: { action: { resourceId: string } }) => a.action.resourceId)).toEqual([expect.stringContaining('i-0idle00000000001')]);
    expect((await call('POST', `/workspaces/${ws.id}/runs/${runId}/approvals:decide`, { token: ws.owner.idToken, body: { decision: 'approve', comment: 'stop it' } })).status).toBe(200);
    const done = await waitFor(ws, runId, finished, 60_000);
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    const state = await standInAwsState(account);
    expect(Object.fromEntries(state.vms.map((v) => [v.id, v.state]))).toMatchObject({ 'i-0idle00000000001': 'stopped', 'i-0busy00000000001': 'running' });
    // Every run credential was narrowed to the reaper's scopes: no action of another scope.
    const policies = state.assumed.map((a) => JSON.parse(a.policy ?? '{}') as { Statement: { Action: string[] }[] });
    expect(policies.length).toBeGreaterThan(0);
    for (const p of policies) for (const action of p.Statement.flatMap((st) => st.Action)) expect(grantFor('aws', ['vm.list', 'vm.stop']).permissions.concat('iam:SimulatePrincipalPolicy')).toContain(action);
  });

  it("a role made for another workspace's external id refuses the platform: the run fails before it starts, saying so", { timeout: 90_000 }, async () => {
    const ws = await newWorkspace();
    const account = newAwsAccount();
    const { externalId } = (await call('GET', `/workspaces/${ws.id}/cloud-identity`, { token: ws.owner.idToken })).body.aws;
    await standInAwsAccount(account, { externalId: 'am-someone-else', granted: null, vms: [] });
    const installId = await installAgent(ws, 'idle-vm-reaper');
    const conn = await call('POST', `/workspaces/${ws.id}/connections`, { token: ws.owner.idToken, body: { provider: 'aws', name: 'AWS', roleArn: `arn:aws:iam::${account}:role/agent-marketplace`, externalId } });
    await call('PUT', `/workspaces/${ws.id}/installs/${installId}/connection`, { token: ws.owner.idToken, body: { connectionId: conn.body.id } });
    const runId = (await trigger(ws, installId, { asOf })).body.id as string;
    const run = await waitFor(ws, runId, finished, 60_000);
    expect(run.state).toBe('failed');
    expect(run.error).toMatchObject({ code: 'cloud_grant_missing', message: expect.stringMatching(/external id/i) });
  });
});
