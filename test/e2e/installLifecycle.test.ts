import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { publishYaml, uniqueWord } from '../support/catalog.ts';
import { call, codeOf } from '../support/http.ts';
import { events, finished, installProbe, parkRun, PROBE_VERSION, tickWatchdog, trigger, waitFor } from '../support/probe.ts';
import { installAgent, newWorkspace, type TestWorkspace } from '../support/users.ts';

type Ws = TestWorkspace;

const getRun = async (ws: Ws, runId: string) => (await call('GET', `/workspaces/${ws.id}/runs/${runId}`, { token: ws.owner.idToken })).body;

/** Each run ended canceled with `code` as its error and as the reason of its last transition. */
async function expectCanceled(ws: Ws, runIds: string[], code: string) {
  for (const runId of runIds) {
    expect(await getRun(ws, runId)).toMatchObject({ state: 'canceled', error: { code }, finishedAt: expect.any(String) });
    expect((await events(ws, runId)).at(-1)).toMatchObject({ to: 'canceled', reason: code });
  }
}

/** The probe under another id: a listing of its own, which a test may suspend without touching the others. */
async function ownProbeListing(): Promise<string> {
  const id = `probe-${uniqueWord()}`;
  const yaml = readFileSync(path.resolve(import.meta.dirname, '../fixtures/agents/probe/agent.yaml'), 'utf8').replace(/^id: probe$/m, `id: ${id}`);
  await publishYaml(yaml);
  return id;
}

describe('pausing, uninstalling, or a suspended listing stops what waits to run', () => {
  it('pausing cancels the queued runs and pending retries, each with the reason, and refuses new triggers', { timeout: 90_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws);
    const retry = await parkRun(ws, installId, 'queued', { overdue: false, retry: true });
    const queued = await parkRun(ws, installId, 'queued', { overdue: false });
    const paused = await call('POST', `/workspaces/${ws.id}/installs/${installId}/pause`, { token: ws.owner.idToken });
    expect(paused.status).toBe(200);
    await expectCanceled(ws, [retry, queued], 'install_paused');
    const refused = await trigger(ws, installId, { mode: 'ok' });
    expect([refused.status, codeOf(refused)]).toEqual([412, 'install_paused']);
    // Resuming does not bring the canceled runs back.
    expect((await call('POST', `/workspaces/${ws.id}/installs/${installId}/resume`, { token: ws.owner.idToken })).status).toBe(200);
    await expectCanceled(ws, [retry, queued], 'install_paused');
  });

  it('uninstalling cancels the queued runs and pending retries, each with the reason, and refuses new triggers', { timeout: 90_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws);
    const retry = await parkRun(ws, installId, 'queued', { overdue: false, retry: true });
    const queued = await parkRun(ws, installId, 'queued', { overdue: false });
    expect((await call('DELETE', `/workspaces/${ws.id}/installs/${installId}`, { token: ws.owner.idToken })).status).toBe(204);
    await expectCanceled(ws, [retry, queued], 'install_uninstalled');
    const refused = await trigger(ws, installId, { mode: 'ok' });
    expect([refused.status, codeOf(refused)]).toEqual([404, 'install_not_found']);
  });

  it('a run that reaches the dispatcher after its install was paused ends canceled and never starts', { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws);
    expect((await call('POST', `/workspaces/${ws.id}/installs/${installId}/pause`, { token: ws.owner.idToken })).status).toBe(200);
    // As if a trigger had raced the pause: queued after it, its task about to be delivered.
    const runId = await parkRun(ws, installId, 'queued');
    await tickWatchdog();
    const done = await waitFor(ws, runId, finished, 30_000);
    expect(done).toMatchObject({ state: 'canceled', error: { code: 'install_paused' }, startedAt: null });
    expect((await events(ws, runId)).map((e) => e.to)).toEqual(['queued', 'canceled']);
  });

  it("a suspended listing refuses its installs' triggers, and its queued runs end canceled when their turn comes", { timeout: 60_000 }, async () => {
    const agentId = await ownProbeListing();
    const ws = await newWorkspace();
    const installId = await installAgent(ws, agentId, PROBE_VERSION);
    await adminDb.doc(`agents/${agentId}`).update({ state: 'suspended' });
    // Queued before the suspension took effect, its task about to be delivered.
    const queued = await parkRun(ws, installId, 'queued');
    const refused = await trigger(ws, installId, { mode: 'ok' });
    expect([refused.status, codeOf(refused)]).toEqual([412, 'agent_suspended']);
    expect(refused.body.detail).toMatch(/suspended from the marketplace/);
    await tickWatchdog();
    const done = await waitFor(ws, queued, finished, 30_000);
    expect(done).toMatchObject({ state: 'canceled', error: { code: 'agent_suspended' }, startedAt: null });
  });
});
