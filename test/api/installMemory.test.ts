import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { publishYaml, uniqueWord, yamlFor } from '../support/catalog.ts';
import { call, codeOf } from '../support/http.ts';
import { seedStartingRun } from '../support/runs.ts';
import { runAsFunctions, urls } from '../support/stack.ts';
import { addMember, newWorkspace, type TestWorkspace } from '../support/users.ts';

/**
 * A customer's view of an install's agent memory (docs/memory.md): browse each level, search by
 * meaning, forget one item or everything, export; and the retention sweep, run in process.
 * Memories are written as an agent writes them: through the runner API.
 */
runAsFunctions();
const { getDeps } = await import('../../functions/src/triggers/deps.ts');
const { sweepMemory } = await import('../../functions/src/app/memory/sweepMemory.ts');
const { deps } = await getDeps();

const DAY = 86_400_000;
const agentId = `${uniqueWord()}-custmem`;
beforeAll(async () => {
  await publishYaml(`${yamlFor({ id: agentId, name: 'Customer Memory Probe' }, 'memory-tests')}memory: [task, vector, episode]\n`);
}, 60_000);

/** A draft install (memory needs no deployment), a live run of it, and the install's memory routes. */
async function installWithRun(ws: TestWorkspace) {
  const created = await call('POST', `/workspaces/${ws.id}/installs`, { token: ws.owner.idToken, body: { agentId } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const installId = created.body.id as string;
  const { runId, token } = await seedStartingRun(ws.id, { agentId, agentVersion: '1.0.0', installId, by: ws.owner.uid });
  const runner = async (path: string, body: unknown) => {
    const r = await call('POST', `/runner/runs/${runId}/memory/${path}`, { token, body });
    expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(200);
    return r.body;
  };
  const base = `/workspaces/${ws.id}/installs/${installId}/memory`;
  const rest = (method: string, path = '', body?: unknown, idToken = ws.owner.idToken) => call(method, `${base}${path}`, { token: idToken, body });
  return { installId, runId, token, runner, rest, base };
}

const memoryDoc = (wsId: string, installId: string, doc: string) => adminDb.doc(`workspaces/${wsId}/installs/${installId}/memory/${doc}`);
const taskDoc = (key: string) => `t_${Buffer.from(key).toString('base64url')}`;
const DEFAULT_DAYS = { t: 90, v: 180, e: 365 } as Record<string, number>;
/**
 * Moves an item's last write back, as if written `days` ago: its expiry moves with it, as the
 * store stamped it then (the level's default retention unless `retentionDays` says otherwise).
 */
const age = (wsId: string, installId: string, doc: string, days: number, retentionDays = DEFAULT_DAYS[doc[0]!]!) => {
  const writtenAt = Date.now() - days * DAY;
  return memoryDoc(wsId, installId, doc).update({ updatedAt: new Date(writtenAt), expiresAt: new Date(writtenAt + retentionDays * DAY) });
};

/**
 * Production's TTL policy deletes on `ttlAt`, a week after `expiresAt`: a backstop for a stopped
 * sweep that cannot beat the sweep's restamp of an item whose retention was made longer.
 */
async function expectBackstop(wsId: string, installId: string, doc: string) {
  const d = await memoryDoc(wsId, installId, doc).get();
  expect({ doc, ttlAfterExpiry: d.get('ttlAt')?.toMillis() - d.get('expiresAt').toMillis() }).toEqual({ doc, ttlAfterExpiry: 7 * DAY });
}

async function sweepUntilDone(now = new Date()) {
  const total = { expired: 0, purged: 0 };
  for (let i = 0; i < 50; i++) {
    const r = await sweepMemory(deps, { now, batchSize: 100 });
    total.expired += r.expired;
    total.purged += r.purged;
    if (!r.more) return total;
  }
  throw new Error('the sweep never finished');
}

describe("an install's memory, for its customer", () => {
  it('browses each level, searches as the agent does, forgets one key (with a /), one vector, one episode; exports without embeddings', { timeout: 120_000 }, async () => {
    const ws = await newWorkspace();
    const { installId, runId, runner, rest, base } = await installWithRun(ws);
    for (const [key, value] of [['baselines/gcp/europe-west1', { daily: 1200 }], ['baselines/gcp/us-central1', { daily: 800 }], ['rejected:vm-1', true]] as const) {
      await runner('task/put', { key, value });
    }
    for (const item of [
      { id: 'm1', text: 'idle VM web-1 in europe-west1 was stopped after approval', metadata: { region: 'eu' } },
      { id: 'm2', text: 'idle VM batch-7 in europe-west1 was kept: a human rejected stopping it', metadata: { region: 'eu' } },
      { id: 'm3', text: 'certificate api.example.com expires in 12 days', metadata: { region: 'us' } },
    ]) {
      await runner('vector/upsert', { items: [item] });
    }
    await runner('episodes', { saw: '3 idle VMs in europe-west1', did: 'proposed stopping 3', outcome: 'partial', metadata: {} });
    await expectBackstop(ws.id, installId, 'v_m1');
    await expectBackstop(ws.id, installId, `e_${runId}`);
    const agents = await runner('vector/search', { query: 'idle VM stopped in europe-west1', k: 2, filter: { region: 'eu' } });

    // The summary: per level, from the counters; the space, the retention and quota of the plan.
    const summary = await rest('GET');
    expect(summary.status, JSON.stringify(summary.body)).toBe(200);
    expect(summary.body).toMatchObject({
      installId,
      levels: {
        task: { items: 3, writes: 3, hitRate: null },
        vector: { items: 3, writes: 3, searches: 1, searchHits: 1, hitRate: 1, reads: 2 },
        episode: { items: 1, writes: 1 },
      },
      total: { items: 7 },
      embeddingSpace: { model: expect.any(String), dimensions: expect.any(Number) },
      retentionDays: { task: 90, vector: 180, episode: 365 },
      quota: { maxItems: 2000 },
      purgeAt: null,
    });
    expect(summary.body.levels.task.bytes).toBeGreaterThan(0);

    // Task keys by prefix, a page at a time, with their values.
    const page1 = await rest('GET', `/task?prefix=${encodeURIComponent('baselines/')}&limit=1`);
    expect(page1.status, JSON.stringify(page1.body)).toBe(200);
    expect(page1.body.items).toEqual([{ key: 'baselines/gcp/europe-west1', value: { daily: 1200 }, version: 1, updatedAt: expect.any(String) }]);
    const page2 = await rest('GET', `/task?prefix=${encodeURIComponent('baselines/')}&limit=1&cursor=${encodeURIComponent(page1.body.nextCursor)}`);
    expect({ keys: page2.body.items.map((i: { key: string }) => i.key), next: page2.body.nextCursor }).toEqual({ keys: ['baselines/gcp/us-central1'], next: null });
    expect(codeOf(await rest('GET', '/task?cursor=garbage'))).toBe('memory_invalid_cursor');

    // Vector memories newest first, paged; episodes.
    const v1 = await rest('GET', '/vector?limit=2');
    expect(v1.body.items.map((i: { id: string }) => i.id)).toEqual(['m3', 'm2']);
    expect(v1.body.items[0]).toEqual({ id: 'm3', text: 'certificate api.example.com expires in 12 days', metadata: { region: 'us' }, updatedAt: expect.any(String) });
    const v2 = await rest('GET', `/vector?limit=2&cursor=${encodeURIComponent(v1.body.nextCursor)}`);
    expect({ ids: v2.body.items.map((i: { id: string }) => i.id), next: v2.body.nextCursor }).toEqual({ ids: ['m1'], next: null });
    expect((await rest('GET', '/vector?cursor=garbage')).status).toBe(400);
    const episodes = await rest('GET', '/episodes');
    expect(episodes.body).toEqual({ items: [expect.objectContaining({ runId, saw: '3 idle VMs in europe-west1', did: 'proposed stopping 3', outcome: 'partial' })], nextCursor: null });

    // A search by meaning from the API finds what the agent's finds, with the same scores; and it is not counted as the agent's.
    const search = await rest('POST', '/vector/search', { query: 'idle VM stopped in europe-west1', k: 2, filter: { region: 'eu' } });
    expect(search.status, JSON.stringify(search.body)).toBe(200);
    expect(search.body.results).toEqual(agents.results);
    expect((await rest('GET')).body.levels.vector.searches).toBe(1);

    // Forget one key (its / percent-encoded), one vector, one episode: the agent no longer sees them.
    const forgotKey = await rest('DELETE', `/task/${encodeURIComponent('baselines/gcp/europe-west1')}`);
    expect({ status: forgotKey.status, body: forgotKey.body }).toEqual({ status: 200, body: { deleted: true } });
    expect((await rest('DELETE', `/task/${encodeURIComponent('baselines/gcp/europe-west1')}`)).body).toEqual({ deleted: false });
    expect(await runner('task/get', { key: 'baselines/gcp/europe-west1' })).toEqual({ item: null });
    // At the function itself: Hosting would resolve a decoded `../` before the API saw it.
    for (const bad of ['..%2Fetc', '%2Fabs', 'a%20b']) {
      const r = await call('DELETE', `${base}/task/${bad}`, { token: ws.owner.idToken, base: urls.functionsApi });
      expect({ bad, status: r.status, code: codeOf(r) }).toEqual({ bad, status: 400, code: 'invalid_path' });
    }
    expect((await rest('DELETE', '/vector/m1')).body).toEqual({ deleted: true });
    expect((await runner('vector/search', { query: 'idle VM web-1 in europe-west1 was stopped after approval', k: 5 })).results.map((r: { id: string }) => r.id)).not.toContain('m1');
    expect((await rest('DELETE', `/episodes/${runId}`)).body).toEqual({ deleted: true });
    expect((await runner('episodes/search', { k: 5 })).episodes).toEqual([]);
    const after = (await rest('GET')).body;
    expect({ task: after.levels.task.items, vector: after.levels.vector.items, episode: after.levels.episode.items }).toEqual({ task: 2, vector: 2, episode: 0 });

    // The export: every memory, no embedding anywhere.
    const exported = await rest('GET', '/export');
    expect(exported.status, JSON.stringify(exported.body)).toBe(200);
    expect(exported.body).toMatchObject({ install: { id: installId, wsId: ws.id, agentId }, exportedAt: expect.any(String), episodes: [], nextCursor: null });
    expect(exported.body.task.map((t: { key: string }) => t.key).sort()).toEqual(['baselines/gcp/us-central1', 'rejected:vm-1']);
    expect(exported.body.task).toContainEqual({ key: 'rejected:vm-1', value: true, version: 1, updatedAt: expect.any(String) });
    expect(exported.body.vector.map((v: { id: string }) => v.id).sort()).toEqual(['m2', 'm3']);
    expect(JSON.stringify(exported.body)).not.toMatch(/embedding/i);
    expect(Object.keys(exported.body.vector[0]).sort()).toEqual(['id', 'metadata', 'text', 'updatedAt']);
  });

  it('forgets everything in bounded batches; then the agent finds nothing and the counters start again', { timeout: 120_000 }, async () => {
    const ws = await newWorkspace();
    const { installId, runner, rest } = await installWithRun(ws);
    await runner('task/put', { key: 'k', value: 1 });
    await runner('vector/upsert', { items: [{ id: 'x', text: 'install remembers this', metadata: {} }] });
    await runner('episodes', { saw: 'a', did: 'b', outcome: 'succeeded', metadata: {} });
    // Volume beyond one batch, written where the store keeps task keys (the runner API would take minutes).
    const now = new Date();
    for (let b = 0; b < 3; b++) {
      const batch = adminDb.batch();
      for (let i = 0; i < 350; i++) {
        const key = `bulk/${b}-${String(i).padStart(3, '0')}`;
        batch.set(memoryDoc(ws.id, installId, taskDoc(key)), { level: 'task', key, json: JSON.stringify({ i }), version: 1, bytes: 7, updatedAt: now });
      }
      await batch.commit();
    }

    // The export holds all 1,053 items over pages of at most 500, with no embedding.
    const seen = { task: 0, vector: 0, episodes: 0 };
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await rest('GET', `/export${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(r.status, JSON.stringify(r.body).slice(0, 500)).toBe(200);
      expect(r.body.task.length + r.body.vector.length + r.body.episodes.length).toBeLessThanOrEqual(500);
      expect(JSON.stringify(r.body)).not.toMatch(/embedding/i);
      seen.task += r.body.task.length;
      seen.vector += r.body.vector.length;
      seen.episodes += r.body.episodes.length;
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect({ seen, pages }).toEqual({ seen: { task: 1051, vector: 1, episodes: 1 }, pages: 3 });

    // Only people forget: a viewer reads, but may not forget (403), neither one item nor all.
    const viewer = await addMember(ws, 'viewer');
    expect((await rest('GET', '', undefined, viewer.idToken)).status).toBe(200);
    for (const path of ['', '/vector/x', '/task/k', `/episodes/${randomBytes(8).toString('hex')}`]) {
      const r = await rest('DELETE', path, undefined, viewer.idToken);
      expect({ path, status: r.status, code: codeOf(r) }).toEqual({ path, status: 403, code: 'insufficient_role' });
    }

    const calls: { deleted: number; more: boolean }[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await rest('DELETE');
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      calls.push(r.body);
      if (!r.body.more) break;
    }
    expect(calls).toEqual([{ deleted: 500, more: true }, { deleted: 500, more: true }, { deleted: 53, more: false }]);
    // The counters and the embedding space went with the last item (the agent's next vector call starts a new space).
    const summary = (await rest('GET')).body;
    expect({ total: summary.total, space: summary.embeddingSpace }).toMatchObject({ total: { items: 0, bytes: 0, writes: 0, searches: 0 }, space: null });
    expect((await runner('vector/search', { query: 'install remembers this', k: 5 })).results).toEqual([]);
    expect((await runner('task/list', { prefix: '', limit: 10 })).items).toEqual([]);
    expect((await runner('episodes/search', { query: 'a', k: 5 })).episodes).toEqual([]);
    // Again on nothing: nothing to delete, nothing more.
    expect((await rest('DELETE')).body).toEqual({ deleted: 0, more: false });
  });

  it("another workspace's install is not found", { timeout: 60_000 }, async () => {
    const [ws, other] = await Promise.all([newWorkspace(), newWorkspace()]);
    const { installId, runner } = await installWithRun(ws);
    await runner('task/put', { key: 'secret-plan', value: 'a' });
    for (const [method, path, body] of [
      ['GET', '', undefined],
      ['GET', '/task', undefined],
      ['GET', '/export', undefined],
      ['DELETE', '', undefined],
      ['DELETE', '/task/secret-plan', undefined],
      ['PUT', '/retention', { retentionDays: { task: 1 } }],
    ] as const) {
      const r = await call(method, `/workspaces/${other.id}/installs/${installId}/memory${path}`, { token: other.owner.idToken, body });
      expect({ method, path, status: r.status, code: codeOf(r) }).toEqual({ method, path, status: 404, code: 'install_not_found' });
    }
    expect((await runner('task/get', { key: 'secret-plan' })).item).toMatchObject({ value: 'a' });
    // The other workspace set nothing on this install.
    expect((await call('GET', `/workspaces/${ws.id}/installs/${installId}/memory`, { token: ws.owner.idToken })).body.retentionOverrides).toEqual({});
  });
});

describe('the workspace metrics', () => {
  it("show each install's memory: items, bytes, hit rate of the agent's searches", { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const { installId, runId, token, runner, rest } = await installWithRun(ws);
    await runner('task/put', { key: 'a', value: 1 });
    await runner('vector/upsert', { items: [{ id: 'x', text: 'idle VM web-1', metadata: {} }, { id: 'y', text: 'certificate expiry', metadata: {} }] });
    await runner('vector/search', { query: 'idle VM web-1', k: 1, minScore: 0.9 });
    await runner('vector/search', { query: 'quarterly revenue of the bakery', k: 1, minScore: 0.99 });
    // A finished run puts the install in the metrics.
    for (const [path, body] of [['started', undefined], ['complete', { outcome: 'succeeded' }]] as const) {
      const r = await call('POST', `/runner/runs/${runId}/${path}`, { token, body });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    const deadline = Date.now() + 15_000;
    let entry: { memory: unknown } | undefined;
    while (!entry && Date.now() < deadline) {
      const metrics = await call('GET', `/workspaces/${ws.id}/metrics`, { token: ws.owner.idToken });
      expect(metrics.status, JSON.stringify(metrics.body)).toBe(200);
      entry = metrics.body.installs.find((i: { installId: string }) => i.installId === installId);
      if (!entry) await new Promise((r) => setTimeout(r, 250));
    }
    expect(entry?.memory).toEqual({ items: 3, bytes: expect.any(Number), hitRate: 0.5, evictions: 0, readsPerRun: 1, writesPerRun: 3 });
    // One run ended with memory declared: its writes (a key, two memories) and reads (one search hit) per run.
    const summary = (await rest('GET')).body;
    expect({ runs: summary.runs, perRun: summary.perRun }).toEqual({ runs: 1, perRun: { reads: 1, writes: 3 } });
  });
});

describe('the retention sweep', () => {
  it('deletes only what is past its level’s retention, counting expirations', { timeout: 120_000 }, async () => {
    const ws = await newWorkspace();
    const { installId, runId, runner, rest } = await installWithRun(ws);
    for (const key of ['old', 'fresh']) await runner('task/put', { key, value: key });
    await runner('vector/upsert', { items: ['v-old', 'v-mid', 'v-fresh'].map((id) => ({ id, text: `memory ${id}`, metadata: {} })) });
    await runner('episodes', { saw: 'a', did: 'b', outcome: 'succeeded', metadata: {} });
    // Task: 90 days; vector: 180; episode: 365. v-mid is past the task retention, not the vector one.
    await age(ws.id, installId, taskDoc('old'), 91);
    await age(ws.id, installId, taskDoc('fresh'), 89);
    await age(ws.id, installId, 'v_v-old', 181);
    await age(ws.id, installId, 'v_v-mid', 100);
    await age(ws.id, installId, `e_${runId}`, 300);

    const swept = await sweepUntilDone();
    expect(swept.expired).toBeGreaterThanOrEqual(2);
    expect((await runner('task/list', { prefix: '', limit: 10 })).items.map((i: { key: string }) => i.key)).toEqual(['fresh']);
    expect((await rest('GET', '/vector')).body.items.map((i: { id: string }) => i.id).sort()).toEqual(['v-fresh', 'v-mid']);
    expect((await rest('GET', '/episodes')).body.items).toHaveLength(1);
    const summary = (await rest('GET')).body;
    expect({
      task: [summary.levels.task.items, summary.levels.task.expirations],
      vector: [summary.levels.vector.items, summary.levels.vector.expirations],
      episode: [summary.levels.episode.items, summary.levels.episode.expirations],
    }).toEqual({ task: [1, 1], vector: [2, 1], episode: [1, 0] });
  });

  it('follows an install’s retention: shortened, older items go; lengthened again, the survivors stay; beyond the plan, refused', { timeout: 120_000 }, async () => {
    const ws = await newWorkspace();
    const { installId, runner, rest } = await installWithRun(ws);
    for (const key of ['d5', 'd20', 'd60']) await runner('task/put', { key, value: key });
    // Written 5, 20 and 60 days ago, stamped with the default 90 days.
    await age(ws.id, installId, taskDoc('d5'), 5);
    await age(ws.id, installId, taskDoc('d20'), 20);
    await age(ws.id, installId, taskDoc('d60'), 60);

    // Beyond the free plan's maximum: refused with the field named; nothing changes.
    const over = await rest('PUT', '/retention', { retentionDays: { vector: 181 } });
    expect({ status: over.status, code: codeOf(over) }).toEqual({ status: 400, code: 'memory_retention_over_plan' });
    for (const bad of [{ retentionDays: { task: 0 } }, { retentionDays: { task: 1.5 } }, { retentionDays: { tasks: 3 } }, {}]) {
      const r = await rest('PUT', '/retention', bad);
      expect({ bad, status: r.status }).toEqual({ bad, status: 400 });
    }
    const viewer = await addMember(ws, 'viewer');
    expect((await rest('PUT', '/retention', { retentionDays: { task: 10 } }, viewer.idToken)).status).toBe(403);

    // Shortened to 10 days: the sweep restamps, then deletes what is older.
    const set = await rest('PUT', '/retention', { retentionDays: { task: 10 } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toMatchObject({ retentionDays: { task: 10, vector: 180, episode: 365 }, retentionOverrides: { task: 10 }, maxRetentionDays: { task: 90, vector: 180, episode: 365 } });
    const first = await sweepUntilDone();
    expect(first.expired).toBeGreaterThanOrEqual(2);
    expect((await runner('task/list', { prefix: '', limit: 10 })).items.map((i: { key: string }) => i.key)).toEqual(['d5']);
    expect((await memoryDoc(ws.id, installId, taskDoc('d5')).get()).get('expiresAt').toMillis()).toBeLessThan(Date.now() + 6 * DAY);
    // A new write is stamped with the install's retention.
    await runner('task/put', { key: 'new', value: 1 });
    const stamped = (await memoryDoc(ws.id, installId, taskDoc('new')).get()).get('expiresAt').toMillis();
    expect(Math.abs(stamped - (Date.now() + 10 * DAY))).toBeLessThan(5 * 60_000);
    await expectBackstop(ws.id, installId, taskDoc('new'));

    // Back to the default: the item is kept for 90 days from its write again.
    const reset = await rest('PUT', '/retention', { retentionDays: { task: null } });
    expect(reset.body).toMatchObject({ retentionDays: { task: 90 }, retentionOverrides: {} });
    await sweepUntilDone();
    const d5 = (await memoryDoc(ws.id, installId, taskDoc('d5')).get()).get('expiresAt').toMillis();
    expect(Math.abs(d5 - (Date.now() + 85 * DAY))).toBeLessThan(5 * 60_000);
    await expectBackstop(ws.id, installId, taskDoc('d5'));
    expect((await rest('GET')).body.levels.task).toMatchObject({ items: 2, expirations: 2 });
  });

  it('judges an item by its install’s retention now, not by the stamp it was written with', { timeout: 120_000 }, async () => {
    const ws = await newWorkspace();
    const { installId, runner } = await installWithRun(ws);
    await runner('task/put', { key: 'kept', value: 1 });
    // Stamped long ago with a 30-day retention that the install no longer has: expired by its stamp, not by the default.
    await age(ws.id, installId, taskDoc('kept'), 40, 30);
    await sweepUntilDone();
    const doc = await memoryDoc(ws.id, installId, taskDoc('kept')).get();
    expect(doc.exists).toBe(true);
    expect(Math.abs(doc.get('expiresAt').toMillis() - (Date.now() + 50 * DAY))).toBeLessThan(5 * 60_000);
    await expectBackstop(ws.id, installId, taskDoc('kept'));
  });

  it('judges the items of an install whose workspace is gone by the defaults, instead of leaving them at the head of the sweep', { timeout: 120_000 }, async () => {
    const ws = await newWorkspace();
    const { installId, runner } = await installWithRun(ws);
    await runner('task/put', { key: 'orphan-old', value: 1 });
    await runner('task/put', { key: 'orphan-fresh', value: 2 });
    await age(ws.id, installId, taskDoc('orphan-old'), 91);
    await age(ws.id, installId, taskDoc('orphan-fresh'), 10, 5);
    await adminDb.doc(`workspaces/${ws.id}`).delete();
    await sweepUntilDone();
    expect((await memoryDoc(ws.id, installId, taskDoc('orphan-old')).get()).exists).toBe(false);
    const fresh = await memoryDoc(ws.id, installId, taskDoc('orphan-fresh')).get();
    expect(fresh.exists).toBe(true);
    expect(Math.abs(fresh.get('expiresAt').toMillis() - (Date.now() + 80 * DAY))).toBeLessThan(5 * 60_000);
  });

  it("purges an uninstalled install's memory after the grace period, not before", { timeout: 120_000 }, async () => {
    const ws = await newWorkspace();
    const { installId, runner, rest } = await installWithRun(ws);
    await runner('task/put', { key: 'k', value: 1 });
    await runner('vector/upsert', { items: [{ id: 'x', text: 'remember me', metadata: {} }] });
    await runner('vector/search', { query: 'remember', k: 1 });
    expect((await call('DELETE', `/workspaces/${ws.id}/installs/${installId}`, { token: ws.owner.idToken })).status).toBe(204);

    // Within the grace period the customer still sees (and could export or erase) it, with the purge date.
    const summary = await rest('GET');
    expect(summary.status).toBe(200);
    const purgeAt = Date.parse(summary.body.purgeAt);
    expect(Math.abs(purgeAt - (Date.now() + 30 * DAY))).toBeLessThan(5 * 60_000);
    await sweepUntilDone();
    expect((await rest('GET', '/task')).body.items).toHaveLength(1);

    // Past it: all gone, counters included, and the install is no longer due.
    await adminDb.doc(`workspaces/${ws.id}/installs/${installId}`).update({ memoryPurgeAt: new Date(Date.now() - 60_000) });
    const swept = await sweepUntilDone();
    expect(swept.purged).toBeGreaterThanOrEqual(2);
    expect((await adminDb.collection(`workspaces/${ws.id}/installs/${installId}/memory`).get()).size).toBe(0);
    expect((await adminDb.doc(`workspaces/${ws.id}/installs/${installId}/internal/memory`).get()).exists).toBe(false);
    const left = (await adminDb.collection(`workspaces/${ws.id}/installs/${installId}/internal`).get()).docs.map((d) => d.id);
    expect(left.filter((id) => id.startsWith('memory'))).toEqual([]);
    expect((await adminDb.doc(`workspaces/${ws.id}/installs/${installId}`).get()).get('memoryPurgeAt')).toBeNull();
    const gone = await rest('GET');
    expect({ status: gone.status, code: codeOf(gone) }).toEqual({ status: 404, code: 'install_not_found' });
  });
});

describe('the quota', () => {
  it('evicts the least recently used memories to make room, counting evictions; refuses an item larger than the quota', { timeout: 120_000 }, async () => {
    const ws = await newWorkspace();
    // A platform admin's override of the plan's quota: 4 items per install.
    await adminDb.doc(`workspaces/${ws.id}`).update({ quotas: { memoryItems: 4, memoryBytes: 64 * 1024 } });
    const { installId, runId, token, runner, rest } = await installWithRun(ws);
    for (const key of ['a', 'b', 'c', 'd']) await runner('task/put', { key, value: key });
    // Used a day or more apart: b the least recently, a read since then (a read touches at most once a day).
    const ago = (days: number) => new Date(Date.now() - days * DAY);
    await memoryDoc(ws.id, installId, taskDoc('a')).update({ lastAccessAt: ago(4) });
    await memoryDoc(ws.id, installId, taskDoc('b')).update({ lastAccessAt: ago(3) });
    await memoryDoc(ws.id, installId, taskDoc('c')).update({ lastAccessAt: ago(2) });
    await memoryDoc(ws.id, installId, taskDoc('d')).update({ lastAccessAt: ago(2) });
    expect((await runner('task/get', { key: 'a' })).item).toMatchObject({ value: 'a' });
    expect(Date.now() - (await memoryDoc(ws.id, installId, taskDoc('a')).get()).get('lastAccessAt').toMillis()).toBeLessThan(60_000);

    // A fifth item: b goes (least recently used), not a (just read), nor the item written.
    await runner('task/put', { key: 'e', value: 'e' });
    const keys = async () => (await runner('task/list', { prefix: '', limit: 10 })).items.map((i: { key: string }) => i.key);
    expect(await keys()).toEqual(['a', 'c', 'd', 'e']);
    // A vector upsert of two: two more go (c and d tie on last use: in level then id order).
    await runner('vector/upsert', { items: [{ id: 'v1', text: 'first', metadata: {} }, { id: 'v2', text: 'second', metadata: {} }] });
    expect(await keys()).toEqual(['a', 'e']);
    // Rewriting an item in place needs no room.
    await runner('task/put', { key: 'a', value: 'again' });
    expect(await keys()).toEqual(['a', 'e']);
    const summary = (await rest('GET')).body;
    expect(summary.quota).toEqual({ maxItems: 4, maxBytes: 64 * 1024 });
    expect({ items: summary.total.items, evictions: summary.levels.task.evictions }).toEqual({ items: 4, evictions: 3 });

    // Larger than the whole quota: refused, nothing evicted.
    const items = Array.from({ length: 10 }, (_, n) => ({ id: `big${n}`, text: `${n} ${'x'.repeat(8000)}`, metadata: {} }));
    const huge = await call('POST', `/runner/runs/${runId}/memory/vector/upsert`, { token, body: { items } });
    expect({ status: huge.status, code: codeOf(huge) }).toEqual({ status: 413, code: 'memory_quota_exceeded' });
    expect(await keys()).toEqual(['a', 'e']);
    expect((await rest('GET')).body.total.items).toBe(4);
  });
});
