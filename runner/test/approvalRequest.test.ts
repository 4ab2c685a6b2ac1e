import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAgentForTest } from '../src/testing.js';

/** ctx.approval.request in the agent test harness: decisions given answer at once; a missing one suspends the run as the platform would. */
async function agentDir(code: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ask-agent-'));
  await mkdir(path.join(dir, 'fixtures'));
  await writeFile(path.join(dir, 'agent.yaml'), 'id: ask\nruntime:\n  local:\n    entry: index.mjs\n');
  await writeFile(path.join(dir, 'fixtures', 'cloud.json'), JSON.stringify({ resources: [] }));
  await writeFile(path.join(dir, 'index.mjs'), code);
  return dir;
}

const asker = `export default async function (ctx) {
  const first = await ctx.approval.request({ summary: 'First?' });
  ctx.output('first', first.approved);
  const second = await ctx.approval.request({ key: 'named', summary: 'Second?', risk: 'high', details: { n: 2 } });
  return { second: second.state, by: second.decisions.map((d) => d.by) };
}`;

describe('ctx.approval.request under runAgentForTest', () => {
  it('numbers unnamed requests in call order and answers the decisions given', async () => {
    const run = await runAgentForTest(await agentDir(asker), { decisions: { 'request-1': 'approve', named: 'reject' } });
    expect(run.suspended).toBeNull();
    expect(run.outputs).toEqual({ first: true, second: 'rejected', by: ['test-approver'] });
    expect(run.requests.map((r) => [r.key, r.decision])).toEqual([['request-1', 'approve'], ['named', 'reject']]);
    expect(run.requests[1]).toMatchObject({ risk: 'high', details: { n: 2 } });
  });

  it('a request without a decision suspends the run there, with what was output before it', async () => {
    const run = await runAgentForTest(await agentDir(asker), { decisions: { 'request-1': 'approve' } });
    expect(run.suspended).toEqual({ key: 'named', summary: 'Second?' });
    expect(run.returned).toBeUndefined();
    expect(run.outputs).toEqual({ first: true });
  });
});
