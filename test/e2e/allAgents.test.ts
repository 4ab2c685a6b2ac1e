import type { Run } from '@agent-marketplace/contract';
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { call } from '../support/http.ts';
import { finished, waitFor } from '../support/probe.ts';
import { installAgent, newWorkspace, waitForRun } from '../support/users.ts';

const agents = readdirSync('agents').filter((d) => existsSync(path.join('agents', d, 'agent.yaml')));

describe('every seeded agent runs end to end on the local stack (runner under --permission, sandbox cloud via the API)', () => {
  it('the catalog lists all of them', async () => {
    const listed = await call('GET', '/agents?limit=50&sort=name');
    expect(listed.body.items.map((a: { id: string }) => a.id)).toEqual(expect.arrayContaining(agents));
    expect(agents.length).toBeGreaterThanOrEqual(10);
  });

  it.each(agents)('%s succeeds with its default input (its proposals, if any, rejected)', { timeout: 60_000 }, async (agentId) => {
    const ws = await newWorkspace();
    const installId = await installAgent(ws, agentId);
    const run = await call('POST', `/workspaces/${ws.id}/installs/${installId}/runs`, { token: ws.owner.idToken, body: {} });
    expect(run.status).toBe(201);
    const ended = await waitFor(ws, run.body.id, (r) => finished(r) || r.state === 'awaiting_approval', 45_000);
    if (ended.state === 'awaiting_approval') {
      // An agent with approval-gated actions proposes them and waits; rejecting them all ends the run.
      expect(ended.approvals.pending).toBeGreaterThan(0);
      const decided = await call('POST', `/workspaces/${ws.id}/runs/${run.body.id}/approvals:decide`, { token: ws.owner.idToken, body: { decision: 'reject', comment: 'not now' } });
      expect(decided.body.results.every((r: { ok: boolean }) => r.ok)).toBe(true);
    }
    const done = await waitForRun(ws, run.body.id, 45_000);
    expect({ state: done.state, error: done.error }).toEqual({ state: 'succeeded', error: null });
    if (ended.state === 'awaiting_approval') expect((done.outputs as { approvals: { rejected: unknown[] } }).approvals.rejected).toHaveLength(ended.approvals.total);
    const logs = await call('GET', `/workspaces/${ws.id}/runs/${run.body.id}/logs`, { token: ws.owner.idToken });
    expect(logs.body.lines.length).toBeGreaterThan(0);
  });

  it("an agent's action changes the workspace's sandbox for its next run, and only that workspace's", { timeout: 90_000 }, async () => {
    const ws = await newWorkspace();
    const other = await newWorkspace();
    const installId = await installAgent(ws, 'tag-compliance-enforcer');
    const otherInstall = await installAgent(other, 'tag-compliance-enforcer');
    const runOnce = async (w: typeof ws, id: string) => {
      const r = await call('POST', `/workspaces/${w.id}/installs/${id}/runs`, { token: w.owner.idToken, body: {} });
      return waitForRun(w, r.body.id, 45_000);
    };
    const first = await runOnce(ws, installId);
    const second = await runOnce(ws, installId);
    const elsewhere = await runOnce(other, otherInstall);
    // Outputs are the agent's own JSON: the contract types them as a record.
    const violations = (r: Run) => (r.outputs as { summary: { violations: number } }).summary.violations;
    expect(violations(first)).toBeGreaterThan(violations(second));
    expect(violations(elsewhere)).toBe(violations(first));
  });
});
