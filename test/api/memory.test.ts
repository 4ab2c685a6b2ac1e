import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { publishYaml, uniqueWord, yamlFor } from '../support/catalog.ts';
import { call, codeOf } from '../support/http.ts';
import { seedStartingRun } from '../support/runs.ts';
import { finished, installProbe, trigger, waitFor } from '../support/probe.ts';
import { newWorkspace, type TestWorkspace } from '../support/users.ts';

/**
 * Agent memory through the runner API (docs/memory.md): task keys with versions, vector memories
 * searched by meaning and metadata, episodes; only the levels a manifest declares, and only the
 * run's own install's memory.
 */
const everything = `${uniqueWord()}-memory`;
const taskOnly = `${uniqueWord()}-taskonly`;
beforeAll(async () => {
  await publishYaml(`${yamlFor({ id: everything, name: 'Memory Probe' }, 'memory-tests')}memory: [task, vector, episode]\n`);
  await publishYaml(`${yamlFor({ id: taskOnly, name: 'Task Memory Probe' }, 'memory-tests')}memory: [task]\n`);
}, 60_000);

async function runOf(ws: TestWorkspace, agentId: string, installId = `inst${randomBytes(4).toString('hex')}`) {
  const { runId, token } = await seedStartingRun(ws.id, { agentId, agentVersion: '1.0.0', installId, by: ws.owner.uid });
  const memory = (path: string, body: unknown) => call('POST', `/runner/runs/${runId}/memory/${path}`, { token, body });
  return { runId, installId, memory };
}

describe('task memory', () => {
  it('keeps a JSON value per key with a version; writes with an expected version never lose one another', { timeout: 90_000 }, async () => {
    const ws = await newWorkspace();
    const { memory, installId } = await runOf(ws, everything);
    expect((await memory('task/get', { key: 'baselines/compute' })).body).toEqual({ item: null });
    const first = await memory('task/put', { key: 'baselines/compute', value: { daily: [[1, 2], [3, 4]], currency: 'USD' }, expectedVersion: null });
    expect(first.body).toEqual({ key: 'baselines/compute', version: 1 });
    // Create-only again: the key exists.
    const again = await memory('task/put', { key: 'baselines/compute', value: 1, expectedVersion: null });
    expect({ status: again.status, code: codeOf(again) }).toEqual({ status: 409, code: 'memory_version_conflict' });
    expect((await memory('task/get', { key: 'baselines/compute' })).body.item).toMatchObject({ value: { daily: [[1, 2], [3, 4]], currency: 'USD' }, version: 1 });

    // Two runs of the same install increment one counter 10 times each, with optimistic retries.
    const other = await seedStartingRun(ws.id, { agentId: everything, agentVersion: '1.0.0', installId, by: ws.owner.uid });
    const writers = [memory, (path: string, body: unknown) => call('POST', `/runner/runs/${other.runId}/memory/${path}`, { token: other.token, body })];
    await Promise.all(
      writers.map(async (m) => {
        for (let i = 0; i < 10; i++) {
          for (;;) {
            const item = (await m('task/get', { key: 'counter' })).body.item as { value: number; version: number } | null;
            const put = await m('task/put', { key: 'counter', value: (item?.value ?? 0) + 1, expectedVersion: item ? item.version : null });
            if (put.status === 200) break;
            expect(codeOf(put)).toBe('memory_version_conflict');
          }
        }
      }),
    );
    expect((await memory('task/get', { key: 'counter' })).body.item).toMatchObject({ value: 20, version: 20 });

    // Listing by prefix, a page at a time; deleting with a stale version is refused.
    for (const k of ['rejected/vm-1', 'rejected/vm-2', 'rejected/vm-3', 'other']) await memory('task/put', { key: k, value: true });
    const page1 = await memory('task/list', { prefix: 'rejected/', limit: 2 });
    expect(page1.body.items.map((i: { key: string }) => i.key)).toEqual(['rejected/vm-1', 'rejected/vm-2']);
    const page2 = await memory('task/list', { prefix: 'rejected/', limit: 2, cursor: page1.body.nextCursor });
    expect({ keys: page2.body.items.map((i: { key: string }) => i.key), next: page2.body.nextCursor }).toEqual({ keys: ['rejected/vm-3'], next: null });
    expect(codeOf(await memory('task/delete', { key: 'rejected/vm-1', expectedVersion: 7 }))).toBe('memory_version_conflict');
    expect((await memory('task/delete', { key: 'rejected/vm-1' })).body).toEqual({ deleted: true });
    expect((await memory('task/delete', { key: 'rejected/vm-1' })).body).toEqual({ deleted: false });

    // Bad input: a key that reads as a path, a value that is not JSON, too big.
    for (const [body, says] of [
      [{ key: '../etc', value: 1 }, 'must not contain ..'],
      [{ key: 'big', value: 'x'.repeat(70_000) }, 'at most 64 KiB'],
      [{ key: 'nan', value: { n: 1, nested: [[[['deep']]]] }, expectedVersion: 0 }, 'expectedVersion'],
    ] as const) {
      const r = await memory('task/put', body);
      expect({ status: r.status, code: codeOf(r) }).toEqual({ status: 400, code: 'validation_failed' });
      expect(JSON.stringify(r.body)).toContain(says);
    }
  });
});

describe('vector memory and episodes', () => {
  it('finds the right neighbours, filtered on metadata and above a score; refuses an embedding space that changed', { timeout: 90_000 }, async () => {
    const ws = await newWorkspace();
    const { memory, installId } = await runOf(ws, everything);
    const items = [
      { id: 'm1', text: 'idle VM web-1 in europe-west1 was stopped after approval', metadata: { region: 'eu', kind: 'stop' } },
      { id: 'm2', text: 'idle VM batch-7 in europe-west1 was kept: a human rejected stopping it', metadata: { region: 'eu', kind: 'rejected' } },
      { id: 'm3', text: 'idle VM db-2 in us-central1 was stopped after approval', metadata: { region: 'us', kind: 'stop' } },
      { id: 'm4', text: 'monthly compute spend baseline is 1200 dollars', metadata: { region: 'eu', kind: 'baseline' } },
      { id: 'm5', text: 'certificate api.example.com expires in 12 days', metadata: { region: 'us', kind: 'cert' } },
    ];
    expect((await memory('vector/upsert', { items })).body).toEqual({ ids: ['m1', 'm2', 'm3', 'm4', 'm5'] });
    const eu = await memory('vector/search', { query: 'idle VM stopped in europe-west1', k: 3, filter: { region: 'eu' } });
    expect(eu.status, JSON.stringify(eu.body)).toBe(200);
    expect(eu.body.results.map((r: { id: string }) => r.id).slice(0, 2).sort()).toEqual(['m1', 'm2']);
    expect(eu.body.results.every((r: { metadata: { region: string } }) => r.metadata.region === 'eu')).toBe(true);
    const scores = eu.body.results.map((r: { score: number }) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    // A high floor keeps only the close ones.
    const close = await memory('vector/search', { query: 'idle VM web-1 in europe-west1 was stopped after approval', k: 5, minScore: 0.95 });
    expect(close.body.results.map((r: { id: string }) => r.id)).toEqual(['m1']);
    // An upsert replaces by id.
    await memory('vector/upsert', { items: [{ id: 'm5', text: 'certificate api.example.com was renewed', metadata: { region: 'us', kind: 'cert' } }] });
    expect((await memory('vector/search', { query: 'certificate renewed', k: 1 })).body.results[0]).toMatchObject({ id: 'm5', text: 'certificate api.example.com was renewed' });
    expect((await memory('vector/delete', { id: 'm4' })).body).toEqual({ deleted: true });

    // Episodes: this run's, then found by meaning and by time.
    expect((await memory('episodes', { saw: '3 idle VMs in europe-west1', did: 'proposed stopping 3, 1 rejected by a human', outcome: 'partial', metadata: { proposals: 3 } })).status).toBe(200);
    const episodes = await memory('episodes/search', { query: 'idle VMs europe', k: 5 });
    expect(episodes.body.episodes).toEqual([expect.objectContaining({ saw: '3 idle VMs in europe-west1', outcome: 'partial', metadata: { proposals: 3 }, score: expect.any(Number) })]);
    expect((await memory('episodes/search', { k: 5, since: new Date(Date.now() + 60_000).toISOString() })).body.episodes).toEqual([]);

    // An install whose vectors were made by an earlier embedder (another dimension): refused, not searched emptily.
    const earlier = await runOf(ws, everything);
    await adminDb.doc(`workspaces/${ws.id}/installs/${earlier.installId}/internal/memory`).set({ space: { model: 'local-hash-v1', dimensions: 512 } }, { merge: true });
    for (const [path, body] of [['vector/search', { query: 'idle VM', k: 3 }], ['vector/upsert', { items: [{ id: 'n', text: 'new', metadata: {} }] }], ['episodes/search', { query: 'idle', k: 3 }]] as const) {
      const mismatch = await earlier.memory(path, body);
      expect({ path, status: mismatch.status, code: codeOf(mismatch) }).toEqual({ path, status: 412, code: 'memory_dimension_mismatch' });
    }
    expect(installId).not.toBe(earlier.installId);
  });

  it("only the levels a manifest declares, and only the run's own install's memory", { timeout: 90_000 }, async () => {
    const [ws, other] = await Promise.all([newWorkspace(), newWorkspace()]);
    const a = await runOf(ws, everything);
    await a.memory('task/put', { key: 'secret-plan', value: 'a' });
    await a.memory('vector/upsert', { items: [{ id: 'x', text: 'install a remembers this', metadata: {} }] });
    // Another install of the same workspace, and the same install id in another workspace: nothing visible.
    for (const b of [await runOf(ws, everything), await runOf(other, everything, a.installId)]) {
      expect((await b.memory('task/get', { key: 'secret-plan' })).body).toEqual({ item: null });
      expect((await b.memory('task/list', { prefix: '', limit: 10 })).body.items).toEqual([]);
      expect((await b.memory('vector/search', { query: 'install a remembers this', k: 5 })).body.results).toEqual([]);
    }
    const t = await runOf(ws, taskOnly);
    for (const [path, body] of [
      ['vector/upsert', { items: [{ id: 'x', text: 'y', metadata: {} }] }],
      ['vector/search', { query: 'y' }],
      ['episodes', { saw: 'a', did: 'b', outcome: 'succeeded' }],
    ] as const) {
      const r = await t.memory(path, body);
      expect({ path, status: r.status, code: codeOf(r) }).toEqual({ path, status: 403, code: 'memory_level_not_declared' });
    }
    expect((await t.memory('task/put', { key: 'k', value: 1 })).status).toBe(200);
  });
});

describe('ctx.memory in a real run', () => {
  it('an agent counts its runs in task memory: each run of the install sees what the last one left', { timeout: 120_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws);
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const runId = (await trigger(ws, installId, { mode: 'remember' })).body.id as string;
      const run = await waitFor(ws, runId, finished, 60_000);
      expect(run.state, JSON.stringify(run.error)).toBe('succeeded');
      counts.push(run.outputs.remembered);
    }
    expect(counts).toEqual([1, 2, 3]);
    // Another install of the probe starts from nothing.
    const other = await installProbe(ws);
    const first = await waitFor(ws, (await trigger(ws, other, { mode: 'remember' })).body.id as string, finished, 60_000);
    expect(first.outputs.remembered).toBe(1);
  });
});
