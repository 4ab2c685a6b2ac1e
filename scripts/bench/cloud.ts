import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Stack } from '../lib/stack.ts';
import { agentScopes, json, signedInWorkspace } from './client.ts';
import { fmt, median, percentile, ratio } from './stats.ts';

/**
 * Connected clouds (issue 24): what a GCP connection adds to a run, on the bench stack whose
 * GCP calls are answered by the stand-in (scripts/lib/cloudStandIn.ts).
 * - Credential minting per run: IAM Credentials calls per run, and the dispatch phase
 *   (`dispatching → starting`, where the grants are checked) beside the same agent's sandbox runs.
 * - The platform's side of one cloud call: a runner's `cloud/list` through the API (token check,
 *   run, manifest, install and connection reads, scope check, then the adapter) against the same
 *   adapter call made directly from this process (the bare operation), and what that overhead is
 *   as a share of a connected run's wall time.
 */
export async function benchCloud(stack: Stack, runs = 20): Promise<void> {
  const { initializeApp } = await import('firebase-admin/app');
  const { getFirestore } = await import('firebase-admin/firestore');
  const db = getFirestore(initializeApp({ projectId: stack.profile.projectId }, `bench-cloud-${randomUUID()}`));
  const api = stack.urls.api;
  const standIn = stack.urls.cloudStandIn;
  const { headers: auth, wsId } = await signedInWorkspace(stack, 'bench-cloud');
  const agentId = 'idle-vm-reaper';
  const project = `bench-${randomBytes(4).toString('hex')}`;
  // Ten busy VMs: the reaper lists and measures them and proposes nothing, so each run ends on its own.
  const vms = Array.from({ length: 10 }, (_, i) => ({ name: `vm-${i}`, zone: 'us-central1-a', status: 'RUNNING', machineType: 'e2-standard-2', labels: { team: 'bench' }, creationTimestamp: '2025-01-01T00:00:00.000Z', cpuP95: 60 }));
  await json(await fetch(`${standIn}/__standin/projects/${project}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ granted: null, vms }) }));
  const connection = await json(await fetch(`${api}/workspaces/${wsId}/connections`, { method: 'POST', headers: auth, body: JSON.stringify({ provider: 'gcp', name: 'bench', target: { kind: 'project', id: project } }) }));
  const scopes = await agentScopes(stack, agentId);
  const deploy = async (connectionId: string | null) => {
    const install = await json(await fetch(`${api}/workspaces/${wsId}/installs`, { method: 'POST', headers: auth, body: JSON.stringify({ agentId }) }));
    await json(await fetch(`${api}/workspaces/${wsId}/installs/${install.id}/consent`, { method: 'PUT', headers: auth, body: JSON.stringify({ scopes }) }));
    if (connectionId) await json(await fetch(`${api}/workspaces/${wsId}/installs/${install.id}/connection`, { method: 'PUT', headers: auth, body: JSON.stringify({ connectionId }) }));
    await json(await fetch(`${api}/workspaces/${wsId}/installs/${install.id}/deploy`, { method: 'POST', headers: auth }));
    return install.id as string;
  };
  const sandboxInstall = await deploy(null);
  const connectedInstall = await deploy(connection.id);
  const calls = async () => ((await json(await fetch(`${standIn}/__standin/calls`))) as { calls: { path: string }[] }).calls;

  const series = async (installId: string) => {
    const wall: number[] = [];
    const dispatch: number[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const t0 = performance.now();
      // maxStops 0: the sandbox's fixture has idle VMs; both series list and judge, and propose nothing.
      const run = await json(await fetch(`${api}/workspaces/${wsId}/installs/${installId}/runs`, { method: 'POST', headers: auth, body: JSON.stringify({ input: { maxStops: 0 } }) }));
      const state = await new Promise<string>((resolve, reject) => {
        const stop = db.doc(`workspaces/${wsId}/runs/${run.id}`).onSnapshot((snap) => {
          const s = snap.get('state') as string;
          if (['succeeded', 'failed', 'canceled', 'timed_out', 'awaiting_approval'].includes(s)) {
            stop();
            resolve(s);
          }
        }, reject);
      });
      if (state !== 'succeeded') throw new Error(`bench run ${run.id} ended ${state}`);
      if (i < 2) continue; // the first two warm the instances
      wall.push(performance.now() - t0);
      const events = await db.collection(`workspaces/${wsId}/runs/${run.id}/events`).orderBy('seq').get();
      const at = (to: string) => (events.docs.find((d) => d.get('to') === to)?.get('at') as { toMillis(): number }).toMillis();
      dispatch.push(at('starting') - at('dispatching'));
    }
    return { wall, dispatch };
  };

  const sandbox = await series(sandboxInstall);
  const before = (await calls()).length;
  const connected = await series(connectedInstall);
  const during = (await calls()).slice(before);
  const perRun = (pred: (p: string) => boolean) => during.filter((c) => pred(c.path)).length / (runs + 2);
  const mints = perRun((p) => p.endsWith(':generateAccessToken'));
  const checks = perRun((p) => p.endsWith(':testIamPermissions'));
  const listings = perRun((p) => p.endsWith('/aggregated/instances'));

  // One cloud call: through the runner API, and the same adapter call made directly.
  const runId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const now = new Date();
  const agentVersion = (await json(await fetch(`${api}/agents/${agentId}`))).latestVersion as string;
  await db.doc(`workspaces/${wsId}/runs/${runId}`).set({
    id: runId, wsId, installId: connectedInstall, agentId, agentVersion, state: 'running', attempt: 1, trigger: { kind: 'manual', by: 'bench' }, input: {},
    createdAt: now, updatedAt: now, startedAt: now, finishedAt: null, heartbeatAt: now, progress: null, outputs: null, error: null, eventCount: 0,
    timeoutSeconds: 300, maxAttempts: 1, backoffSeconds: 30, deadlineAt: null, watchAt: null, slots: [], redeliveries: 0, usage: null,
  });
  await db.doc(`workspaces/${wsId}/runs/${runId}/internal/runner`).set({ lease: null, executionId: 'bench', runnerTokenHash: createHash('sha256').update(secret).digest('hex'), bootstrap: null });
  const token = `rt_${wsId}_${runId}_${secret}`;
  const through: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const t0 = performance.now();
    await json(await fetch(`${stack.urls.runnerApi}/runs/${runId}/cloud/list`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'vm' }) }));
    if (i >= 2) through.push(performance.now() - t0);
  }
  const { GcpCloud } = await import('../../functions/lib/adapters/cloud/gcp/gcpCloud.js');
  const gcp = new GcpCloud({ platformToken: async () => 'bench', apiRoot: standIn });
  const target = { provider: 'gcp' as const, target: { kind: 'project' as const, id: project }, serviceAccount: connection.gcp.serviceAccount as string, billingExportTable: null };
  const credential = await gcp.mint(target, { scopes, gcp: { oauthScopes: ['https://www.googleapis.com/auth/compute'] }, aws: { actions: [] } }, { runId, wsId });
  const direct: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const t0 = performance.now();
    await gcp.list(target, credential, 'vm', {});
    if (i >= 2) direct.push(performance.now() - t0);
  }
  await db.doc(`workspaces/${wsId}/runs/${runId}`).update({ state: 'canceled', finishedAt: new Date() });

  const overhead = median(through) - median(direct);
  console.log(`\n== Connected cloud: a GCP project on the stand-in (${runs} runs each, ${agentId}, 10 VMs) ==`);
  console.log(`  per connected run: ${mints.toFixed(1)} token mints, ${checks.toFixed(1)} testIamPermissions, ${listings.toFixed(1)} instance listings`);
  console.log(`  dispatching → starting  sandbox p50 ${fmt(median(sandbox.dispatch))}   connected p50 ${fmt(median(connected.dispatch))} (grant check with its mint)   ${ratio(median(connected.dispatch), median(sandbox.dispatch))}`);
  console.log(`  trigger → finished      sandbox p50 ${fmt(median(sandbox.wall))}   connected p50 ${fmt(median(connected.wall))}   p95 ${fmt(percentile(connected.wall, 95))}`);
  console.log(`  one vm listing: through the runner API p50 ${fmt(median(through))}, the adapter directly (bare) p50 ${fmt(median(direct))}: ${ratio(median(through), median(direct))}`);
  console.log(`  platform side of a cloud call ≈ ${fmt(overhead)}; × ${listings.toFixed(1)} calls per run = ${((100 * overhead * listings) / median(connected.wall)).toFixed(1)} % of a connected run's wall time`);
}
