import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Stack } from '../lib/stack.ts';
import { repoRoot } from '../lib/stack.ts';
import { json, signedInWorkspace } from './client.ts';
import { FirestoreMeter, type Usage } from './firestoreMeter.ts';
import { fmt, median, percentile, ratio } from './stats.ts';

/**
 * Agent memory (docs/memory.md, issue 25), on the bench stack, for ONE install holding
 * `items` vector memories (10,000 by default):
 * - vector search p50/p95 through the runner API (`POST …/memory/vector/search`: plain, with a
 *   metadata filter, with minScore), the same call through the platform's router in this process
 *   (no HTTP, no Functions emulator), and the bare operation: the same `findNearest` query sent
 *   with firebase-admin from this process, its query vector already embedded;
 * - task memory get, put and put with expectedVersion, the same three ways, against a bare
 *   document get and a bare transactional read-then-set of a document of the same size;
 * - Firestore reads, writes, commits and calls per memory call: the platform's router and
 *   memory routes with the real adapters, in this process, on a metered client (firestoreMeter.ts),
 *   so every read and write the API makes for a call, its token check included, is counted.
 * The memories are seeded through the runner API (20 per upsert, `seedConcurrency` at once), or
 * with BENCH_MEMORY_SEED=inprocess through the same router in this process: the same documents,
 * counters and embedding space either way.
 */
export interface MemoryBenchOptions {
  items: number;
  samples: number;
  seedConcurrency: number;
  seed: 'api' | 'inprocess';
}

export interface LatencyFigure {
  p50: number;
  p95: number;
}

export interface MemoryFigures {
  items: number;
  samples: number;
  seed: { via: MemoryBenchOptions['seed']; seconds: number; itemsPerSecond: number; upsertsPerSecond: number; upsert20: LatencyFigure };
  /** Per operation: through the runner API (HTTP), through the router in this process, and the bare Firestore operation; results per call. */
  latency: Record<string, { http: LatencyFigure; inProcess: LatencyFigure; bare: LatencyFigure; bareOp: string; results: number | null }>;
  /** Per memory call: what the API made Firestore do. */
  firestore: Record<string, Usage & { results: number | null }>;
}

const WARMUP = 3;

// Deterministic synthetic memories: an ops agent's notes about cloud resources.
const RESOURCES = ['VM', 'disk', 'bucket', 'database', 'cluster', 'load balancer', 'certificate', 'IP address'];
const VERBS = ['stopped', 'kept', 'resized', 'snapshotted', 'flagged', 'deleted', 'restarted', 'tagged'];
const REGIONS = ['europe-west1', 'us-central1', 'asia-east1', 'us-east4', 'australia-southeast1'];
const REASONS = [
  'idle for 14 days',
  'a human rejected stopping it',
  'cost spiked 40 percent this week',
  'the owner is on leave',
  'CPU under 2 percent for a month',
  'it is tagged as production',
  'its certificate expires in 12 days',
  'unattached for 30 days',
  'the budget alert fired',
  'nightly batch job finished early',
];
const NAMES = ['web', 'batch', 'db', 'cache', 'api', 'etl', 'ml', 'build', 'edge', 'queue'];

function memoryItem(i: number) {
  // A small LCG keeps the mix deterministic but not in lockstep with i.
  const r = (salt: number) => Math.floor(((Math.imul(i + 1, 2654435761) ^ Math.imul(salt, 40503)) >>> 0) / 2 ** 32 * 1_000_000);
  const resource = RESOURCES[r(1) % RESOURCES.length]!;
  const verb = VERBS[r(2) % VERBS.length]!;
  const region = REGIONS[r(3) % REGIONS.length]!;
  const reason = REASONS[r(4) % REASONS.length]!;
  const name = `${NAMES[r(5) % NAMES.length]}-${i}`;
  return {
    id: `m-${i}`,
    text: `${resource} ${name} in ${region} was ${verb}: ${reason}.`,
    metadata: { region, kind: verb, resource, team: `team-${r(6) % 12}`, n: i },
  };
}

const QUERIES = [
  'idle VM in europe-west1 was stopped',
  'a human rejected stopping the database',
  'bucket unattached for 30 days deleted',
  'certificate expires soon in us-central1',
  'cost spiked this week on the cluster',
  'disk snapshotted before resize',
  'load balancer restarted after the budget alert',
  'CPU under 2 percent for a month, VM kept',
];

/** A task value of about 1 KiB of JSON: a cost baseline. */
const taskValue = (n: number) => ({ currency: 'USD', updatedBy: `run-${n}`, daily: Array.from({ length: 60 }, (_, d) => Math.round(1000 + 100 * Math.sin(d + n))), note: 'baseline of compute spend per day, last 60 days' });

const figure = (xs: number[]): LatencyFigure => ({ p50: median(xs), p95: percentile(xs, 95) });

export async function benchMemory(stack: Stack, options: MemoryBenchOptions): Promise<MemoryFigures> {
  const [{ firestore }, { FirestoreCatalogStore }, { listingOf, parseManifest }, { FirestoreMemoryStore }, { LocalEmbedder }, { FirestoreRunStore }, { FirestoreInstallStore }, { FirestoreWorkspaceStore }, { createRouter }, { memoryRoutes }, { distanceThresholdFor }] =
    await Promise.all([
      import('../../functions/lib/adapters/firestore/client.js'),
      import('../../functions/lib/adapters/firestore/catalog.js'),
      import('../../functions/lib/app/catalog/publishAgent.js'),
      import('../../functions/lib/adapters/firestore/memory.js'),
      import('../../functions/lib/adapters/memory/localEmbedder.js'),
      import('../../functions/lib/adapters/firestore/runs.js'),
      import('../../functions/lib/adapters/firestore/installs.js'),
      import('../../functions/lib/adapters/firestore/workspaces.js'),
      import('../../functions/lib/api/router.js'),
      import('../../functions/lib/api/routes/memory.js'),
      import('../../functions/lib/domain/memory/vectors.js'),
    ]);
  const db = firestore();
  const api = stack.urls.api;
  const started = performance.now();

  // An agent declaring every stored level: the probe's manifest under its own id.
  const agentId = 'bench-memory';
  const yaml = readFileSync(path.join(repoRoot, 'test/fixtures/agents/probe/agent.yaml'), 'utf8')
    .replace(/^id: probe$/m, `id: ${agentId}`)
    .replace(/^name: .*$/m, 'name: Memory Bench')
    .replace(/^memory: \[task\]$/m, 'memory: [task, vector, episode]');
  if (!yaml.includes('memory: [task, vector, episode]')) throw new Error('the probe manifest changed: its memory line was not found');
  const manifest = parseManifest(yaml);
  await new FirestoreCatalogStore().publish(listingOf(manifest, new Date()), manifest, yaml);

  const { headers, wsId } = await signedInWorkspace(stack, 'bench memory');
  const install = await json(await fetch(`${api}/workspaces/${wsId}/installs`, { method: 'POST', headers, body: JSON.stringify({ agentId }) }));
  const installId = install.id as string;
  // The bench measures memory at scale, not the free plan's quota per install (2,000 items): a platform admin's override.
  const wsRef = db.doc(`workspaces/${wsId}`);
  const setQuota = async (memoryItems: number) => wsRef.update({ quotas: { ...((await wsRef.get()).get('quotas') as object | null), memoryItems, memoryBytes: 10 * 2 ** 30 } });
  await setQuota(1_000_000);

  /** A live run of the install with a runner token, as dispatch leaves it once its runner started (no watchAt: the watchdog leaves it be). */
  const liveRun = async () => {
    const runId = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const now = new Date();
    await db.doc(`workspaces/${wsId}/runs/${runId}`).set({
      id: runId, wsId, installId, agentId, agentVersion: manifest.version, state: 'running', attempt: 1, trigger: { kind: 'manual', by: 'bench' }, input: {},
      createdAt: now, updatedAt: now, startedAt: now, finishedAt: null, heartbeatAt: now, progress: null, outputs: null, error: null, eventCount: 0,
      timeoutSeconds: 300, maxAttempts: 1, backoffSeconds: 30, deadlineAt: null, watchAt: null, slots: [], redeliveries: 0, usage: null,
    });
    await db.doc(`workspaces/${wsId}/runs/${runId}/internal/runner`).set({ lease: null, executionId: 'bench', runnerTokenHash: createHash('sha256').update(secret).digest('hex'), bootstrap: null });
    return { runId, token: `rt_${wsId}_${runId}_${secret}` };
  };
  type Run = Awaited<ReturnType<typeof liveRun>>;

  // The platform's router with its memory routes and the real adapters, in this process.
  const clock = { now: () => new Date() };
  const deps = {
    clock,
    runs: new FirestoreRunStore(clock.now),
    catalog: new FirestoreCatalogStore(),
    installs: new FirestoreInstallStore(),
    workspaces: new FirestoreWorkspaceStore(),
    memory: new FirestoreMemoryStore(),
    embedder: new LocalEmbedder(),
  };
  const router = createRouter(memoryRoutes, deps as unknown as Parameters<typeof createRouter>[1], { verify: () => Promise.reject(new Error('runner tokens only')) });

  const viaHttp = async (run: Run, op: string, body: unknown): Promise<any> =>
    json(await fetch(`${stack.urls.runnerApi}/runs/${run.runId}/memory/${op}`, { method: 'POST', headers: { Authorization: `Bearer ${run.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) }));
  const inProcess = async (run: Run, op: string, body: unknown): Promise<any> => {
    const res = await router.handle({
      method: 'POST',
      path: `/v1/runner/runs/${run.runId}/memory/${op}`,
      query: {},
      headers: { authorization: `Bearer ${run.token}`, 'content-type': 'application/json' },
      rawBody: Buffer.from(JSON.stringify(body)),
    });
    if (res.status >= 300) throw new Error(`${op}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  // ---- Seed: `items` vector memories of the one install, 20 per upsert.
  const upsert = options.seed === 'api' ? viaHttp : inProcess;
  const seeder = await liveRun();
  // The Functions emulator serves one request per worker process: its pool is warmed first.
  await Promise.all(Array.from({ length: options.seedConcurrency * 2 }, () => upsert(seeder, 'task/get', { key: 'warm' })));
  const batches = Math.ceil(options.items / 20);
  const upsertTimes: number[] = [];
  let next = 0;
  const s0 = performance.now();
  await Promise.all(
    Array.from({ length: options.seedConcurrency }, async () => {
      for (let b = next++; b < batches; b = next++) {
        const items = Array.from({ length: Math.min(20, options.items - b * 20) }, (_, j) => memoryItem(b * 20 + j));
        const t = performance.now();
        await upsert(seeder, 'vector/upsert', { items });
        upsertTimes.push(performance.now() - t);
      }
    }),
  );
  const seedSeconds = (performance.now() - s0) / 1000;
  const memoryPath = `workspaces/${wsId}/installs/${installId}/memory`;
  const stored = (await db.collection(memoryPath).where('level', '==', 'vector').count().get()).data().count;
  if (stored !== options.items) throw new Error(`seeded ${stored} vector memories, expected ${options.items}`);
  const seed = { via: options.seed, seconds: seedSeconds, itemsPerSecond: options.items / seedSeconds, upsertsPerSecond: batches / seedSeconds, upsert20: figure(upsertTimes) };

  console.log(`\n== Agent memory: one install with ${options.items.toLocaleString('en')} vector memories (local embedder, 256 dimensions) ==`);
  console.log(
    `  seeded through ${options.seed === 'api' ? 'the runner API' : 'the router in this process'}: ${batches} upserts of 20, ${options.seedConcurrency} at once, in ${seedSeconds.toFixed(1)} s = ${seed.itemsPerSecond.toFixed(0)} memories/s; one upsert of 20 p50 ${fmt(seed.upsert20.p50)} p95 ${fmt(seed.upsert20.p95)}`,
  );
  console.log(`    (each upsert also increments the install's counters document installs/{id}/internal/memory: ${seed.upsertsPerSecond.toFixed(1)} writes/s to that one document while seeding)`);

  // ---- Latency: through the runner API, through the router in this process, and the bare operation, alternating.
  const run = await liveRun();
  const embedder = new LocalEmbedder();
  const latency: MemoryFigures['latency'] = {};
  const measure = async (name: string, bareOp: string, ops: { http: () => Promise<number | null>; inProcess: () => Promise<unknown>; bare: () => Promise<unknown> }) => {
    const times = { http: [] as number[], inProcess: [] as number[], bare: [] as number[] };
    let results: number | null = null;
    for (let i = 0; i < WARMUP + options.samples; i++) {
      for (const way of ['http', 'inProcess', 'bare'] as const) {
        const t = performance.now();
        const out = await ops[way]();
        const ms = performance.now() - t;
        if (way === 'http' && typeof out === 'number') results = (results ?? 0) + out;
        if (i >= WARMUP) times[way].push(ms);
      }
    }
    latency[name] = { http: figure(times.http), inProcess: figure(times.inProcess), bare: figure(times.bare), bareOp, results: results === null ? null : results / (WARMUP + options.samples) };
  };

  const vectors = db.collection(memoryPath).where('level', '==', 'vector');
  const queryVectors = await embedder.embed(QUERIES);
  /** What FirestoreMemoryStore.nearest sends for a search: the same query, built here. */
  const bareNearest = (q: number, k: number, filter: Record<string, string>, minScore: number) => {
    let query = vectors;
    for (const [key, v] of Object.entries(filter)) query = query.where(`metadata.${key}`, '==', v);
    const maxDistance = minScore > 0 ? distanceThresholdFor(minScore) : undefined;
    return query
      .findNearest({ vectorField: 'embedding', queryVector: queryVectors[q]!, limit: k, distanceMeasure: 'COSINE', distanceResultField: '_distance', ...(maxDistance !== undefined ? { distanceThreshold: maxDistance } : {}) })
      .get();
  };
  const searches: Array<[string, { k: number; filter: Record<string, string>; minScore: number }]> = [
    ['vector search, k 10', { k: 10, filter: {}, minScore: 0 }],
    ['vector search, k 10, filter region', { k: 10, filter: { region: 'europe-west1' }, minScore: 0 }],
    ['vector search, k 10, minScore 0.75', { k: 10, filter: {}, minScore: 0.75 }],
  ];
  for (const [name, s] of searches) {
    let qi = 0;
    let qb = 0;
    let qp = 0;
    await measure(name, 'findNearest', {
      http: async () => (await viaHttp(run, 'vector/search', { query: QUERIES[qi++ % QUERIES.length], ...s })).results.length as number,
      inProcess: () => inProcess(run, 'vector/search', { query: QUERIES[qp++ % QUERIES.length], ...s }),
      bare: () => bareNearest(qb++ % QUERIES.length, s.k, s.filter, s.minScore),
    });
  }

  // Task memory: a ~1 KiB value; the bare twins are a document of the same size.
  const bareRef = db.collection('benchMemoryBare').doc(`${wsId}-task`);
  const taskDocRef = (key: string) => db.collection(memoryPath).doc(`t_${Buffer.from(key).toString('base64url')}`);
  await viaHttp(run, 'task/put', { key: 'baselines/read', value: taskValue(0) });
  const template = (await taskDocRef('baselines/read').get()).data()!;
  await bareRef.set(template);
  const docBytes = JSON.stringify(template).length;
  let n = 0;
  await measure('task get', 'document get', {
    http: async () => ((await viaHttp(run, 'task/get', { key: 'baselines/read' })).item ? 1 : 0),
    inProcess: () => inProcess(run, 'task/get', { key: 'baselines/read' }),
    bare: () => taskDocRef('baselines/read').get(),
  });
  const bareTransactionalSet = () =>
    db.runTransaction(async (tx) => {
      const snap = await tx.get(bareRef);
      const version = Number(snap.get('version') ?? 0) + 1;
      tx.set(bareRef, { ...template, json: JSON.stringify(taskValue(++n)), version, updatedAt: new Date() });
    });
  await measure('task put', 'transaction: get + set', {
    http: async () => (await viaHttp(run, 'task/put', { key: 'baselines/lww', value: taskValue(++n) }), null),
    inProcess: () => inProcess(run, 'task/put', { key: 'baselines/lww', value: taskValue(++n) }),
    bare: bareTransactionalSet,
  });
  let version: number | null = null;
  const cas = async (call: typeof viaHttp) => {
    const out = await call(run, 'task/put', { key: 'baselines/cas', value: taskValue(++n), expectedVersion: version });
    version = out.version as number;
    return null;
  };
  await measure('task put, expectedVersion', 'transaction: get + set', { http: () => cas(viaHttp), inProcess: () => cas(inProcess), bare: bareTransactionalSet });

  // ---- Firestore reads and writes per call: the router in this process on a metered client.
  const meter = new FirestoreMeter(db);
  const counted: MemoryFigures['firestore'] = {};
  const count = async (name: string, run: Run, op: string, body: unknown, results?: (out: any) => number) => {
    const m = await meter.measure(() => inProcess(run, op, body));
    if (m.error !== undefined) throw m.error;
    counted[name] = { ...m.usage, results: results ? results(m.result) : null };
  };
  const metered = await liveRun();
  // Ten earlier runs of the install recorded their episodes (episode search has something to find).
  for (let e = 0; e < 10; e++) {
    await inProcess(await liveRun(), 'episodes', { saw: `${3 + e} idle VMs in ${REGIONS[e % REGIONS.length]}`, did: `proposed stopping ${e % 4}, ${e % 2} rejected by a human`, outcome: e % 3 ? 'succeeded' : 'partial', metadata: { proposals: e % 4 } });
  }
  const fresh = (k: number, from: number) => Array.from({ length: k }, (_, j) => memoryItem(options.items + from + j));
  const hits = (out: any) => (out.results ?? out.episodes ?? []).length as number;
  await count('task get (key exists)', metered, 'task/get', { key: 'baselines/read' });
  await count('task get (no such key)', metered, 'task/get', { key: 'baselines/none' });
  await count('task put (new key)', metered, 'task/put', { key: 'bench/new', value: taskValue(1) });
  await count('task put (existing key)', metered, 'task/put', { key: 'bench/new', value: taskValue(2) });
  await count('task put, expectedVersion', metered, 'task/put', { key: 'bench/new', value: taskValue(3), expectedVersion: 2 });
  await count('vector upsert of 1 (new)', metered, 'vector/upsert', { items: fresh(1, 0) });
  await count('vector upsert of 1 (replace)', metered, 'vector/upsert', { items: fresh(1, 0) });
  await count('vector upsert of 20 (new)', metered, 'vector/upsert', { items: fresh(20, 1) });
  await count('vector upsert of 20 (replace)', metered, 'vector/upsert', { items: fresh(20, 1) });
  for (const [name, s] of searches) await count(name, metered, 'vector/search', { query: QUERIES[0], ...s }, hits);
  await count('episode record', metered, 'episodes', { saw: '3 idle VMs in europe-west1', did: 'proposed stopping 3, 1 rejected by a human', outcome: 'partial', metadata: { proposals: 3 } });
  await count('episode record (again, same run)', metered, 'episodes', { saw: '3 idle VMs in europe-west1', did: 'proposed stopping 3, 2 rejected by a human', outcome: 'partial', metadata: { proposals: 3 } });
  await count('episode search, query, k 5', metered, 'episodes/search', { query: 'idle VMs in europe-west1', k: 5 }, hits);
  await count('episode search, newest, k 5', metered, 'episodes/search', { k: 5 }, hits);

  // Reads record an item's last access at most once a day: items last read two days ago.
  const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
  await taskDocRef('baselines/read').update({ lastAccessAt: twoDaysAgo });
  await count('task get, last read 2 days ago', metered, 'task/get', { key: 'baselines/read' });
  const stale = { query: QUERIES[1], k: 10, filter: {}, minScore: 0 };
  const staleBatch = db.batch();
  for (const r of (await inProcess(metered, 'vector/search', stale)).results as { id: string }[]) staleBatch.update(db.collection(memoryPath).doc(`v_${r.id}`), { lastAccessAt: twoDaysAgo });
  await staleBatch.commit();
  await count('vector search, k 10, hits last read 2 days ago', metered, 'vector/search', stale, hits);

  // At the install's quota: each new item evicts the least recently used one.
  const internalRef = db.doc(`workspaces/${wsId}/installs/${installId}/internal/memory`);
  const totalOf = async (counter: string) => {
    const stats = ((await internalRef.get()).get('stats') ?? {}) as Record<string, Record<string, number> | undefined>;
    return ['task', 'vector', 'episode'].reduce((sum, level) => sum + (stats[level]?.[counter] ?? 0), 0);
  };
  await setQuota(await totalOf('items'));
  const atQuota = async (name: string, op: string, body: unknown) => {
    const before = await totalOf('evictions');
    await count(name, metered, op, body);
    counted[name]!.results = (await totalOf('evictions')) - before;
  };
  await atQuota('task put (new key), at the quota', 'task/put', { key: 'bench/at-quota', value: taskValue(4) });
  await atQuota('vector upsert of 1 (new), at the quota', 'vector/upsert', { items: fresh(1, 100) });
  await atQuota('vector upsert of 20 (new), at the quota', 'vector/upsert', { items: fresh(20, 101) });

  // ---- The tables.
  console.log(`  latency, ${options.samples} calls each after ${WARMUP} warm-up, the three ways alternating (task value ${docBytes} bytes as stored):`);
  console.log('    operation                                runner API (HTTP)      router in-process      bare Firestore op                    HTTP / bare   in-process / bare');
  console.log('                                             p50        p95         p50        p95         p50        p95');
  for (const [name, l] of Object.entries(latency)) {
    const cols = [l.http, l.inProcess, l.bare].map((f) => `${fmt(f.p50).padStart(9)} ${fmt(f.p95).padStart(10)}`).join('  ');
    const extra = l.results !== null && name.startsWith('vector') ? `   ${l.results.toFixed(1)} results` : '';
    console.log(`    ${name.padEnd(38)} ${cols}  ${l.bareOp.padEnd(24)} ${ratio(l.http.p50, l.bare.p50).padStart(7)}      ${ratio(l.inProcess.p50, l.bare.p50).padStart(7)}${extra}`);
  }
  console.log('  Firestore per memory call (the API\'s own: token check, run and manifest, embedding space, the operation, the counters):');
  console.log('    call                                            reads  writes  commits  Firestore calls  results (at the quota: items evicted)');
  for (const [name, u] of Object.entries(counted)) {
    console.log(`    ${name.padEnd(47)} ${String(u.reads).padStart(6)} ${String(u.writes).padStart(7)} ${String(u.commits).padStart(8)} ${String(u.rpcs).padStart(16)}  ${u.results === null ? '' : String(u.results).padStart(7)}`);
  }
  console.log('    (documents read as Firestore bills them; a vector search is also billed for the kNN index entries it reads, which the emulator has no index for and cannot show;');
  console.log('     Firestore calls: gets, queries, commits, BulkWriter batches and transaction begins, some of them in parallel)');
  console.log(`  the memory part took ${((performance.now() - started) / 1000).toFixed(0)} s`);

  return { items: options.items, samples: options.samples, seed, latency, firestore: counted };
}
