import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Firestore } from 'firebase-admin/firestore';
import { repoRoot, type Stack } from '../lib/stack.ts';
import { checkAdmitted } from './admissionCheck.ts';
import { admissionHarness, type Admission } from './admissionHarness.ts';
import { json, signedInWorkspace } from './client.ts';
import { fmt, median, percentile } from './stats.ts';

/** How a scenario offers triggers: a fixed rate for some seconds, or all at once. */
type Shape = { rate: number; seconds: number } | { burst: number };

interface Scenario {
  name: string;
  shape: Shape;
  limits: { runsPerMonth: number; concurrentRuns: number };
  installConcurrency: number | null;
  /** Each admitted run is cancelled this long after its admission (runs that finish); null: runs stay queued. */
  finishAfterMs: number | null;
  /** The exact outcome the limits allow, when they bind. */
  expect?: { admitted: number; code: string };
}

interface Driver {
  name: string;
  /** The document of each kind (path containing `matching`) written most within one second since `since`, when this driver sees the writes. */
  hottest?(since: number, matching: string): { path: string; perSecond: number } | undefined;
  /** How long the API itself took per trigger of this workspace (its request log), apart from the emulator's proxying and queueing. */
  serverMs?(wsId: string): number[];
  /** A dashboard load after the scenario: reads it made and what it says of the install, when this driver can tell. */
  dashboard?(wsId: string, installId: string): Promise<{ said: string; counted: Array<{ runs: number; canceled: number }> }>;
  admit(wsId: string, installId: string): Promise<Admission>;
  finish(wsId: string, runId: string): Promise<{ ms: number; ok: boolean }>;
  /** Dispatch tasks enqueued since the last call: their runs, or only how many. */
  tasksSince(): Promise<{ runIds: string[] } | { count: number }>;
}

const FAR = { runsPerMonth: 1_000_000, concurrentRuns: 100_000 };
const ENTERPRISE_CAP = { runsPerMonth: 1_000_000, concurrentRuns: 200 };

const SCENARIOS: Scenario[] = [
  ...[25, 50, 100].map((rate) => ({
    name: `${rate}/s for 10 s, each run finished 1 s after admission, workspace cap 200`,
    shape: { rate, seconds: 10 },
    limits: ENTERPRISE_CAP,
    installConcurrency: null,
    finishAfterMs: 1000,
  })),
  { name: '100/s for 10 s, runs kept queued, limits far away', shape: { rate: 100, seconds: 10 }, limits: FAR, installConcurrency: null, finishAfterMs: null },
  { name: 'burst of 200 on one install, room for all', shape: { burst: 200 }, limits: { runsPerMonth: 1_000_000, concurrentRuns: 1_000 }, installConcurrency: null, finishAfterMs: null },
  {
    name: 'burst of 200 on one install, install concurrency 20',
    shape: { burst: 200 },
    limits: { runsPerMonth: 1_000_000, concurrentRuns: 1_000 },
    installConcurrency: 20,
    finishAfterMs: null,
    expect: { admitted: 20, code: 'install_concurrency_limit' },
  },
  {
    name: 'burst of 200 on one install, 30 runs left this month',
    shape: { burst: 200 },
    limits: { runsPerMonth: 30, concurrentRuns: 1_000 },
    installConcurrency: null,
    finishAfterMs: null,
    expect: { admitted: 30, code: 'monthly_run_quota_exceeded' },
  },
];

/**
 * Run admission apart from execution: triggers accepted per second, latency per trigger, and
 * Firestore reads and writes per admission, with runs admitted and enqueued but never
 * executed. (a) In process: the real triggerRun use case and Firestore adapters against the
 * bench stack's Firestore emulator, the dispatch queue recording tasks. (b) Through the HTTP
 * API (Hosting → Functions emulator), with the Cloud Tasks emulator's queue paused as an
 * operator pauses a Cloud Tasks queue, so tasks are enqueued and held. After each scenario the
 * store is checked against the answers: nothing lost, nothing doubled.
 */
export async function benchAdmission(stack: Stack): Promise<void> {
  // BENCH_ADMISSION=in-process (or http) runs one half; BENCH_ADMISSION_SCENARIOS=burst the scenarios whose name has that.
  const half = process.env['BENCH_ADMISSION'];
  const filter = process.env['BENCH_ADMISSION_SCENARIOS'];
  const scenarios = SCENARIOS.filter((s) => !filter || s.name.includes(filter));
  const { initializeApp } = await import('firebase-admin/app');
  const { getFirestore } = await import('firebase-admin/firestore');
  const db = getFirestore(initializeApp({ projectId: stack.profile.projectId }, `bench-${randomUUID()}`));
  const harness = await admissionHarness(stack);

  console.log('\n== Run admission, execution held back ==');
  const [{ MAX_MONTH_QUOTA_SHARDS }, { ROLLUP_EVERY_MS }] = await Promise.all([import('../../functions/lib/domain/monthQuota.js'), import('../../functions/lib/domain/runMetrics.js')]);
  console.log(
    `  month quota: one shard per run of the limit, up to ${MAX_MONTH_QUOTA_SHARDS} (Firestore sustains about 1 write/s per document, so ~${MAX_MONTH_QUOTA_SHARDS} admissions/s per workspace); ` +
      `metrics: one delta per workspace concurrency slot (a slot holds one run at a time, so a delta takes one write per run it held), folded into the install's document at most every ${ROLLUP_EVERY_MS / 1000} s`,
  );
  const bare = await bareBaseline(db);
  console.log(`  baseline, bare Firestore write+read (one client, this process): sequential p50 ${fmt(bare.sequential.p50)} p95 ${fmt(bare.sequential.p95)}; offered 100/s for 10 s: p50 ${fmt(bare.at100.p50)} p95 ${fmt(bare.at100.p95)}`);

  const inProcess: Driver = {
    name: 'in-process',
    admit: (wsId, installId) => harness.admit(wsId, installId),
    finish: (wsId, runId) => harness.finish(wsId, runId),
    tasksSince: async () => ({ runIds: harness.tasks.splice(0).map((t) => t.runId) }),
    hottest: (since, matching) => harness.meter.hottest(since, 1, matching)[0],
    // Two loads: the first sums the install's document and the deltas finishing runs wrote (and folds them in), the second finds them folded.
    dashboard: async (wsId, installId) => {
      const loads = [await harness.metrics(wsId), await harness.metrics(wsId)];
      const counted = loads.map((l) => l.metrics.installs.find((i) => i.installId === installId) ?? { runs: 0, canceled: 0 });
      const says = (i: number) => `${counted[i]!.runs} runs, ${counted[i]!.canceled} canceled`;
      return {
        said: `dashboard load: ${loads[0]!.usage.reads} reads and ${loads[0]!.usage.writes} writes folding the deltas in (says ${says(0)}); again: ${loads[1]!.usage.reads} reads (says ${says(1)})`,
        counted,
      };
    },
  };
  if (half !== 'http') {
    console.log('  (a) in process: triggerRun + Firestore adapters, dispatch queue recorded');
    await warmUp(stack, db, inProcess);
    for (const s of scenarios) await runScenario(stack, db, inProcess, s);
  }
  if (half === 'in-process') return;

  const http = await httpDriver(stack);
  const healthAt = await offer(50, 10, async () => {
    const t0 = performance.now();
    await (await fetch(`${stack.urls.api}/health`)).arrayBuffer();
    return performance.now() - t0;
  });
  console.log(`  (b) HTTP API (Hosting → Functions emulator), dispatch queue paused in the Cloud Tasks emulator`);
  console.log(`    baseline, GET /v1/health offered 50/s for 10 s: p50 ${fmt(median(healthAt))} p95 ${fmt(percentile(healthAt, 95))}`);
  try {
    await warmUp(stack, db, http);
    for (const s of scenarios) await runScenario(stack, db, http, s);
  } finally {
    await http.resume();
  }
}

async function runScenario(stack: Stack, db: Firestore, driver: Driver, s: Scenario): Promise<void> {
  const { wsId, installId } = await newInstall(stack, db, s);
  await driver.tasksSince();
  const finishing: Array<Promise<{ runId: string; ms: number; ok: boolean }>> = [];
  const replies: Admission[] = [];
  const once = async () => {
    const reply = await driver.admit(wsId, installId);
    replies.push(reply);
    if (reply.runId && s.finishAfterMs !== null) {
      const runId = reply.runId;
      finishing.push(new Promise((r) => setTimeout(r, s.finishAfterMs!)).then(async () => ({ runId, ...(await driver.finish(wsId, runId)) })));
    }
    return reply.ms;
  };
  const t0 = performance.now();
  if ('rate' in s.shape) await offer(s.shape.rate, s.shape.seconds, once);
  else await Promise.all(Array.from({ length: s.shape.burst }, once));
  const seconds = (performance.now() - t0) / 1000;
  const finishes = await Promise.all(finishing);

  const admitted = replies.filter((r) => r.status === 201);
  const refused = replies.filter((r) => r.status === 429);
  const errors = replies.filter((r) => r.status !== 201 && r.status !== 429);
  const ms = replies.map((r) => r.ms);
  const problems = await checkAdmitted(
    db,
    {
      wsId,
      installId,
      admitted: admitted.map((r) => r.runId!),
      unanswered: errors.filter((e) => e.status === 0 || e.status >= 502).length,
      finished: new Set(finishes.filter((f) => f.ok).map((f) => f.runId)),
      tasks: await driver.tasksSince(),
    },
    new Date().toISOString().slice(0, 7),
  );
  const unanswered = finishes.filter((f) => !f.ok).length;
  if (s.expect) {
    const codes = new Set(refused.map((r) => r.code));
    if (admitted.length !== s.expect.admitted || refused.length !== replies.length - s.expect.admitted || codes.size !== 1 || !codes.has(s.expect.code)) {
      problems.push(`expected ${s.expect.admitted} admitted and the rest refused with ${s.expect.code}, got ${admitted.length} admitted, 429 codes ${[...codes].join(', ')}`);
    }
  }
  const used = admitted.flatMap((r) => (r.usage ? [r.usage] : []));
  const per = (k: 'reads' | 'writes' | 'failedCommits') => used.map((u) => u[k]);
  const usage = used.length
    ? `; per admission ${mean(per('reads')).toFixed(1)} reads (p95 ${percentile(per('reads'), 95)}, max ${Math.max(...per('reads'))}), ${mean(per('writes')).toFixed(1)} writes, ${mean(per('failedCommits')).toFixed(2)} lost races`
    : '';
  const refusedUsage = refused.flatMap((r) => (r.usage ? [r.usage.reads] : []));
  const shape = 'rate' in s.shape ? `${s.shape.rate * s.shape.seconds} offered` : `${s.shape.burst} at once`;
  console.log(`    ${s.name}:`);
  console.log(
    `      ${shape}: ${admitted.length} admitted (${(admitted.length / seconds).toFixed(1)}/s), ${refused.length} refused, ${errors.length} errors${errors.length ? ` (${[...new Set(errors.map((e) => `${e.status} ${e.code}`))].join(', ')})` : ''}, all answered in ${seconds.toFixed(1)} s; trigger p50 ${fmt(median(ms))} p95 ${fmt(percentile(ms, 95))}${usage}${refusedUsage.length ? `; ${mean(refusedUsage).toFixed(1)} reads per refusal` : ''}${finishes.length ? `; finish p50 ${fmt(median(finishes.map((f) => f.ms)))} p95 ${fmt(percentile(finishes.map((f) => f.ms), 95))}` : ''}`,
  );
  // The emulator writes its log a moment after answering.
  if (driver.serverMs) await new Promise((r) => setTimeout(r, 1500));
  const server = driver.serverMs?.(wsId) ?? [];
  if (server.length) console.log(`      the API's own request log: ${server.length} triggers, p50 ${fmt(median(server))} p95 ${fmt(percentile(server, 95))} (the rest of the time is the emulator proxying and queueing)`);
  const kinds = { 'month quota shard': '/shards/', 'workspace slot': '/runSlots/w', 'metrics document': '/metrics/', run: '/runs/' };
  const hottest = Object.entries(kinds).flatMap(([kind, matching]) => {
    const h = driver.hottest?.(t0, matching);
    return h ? [`${kind} ${h.perSecond} (${h.path.split('/').slice(2).join('/')})`] : [];
  });
  if (hottest.length) console.log(`      most writes to one document within one second: ${hottest.join(', ')}`);
  if (finishes.length && driver.dashboard) {
    const { said, counted } = await driver.dashboard(wsId, installId);
    console.log(`      ${said}`);
    if (counted.some((c) => c.runs !== finishes.length || c.canceled !== finishes.length)) problems.push(`the metrics do not count the ${finishes.length} finished runs exactly`);
  }
  if (unanswered) console.log(`      ${unanswered} finishes got no answer (their runs are checked as the store holds them)`);
  console.log(`      ${problems.length ? `NOT EXACT: ${problems.join('; ')}` : 'exact: the admitted runs exist, once each, with their quota and slots, and nothing else'}`);
}

/** A few seconds of triggers before anything is measured: connections, JIT, the emulator's first transactions. */
async function warmUp(stack: Stack, db: Firestore, driver: Driver): Promise<void> {
  const { wsId, installId } = await newInstall(stack, db, { ...SCENARIOS[0]!, limits: FAR });
  await offer(20, 3, async () => {
    const reply = await driver.admit(wsId, installId);
    if (reply.runId) await driver.finish(wsId, reply.runId);
    return reply.ms;
  });
  await driver.tasksSince();
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Calls `fn` at a fixed rate for `seconds` (not waiting for answers), then waits for every answer. */
async function offer(rate: number, seconds: number, fn: () => Promise<number>): Promise<number[]> {
  const t0 = performance.now();
  const calls: Array<Promise<number>> = [];
  for (let i = 0; i < rate * seconds; i++) {
    const due = t0 + (i * 1000) / rate;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    calls.push(fn());
  }
  return Promise.all(calls);
}

async function bareBaseline(db: Firestore) {
  const writeRead = async () => {
    const ref = db.collection('benchBare').doc(randomUUID());
    const t0 = performance.now();
    await ref.set({ at: new Date() });
    await ref.get();
    return performance.now() - t0;
  };
  const sequential: number[] = [];
  for (let i = 0; i < 100; i++) sequential.push(await writeRead());
  const at100 = await offer(100, 10, writeRead);
  return {
    sequential: { p50: median(sequential), p95: percentile(sequential, 95) },
    at100: { p50: median(at100), p95: percentile(at100, 95) },
  };
}

/** A fresh workspace with one deployed probe install, under the scenario's limits. */
async function newInstall(stack: Stack, db: Firestore, s: Scenario): Promise<{ wsId: string; installId: string }> {
  const api = stack.urls.api;
  const { headers, wsId } = await signedInWorkspace(stack, 'bench-admission');
  await db.doc(`workspaces/${wsId}`).update({ quotas: s.limits });
  const install = await json(await fetch(`${api}/workspaces/${wsId}/installs`, { method: 'POST', headers, body: JSON.stringify({ agentId: 'probe', version: '1.0.0' }) }));
  await json(await fetch(`${api}/workspaces/${wsId}/installs/${install.id}/consent`, { method: 'PUT', headers, body: JSON.stringify({ scopes: [] }) }));
  await json(await fetch(`${api}/workspaces/${wsId}/installs/${install.id}/deploy`, { method: 'POST', headers }));
  await json(
    await fetch(`${api}/workspaces/${wsId}/installs/${install.id}/run-policy`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ concurrency: s.installConcurrency, maxAttempts: 1, backoffSeconds: 30 }),
    }),
  );
  lastHeaders.set(wsId, headers);
  return { wsId, installId: install.id as string };
}

const lastHeaders = new Map<string, Record<string, string>>();

/**
 * Triggers through the API as a signed-in owner. The dispatchRun queue is paused in the Cloud
 * Tasks emulator (re-registered with a dispatch rate of 0, as `gcloud tasks queues pause` holds
 * a production queue): tasks are enqueued for real and counted there, and no run executes.
 * `resume` registers the queue again with dispatchRun's own settings.
 */
async function httpDriver(stack: Stack): Promise<Driver & { resume(): Promise<void> }> {
  const { projectId, region, ports } = stack.profile;
  const queueUrl = `http://127.0.0.1:${ports.tasks}/projects/${projectId}/locations/${region}/queues/dispatchRun`;
  const statsKey = `queue:${projectId}-${region}-dispatchRun`;
  const { dispatchRun } = await import('../../functions/lib/triggers/dispatchRun.js');
  const settings = (dispatchRun as unknown as { __endpoint: { taskQueueTrigger: Record<string, unknown> } }).__endpoint.taskQueueTrigger;
  const defaultUri = `http://127.0.0.1:${ports.functions}/${projectId}/${region}/dispatchRun`;
  const register = async (body: Record<string, unknown>) => {
    const res = await fetch(queueUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...body, defaultUri }) });
    if (!res.ok) throw new Error(`Cloud Tasks emulator: queue registration answered ${res.status}`);
  };
  const held = async () => {
    const stats = (await (await fetch(`http://127.0.0.1:${ports.tasks}/queueStats`)).json()) as Record<string, { numberOfTasks: number }>;
    return stats[statsKey]?.numberOfTasks ?? 0;
  };
  await register({ ...settings, rateLimits: { maxConcurrentDispatches: 1, maxDispatchesPerSecond: 0 } });
  // The Functions emulator serves one request per worker process: warm the pool first.
  const { headers: warm, wsId: warmWs } = await signedInWorkspace(stack, 'bench-admission-warm');
  await Promise.all(Array.from({ length: 40 }, () => fetch(`${stack.urls.api}/workspaces/${warmWs}/runs?limit=1`, { headers: warm }).then((r) => r.arrayBuffer())));
  let heldBefore = await held();
  return {
    name: 'http',
    async admit(wsId, installId) {
      const t0 = performance.now();
      try {
        const res = await fetch(`${stack.urls.api}/workspaces/${wsId}/installs/${installId}/runs`, {
          method: 'POST',
          headers: lastHeaders.get(wsId)!,
          body: JSON.stringify({ input: { mode: 'ok' } }),
        });
        const body = (await res.json().catch(() => ({}))) as { id?: string; code?: string };
        return { status: res.status, runId: res.status === 201 ? (body.id ?? null) : null, code: body.code ?? null, ms: performance.now() - t0, usage: null };
      } catch (err) {
        // No answer at all (the emulator's proxy gave up): the check afterwards says whether a run was made.
        return { status: 0, runId: null, code: (err as { cause?: { code?: string } }).cause?.code ?? String(err), ms: performance.now() - t0, usage: null };
      }
    },
    async finish(wsId, runId) {
      const t0 = performance.now();
      try {
        const res = await fetch(`${stack.urls.api}/workspaces/${wsId}/runs/${runId}:cancel`, { method: 'POST', headers: lastHeaders.get(wsId)! });
        await res.arrayBuffer();
        return { ms: performance.now() - t0, ok: res.ok };
      } catch {
        return { ms: performance.now() - t0, ok: false };
      }
    },
    serverMs(wsId) {
      const log = readFileSync(path.join(repoRoot, '.local', stack.profile.name, 'logs', 'firebase.log'), 'utf8');
      const line = new RegExp(`"message":"POST /v1/workspaces/${wsId}/installs/[^/"]+/runs \\d+".*?"latency":"([0-9.]+)s"`, 'g');
      return [...log.matchAll(line)].map((m) => Number(m[1]) * 1000);
    },
    // The emulator shows how many tasks it holds, not which: the count is checked.
    async tasksSince() {
      const now = await held();
      const count = now - heldBefore;
      heldBefore = now;
      return { count };
    },
    resume: () => register(settings),
  };
}
