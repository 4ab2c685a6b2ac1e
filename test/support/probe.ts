import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { adminDb } from './admin.ts';
import { publishYaml } from './catalog.ts';
import { call } from './http.ts';
import { tickScheduler } from '../../scripts/lib/stack.ts';
import { urls } from './stack.ts';
import { installAgent, type TestWorkspace } from './users.ts';

/**
 * The probe agent (test/fixtures/agents/probe, published on the test stack only): its input's
 * `mode` picks a behaviour (ok, sleep, crash, exit, spin, hang, flood, bad-output, fail-once, usage).
 */
export async function installProbe(
  ws: TestWorkspace,
  policy?: { concurrency: number | null; maxAttempts: number; backoffSeconds: number },
  version = PROBE_VERSION,
): Promise<string> {
  const installId = await installAgent(ws, 'probe', version);
  if (policy) {
    const res = await call('PUT', `/workspaces/${ws.id}/installs/${installId}/run-policy`, { token: ws.owner.idToken, body: policy });
    if (res.status !== 200) throw new Error(`run-policy: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return installId;
}

/** The version in test/fixtures/agents/probe (15-second timeout); pinned, since some tests publish others. */
export const PROBE_VERSION = '1.0.0';

/**
 * Publishes probe@1.1.0, the same code with a 5-minute timeout, for tests whose runs must stay
 * in progress however slow the machine is. Idempotent.
 */
export async function publishLongProbe(): Promise<string> {
  const yaml = readFileSync(path.resolve(import.meta.dirname, '../fixtures/agents/probe/agent.yaml'), 'utf8')
    .replace(/^version: .*$/m, 'version: 1.1.0')
    .replace(/timeoutSeconds: \d+/, 'timeoutSeconds: 300');
  await publishYaml(yaml);
  return '1.1.0';
}

/**
 * Triggers a run as a careful client does: with an Idempotency-Key, repeated (same key) when
 * the answer did not come from the API at all. The Functions emulator sometimes fails to start
 * a worker under a burst ("Failed to load function"); such an answer has no X-Request-Id.
 * Anything the API itself answered, a 500 included, is returned as is.
 */
export async function trigger(ws: TestWorkspace, installId: string, input: Record<string, unknown>) {
  const headers = { 'Idempotency-Key': randomUUID() };
  for (let attempt = 1; ; attempt++) {
    const res = await call('POST', `/workspaces/${ws.id}/installs/${installId}/runs`, { token: ws.owner.idToken, body: { input }, headers });
    if (res.headers.get('x-request-id') || attempt === 3) return res;
    console.log(`trigger: no answer from the API (HTTP ${res.status}); repeating with the same Idempotency-Key`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Polls the run until `until` holds (default: a terminal state). */
export async function waitFor(ws: TestWorkspace, runId: string, until: (run: any) => boolean, timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call('GET', `/workspaces/${ws.id}/runs/${runId}`, { token: ws.owner.idToken });
    if (until(res.body)) return res.body;
    if (Date.now() > deadline) throw new Error(`run ${runId} is ${res.body?.state} (attempt ${res.body?.attempt}) after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export const finished = (run: any) => ['succeeded', 'failed', 'canceled', 'timed_out'].includes(run?.state);

/** The pid of a run's local execution (`local-<pid>-…`), from the run's internal document. */
export async function executionPid(wsId: string, runId: string): Promise<number> {
  const id = (await adminDb.doc(`workspaces/${wsId}/runs/${runId}/internal/runner`).get()).get('executionId') as string;
  return Number(/^local-(\d+)-/.exec(id)?.[1]);
}

export const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export const tickWatchdog = () => tickScheduler(urls, 'watchdog');

export async function events(ws: TestWorkspace, runId: string): Promise<Array<{ from: string | null; to: string; reason: string; attempt: number }>> {
  return (await call('GET', `/workspaces/${ws.id}/runs/${runId}/events`, { token: ws.owner.idToken })).body.items;
}

/**
 * A run document as triggerRun would create it (without slots), parked in `state` as if its
 * dispatch task had not come yet. `overdue`: its watch time has passed, so the next watchdog
 * tick hands it to the dispatcher again; otherwise nothing moves it for ten minutes. `retry`:
 * its first attempt failed and the second waits out a ten-minute backoff (a pending retry; the
 * Cloud Tasks emulator delivers delayed tasks at once, so a real one cannot be held locally).
 */
export async function parkRun(
  ws: TestWorkspace,
  installId: string,
  state: 'queued' | 'dispatching',
  options: { overdue?: boolean; retry?: boolean } = { overdue: true },
): Promise<string> {
  const runId = randomBytes(8).toString('hex');
  const past = new Date(Date.now() - 60_000);
  const watchAt = options.overdue ? past : new Date(Date.now() + 600_000);
  const install = (await call('GET', `/workspaces/${ws.id}/installs/${installId}`, { token: ws.owner.idToken })).body;
  await adminDb.doc(`workspaces/${ws.id}/runs/${runId}`).set({
    id: runId, wsId: ws.id, installId, agentId: install.agentId, agentVersion: install.version, state, attempt: options.retry ? 2 : 1,
    trigger: { kind: 'api', by: 'test' }, input: { mode: 'ok' }, createdAt: past, updatedAt: past,
    startedAt: null, finishedAt: null, heartbeatAt: null, progress: null, outputs: null, eventCount: 1,
    error: options.retry ? { code: 'agent_exited', message: 'The agent exited with code 1.' } : null,
    timeoutSeconds: 15, maxAttempts: options.retry ? 3 : 1, backoffSeconds: 600, deadlineAt: null, watchAt, slots: [], redeliveries: 0, usage: null,
  });
  // Runner and executor bookkeeping lives apart from the run document (no client reads it).
  await adminDb.doc(`workspaces/${ws.id}/runs/${runId}/internal/runner`).set({
    lease: state === 'dispatching' ? { holder: 'crashed-dispatch', until: past } : null, executionId: null, runnerTokenHash: null, bootstrap: null,
  });
  await adminDb.doc(`workspaces/${ws.id}/runs/${runId}/events/0000000000`).set({ seq: 0, from: null, to: 'queued', reason: 'created', attempt: 1, at: past });
  return runId;
}
