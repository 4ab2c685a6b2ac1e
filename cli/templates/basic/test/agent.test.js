// Runs the agent on its sandbox account (fixtures/cloud.json) with the SDK context the platform
// gives it: `npm test` (node --test). runAgentForTest comes from the platform's runner package:
// see README.md, "Testing", for how this folder reaches it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { runAgentForTest } from '@agent-marketplace/runner/lib/testing.js';

const agentDir = path.resolve(import.meta.dirname, '..');

test('counts every VM of the sandbox account by state and by project', async () => {
  const run = await runAgentForTest(agentDir);
  assert.deepEqual(run.outputs, {
    account: 'template-sandbox',
    total: 4,
    byState: { running: 3, stopped: 1 },
    byProject: { 'demo-prod': 2, 'demo-dev': 2 },
  });
  assert.ok(run.logs.some((l) => l.level === 'info' && l.msg === 'Counted 4 VMs in template-sandbox'));
  assert.deepEqual(run.progress.at(-1), { percent: 100, message: 'Done' });
});

test('counts one project when the input names it', async () => {
  const run = await runAgentForTest(agentDir, { input: { project: 'demo-dev' } });
  assert.equal(run.outputs.total, 2);
  assert.deepEqual(run.outputs.byProject, { 'demo-dev': 2 });
});
