import { describe, expect, it } from 'vitest';
import { call, codeOf } from '../support/http.ts';
import { newGcpProject, standInCalls, standInProject } from '../support/cloud.ts';
import { seedStartingRun } from '../support/runs.ts';
import { grantFor } from '../../functions/src/domain/cloud/scopeTable.ts';
import { addMember, installAgent, newWorkspace, type TestWorkspace } from '../support/users.ts';

/**
 * Cloud connections over the API (docs/cloud-connections.md): the workspace's identity, GCP and
 * AWS connections, "Test connection" against the stand-in of Google's APIs, an install's
 * connection and its least-privilege grant.
 */
const api = (ws: TestWorkspace, method: string, p: string, body?: unknown, token = ws.owner.idToken) => call(method, `/workspaces/${ws.id}${p}`, { token, body });

async function gcpConnection(ws: TestWorkspace, project = newGcpProject()) {
  const r = await api(ws, 'POST', '/connections', { provider: 'gcp', name: `GCP ${project}`, target: { kind: 'project', id: project } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: r.body.id as string, project };
}

describe('cloud connections', () => {
  it("a workspace's identity is its own and stable: one service account, one external id", { timeout: 60_000 }, async () => {
    const [a, b] = await Promise.all([newWorkspace(), newWorkspace()]);
    const first = await api(a, 'GET', '/cloud-identity');
    expect(first.status).toBe(200);
    expect(first.body.gcp.serviceAccount).toMatch(/^am-ws-[0-9a-f]{20}@demo-agent-marketplace-test\.iam\.gserviceaccount\.com$/);
    expect(first.body.aws).toMatchObject({ platformPrincipalArn: expect.stringMatching(/^arn:aws:iam::\d{12}:role\//), externalId: expect.stringMatching(/^am-/) });
    const [again, other] = await Promise.all([api(a, 'GET', '/cloud-identity'), api(b, 'GET', '/cloud-identity')]);
    expect(again.body).toEqual(first.body);
    expect(other.body.gcp.serviceAccount).not.toBe(first.body.gcp.serviceAccount);
    expect(other.body.aws.externalId).not.toBe(first.body.aws.externalId);
  });

  it('GCP and AWS connections: created, listed, tenant-isolated; a forged external id, a duplicate, a viewer and bad input are refused', { timeout: 60_000 }, async () => {
    const [ws, other] = await Promise.all([newWorkspace(), newWorkspace()]);
    const { id, project } = await gcpConnection(ws);
    const got = await api(ws, 'GET', `/connections/${id}`);
    expect(got.body).toMatchObject({ id, provider: 'gcp', account: project, gcp: { target: { kind: 'project', id: project }, serviceAccount: expect.stringContaining('@') }, aws: null, verification: null });
    // Another workspace sees nothing of it.
    expect((await api(other, 'GET', `/connections/${id}`)).status).toBe(404);
    expect((await api(other, 'GET', '/connections')).body.items).toEqual([]);
    expect(codeOf(await api(ws, 'POST', '/connections', { provider: 'gcp', name: 'Again', target: { kind: 'project', id: project } }))).toBe('connection_exists');

    const { externalId } = (await api(ws, 'GET', '/cloud-identity')).body.aws;
    const otherId = (await api(other, 'GET', '/cloud-identity')).body.aws.externalId;
    const role = 'arn:aws:iam::123456789012:role/agent-marketplace';
    // Another workspace's external id (a role made for it) or a made-up one: refused.
    for (const forged of [otherId, 'am-guess', `${externalId}x`]) {
      const r = await api(ws, 'POST', '/connections', { provider: 'aws', name: 'AWS prod', roleArn: role, externalId: forged });
      expect(r.status).toBe(400);
      expect(codeOf(r)).toBe('external_id_mismatch');
    }
    const aws = await api(ws, 'POST', '/connections', { provider: 'aws', name: 'AWS prod', roleArn: role, externalId, regions: ['eu-west-1', 'us-east-1'] });
    expect(aws.status).toBe(201);
    expect(aws.body).toMatchObject({ provider: 'aws', account: '123456789012', aws: { roleArn: role, externalId, regions: ['eu-west-1', 'us-east-1'] }, gcp: null });
    expect((await api(ws, 'GET', '/connections')).body.items.map((c: { id: string }) => c.id).sort()).toEqual([id, aws.body.id].sort());

    for (const bad of [
      { provider: 'gcp', name: 'x', target: { kind: 'project', id: 'Bad Project' } },
      { provider: 'aws', name: 'x', roleArn: 'arn:aws:iam::12:role/x', externalId },
      { provider: 'azure', name: 'x' },
      { provider: 'gcp', name: '', target: { kind: 'organization', id: '123' } },
    ]) {
      const r = await api(ws, 'POST', '/connections', bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
    }
    const viewer = await addMember(ws, 'viewer');
    expect((await api(ws, 'POST', '/connections', { provider: 'gcp', name: 'v', target: { kind: 'project', id: newGcpProject() } }, viewer.idToken)).status).toBe(403);
    expect((await api(ws, 'GET', '/connections', undefined, viewer.idToken)).status).toBe(200);
  });

  it("Test connection checks exactly the consented scopes' permissions and names what is missing, by scope", { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const { id, project } = await gcpConnection(ws);
    await standInProject(project, { granted: null });
    const all = await api(ws, 'POST', `/connections/${id}/test`, { scopes: ['vm.list', 'vm.stop'] });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ ok: true, scopes: ['vm.list', 'vm.stop'], missing: [], error: null });

    // The customer took compute.instances.stop away.
    await standInProject(project, { granted: grantFor('gcp', ['vm.list']).permissions });
    const lost = await api(ws, 'POST', `/connections/${id}/test`, { scopes: ['vm.list', 'vm.stop'] });
    const lacking = grantFor('gcp', ['vm.stop']).permissions.filter((p) => !grantFor('gcp', ['vm.list']).permissions.includes(p));
    expect(lacking).toContain('compute.instances.stop');
    expect(lost.body).toMatchObject({ ok: false, missing: [{ scope: 'vm.stop', permissions: lacking }], unchecked: [], error: null });
    expect((await api(ws, 'GET', `/connections/${id}`)).body.verification).toMatchObject({ ok: false, missing: [{ scope: 'vm.stop' }] });
    // A scope GCP cannot back is named; one granted on the billing account is said to be unchecked.
    const labels = await api(ws, 'POST', `/connections/${id}/test`, { scopes: ['budget.label', 'budget.list'] });
    expect(labels.body).toMatchObject({ ok: false, missing: [{ scope: 'budget.label', permissions: [] }], unchecked: [{ scope: 'budget.list', reason: expect.stringContaining('Cloud Billing account') }] });
    // A provider throttling every call: a readable failure, not a 500.
    await standInProject(project, { throttle: true });
    const throttled = await api(ws, 'POST', `/connections/${id}/test`, { scopes: ['vm.list'] });
    expect(throttled.status).toBe(200);
    expect(throttled.body).toMatchObject({ ok: false, error: { code: 'cloud_throttled', message: expect.stringMatching(/throttl|quota|429/i) } });
  });

  it("an install acts on a connection; its grant is the manifest's scopes as gcloud and Terraform; a connection in use is not deleted", { timeout: 90_000 }, async () => {
    const ws = await newWorkspace();
    const { id, project } = await gcpConnection(ws);
    const installId = await installAgent(ws, 'idle-vm-reaper');
    const set = await api(ws, 'PUT', `/installs/${installId}/connection`, { connectionId: id });
    expect(set.status).toBe(200);
    expect(set.body.connection).toEqual({ id, provider: 'gcp', account: project });
    expect(codeOf(await api(ws, 'PUT', `/installs/${installId}/connection`, { connectionId: 'nope' }))).toBe('connection_not_found');
    // Another workspace's connection is not there to choose.
    const other = await newWorkspace();
    const theirs = await gcpConnection(other);
    const foreign = await api(ws, 'PUT', `/installs/${installId}/connection`, { connectionId: theirs.id });
    expect({ status: foreign.status, code: codeOf(foreign) }).toEqual({ status: 404, code: 'connection_not_found' });

    const grant = await api(ws, 'GET', `/installs/${installId}/cloud-grant`);
    expect(grant.status).toBe(200);
    const sa = (await api(ws, 'GET', '/cloud-identity')).body.gcp.serviceAccount;
    expect(grant.body.provider).toBe('gcp');
    expect(grant.body.scopes.map((s: { scope: string }) => s.scope)).toEqual(['vm.list', 'vm.stop']);
    expect(grant.body.gcloud).toContain(`gcloud iam roles create agentMarketplace_idle_vm_reaper --project=${project}`);
    expect(grant.body.gcloud).toContain(`--permissions=${grantFor('gcp', ['vm.list', 'vm.stop']).permissions.join(',')} `);
    expect(grant.body.gcloud).toContain(`gcloud projects add-iam-policy-binding ${project} --member=serviceAccount:${sa}`);
    expect(grant.body.terraform).toContain('resource "google_project_iam_custom_role"');
    // The grant for a connection the install does not act on yet (the wizard, before Continue), named by id.
    const second = await gcpConnection(ws);
    const ahead = await api(ws, 'GET', `/installs/${installId}/cloud-grant?connectionId=${second.id}`);
    expect(ahead.status, JSON.stringify(ahead.body)).toBe(200);
    expect(ahead.body.gcloud).toContain(`--project=${second.project}`);
    expect(ahead.body.gcloud).not.toContain(project);
    for (const connectionId of ['nope', theirs.id]) {
      const missing = await api(ws, 'GET', `/installs/${installId}/cloud-grant?connectionId=${connectionId}`);
      expect({ connectionId, status: missing.status, code: codeOf(missing) }).toEqual({ connectionId, status: 404, code: 'connection_not_found' });
    }
    const clash = await api(ws, 'GET', `/installs/${installId}/cloud-grant?connectionId=${second.id}&provider=aws`);
    expect({ status: clash.status, code: codeOf(clash) }).toEqual({ status: 400, code: 'provider_mismatch' });
    const aws = await api(ws, 'GET', `/installs/${installId}/cloud-grant?provider=aws`);
    expect(aws.body).toMatchObject({ provider: 'aws', gcloud: null });
    expect(aws.body.cloudformation).toContain('sts:ExternalId');
    expect(aws.body.cloudformation).toContain('ec2:StopInstances');

    expect(codeOf(await api(ws, 'DELETE', `/connections/${id}`))).toBe('connection_in_use');
    expect((await api(ws, 'PUT', `/installs/${installId}/connection`, { connectionId: null })).body.connection).toBeNull();
    expect((await api(ws, 'DELETE', `/connections/${id}`)).status).toBe(200);
    expect((await api(ws, 'GET', `/connections/${id}`)).status).toBe(404);
  });
});

describe('the runner API on a connected cloud: intent only, checked on the server', () => {
  it("reads what the manifest grants through the platform; anything else, or an effect of the caller's own, is refused", { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const { id, project } = await gcpConnection(ws);
    await standInProject(project, { granted: null, vms: [{ name: 'web-1', zone: 'europe-west1-b', status: 'RUNNING', machineType: 'e2-small', labels: {}, creationTimestamp: '2025-01-01T00:00:00.000Z', cpuP95: 40 }] });
    const installId = await installAgent(ws, 'idle-vm-reaper');
    await api(ws, 'PUT', `/installs/${installId}/connection`, { connectionId: id });
    const agentVersion = (await call('GET', '/agents/idle-vm-reaper')).body.latestVersion as string;
    const { runId, token } = await seedStartingRun(ws.id, { agentId: 'idle-vm-reaper', agentVersion, installId, by: ws.owner.uid });
    const runner = (p: string, body: unknown) => call('POST', `/runner/runs/${runId}/cloud/${p}`, { token, body });

    const started = await call('POST', `/runner/runs/${runId}/started`, { token });
    expect(started.body.cloud).toEqual({ provider: 'gcp', account: project });
    const listed = await runner('list', { kind: 'vm' });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ kind: 'vm', id: `projects/${project}/zones/europe-west1-b/instances/web-1`, name: 'web-1', state: 'running', region: 'europe-west1' })]);
    // Scopes the reaper never declared (nor its owner consented to): refused before any provider call.
    // Other test files share the stand-in: count this project's calls only.
    const ours = async () => (await standInCalls()).filter((c) => c.path.includes(`/projects/${project}`)).length;
    const before = await ours();
    for (const [p, body] of [
      ['list', { kind: 'bucket' }],
      ['get', { kind: 'snapshot', id: 'x' }],
      ['dataset', { name: 'billing' }],
      ['actions', { kind: 'vm', verb: 'delete', resourceId: listed.body.items[0].id, reason: 'tidy' }],
    ] as const) {
      const r = await runner(p, body);
      expect({ path: p, status: r.status, code: codeOf(r) }).toEqual({ path: p, status: 403, code: 'cloud_permission_denied' });
    }
    expect(await ours()).toBe(before);
    // An effect of the caller's own is not a parameter the verb takes.
    const smuggled = await runner('actions', { kind: 'vm', verb: 'stop', resourceId: listed.body.items[0].id, reason: 'idle', params: { status: 'TERMINATED' } });
    expect({ status: smuggled.status, code: codeOf(smuggled) }).toEqual({ status: 400, code: 'cloud_action_params_invalid' });
    // vm.stop is approval-gated: proposed, not done.
    const stop = await runner('actions', { kind: 'vm', verb: 'stop', resourceId: listed.body.items[0].id, reason: 'idle', summary: 'Stop web-1' });
    expect(stop.status).toBe(200);
    expect(stop.body).toMatchObject({ ok: true, changed: false, proposal: { state: 'pending' }, resource: { state: 'running' } });
  });

  it('a run of an install with no connection is told so', { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installAgent(ws, 'idle-vm-reaper');
    const agentVersion = (await call('GET', '/agents/idle-vm-reaper')).body.latestVersion as string;
    const { runId, token } = await seedStartingRun(ws.id, { agentId: 'idle-vm-reaper', agentVersion, installId, by: ws.owner.uid });
    const r = await call('POST', `/runner/runs/${runId}/cloud/list`, { token, body: { kind: 'vm' } });
    expect({ status: r.status, code: codeOf(r) }).toEqual({ status: 409, code: 'cloud_not_connected' });
  });
});
