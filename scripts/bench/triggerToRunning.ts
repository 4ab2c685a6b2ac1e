import { randomUUID } from 'node:crypto';
import type { Stack } from '../lib/stack.ts';
import { agentScopes, json, signedInWorkspace } from './client.ts';
import { fmt, median, percentile, ratio } from './stats.ts';

/**
 * Trigger-to-running latency of the skeleton run (POST → the run doc shows `running` or
 * later, observed by a Firestore listener), against one bare Firestore write plus read.
 */
export async function benchTriggerToRunning(stack: Stack, runs = 50): Promise<void> {
  const { initializeApp } = await import('firebase-admin/app');
  const { getFirestore } = await import('firebase-admin/firestore');
  const app = initializeApp({ projectId: stack.profile.projectId }, `bench-${randomUUID()}`);
  const db = getFirestore(app);

  const api = stack.urls.api;
  const { headers: auth, wsId } = await signedInWorkspace(stack, 'bench');
  const ws = { id: wsId };
  const install = await json(
    await fetch(`${api}/workspaces/${ws.id}/installs`, { method: 'POST', headers: auth, body: JSON.stringify({ agentId: 'cost-anomaly-detector' }) }),
  );
  const scopes = await agentScopes(stack, 'cost-anomaly-detector');
  await json(await fetch(`${api}/workspaces/${ws.id}/installs/${install.id}/consent`, { method: 'PUT', headers: auth, body: JSON.stringify({ scopes }) }));
  await json(await fetch(`${api}/workspaces/${ws.id}/installs/${install.id}/deploy`, { method: 'POST', headers: auth }));

  // Baseline: one bare Firestore write plus read, same emulator, same process.
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    const ref = db.collection('bench').doc(`b${i}`);
    const t0 = performance.now();
    await ref.set({ i, at: new Date() });
    await ref.get();
    bare.push(performance.now() - t0);
  }

  const latencies: number[] = [];
  const total: number[] = [];
  const phases: Record<string, number[]> = {};
  for (let i = 0; i < runs + 2; i++) {
    const t0 = performance.now();
    const run = await json(
      await fetch(`${api}/workspaces/${ws.id}/installs/${install.id}/runs`, { method: 'POST', headers: auth, body: '{}' }),
    );
    const times = await new Promise<{ running: number; done: number }>((resolve, reject) => {
      let running = 0;
      const stop = db.doc(`workspaces/${ws.id}/runs/${run.id}`).onSnapshot((snap) => {
        const state = snap.get('state') as string;
        if (!running && ['running', 'succeeded', 'failed'].includes(state)) running = performance.now() - t0;
        if (['succeeded', 'failed'].includes(state)) {
          stop();
          resolve({ running, done: performance.now() - t0 });
        }
      }, reject);
    });
    if (i >= 2) {
      // The first two warm the function instances.
      latencies.push(times.running);
      total.push(times.done);
      const events = await db.collection(`workspaces/${ws.id}/runs/${run.id}/events`).orderBy('seq').get();
      const at = events.docs.map((d) => ({ to: d.get('to') as string, ms: (d.get('at') as { toMillis(): number }).toMillis() }));
      for (let e = 1; e < at.length; e++) (phases[`${at[e - 1]!.to} → ${at[e]!.to}`] ??= []).push(at[e]!.ms - at[e - 1]!.ms);
    }
  }
  const base = median(bare);
  console.log(`\n== Trigger to running (${runs} runs, local stack: Functions + Cloud Tasks emulators, local executor) ==`);
  console.log(`  trigger → running   p50 ${fmt(median(latencies))}   p95 ${fmt(percentile(latencies, 95))}`);
  console.log(`  trigger → finished  p50 ${fmt(median(total))}   p95 ${fmt(percentile(total, 95))}`);
  console.log('  phases (server timestamps of the transition events):');
  for (const [name, values] of Object.entries(phases)) {
    console.log(`    ${name.padEnd(26)} p50 ${fmt(median(values))}   p95 ${fmt(percentile(values, 95))}`);
  }
  console.log(`  bare Firestore write+read  p50 ${fmt(base)}   p95 ${fmt(percentile(bare, 95))}`);
  console.log(`  ratio trigger→running p50 / bare write+read p50: ${ratio(median(latencies), base)}`);
}
