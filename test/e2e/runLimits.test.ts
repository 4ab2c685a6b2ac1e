import { beforeAll, describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { call, codeOf } from '../support/http.ts';
import { finished, installProbe, publishLongProbe, trigger, waitFor } from '../support/probe.ts';
import { addMember, newWorkspace } from '../support/users.ts';

/** What the workspace's run slots hold (domain/runSlots.ts), and the runs its month quota has charged (domain/monthQuota.ts). */
async function slots(wsId: string, installId: string) {
  const count = async (path: string) => (await adminDb.collection(path).count().get()).data().count;
  const month = new Date().toISOString().slice(0, 7);
  const shards = await adminDb.collection(`workspaces/${wsId}/runMonths/${month}/shards`).get();
  return {
    active: await count(`workspaces/${wsId}/runSlots`),
    install: await count(`workspaces/${wsId}/installs/${installId}/runSlots`),
    month: shards.docs.reduce((sum, d) => sum + (d.get('runs') as number), 0),
  };
}

/**
 * The Functions emulator serves one request per worker process and starts a process per
 * concurrent request (Cloud Functions serves up to 80 at once per instance). Fifty cold
 * process starts on two cores take longer than the requests themselves: warm the pool first.
 */
let longProbe: string;
beforeAll(async () => {
  // Runs that hold their slots through the burst, however slow the machine (5-minute timeout).
  longProbe = await publishLongProbe();
  // A workspace read, so each worker also loads the Firestore client (the costly part of a cold start).
  const ws = await newWorkspace();
  await Promise.all(Array.from({ length: 50 }, () => call('GET', `/workspaces/${ws.id}/runs`, { token: ws.owner.idToken })));
}, 120_000);

describe('plan quotas and concurrency limits, under 50 parallel triggers', () => {
  it("an install's concurrency: exactly the allowed runs start, the rest get 429 with Retry-After, none lost or duplicated", { timeout: 120_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws, { concurrency: 3, maxAttempts: 1, backoffSeconds: 30 }, longProbe);
    const replies = await Promise.all(Array.from({ length: 50 }, () => trigger(ws, installId, { mode: 'hang' })));
    const created = replies.filter((r) => r.status === 201);
    const refused = replies.filter((r) => r.status === 429);
    const other = replies.filter((r) => r.status !== 201 && r.status !== 429).map((r) => `${r.status} ${codeOf(r) ?? JSON.stringify(r.body).slice(0, 200)}`);
    expect({ created: created.length, refused: refused.length, other }).toEqual({ created: 3, refused: 47, other: [] });
    for (const r of refused) {
      expect(codeOf(r)).toBe('install_concurrency_limit');
      expect(r.headers.get('retry-after')).toBe('15');
      expect(r.contentType).toContain('application/problem+json');
    }
    // The three are the runs that exist: none lost, none extra.
    const listed = await call('GET', `/workspaces/${ws.id}/runs?installId=${installId}&limit=100`, { token: ws.owner.idToken });
    expect(listed.body.items.map((r: { id: string }) => r.id).sort()).toEqual(created.map((r) => r.body.id).sort());
    expect(await slots(ws.id, installId)).toEqual({ active: 3, install: 3, month: 3 });

    // Finishing frees the places.
    for (const r of created) expect((await call('POST', `/workspaces/${ws.id}/runs/${r.body.id}/cancel`, { token: ws.owner.idToken })).status).toBe(200);
    expect(await slots(ws.id, installId)).toEqual({ active: 0, install: 0, month: 3 });
    const again = await trigger(ws, installId, { mode: 'ok' });
    expect(again.status).toBe(201);
    expect((await waitFor(ws, again.body.id, finished)).state).toBe('succeeded');
    expect(await slots(ws.id, installId)).toEqual({ active: 0, install: 0, month: 4 });
  });

  it("the workspace's monthly quota: exactly the remaining runs are created, then 429 until next month", { timeout: 120_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws);
    await adminDb.doc(`workspaces/${ws.id}`).update({ quotas: { runsPerMonth: 5, concurrentRuns: 50 } });
    const replies = await Promise.all(Array.from({ length: 50 }, () => trigger(ws, installId, { mode: 'ok' })));
    expect(replies.filter((r) => r.status === 201).length).toBe(5);
    const refused = replies.filter((r) => r.status === 429);
    expect(refused.length).toBe(45);
    const now = new Date();
    const toNextMonth = (Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) - now.getTime()) / 1000;
    for (const r of refused) {
      expect(codeOf(r)).toBe('monthly_run_quota_exceeded');
      expect(Math.abs(Number(r.headers.get('retry-after')) - toNextMonth)).toBeLessThan(120);
    }
    for (const r of replies.filter((x) => x.status === 201)) expect((await waitFor(ws, r.body.id, finished)).state).toBe('succeeded');
    // Finished runs do not give the month's runs back.
    expect(codeOf(await trigger(ws, installId, { mode: 'ok' }))).toBe('monthly_run_quota_exceeded');
  });

  it("the workspace's concurrent runs cap every install together", { timeout: 120_000 }, async () => {
    const ws = await newWorkspace();
    const [a, b] = [await installProbe(ws, undefined, longProbe), await installProbe(ws, undefined, longProbe)];
    await adminDb.doc(`workspaces/${ws.id}`).update({ quotas: { concurrentRuns: 4 } });
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => trigger(ws, i % 2 ? a : b, { mode: 'hang' })));
    const created = replies.filter((r) => r.status === 201);
    expect(created.length).toBe(4);
    expect(new Set(replies.filter((r) => r.status === 429).map(codeOf))).toEqual(new Set(['concurrent_run_limit']));
    for (const r of created) await call('POST', `/workspaces/${ws.id}/runs/${r.body.id}/cancel`, { token: ws.owner.idToken });
  });

  it('the run policy is validated and only managers may change it', async () => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws);
    const path = `/workspaces/${ws.id}/installs/${installId}/run-policy`;
    const bad = await call('PUT', path, { token: ws.owner.idToken, body: { concurrency: 0, maxAttempts: 9, backoffSeconds: 30 } });
    expect(bad.status).toBe(400);
    expect(codeOf(bad)).toBe('validation_failed');
    const missing = await call('PUT', path, { token: ws.owner.idToken, body: { concurrency: null } });
    expect(missing.status).toBe(400);
    const ok = await call('PUT', path, { token: ws.owner.idToken, body: { concurrency: null, maxAttempts: 3, backoffSeconds: 5 } });
    expect(ok.body.runPolicy).toEqual({ concurrency: null, maxAttempts: 3, backoffSeconds: 5 });
    const run = await trigger(ws, installId, {});
    expect(run.body).toMatchObject({ maxAttempts: 3, timeoutSeconds: 15 });
    const viewer = await addMember(ws, 'viewer');
    const denied = await call('PUT', path, { token: viewer.idToken, body: { concurrency: 1, maxAttempts: 1, backoffSeconds: 5 } });
    expect(denied.status).toBe(403);
  });
});
