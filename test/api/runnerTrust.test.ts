import { readFileSync } from 'node:fs';
import { doc, getDoc } from 'firebase/firestore';
import { describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { call, codeOf } from '../support/http.ts';
import { executionPid, installProbe, publishLongProbe, trigger, waitFor, finished } from '../support/probe.ts';
import { seedDispatchedRun, seedStartingRun } from '../support/runs.ts';
import { addMember, installAgent, newWorkspace, waitForRun, type TestWorkspace } from '../support/users.ts';
import { webClientFor } from '../support/webClient.ts';

/**
 * The runner and the agent share one process, so anything the runner API accepts may come from
 * the agent itself: each call is checked here as if an attacker sent it (DESIGN.md, trust model).
 */
async function startingRun(ws: TestWorkspace, agentId: string): Promise<{ runId: string; token: string }> {
  const agentVersion = (await call('GET', `/agents/${agentId}`)).body.latestVersion as string;
  return seedStartingRun(ws.id, { agentId, agentVersion, by: ws.owner.uid });
}
const latest = async (agentId: string) => (await call('GET', `/agents/${agentId}`)).body.latestVersion as string;

describe('cloud actions: the caller sends intent, the server computes the effect', () => {
  it('a label permission cannot delete a VM by sending an effect of its own', async () => {
    const ws = await newWorkspace();
    // tag-compliance-enforcer holds vm.label, not vm.delete.
    const { runId, token } = await startingRun(ws, 'tag-compliance-enforcer');
    const actions = `/runner/runs/${runId}/sandbox/actions`;
    const smuggled = await call('POST', actions, {
      token,
      body: { action: { kind: 'vm', id: 'vm-1', verb: 'label', reason: 'tidy' }, override: { deleted: true } },
    });
    expect({ status: smuggled.status, code: codeOf(smuggled) }).toEqual({ status: 400, code: 'validation_failed' });
    const state = async () => (await call('POST', `/runner/runs/${runId}/sandbox/state`, { token, body: { keys: ['vm/vm-1'] } })).body;
    expect(await state()).toEqual({ overrides: {} });

    // The same intent in the contract's shape: only the labels change.
    const label = { kind: 'vm', verb: 'label', resourceId: 'vm-1', params: { labels: { env: 'dev' } }, reason: 'env from project' };
    const labelled = await call('POST', actions, { token, body: label });
    expect(labelled.body).toEqual({ ok: true, changed: true, override: { labels: { env: 'dev' } } });
    // The same action again changes nothing.
    expect((await call('POST', actions, { token, body: label })).body).toEqual({ ok: true, changed: false, override: { labels: { env: 'dev' } } });
    expect(await state()).toEqual({ overrides: { 'vm/vm-1': { labels: { env: 'dev' } } } });

    // Parameters the verb does not take are refused, never stored.
    for (const params of [{ labels: { env: 'dev' }, deleted: true }, { labels: { env: 'dev' }, state: 'deleted' }, { labels: { 'Bad Key': 'x' } }, {}]) {
      const bad = await call('POST', actions, { token, body: { ...label, params } });
      expect({ params, status: bad.status, code: codeOf(bad) }).toEqual({ params, status: 400, code: 'cloud_action_params_invalid' });
    }
    const stopWithEffect = await call('POST', actions, { token, body: { kind: 'vm', verb: 'stop', resourceId: 'vm-1', params: { state: 'deleted' }, reason: 'x' } });
    expect(codeOf(stopWithEffect)).toBe('cloud_action_params_invalid');
    // An update of a kind with no declared attributes has no effect to compute.
    const update = await call('POST', actions, { token, body: { kind: 'vm', verb: 'update', resourceId: 'vm-1', params: { attributes: { deleted: true } }, reason: 'x' } });
    expect({ status: update.status, code: codeOf(update) }).toEqual({ status: 400, code: 'cloud_action_unsupported' });
    expect(await state()).toEqual({ overrides: { 'vm/vm-1': { labels: { env: 'dev' } } } });
  });

  it('undeclared scopes are 403; approval-gated actions are proposed, never done, whatever the parameters', async () => {
    const ws = await newWorkspace();
    const stop = { kind: 'vm', verb: 'stop', resourceId: 'projects/acme/zones/x/instances/vm-1', reason: 'idle' };
    const cost = await startingRun(ws, 'cost-anomaly-detector');
    const denied = await call('POST', `/runner/runs/${cost.runId}/sandbox/actions`, { token: cost.token, body: stop });
    expect({ status: denied.status, code: codeOf(denied) }).toEqual({ status: 403, code: 'cloud_permission_denied' });
    const reaper = await startingRun(ws, 'idle-vm-reaper');
    const gated = await call('POST', `/runner/runs/${reaper.runId}/sandbox/actions`, { token: reaper.token, body: stop });
    expect(gated.body).toMatchObject({ changed: false, override: {}, proposal: { state: 'pending' } });
    // An effect smuggled into a gated action's parameters is refused before anything is proposed.
    const smuggled = await call('POST', `/runner/runs/${reaper.runId}/sandbox/actions`, { token: reaper.token, body: { ...stop, params: { state: 'deleted' } } });
    expect({ status: smuggled.status, code: codeOf(smuggled) }).toEqual({ status: 400, code: 'cloud_action_params_invalid' });
    const state = await call('POST', `/runner/runs/${reaper.runId}/sandbox/state`, { token: reaper.token, body: { keys: [`vm/${stop.resourceId}`] } });
    expect(state.body).toEqual({ overrides: {} });
  });

  it('a deleted resource takes no further action', async () => {
    const ws = await newWorkspace();
    const { runId, token } = await startingRun(ws, 'tag-compliance-enforcer');
    await adminDb.doc(`workspaces/${ws.id}/sandbox/${encodeURIComponent('disk/d-1')}`).set({ key: 'disk/d-1', override: { deleted: true, state: 'deleted' } });
    const res = await call('POST', `/runner/runs/${runId}/sandbox/actions`, { token, body: { kind: 'disk', verb: 'label', resourceId: 'd-1', params: { labels: { env: 'dev' } }, reason: 'x' } });
    expect({ status: res.status, code: codeOf(res) }).toEqual({ status: 404, code: 'cloud_resource_not_found' });
  });

  it('reading sandbox state needs the kind.list or kind.get permission', async () => {
    const ws = await newWorkspace();
    // cost-anomaly-detector reads billing only.
    const cost = await startingRun(ws, 'cost-anomaly-detector');
    const read = (r: { runId: string; token: string }, keys: string[]) => call('POST', `/runner/runs/${r.runId}/sandbox/state`, { token: r.token, body: { keys } });
    const denied = await read(cost, ['vm/vm-1']);
    expect({ status: denied.status, code: codeOf(denied) }).toEqual({ status: 403, code: 'cloud_permission_denied' });
    const tags = await startingRun(ws, 'tag-compliance-enforcer');
    expect((await read(tags, ['vm/vm-1', 'disk/d-1', 'bucket/b-1'])).status).toBe(200);
    // One key of an unlisted kind refuses the whole read.
    expect(codeOf(await read(tags, ['vm/vm-1', 'snapshot/s-1']))).toBe('cloud_permission_denied');
  });
});

describe('usage units are bounded by the manifest', () => {
  it('units over the per-run bound fail the run with a clear error; nothing is recorded', async () => {
    const ws = await newWorkspace();
    // cost-anomaly-detector declares no bound: the default (1000 units per run) holds.
    const over = await startingRun(ws, 'cost-anomaly-detector');
    await call('POST', `/runner/runs/${over.runId}/started`, { token: over.token });
    const res = await call('POST', `/runner/runs/${over.runId}/complete`, { token: over.token, body: { outcome: 'succeeded', usage: { units: 1000.5 } } });
    expect({ status: res.status, code: codeOf(res) }).toEqual({ status: 422, code: 'usage_limit_exceeded' });
    expect(res.contentType).toContain('application/problem+json');
    const run = (await call('GET', `/workspaces/${ws.id}/runs/${over.runId}`, { token: ws.owner.idToken })).body;
    expect(run).toMatchObject({ state: 'failed', usage: null, error: { code: 'usage_limit_exceeded' } });

    const within = await startingRun(ws, 'cost-anomaly-detector');
    await call('POST', `/runner/runs/${within.runId}/started`, { token: within.token });
    expect((await call('POST', `/runner/runs/${within.runId}/complete`, { token: within.token, body: { outcome: 'succeeded', usage: { units: 1000 } } })).status).toBe(200);
    expect((await call('GET', `/workspaces/${ws.id}/runs/${within.runId}`, { token: ws.owner.idToken })).body).toMatchObject({ state: 'succeeded', usage: { units: 1000 } });
  });

  it('end to end: an agent reporting more units than its manifest allows fails', { timeout: 40_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws);
    const done = await waitFor(ws, (await trigger(ws, installId, { mode: 'usage', units: 5000 })).body.id, finished);
    expect(done).toMatchObject({ state: 'failed', usage: null, error: { code: 'usage_limit_exceeded' } });
  });
});

describe("the runner's credential: a one-time bootstrap token exchanged for a session token", () => {
  it('the first exchange gets the session token; a second one is refused', async () => {
    const ws = await newWorkspace();
    const { runId, bootstrapToken } = await seedDispatchedRun(ws.id, { agentId: 'cost-anomaly-detector', agentVersion: await latest('cost-anomaly-detector'), expiresAt: new Date(Date.now() + 600_000) });
    // The bootstrap token itself opens nothing but the exchange.
    expect((await call('POST', `/runner/runs/${runId}/started`, { token: bootstrapToken })).status).toBe(401);
    const first = await call('POST', `/runner/runs/${runId}/session`, { body: { bootstrapToken } });
    expect(first.status).toBe(200);
    expect(first.body.token).toMatch(new RegExp(`^rt_${ws.id}_${runId}_`));
    // The exchange is the start: one round trip from the execution to `running`.
    expect(first.body.started).toMatchObject({ ok: true, attempt: 1, input: {}, secretNames: [], policy: { scopes: expect.arrayContaining(['billing.read']) } });
    const run = (await call('GET', `/workspaces/${ws.id}/runs/${runId}`, { token: ws.owner.idToken })).body;
    expect(run).toMatchObject({ state: 'running', startedAt: expect.any(String) });
    const second = await call('POST', `/runner/runs/${runId}/session`, { body: { bootstrapToken } });
    expect({ status: second.status, code: codeOf(second) }).toEqual({ status: 409, code: 'bootstrap_token_used' });
    // The session token works (`started` again answers the same payload); only its hash is stored.
    const again = await call('POST', `/runner/runs/${runId}/started`, { token: first.body.token });
    expect(again.body).toEqual(first.body.started);
    const internal = (await adminDb.doc(`workspaces/${ws.id}/runs/${runId}/internal/runner`).get()).data()!;
    expect(JSON.stringify(internal)).not.toContain(first.body.token.split('_').slice(3).join('_'));
    expect(internal['runnerTokenHash']).toMatch(/^[0-9a-f]{64}$/);
    // A wrong or foreign token is refused the same way as none.
    const forged = await call('POST', `/runner/runs/${runId}/session`, { body: { bootstrapToken: bootstrapToken.slice(0, -4) + 'abcd' } });
    expect({ status: forged.status, code: codeOf(forged) }).toEqual({ status: 401, code: 'invalid_bootstrap_token' });
  });

  it("a retried exchange (its first answer lost) with the execution's own nonce gets a new session token; any other repeat is refused", async () => {
    const ws = await newWorkspace();
    const { runId, bootstrapToken } = await seedDispatchedRun(ws.id, { agentId: 'cost-anomaly-detector', agentVersion: await latest('cost-anomaly-detector'), expiresAt: new Date(Date.now() + 600_000) });
    const nonce = 'n0nce-only-the-execution-knows-0123456789';
    const first = await call('POST', `/runner/runs/${runId}/session`, { body: { bootstrapToken, nonce } });
    expect(first.status).toBe(200);
    // The answer was lost; the runner repeats the same request.
    const retried = await call('POST', `/runner/runs/${runId}/session`, { body: { bootstrapToken, nonce } });
    expect(retried.status).toBe(200);
    expect(retried.body.token).not.toBe(first.body.token);
    expect(retried.body.started).toEqual(first.body.started);
    // One session at a time: the new token works, the first no longer does.
    expect((await call('POST', `/runner/runs/${runId}/heartbeat`, { token: retried.body.token, body: {} })).status).toBe(200);
    expect((await call('POST', `/runner/runs/${runId}/heartbeat`, { token: first.body.token, body: {} })).status).toBe(401);
    // Whoever read the bootstrap token from the execution's metadata does not know the nonce.
    for (const body of [{ bootstrapToken }, { bootstrapToken, nonce: 'another-nonce-0123456789abcdef' }]) {
      const res = await call('POST', `/runner/runs/${runId}/session`, { body });
      expect({ status: res.status, code: codeOf(res) }).toEqual({ status: 409, code: 'bootstrap_token_used' });
    }
    expect(JSON.stringify((await adminDb.doc(`workspaces/${ws.id}/runs/${runId}/internal/runner`).get()).data())).not.toContain(nonce);
  });

  it('an attempt that is no longer starting refuses the exchange, after checking the token', async () => {
    const ws = await newWorkspace();
    const agent = { agentId: 'cost-anomaly-detector', agentVersion: await latest('cost-anomaly-detector'), expiresAt: new Date(Date.now() + 600_000) };
    for (const [state, code] of [['queued', 'run_not_starting'], ['canceled', 'run_finished']] as const) {
      const { runId, bootstrapToken } = await seedDispatchedRun(ws.id, agent);
      await adminDb.doc(`workspaces/${ws.id}/runs/${runId}`).update({ state });
      const forged = await call('POST', `/runner/runs/${runId}/session`, { body: { bootstrapToken: bootstrapToken.slice(0, -4) + 'abcd' } });
      expect({ state, code: codeOf(forged) }).toEqual({ state, code: 'invalid_bootstrap_token' });
      const res = await call('POST', `/runner/runs/${runId}/session`, { body: { bootstrapToken } });
      expect({ state, status: res.status, code: codeOf(res) }).toEqual({ state, status: 409, code });
      expect((await adminDb.doc(`workspaces/${ws.id}/runs/${runId}`).get()).data()!['state']).toBe(state);
    }
  });

  it('an exchange after the window (server clock) is refused', async () => {
    const ws = await newWorkspace();
    const { runId, bootstrapToken } = await seedDispatchedRun(ws.id, { agentId: 'cost-anomaly-detector', agentVersion: await latest('cost-anomaly-detector'), expiresAt: new Date(Date.now() - 1000) });
    const late = await call('POST', `/runner/runs/${runId}/session`, { body: { bootstrapToken } });
    expect({ status: late.status, code: codeOf(late) }).toEqual({ status: 401, code: 'bootstrap_token_expired' });
  });

  it("a real execution's environment holds only the spent bootstrap token", { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws, undefined, await publishLongProbe());
    const runId = (await trigger(ws, installId, { mode: 'sleep', sleepMs: 30_000 })).body.id as string;
    await waitFor(ws, runId, (r) => r.state === 'running');
    const pid = await executionPid(ws.id, runId);
    const env = Object.fromEntries(
      readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    expect(env['RUNNER_TOKEN']).toBeUndefined();
    expect(Object.values(env).some((v) => v.startsWith('rt_'))).toBe(false);
    const bootstrapToken = env['RUNNER_BOOTSTRAP_TOKEN']!;
    expect(bootstrapToken).toMatch(/^rb_/);
    // The runner exchanged it at start: whoever reads the environment later gets nothing.
    const again = await call('POST', `/runner/runs/${runId}/session`, { body: { bootstrapToken } });
    expect({ status: again.status, code: codeOf(again) }).toEqual({ status: 409, code: 'bootstrap_token_used' });
    await call('POST', `/workspaces/${ws.id}/runs/${runId}/cancel`, { token: ws.owner.idToken });
  });
});

describe('run-internal fields stay out of the run document', () => {
  it("a member's client SDK read of a run shows no runner or executor bookkeeping", { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const viewer = await addMember(ws, 'viewer');
    const installId = await installAgent(ws, 'cost-anomaly-detector');
    const created = await call('POST', `/workspaces/${ws.id}/installs/${installId}/runs`, { token: ws.owner.idToken, body: {} });
    const run = await waitForRun(ws, created.body.id, 45_000);
    expect(run.state).toBe('succeeded');
    const web = await webClientFor(viewer);
    try {
      const snap = await getDoc(doc(web.db, `workspaces/${ws.id}/runs/${run.id}`));
      expect(snap.exists()).toBe(true);
      const fields = Object.keys(snap.data()!);
      for (const internal of ['runnerTokenHash', 'executionId', 'lease', 'bootstrap']) expect(fields).not.toContain(internal);
      // The bookkeeping exists, where no client can read it.
      await expect(getDoc(doc(web.db, `workspaces/${ws.id}/runs/${run.id}/internal/runner`))).rejects.toMatchObject({ code: 'permission-denied' });
    } finally {
      await web.close();
    }
    const internal = (await adminDb.doc(`workspaces/${ws.id}/runs/${run.id}/internal/runner`).get()).data()!;
    expect(internal).toMatchObject({ executionId: expect.stringMatching(/^local-/), runnerTokenHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});
