import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Stack } from '../lib/stack.ts';
import { repoRoot } from '../lib/stack.ts';
import { agentScopes, json, signedInWorkspace } from './client.ts';
import { FirestoreMeter } from './firestoreMeter.ts';
import { fmt, median, percentile, ratio } from './stats.ts';

/**
 * Usage metering (docs/billing.md), on the bench stack:
 * - usage facts recorded per second: `events` facts published at once to the `usage-events`
 *   topic (the platform's own publisher, in this process) until the `recordUsageEvents`
 *   function (Pub/Sub emulator → Functions emulator) has recorded every one, against the same
 *   number of bare Firestore creates from this process at the same concurrency;
 * - Firestore reads and writes per recorded fact (the ledger adapter, metered, in this process);
 * - trigger → running with billing's heaviest path (a per-unit agent with spend caps: the trigger
 *   reads the month's usage) against a free agent (no billing reads), alternating.
 */
export async function benchUsage(stack: Stack, events = 300, runs = 20): Promise<void> {
  const api = stack.urls.api;
  const { headers, wsId } = await signedInWorkspace(stack, 'bench usage');
  const [{ firestore }, { PubSubEventBus }, { FirestoreUsageLedger }, { FirestoreCatalogStore }, { listingOf, parseManifest }] = await Promise.all([
    import('../../functions/lib/adapters/firestore/client.js'),
    import('../../functions/lib/adapters/pubsub/eventBus.js'),
    import('../../functions/lib/adapters/firestore/usageLedger.js'),
    import('../../functions/lib/adapters/firestore/catalog.js'),
    import('../../functions/lib/app/catalog/publishAgent.js'),
  ]);
  const db = firestore();
  const bus = new PubSubEventBus(stack.profile.projectId, 'usage-events');
  const fact = (runId: string, n: number) => ({
    id: `usage:${runId}:compute:${n}`,
    wsId,
    installId: 'bench',
    agentId: 'probe',
    agentVersion: '1.0.0',
    runId,
    attempt: n,
    kind: 'compute_seconds' as const,
    quantity: 3,
    occurredAt: new Date().toISOString(),
  });
  const recordedCount = async () => (await db.collection(`workspaces/${wsId}/usage`).count().get()).data().count;

  // Warm the function instance with a few facts first.
  const warm = `warm${randomUUID().slice(0, 8)}`;
  await Promise.all([1, 2, 3].map((n) => bus.publish(fact(warm, n).id, fact(warm, n))));
  for (let t = Date.now(); (await recordedCount()) < 3 && Date.now() - t < 60_000; ) await new Promise((r) => setTimeout(r, 100));

  const runId = `bench${randomUUID().slice(0, 8)}`;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: events }, (_, i) => bus.publish(fact(runId, i + 1).id, fact(runId, i + 1))));
  const published = performance.now() - t0;
  let recorded = 0;
  const deadline = Date.now() + 180_000;
  while ((recorded = (await recordedCount()) - 3) < events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const seconds = (performance.now() - t0) / 1000;

  const b0 = performance.now();
  await Promise.all(Array.from({ length: events }, (_, i) => db.collection('benchUsageBare').doc(`${runId}-${i}`).create({ i, at: new Date() })));
  const bareSeconds = (performance.now() - b0) / 1000;

  // Reads and writes of one recording, and of a repeated one.
  const meter = new FirestoreMeter(db);
  const ledger = new FirestoreUsageLedger();
  const one = fact(`meter${randomUUID().slice(0, 8)}`, 1);
  const first = await meter.measure(() => ledger.record(one, new Date()));
  const again = await meter.measure(() => ledger.record(one, new Date()));

  console.log('\n== Usage metering (usage-events topic → recordUsageEvents → ledger) ==');
  console.log(`  ${events} facts published in ${fmt(published)}; ${recorded} recorded in ${seconds.toFixed(2)} s: ${(recorded / seconds).toFixed(0)} facts/s`);
  console.log(`  baseline: ${events} bare Firestore creates from this process at once: ${(events / bareSeconds).toFixed(0)} creates/s (recording them took ${ratio(seconds, bareSeconds)} as long)`);
  console.log(`  Firestore per fact: ${first.usage.reads} read(s), ${first.usage.writes} write(s) in ${first.usage.commits} commit(s); a redelivered fact: ${again.usage.reads} read(s), ${again.usage.writes} write(s)`);

  // Trigger → running: free probe against a per-unit probe with caps (its trigger reads the month's usage).
  const catalog = new FirestoreCatalogStore();
  const yaml = readFileSync(path.join(repoRoot, 'test/fixtures/agents/probe/agent.yaml'), 'utf8')
    .replace(/^version: .*$/m, 'version: 1.3.0')
    .replace(/^pricing:\n {2}model: free$/m, 'pricing:\n  model: per_unit\n  amountCents: 7\n  unit: item');
  const manifest = parseManifest(yaml);
  await catalog.publish(listingOf(manifest, new Date()), manifest, yaml);
  const installOf = async (version: string) => {
    const install = await json(await fetch(`${api}/workspaces/${wsId}/installs`, { method: 'POST', headers, body: JSON.stringify({ agentId: 'probe', version }) }));
    const scopes = await agentScopes(stack, 'probe');
    await json(await fetch(`${api}/workspaces/${wsId}/installs/${install.id}/consent`, { method: 'PUT', headers, body: JSON.stringify({ scopes }) }));
    await json(await fetch(`${api}/workspaces/${wsId}/installs/${install.id}/deploy`, { method: 'POST', headers }));
    return install.id as string;
  };
  const free = await installOf('1.0.0');
  const paid = await installOf('1.3.0');
  await json(await fetch(`${api}/workspaces/${wsId}/installs/${paid}/spend-cap`, { method: 'PUT', headers, body: JSON.stringify({ amountMinor: 10_000_000 }) }));
  await json(await fetch(`${api}/workspaces/${wsId}/billing/spend-cap`, { method: 'PUT', headers, body: JSON.stringify({ amountMinor: 10_000_000 }) }));
  const toRunning = async (installId: string) => {
    const t = performance.now();
    const run = await json(await fetch(`${api}/workspaces/${wsId}/installs/${installId}/runs`, { method: 'POST', headers, body: JSON.stringify({ input: { mode: 'usage', units: 1 } }) }));
    return new Promise<number>((resolve, reject) => {
      const stop = db.doc(`workspaces/${wsId}/runs/${run.id}`).onSnapshot((snap) => {
        if (['running', 'succeeded', 'failed'].includes(snap.get('state') as string)) {
          stop();
          resolve(performance.now() - t);
        }
      }, reject);
    });
  };
  const times: Record<'free' | 'paid', number[]> = { free: [], paid: [] };
  for (let i = 0; i < runs + 2; i++) {
    for (const [kind, installId] of [['free', free], ['paid', paid]] as const) {
      const ms = await toRunning(installId);
      if (i >= 2) times[kind].push(ms); // the first two warm the instances
    }
  }
  console.log(`  trigger → running, ${runs} each, alternating: free agent p50 ${fmt(median(times.free))} p95 ${fmt(percentile(times.free, 95))}; per-unit agent with spend caps p50 ${fmt(median(times.paid))} p95 ${fmt(percentile(times.paid, 95))} (${ratio(median(times.paid), median(times.free))})`);
}
