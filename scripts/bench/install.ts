import { randomUUID } from 'node:crypto';
import type { Stack } from '../lib/stack.ts';
import { agentScopes, json, signedInWorkspace } from './client.ts';
import { fmt, median, percentile } from './stats.ts';

/** API time for complete six-step installs (choose, configure, consent, triggers, review, deploy). */
export async function benchInstall(stack: Stack, installs = 50): Promise<void> {
  const api = stack.urls.api;
  const { headers: h, wsId } = await signedInWorkspace(stack, 'install bench');
  const ws = { id: wsId };
  const scopes = await agentScopes(stack, 'idle-vm-reaper');

  const totals: number[] = [];
  const perStep: Record<string, number[]> = {};
  const step = async (name: string, f: () => Promise<Response>) => {
    const s = performance.now();
    const body = await json(await f());
    (perStep[name] ??= []).push(performance.now() - s);
    return body;
  };
  for (let i = 0; i < installs + 3; i++) {
    const t0 = performance.now();
    const draft = await step('1 choose (POST draft)', () =>
      fetch(`${api}/workspaces/${ws.id}/installs`, { method: 'POST', headers: { ...h, 'Idempotency-Key': randomUUID() }, body: JSON.stringify({ agentId: 'idle-vm-reaper' }) }),
    );
    const p = `${api}/workspaces/${ws.id}/installs/${draft.id}`;
    await step('2 configure', () => fetch(`${p}/config`, { method: 'PUT', headers: h, body: JSON.stringify({ config: {} }) }));
    await step('4 consent', () => fetch(`${p}/consent`, { method: 'PUT', headers: h, body: JSON.stringify({ scopes }) }));
    await step('5 triggers + approvals', () =>
      fetch(`${p}/triggers`, {
        method: 'PUT',
        headers: h,
        body: JSON.stringify({ manual: true, schedules: [{ cron: '0 6 * * 1-5', timeZone: 'Europe/Berlin' }], approvalPolicy: { 'vm.stop': { approverRole: 'admin' } } }),
      }),
    );
    await step('6 review', () => fetch(`${p}/review`, { headers: h }));
    await step('6 deploy', () => fetch(`${p}/deploy`, { method: 'POST', headers: h }));
    if (i >= 3) totals.push(performance.now() - t0);
  }
  console.log(`\n== Six-step install (${installs} installs of idle-vm-reaper through the API, one after another) ==`);
  console.log(`  complete install   p50 ${fmt(median(totals))}   p95 ${fmt(percentile(totals, 95))}`);
  for (const [name, values] of Object.entries(perStep)) console.log(`    ${name.padEnd(24)} p50 ${fmt(median(values))}   p95 ${fmt(percentile(values, 95))}`);
  // Document writes, by construction of the use cases (the emulator keeps no write counter):
  // draft create 2 (install, its internal refs) + idempotency record 2 (claim, complete) + configure 1
  // + consent 1 + triggers 1 (2 when a webhook key is made) + deploy 3 (install, agent installCount
  // increment, workspace installedAgents) = 11; review reads only.
  console.log('  Firestore writes per install: 11 (8 without an Idempotency-Key on the first step); the connect step adds 2 per secret set (install, its internal refs)');
}
