import { collection, doc, onSnapshot, orderBy, query } from 'firebase/firestore';
import { afterAll, describe, expect, it } from 'vitest';
import { call, codeOf } from '../support/http.ts';
import { stack } from '../support/stack.ts';
import { addMember, installAgent, newWorkspace, waitForRun } from '../support/users.ts';
import { webClientFor } from '../support/webClient.ts';
import { installProbe, trigger } from '../support/probe.ts';

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers) await close();
});

describe('the walking skeleton: trigger → Cloud Tasks → executor → runner → Firestore', () => {
  it('a run goes queued → dispatching → starting → running → succeeded, seen by the API and by a Firestore listener', async () => {
    const ws = await newWorkspace();
    const catalog = await call('GET', '/agents');
    expect(catalog.body.items.map((a: { id: string }) => a.id)).toContain('cost-anomaly-detector');
    const installId = await installAgent(ws);

    const web = await webClientFor(ws.owner);
    closers.push(web.close);

    const triggered = await call('POST', `/workspaces/${ws.id}/installs/${installId}/runs`, { token: ws.owner.idToken, body: { input: { threshold: 5 } } });
    expect(triggered.status).toBe(201);
    expect(triggered.body.state).toBe('queued');
    expect(triggered.headers.get('location')).toBe(`/v1/workspaces/${ws.id}/runs/${triggered.body.id}`);
    const runId: string = triggered.body.id;

    const states: string[] = [];
    const docStates: string[] = [];
    const logLines: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const runRef = doc(web.db, 'workspaces', ws.id, 'runs', runId);
      const stopEvents = onSnapshot(
        query(collection(runRef, 'events'), orderBy('seq')),
        (snap) => {
          for (const change of snap.docChanges()) if (change.type === 'added') states.push(change.doc.get('to'));
          if (states.includes('succeeded') || states.includes('failed')) {
            stopEvents();
            resolve();
          }
        },
        reject,
      );
      const stopRun = onSnapshot(runRef, (snap) => {
        const s = snap.get('state');
        if (s && docStates.at(-1) !== s) docStates.push(s);
      }, reject);
      const stopLogs = onSnapshot(query(collection(runRef, 'logs'), orderBy('seq')), (snap) => {
        for (const change of snap.docChanges()) {
          if (change.type === 'added') for (const line of change.doc.get('lines') as { msg: string }[]) logLines.push(line.msg);
        }
      }, reject);
      closers.push(async () => {
        stopRun();
        stopLogs();
      });
    });
    await done;
    expect(states).toEqual(['queued', 'dispatching', 'starting', 'running', 'succeeded']);
    // The run document's listener is a second target on the same connection: give it the time the
    // events listener had (once, in a full suite, it had delivered nothing within the default second).
    await expect.poll(() => docStates.at(-1), { timeout: 15_000 }).toBe('succeeded');

    const run = await waitForRun(ws, runId);
    expect(run).toMatchObject({ state: 'succeeded', attempt: 1, input: { threshold: 5 }, error: null });
    const outputs = run.outputs as { summary: unknown; anomalies: unknown[] };
    expect(outputs.summary).toMatchObject({ rows: 270, options: { threshold: 5 } });
    expect(outputs.anomalies.length).toBeGreaterThan(0);
    expect(run.startedAt).not.toBeNull();
    expect(run.finishedAt).not.toBeNull();
    // Secrets and leases never leave the API.
    expect(run).not.toHaveProperty('runnerTokenHash');
    expect(run).not.toHaveProperty('lease');

    const logs = await call('GET', `/workspaces/${ws.id}/runs/${runId}/logs`, { token: ws.owner.idToken });
    const msgs = logs.body.lines.map((l: { msg: string }) => l.msg);
    expect(msgs).toContain('Loaded 270 cost rows');
    expect(logs.body.lines.every((l: { level: string; ts: string }) => ['debug', 'info', 'warn', 'error'].includes(l.level) && l.ts)).toBe(true);
    await expect.poll(() => logLines.length).toBe(msgs.length);

    const events = await call('GET', `/workspaces/${ws.id}/runs/${runId}/events`, { token: ws.owner.idToken });
    expect(events.body.items.map((e: { to: string }) => e.to)).toEqual(states);

    const listed = await call('GET', `/workspaces/${ws.id}/runs?installId=${installId}`, { token: ws.owner.idToken });
    expect(listed.body.items.map((r: { id: string }) => r.id)).toEqual([runId]);
  });

  it('a task delivered twice starts nothing the second time', async () => {
    const ws = await newWorkspace();
    const installId = await installAgent(ws);
    const triggered = await call('POST', `/workspaces/${ws.id}/installs/${installId}/runs`, { token: ws.owner.idToken, body: {} });
    const runId = triggered.body.id as string;
    await waitForRun(ws, runId);
    const before = await call('GET', `/workspaces/${ws.id}/runs/${runId}/events`, { token: ws.owner.idToken });

    // Redeliver the same task straight to the queue function, as Cloud Tasks would.
    const fn = `http://127.0.0.1:${stack.ports.functions}/${stack.projectId}/us-central1/dispatchRun`;
    for (let i = 0; i < 2; i++) {
      const res = await fetch(fn, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ data: { wsId: ws.id, runId, attempt: 1 } }) });
      expect(res.ok).toBe(true);
    }
    const after = await call('GET', `/workspaces/${ws.id}/runs/${runId}/events`, { token: ws.owner.idToken });
    expect(after.body.items).toEqual(before.body.items);
    expect((await call('GET', `/workspaces/${ws.id}/runs/${runId}`, { token: ws.owner.idToken })).body.state).toBe('succeeded');
  });

  it('an API key with runs.trigger starts a run recorded as an API trigger; Idempotency-Key returns the same run', async () => {
    const ws = await newWorkspace();
    const installId = await installAgent(ws);
    const key = await call('POST', `/workspaces/${ws.id}/api-keys`, { token: ws.owner.idToken, body: { name: 'cron', scopes: ['runs.trigger', 'runs.read'] } });
    const headers = { 'Idempotency-Key': 'nightly-2026-11-26' };
    const first = await call('POST', `/workspaces/${ws.id}/installs/${installId}/runs`, { token: key.body.secret, body: {}, headers });
    const second = await call('POST', `/workspaces/${ws.id}/installs/${installId}/runs`, { token: key.body.secret, body: {}, headers });
    expect(first.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(first.body.trigger).toEqual({ kind: 'api', by: `apikey:${key.body.id}` });
    await waitForRun(ws, first.body.id);
    const runs = await call('GET', `/workspaces/${ws.id}/runs`, { token: key.body.secret });
    expect(runs.body.items).toHaveLength(1);
  });

  it('a member listens only to their own workspace: another workspace is permission-denied', async () => {
    const a = await newWorkspace();
    const b = await newWorkspace();
    const installId = await installAgent(b);
    const run = await call('POST', `/workspaces/${b.id}/installs/${installId}/runs`, { token: b.owner.idToken, body: {} });
    const web = await webClientFor(a.owner);
    closers.push(web.close);
    const error = await new Promise<{ code: string }>((resolve) => {
      onSnapshot(doc(web.db, 'workspaces', b.id, 'runs', run.body.id), () => resolve({ code: 'none' }), (err) => resolve(err as { code: string }));
    });
    expect(error.code).toBe('permission-denied');
  });

  it('a viewer can watch runs live', async () => {
    const ws = await newWorkspace();
    const viewer = await addMember(ws, 'viewer');
    const installId = await installAgent(ws);
    const run = await call('POST', `/workspaces/${ws.id}/installs/${installId}/runs`, { token: ws.owner.idToken, body: {} });
    const web = await webClientFor(viewer);
    closers.push(web.close);
    const state = await new Promise<string>((resolve, reject) => {
      const stop = onSnapshot(doc(web.db, 'workspaces', ws.id, 'runs', run.body.id), (snap) => {
        if (snap.get('state') === 'succeeded') {
          stop();
          resolve('succeeded');
        }
      }, reject);
    });
    expect(state).toBe('succeeded');
  });

  it('installing an unknown agent or version is 404; the install count stays exact', async () => {
    const ws = await newWorkspace();
    expect(codeOf(await call('POST', `/workspaces/${ws.id}/installs`, { token: ws.owner.idToken, body: { agentId: 'no-such-agent' } }))).toBe('agent_not_found');
    expect(
      codeOf(await call('POST', `/workspaces/${ws.id}/installs`, { token: ws.owner.idToken, body: { agentId: 'cost-anomaly-detector', version: '9.9.9' } })),
    ).toBe('agent_version_not_found');
    const before = (await call('GET', '/agents/cost-anomaly-detector')).body.installCount as number;
    await Promise.all([installAgent(ws), installAgent(ws), installAgent(ws)]);
    const after = (await call('GET', '/agents/cost-anomaly-detector')).body.installCount as number;
    expect(after - before).toBeGreaterThanOrEqual(3);
  });
});

describe('cancel', () => {
  it('a queued run is canceled before it starts, stays canceled, and a finished run cannot be canceled', { timeout: 30_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installAgent(ws);
    const token = ws.owner.idToken;
    // The probe sleeps 5 s, so a slow machine cannot let it finish before the cancel lands.
    const probe = await installProbe(ws);
    const run = await trigger(ws, probe, { mode: 'sleep', sleepMs: 5000 });
    const canceled = await call('POST', `/workspaces/${ws.id}/runs/${run.body.id}:cancel`, { token });
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ state: 'canceled', error: { code: 'canceled' } });
    // The dispatch task still arrives; it must not start anything.
    await new Promise((r) => setTimeout(r, 2500));
    const events = await call('GET', `/workspaces/${ws.id}/runs/${run.body.id}/events`, { token });
    // Canceled before dispatch, or while dispatching (the task may win the race): never started.
    // On a loaded machine the cancel request itself may arrive later: then the started execution is stopped.
    const states = events.body.items.map((e: { to: string }) => e.to);
    expect([
      ['queued', 'canceled'],
      ['queued', 'dispatching', 'canceled'],
      ['queued', 'dispatching', 'starting', 'canceled'],
      ['queued', 'dispatching', 'starting', 'running', 'canceled'],
    ]).toContainEqual(states);
    expect((await call('GET', `/workspaces/${ws.id}/runs/${run.body.id}`, { token })).body).toMatchObject({ state: 'canceled' });
    expect((await call('POST', `/workspaces/${ws.id}/runs/${run.body.id}/cancel`, { token })).status).toBe(200);

    const done = await call('POST', `/workspaces/${ws.id}/installs/${installId}/runs`, { token, body: {} });
    await waitForRun(ws, done.body.id);
    const late = await call('POST', `/workspaces/${ws.id}/runs/${done.body.id}/cancel`, { token });
    expect({ status: late.status, code: codeOf(late) }).toEqual({ status: 409, code: 'run_finished' });
  });

  it('a viewer cannot cancel (403)', async () => {
    const ws = await newWorkspace();
    const viewer = await addMember(ws, 'viewer');
    const installId = await installAgent(ws);
    const run = await call('POST', `/workspaces/${ws.id}/installs/${installId}/runs`, { token: ws.owner.idToken, body: {} });
    expect((await call('POST', `/workspaces/${ws.id}/runs/${run.body.id}/cancel`, { token: viewer.idToken })).status).toBe(403);
  });
});
