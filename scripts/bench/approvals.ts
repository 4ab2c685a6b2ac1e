import { randomUUID } from 'node:crypto';
import type { Stack } from '../lib/stack.ts';
import { agentScopes, json, signedInWorkspace } from './client.ts';
import { FirestoreMeter, type Usage } from './firestoreMeter.ts';
import { startWebhookReceiver } from './webhookReceiver.ts';
import { fmt, median, percentile, ratio } from './stats.ts';

/**
 * Approvals, through the platform's own use cases in this process (metered Firestore client,
 * real Pub/Sub publisher and outbox flush), on the bench stack:
 * - proposal → `approval.requested` delivered to a signed webhook (the `deliverNotifications`
 *   function through the Pub/Sub emulator), one proposal at a time;
 * - Firestore reads and writes per proposal and per decision;
 * - decisions per second on one workspace, 10 at a time (they share the workspace's log chain,
 *   appended under a lock off the decisions' own transactions).
 */
export async function benchApprovals(stack: Stack, proposals = 40): Promise<void> {
  const receiver = await startWebhookReceiver();

  // A workspace with the idle-VM reaper installed, and a webhook channel for approval requests.
  const api = stack.urls.api;
  const { headers, wsId } = await signedInWorkspace(stack, 'bench approvals');
  const draft = await json(await fetch(`${api}/workspaces/${wsId}/installs`, { method: 'POST', headers, body: JSON.stringify({ agentId: 'idle-vm-reaper' }) }));
  const p = `${api}/workspaces/${wsId}/installs/${draft.id}`;
  await json(await fetch(`${p}/consent`, { method: 'PUT', headers, body: JSON.stringify({ scopes: await agentScopes(stack, 'idle-vm-reaper') }) }));
  await json(await fetch(`${p}/deploy`, { method: 'POST', headers }));
  await json(
    await fetch(`${api}/workspaces/${wsId}/notificationChannels`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ kind: 'webhook', name: 'approvals', url: receiver.url, events: ['approval.requested'] }),
    }),
  );
  const me = await json(await fetch(`${api}/me`, { headers }));

  const [{ firestore }, approvalsMod, installs, sandbox, runsMod, notifications, bus, outbox, proposalsMod, useCases, catalog, workspacesMod] = await Promise.all([
    import('../../functions/lib/adapters/firestore/client.js'),
    import('../../functions/lib/adapters/firestore/approvals.js'),
    import('../../functions/lib/adapters/firestore/installs.js'),
    import('../../functions/lib/adapters/firestore/sandbox.js'),
    import('../../functions/lib/adapters/firestore/runs.js'),
    import('../../functions/lib/adapters/firestore/notifications.js'),
    import('../../functions/lib/adapters/pubsub/eventBus.js'),
    import('../../functions/lib/app/notifications/outbox.js'),
    import('../../functions/lib/app/approvals/proposals.js'),
    import('../../functions/lib/app/approvals/approvals.js'),
    import('../../functions/lib/adapters/firestore/catalog.js'),
    import('../../functions/lib/adapters/firestore/workspaces.js'),
  ]);
  const db = firestore();
  const meter = new FirestoreMeter(db);
  const clock = { now: () => new Date() };
  const flushDeps = { notifications: new notifications.FirestoreNotificationStore(), eventBus: new bus.PubSubEventBus(stack.profile.projectId), clock };
  const deps = {
    clock,
    approvals: new approvalsMod.FirestoreApprovalStore(clock.now, (ws: string, ids: string[]) => outbox.flushOutbox(flushDeps, ws, ids)),
    installs: new installs.FirestoreInstallStore(),
    sandbox: new sandbox.FirestoreSandboxStore(),
    runs: new runsMod.FirestoreRunStore(clock.now),
    catalog: new catalog.FirestoreCatalogStore(),
    workspaces: new workspacesMod.FirestoreWorkspaceStore(),
    // The reaper's runs are not suspended (it makes no ctx.approval.request): settling resumes and dispatches nothing.
    dispatchQueue: {
      enqueue: async () => {
        throw new Error('the approvals bench dispatches no runs');
      },
    },
    config: {} as never,
    // The bench's installs act on the sandbox: no cloud connection is read, no provider called.
    connections: {} as never,
    cloudProviders: {} as never,
    // The reaper declares task memory: a rejection would be remembered there (the bench approves every proposal).
    memory: new (await import('../../functions/lib/adapters/firestore/memory.js')).FirestoreMemoryStore(),
    // The reaper's install has no secrets: redaction finds none and never asks the store.
    secrets: {
      get: async () => {
        throw new Error('the approvals bench has no secrets');
      },
    } as never,
  };
  const manifest = (await deps.catalog.getVersion('idle-vm-reaper', draft.version))!;
  const gate = manifest.approvals.find((a: { action: string }) => a.action === 'vm.stop')!;

  // Runs as an execution leaves them mid-way: running, proposing.
  const runs: string[] = [];
  for (let i = 0; i < 10; i++) {
    const runId = randomUUID().replace(/-/g, '').slice(0, 16);
    const now = new Date();
    await db.doc(`workspaces/${wsId}/runs/${runId}`).set({
      id: runId, wsId, installId: draft.id, agentId: 'idle-vm-reaper', agentVersion: draft.version, state: 'running', attempt: 1,
      trigger: { kind: 'manual', by: me.uid }, input: {}, createdAt: now, updatedAt: now, startedAt: now, finishedAt: null, heartbeatAt: now,
      progress: null, outputs: null, error: null, eventCount: 4, timeoutSeconds: 600, maxAttempts: 1, backoffSeconds: 30, deadlineAt: null,
      watchAt: null, slots: [], redeliveries: 0, usage: null,
    });
    runs.push(runId);
  }

  const delivered: number[] = [];
  const proposeUsage: Usage[] = [];
  const ids: string[] = [];
  for (let i = 0; i < proposals + 2; i++) {
    const run = (await deps.runs.get(wsId, runs[i % runs.length]!))!;
    const t0 = performance.now();
    const m = await meter.measure(() =>
      proposalsMod.proposeAction(deps, run, gate, { kind: 'vm', verb: 'stop', resourceId: `bench-vm-${i}`, reason: 'idle (bench)', summary: `Stop bench-vm-${i}` }, {}),
    );
    if (m.error !== undefined) throw m.error;
    const id = m.result!.proposal.id;
    ids.push(id);
    const eventId = `approval:${id}:requested:0`;
    const arrived = await receiver.arrival(eventId);
    if (i < 2) continue; // the first two warm the function instance
    delivered.push(arrived - t0);
    proposeUsage.push(m.usage);
  }

  // Decisions: the owner approves every proposal, 10 at a time.
  const access = { wsId, principal: { kind: 'user', uid: me.uid, email: null, emailVerified: true, name: 'bench', sessionId: 'bench' }, role: 'owner', permissions: [] };
  const decideUsage: Usage[] = [];
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        const m = await meter.measure(() => useCases.decideApproval(deps, access as never, id, { decision: 'approve', comment: '' }));
        if (m.error !== undefined) throw m.error;
        decideUsage.push(m.usage);
      }
    }),
  );
  const decideSeconds = (performance.now() - t0) / 1000;

  // Baseline: one bare Firestore write plus read, same emulator, same process.
  const bare: number[] = [];
  for (let i = 0; i < 20; i++) {
    const ref = db.doc(`bench/approvals-bare-${i}`);
    const s = performance.now();
    await ref.set({ i, at: new Date() });
    await ref.get();
    bare.push(performance.now() - s);
  }
  receiver.close();
  const avg = (us: Usage[], k: keyof Usage) => (us.reduce((s, u) => s + u[k], 0) / us.length).toFixed(1);
  console.log(`\n== Approvals (${proposals} proposals on 10 runs of one workspace; use cases in process, Pub/Sub and Functions emulators) ==`);
  console.log(`  proposal → approval.requested webhook received   p50 ${fmt(median(delivered))}   p95 ${fmt(percentile(delivered, 95))}`);
  console.log(`  decisions, 10 at a time on one workspace          ${(ids.length / decideSeconds).toFixed(1)} per second (${ids.length} in ${decideSeconds.toFixed(2)} s)`);
  console.log(`  Firestore per proposal: ${avg(proposeUsage, 'reads')} reads, ${avg(proposeUsage, 'writes')} writes (approval, run count, queued log entry, outbox entry; then chaining: lock, record, head, queue delete, unlock; outbox published)`);
  console.log(`  Firestore per decision: ${avg(decideUsage, 'reads')} reads, ${avg(decideUsage, 'writes')} writes, ${avg(decideUsage, 'failedCommits')} failed commits (a chain lock already held: that chainer takes this entry too)`);
  console.log(`  bare Firestore write+read p50 ${fmt(median(bare))}; ratio proposal→delivered p50 / bare: ${ratio(median(delivered), median(bare))}`);
}
