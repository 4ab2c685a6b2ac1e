import { describe, expect, it } from 'vitest';
import { call, codeOf } from '../support/http.ts';
import { seedStartingRun } from '../support/runs.ts';
import { newWorkspace, type TestWorkspace } from '../support/users.ts';

/** A starting run of `agentId`'s latest version, as dispatch would leave it. */
async function startingRun(ws: TestWorkspace, agentId = 'cost-anomaly-detector'): Promise<{ runId: string; token: string }> {
  const agentVersion = (await call('GET', `/agents/${agentId}`)).body.latestVersion as string;
  return seedStartingRun(ws.id, { agentId, agentVersion, input: { hello: 'world' }, by: ws.owner.uid });
}

const line = (msg: string, level = 'info') => ({ ts: new Date().toISOString(), level, msg });

describe('runner API', () => {
  it('accepts only the run-scoped token of the run in the path', async () => {
    const ws = await newWorkspace();
    const a = await startingRun(ws);
    const b = await startingRun(ws);
    expect((await call('POST', `/runner/runs/${a.runId}/started`, { token: a.token.slice(0, -3) + 'xyz' })).status).toBe(401);
    expect((await call('POST', `/runner/runs/${b.runId}/started`, { token: a.token })).status).toBe(404);
    expect((await call('POST', `/runner/runs/${a.runId}/started`, { token: ws.owner.idToken })).status).toBe(403);
    // A runner token opens no workspace route.
    expect((await call('GET', `/workspaces/${ws.id}/runs`, { token: a.token })).status).toBe(404);
  });

  it('started → logs (idempotent by seq) → heartbeat → complete, each retry harmless', async () => {
    const ws = await newWorkspace();
    const { runId, token } = await startingRun(ws);
    const started = await call('POST', `/runner/runs/${runId}/started`, { token });
    expect(started.body).toEqual({ ok: true, input: { hello: 'world' }, config: {}, attempt: 1, policy: { scopes: ['billing.read'], gated: [] }, secretNames: [], cloud: null, memory: ['task'] });
    expect((await call('POST', `/runner/runs/${runId}/started`, { token })).status).toBe(200);

    const batch = { seq: 0, lines: [line('one'), line('two', 'warn')] };
    expect((await call('POST', `/runner/runs/${runId}/logs`, { token, body: batch })).body).toEqual({ ok: true, duplicate: false, truncated: false });
    expect((await call('POST', `/runner/runs/${runId}/logs`, { token, body: batch })).body).toEqual({ ok: true, duplicate: true, truncated: false });
    expect((await call('POST', `/runner/runs/${runId}/logs`, { token, body: { seq: 1, lines: [line('three')] } })).status).toBe(200);

    const badLevel = await call('POST', `/runner/runs/${runId}/logs`, { token, body: { seq: 2, lines: [line('x', 'fatal')] } });
    expect(codeOf(badLevel)).toBe('validation_failed');
    expect((await call('POST', `/runner/runs/${runId}/logs`, { token, body: { seq: 2, lines: [] } })).status).toBe(400);

    expect((await call('POST', `/runner/runs/${runId}/heartbeat`, { token, body: { progress: { percent: 40, message: 'halfway-ish' } } })).status).toBe(200);
    const mid = await call('GET', `/workspaces/${ws.id}/runs/${runId}`, { token: ws.owner.idToken });
    expect(mid.body).toMatchObject({ state: 'running', progress: { percent: 40, message: 'halfway-ish' } });

    const done = { outcome: 'succeeded', outputs: { answer: 42 } };
    expect((await call('POST', `/runner/runs/${runId}/complete`, { token, body: done })).status).toBe(200);
    expect((await call('POST', `/runner/runs/${runId}/complete`, { token, body: done })).status).toBe(200);
    const contradict = await call('POST', `/runner/runs/${runId}/complete`, { token, body: { outcome: 'failed' } });
    expect(contradict.status).toBe(409);
    const late = await call('POST', `/runner/runs/${runId}/logs`, { token, body: { seq: 5, lines: [line('late')] } });
    expect(codeOf(late)).toBe('run_finished');
    // A retried batch that was stored before completion is still acknowledged.
    expect((await call('POST', `/runner/runs/${runId}/logs`, { token, body: { seq: 1, lines: [line('three')] } })).status).toBe(200);

    const run = await call('GET', `/workspaces/${ws.id}/runs/${runId}`, { token: ws.owner.idToken });
    expect(run.body).toMatchObject({ state: 'succeeded', outputs: { answer: 42 }, progress: { percent: 100 } });
    const logs = await call('GET', `/workspaces/${ws.id}/runs/${runId}/logs`, { token: ws.owner.idToken });
    expect(logs.body.lines.map((l: { msg: string }) => l.msg)).toEqual(['one', 'two', 'three']);
    const page = await call('GET', `/workspaces/${ws.id}/runs/${runId}/logs?after=0`, { token: ws.owner.idToken });
    expect(page.body).toMatchObject({ lines: [{ msg: 'three', seq: 1 }], next: 1 });
  });

  it('refuses outputs too large for the run document, and the run can still complete', async () => {
    const ws = await newWorkspace();
    const { runId, token } = await startingRun(ws);
    const big = await call('POST', `/runner/runs/${runId}/complete`, { token, body: { outcome: 'succeeded', outputs: { blob: 'x'.repeat(300_000) } } });
    expect(big.status).toBe(400);
    expect(big.body.errors[0].path).toBe('body.outputs');
    expect((await call('POST', `/runner/runs/${runId}/complete`, { token, body: { outcome: 'succeeded', outputs: { ok: true } } })).status).toBe(200);
  });

  it("sandbox actions are checked against the agent's manifest: undeclared scopes 403, gated actions proposed", async () => {
    const ws = await newWorkspace();
    const cost = await startingRun(ws);
    const stop = { kind: 'vm', verb: 'stop', resourceId: 'projects/acme/zones/x/instances/vm-1', reason: 'idle' };
    const denied = await call('POST', `/runner/runs/${cost.runId}/sandbox/actions`, { token: cost.token, body: stop });
    expect({ status: denied.status, code: codeOf(denied) }).toEqual({ status: 403, code: 'cloud_permission_denied' });

    const reaper = await startingRun(ws, 'idle-vm-reaper');
    const gated = await call('POST', `/runner/runs/${reaper.runId}/sandbox/actions`, { token: reaper.token, body: stop });
    expect(gated.body).toEqual({ ok: true, changed: false, override: {}, proposal: { id: expect.stringMatching(/^[0-9a-f]{32}$/), state: 'pending' } });
    // The same action again (a retried call) is the same proposal, counted once.
    const again = await call('POST', `/runner/runs/${reaper.runId}/sandbox/actions`, { token: reaper.token, body: stop });
    expect(again.body.proposal).toEqual(gated.body.proposal);
    expect((await call('GET', `/workspaces/${ws.id}/runs/${reaper.runId}`, { token: ws.owner.idToken })).body.approvals).toEqual({ pending: 1, total: 1 });
    const state = await call('POST', `/runner/runs/${reaper.runId}/sandbox/state`, { token: reaper.token, body: { keys: ['vm/projects/acme/zones/x/instances/vm-1'] } });
    expect(state.body).toEqual({ overrides: {} });

    const label = await startingRun(ws, 'tag-compliance-enforcer');
    const labelled = { kind: 'vm', verb: 'label', resourceId: 'vm-1', params: { labels: { env: 'dev' } }, reason: 'env from project' };
    expect((await call('POST', `/runner/runs/${label.runId}/sandbox/actions`, { token: label.token, body: labelled })).status).toBe(200);
    const after = await call('POST', `/runner/runs/${label.runId}/sandbox/state`, { token: label.token, body: { keys: ['vm/vm-1'] } });
    expect(after.body).toEqual({ overrides: { 'vm/vm-1': { labels: { env: 'dev' } } } });
  });

  it('a runner that reports before dispatch recorded the start is running, not refused', async () => {
    const ws = await newWorkspace();
    const agentVersion = (await call('GET', '/agents/cost-anomaly-detector')).body.latestVersion as string;
    const { runId, token } = await seedStartingRun(ws.id, { agentId: 'cost-anomaly-detector', agentVersion, state: 'dispatching' });
    expect((await call('POST', `/runner/runs/${runId}/started`, { token })).status).toBe(200);
    expect((await call('GET', `/workspaces/${ws.id}/runs/${runId}`, { token: ws.owner.idToken })).body.state).toBe('running');
  });

  it('a failure is recorded with its error', async () => {
    const ws = await newWorkspace();
    const { runId, token } = await startingRun(ws);
    await call('POST', `/runner/runs/${runId}/started`, { token });
    const r = await call('POST', `/runner/runs/${runId}/complete`, { token, body: { outcome: 'failed', error: { code: 'agent_failed', message: 'boom' } } });
    expect(r.status).toBe(200);
    const run = await call('GET', `/workspaces/${ws.id}/runs/${runId}`, { token: ws.owner.idToken });
    expect(run.body).toMatchObject({ state: 'failed', error: { code: 'agent_failed', message: 'boom' } });
    const events = await call('GET', `/workspaces/${ws.id}/runs/${runId}/events`, { token: ws.owner.idToken });
    expect(events.body.items.map((e: { to: string }) => e.to)).toEqual(['running', 'failed']);
  });

  it('artifacts: bad names, bad base64, oversized files and the per-run limit are refused clearly; after the run, nothing more', async () => {
    const ws = await newWorkspace();
    const { runId, token } = await startingRun(ws);
    await call('POST', `/runner/runs/${runId}/started`, { token });
    const put = (body: Record<string, unknown>) => call('POST', `/runner/runs/${runId}/artifacts`, { token, body: { contentType: 'text/plain', encoding: 'utf8', content: 'x', ...body } });
    expect((await put({ name: 'ok.txt' })).status).toBe(201);
    expect(codeOf(await put({ name: '../etc/passwd' }))).toBe('validation_failed');
    expect(codeOf(await put({ name: 'b.bin', encoding: 'base64', content: '!!not base64!!' }))).toBe('artifact_encoding_invalid');
    const big = await put({ name: 'big.txt', content: 'a'.repeat(600 * 1024) });
    expect(big.status).toBe(413);
    expect(codeOf(big)).toBe('artifact_too_large');
    for (let i = 1; i < 20; i++) expect((await put({ name: `f${i}.txt` })).status).toBe(201);
    expect(codeOf(await put({ name: 'one-too-many.txt' }))).toBe('artifact_limit');
    // Replacing an existing name is fine at the limit.
    expect((await put({ name: 'ok.txt', content: 'new' })).status).toBe(201);
    await call('POST', `/runner/runs/${runId}/complete`, { token, body: { outcome: 'succeeded' } });
    expect(codeOf(await put({ name: 'late.txt' }))).toBe('run_finished');
  });
});
