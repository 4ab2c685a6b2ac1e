import { describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { call, codeOf } from '../support/http.ts';
import { alive, events, executionPid, finished, installProbe, parkRun, publishLongProbe, tickWatchdog, trigger, waitFor } from '../support/probe.ts';
import { newWorkspace } from '../support/users.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ticks the watchdog once a second until the run satisfies `until`. */
async function tickUntil(ws: Awaited<ReturnType<typeof newWorkspace>>, runId: string, until: (run: any) => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await tickWatchdog();
    const run = (await call('GET', `/workspaces/${ws.id}/runs/${runId}`, { token: ws.owner.idToken })).body;
    if (until(run)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.state} (attempt ${run.attempt})`);
    await sleep(1000);
  }
}

describe('failure handling: no run ends stuck, each failure reads clearly', () => {
  it.each([
    ['crashes (uncaught exception)', { mode: 'crash' }, 'agent_crashed', /probe crashed on purpose/],
    ['exits non-zero', { mode: 'exit', code: 3 }, 'agent_exited', /exited with code 3/],
    ['writes output its manifest forbids', { mode: 'bad-output' }, 'output_invalid', /outputs.*echo/],
  ])('an agent that %s ends failed', { timeout: 70_000 }, async (_what, input, code, message) => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws);
    const run = await trigger(ws, installId, input);
    expect(run.status).toBe(201);
    const done = await waitFor(ws, run.body.id, finished);
    expect(done.state).toBe('failed');
    expect(done.error.code).toBe(code);
    expect(done.error.message).toMatch(message);
  });

  it('cancel during a run stops its execution within seconds', { timeout: 40_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws);
    const run = await trigger(ws, installId, { mode: 'hang' });
    await waitFor(ws, run.body.id, (r) => r.state === 'running');
    const pid = await executionPid(ws.id, run.body.id);
    expect(alive(pid)).toBe(true);
    const t0 = Date.now();
    const canceled = await call('POST', `/workspaces/${ws.id}/runs/${run.body.id}:cancel`, { token: ws.owner.idToken });
    expect(canceled.body).toMatchObject({ state: 'canceled', error: { code: 'canceled' } });
    await expect.poll(() => alive(pid), { timeout: 10_000, interval: 100 }).toBe(false);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('a run exceeding its manifest timeout is stopped and marked timed_out', { timeout: 40_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws);
    const run = await trigger(ws, installId, { mode: 'hang' });
    const done = await waitFor(ws, run.body.id, finished, 30_000);
    expect(done.state).toBe('timed_out');
    expect(done.error).toEqual({ code: 'timeout', message: 'The run exceeded its 15-second timeout.' });
    expect(new Date(done.finishedAt).getTime() - new Date(done.startedAt).getTime()).toBeGreaterThanOrEqual(15_000);
  });

  it('an agent flooding its log is cut at the cap with a marker and fails', { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws);
    const run = await trigger(ws, installId, { mode: 'flood', lines: 0 });
    const done = await waitFor(ws, run.body.id, finished, 40_000);
    expect(done.state).toBe('failed');
    expect(done.error.code).toBe('log_limit_exceeded');
    const chunks = await adminDb.collection(`workspaces/${ws.id}/runs/${run.body.id}/logs`).orderBy('seq').get();
    const last = chunks.docs.at(-1)!.data();
    expect(last.truncated).toBe(true);
    // The test stack caps a run at 5,000 lines (LOG_MAX_LINES); the marker comes on top.
    expect(last.totalLines).toBe(5000);
    expect(chunks.docs.reduce((n, d) => n + d.get('lines').length, 0)).toBe(5001);
    expect(last.lines.at(-1)).toMatchObject({ level: 'error', msg: expect.stringMatching(/^Log limit reached/) });
    expect(chunks.docs.slice(0, -1).every((d) => !d.get('truncated'))).toBe(true);
    // The execution was stopped, not left flooding.
    const pid = await executionPid(ws.id, run.body.id);
    await expect.poll(() => alive(pid), { timeout: 15_000 }).toBe(false);
  });

  it('an execution killed mid-run (kill -9) is noticed by the heartbeat watchdog and retried by policy', { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    // The 5-minute probe: on a loaded machine the deadline must not come before the silence is noticed.
    const installId = await installProbe(ws, { concurrency: null, maxAttempts: 2, backoffSeconds: 1 }, await publishLongProbe());
    const run = await trigger(ws, installId, { mode: 'sleep', sleepMs: 4000 });
    await waitFor(ws, run.body.id, (r) => r.state === 'running');
    // Killed once its first lines are stored, so both attempts have logs.
    await expect.poll(async () => (await call('GET', `/workspaces/${ws.id}/runs/${run.body.id}/logs`, { token: ws.owner.idToken })).body.lines.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const pid = await executionPid(ws.id, run.body.id);
    process.kill(pid, 'SIGKILL');
    // The test stack presumes a runner dead after 10 s of silence.
    const retried = await tickUntil(ws, run.body.id, (r) => r.attempt === 2);
    expect(retried.error).toMatchObject({ code: 'heartbeat_lost' });
    const done = await waitFor(ws, run.body.id, finished, 30_000);
    expect({ state: done.state, attempt: done.attempt, error: done.error }).toEqual({ state: 'succeeded', attempt: 2, error: null });
    const transitions = (await events(ws, run.body.id)).map((e) => `${e.attempt}:${e.to}:${e.reason}`);
    expect(transitions).toEqual(expect.arrayContaining(['1:running:runner_started', '2:queued:heartbeat_lost', '2:running:runner_started', '2:succeeded:runner_succeeded']));
    // Both attempts' logs, in order.
    const logs = await call('GET', `/workspaces/${ws.id}/runs/${run.body.id}/logs?limit=100`, { token: ws.owner.idToken });
    expect([...new Set(logs.body.lines.map((l: { attempt: number }) => l.attempt))]).toEqual([1, 2]);
  });

  it('an agent spinning in a loop (runner silent too) is failed by the watchdog and its process killed', { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws);
    const run = await trigger(ws, installId, { mode: 'spin' });
    await waitFor(ws, run.body.id, (r) => r.state === 'running');
    const pid = await executionPid(ws.id, run.body.id);
    const done = await tickUntil(ws, run.body.id, finished);
    // Silent for 10 s, and past its 15-second deadline 3 s later: on a loaded machine the tick
    // that finds it may come after both, and then the deadline is what it reports.
    expect([`${done.state}/${done.error.code}`]).toEqual([expect.stringMatching(/^(failed\/heartbeat_lost|timed_out\/timeout)$/)]);
    // SIGTERM cannot run in a blocked loop: SIGKILL follows after the grace.
    await expect.poll(() => alive(pid), { timeout: 15_000, interval: 500 }).toBe(false);
  });

  it('a failure the policy retries runs again after the backoff; the attempts are bounded', { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws, { concurrency: null, maxAttempts: 2, backoffSeconds: 1 });
    const once = await trigger(ws, installId, { mode: 'fail-once' });
    const done = await waitFor(ws, once.body.id, finished, 30_000);
    expect(done).toMatchObject({ state: 'succeeded', attempt: 2, outputs: { echo: 'attempt 2' } });
    const always = await trigger(ws, installId, { mode: 'exit', code: 1 });
    const failed = await waitFor(ws, always.body.id, finished, 30_000);
    expect(failed).toMatchObject({ state: 'failed', attempt: 2, error: { code: 'agent_exited' } });
    // Not retried: output that breaks the manifest would break again.
    const bad = await waitFor(ws, (await trigger(ws, installId, { mode: 'bad-output' })).body.id, finished);
    expect(bad).toMatchObject({ state: 'failed', attempt: 1 });
  });

  it('files the agent attaches are listed and read back with the run, in its workspace only', { timeout: 30_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws);
    const run = await trigger(ws, installId, { mode: 'artifact' });
    expect((await waitFor(ws, run.body.id, finished)).state).toBe('succeeded');
    const base = `/workspaces/${ws.id}/runs/${run.body.id}/artifacts`;
    const list = await call('GET', base, { token: ws.owner.idToken });
    expect(list.body.items.map((a: { name: string; size: number; encoding: string }) => [a.name, a.size, a.encoding])).toEqual([
      ['raw.bin', 4, 'base64'],
      ['report.csv', 25, 'utf8'],
    ]);
    const csv = await call('GET', `${base}/report.csv`, { token: ws.owner.idToken });
    expect(csv.body).toMatchObject({ contentType: 'text/csv', content: 'resource,cost\nvm-1,12.50\n' });
    const raw = await call('GET', `${base}/raw.bin`, { token: ws.owner.idToken });
    expect([...Buffer.from(raw.body.content, 'base64')]).toEqual([0, 1, 2, 255]);
    expect(codeOf(await call('GET', `${base}/nope.txt`, { token: ws.owner.idToken }))).toBe('artifact_not_found');
    expect(codeOf(await call('GET', `${base}/bad%20name`, { token: ws.owner.idToken }))).toBe('invalid_path');
    const other = await newWorkspace();
    expect((await call('GET', base, { token: other.owner.idToken })).status).toBe(404);
  });

  it('usage units reported by the agent are kept on the run', { timeout: 30_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws);
    const done = await waitFor(ws, (await trigger(ws, installId, { mode: 'usage', units: 7.5 })).body.id, finished);
    expect(done).toMatchObject({ state: 'succeeded', usage: { units: 7.5 } });
  });
});

describe('the watchdog: no run stays queued or dispatching past its bound', () => {
  it('a queued run whose task was lost is enqueued again and runs', { timeout: 40_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws);
    const runId = await parkRun(ws, installId, 'queued');
    await tickWatchdog();
    const done = await waitFor(ws, runId, finished);
    expect(done.state).toBe('succeeded');
    expect((await adminDb.doc(`workspaces/${ws.id}/runs/${runId}`).get()).get('redeliveries')).toBe(1);
  });

  it('a dispatch that died holding its lease fails the attempt with the reason', { timeout: 30_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws);
    const runId = await parkRun(ws, installId, 'dispatching');
    await tickWatchdog();
    const done = await waitFor(ws, runId, finished);
    expect(done).toMatchObject({ state: 'failed', error: { code: 'dispatch_lost' } });
    // Ticking again changes nothing.
    await tickWatchdog();
    expect((await events(ws, runId)).filter((e) => e.to === 'failed').length).toBe(1);
  });
});
