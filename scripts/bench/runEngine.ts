import { randomUUID } from 'node:crypto';
import type { Firestore } from 'firebase-admin/firestore';
import type { Stack } from '../lib/stack.ts';
import { json, signedInWorkspace } from './client.ts';
import { fmt, median, percentile } from './stats.ts';

/**
 * The run engine's figures, with the probe agent (test/fixtures/agents/probe, published on
 * the bench stack): Firestore writes per run by log volume, log ingestion throughput for one
 * run, log-line-to-listener latency, and sustained triggers per second with none lost.
 */
export async function benchRunEngine(stack: Stack): Promise<void> {
  const { initializeApp } = await import('firebase-admin/app');
  const { getFirestore } = await import('firebase-admin/firestore');
  const db = getFirestore(initializeApp({ projectId: stack.profile.projectId }, `bench-${randomUUID()}`));
  const api = stack.urls.api;
  const { headers, wsId } = await signedInWorkspace(stack, 'bench-engine');
  // The bench measures the engine, not the free plan's limits.
  await db.doc(`workspaces/${wsId}`).update({ quotas: { runsPerMonth: 1_000_000, concurrentRuns: 1_000 } });
  const install = await json(await fetch(`${api}/workspaces/${wsId}/installs`, { method: 'POST', headers, body: JSON.stringify({ agentId: 'probe', version: '1.0.0' }) }));
  await json(await fetch(`${api}/workspaces/${wsId}/installs/${install.id}/consent`, { method: 'PUT', headers, body: JSON.stringify({ scopes: [] }) }));
  await json(await fetch(`${api}/workspaces/${wsId}/installs/${install.id}/deploy`, { method: 'POST', headers }));
  const trigger = async (input: Record<string, unknown>) =>
    json(await fetch(`${api}/workspaces/${wsId}/installs/${install.id}/runs`, { method: 'POST', headers, body: JSON.stringify({ input }) }));
  const finished = (runId: string, timeoutMs = 180_000) => waitFinished(db, wsId, runId, timeoutMs);

  console.log('\n== Run engine (probe agent, local stack) ==');

  // Firestore writes per run, counted from what the run left behind.
  console.log('  Firestore writes per run (run create + slots + transitions + events + heartbeats + log chunks + metrics + outbox facts: usage, agent stats):');
  let throughput: { lines: number; seconds: number } | null = null;
  for (const lines of [10, 1_000, 100_000]) {
    const run = await trigger({ mode: 'ok', lines });
    const done = await finished(run.id);
    const writes = await writesOf(db, wsId, run.id);
    console.log(
      `    ${String(lines).padStart(7)} lines: ${String(writes.total).padStart(4)} writes (${writes.chunks} log chunks, ${writes.events} events, ${writes.beats} heartbeats, ${writes.fixed} create/slots/metrics, ${writes.facts} outbox facts × 4 with their consumers)  ${done.state}`,
    );
    if (lines === 100_000) throughput = writes.ingest;
    if (writes.other.length) console.log(`      other lines: ${writes.other.slice(0, 3).join(' | ')}`);
  }
  if (throughput) {
    console.log(`  log ingestion, one run: ${throughput.lines} lines in ${throughput.seconds.toFixed(2)} s = ${Math.round(throughput.lines / throughput.seconds)} lines/s (first to last chunk stored)`);
  }

  // Log line → Firestore listener: a line logged every 20 ms, seen by an Admin SDK listener.
  const drip = await trigger({ mode: 'drip', lines: 200, intervalMs: 20 });
  const seen: number[] = [];
  const stop = db.collection(`workspaces/${wsId}/runs/${drip.id}/logs`).onSnapshot((snap) => {
    const now = Date.now();
    for (const change of snap.docChanges()) {
      if (change.type !== 'added') continue;
      for (const line of change.doc.get('lines') as Array<{ ts: string }>) seen.push(now - Date.parse(line.ts));
    }
  });
  await finished(drip.id);
  await new Promise((r) => setTimeout(r, 500));
  stop();
  console.log(`  log line → listener (${seen.length} lines, one every 20 ms; includes the runner's 250 ms batching window): p50 ${fmt(median(seen))}   p95 ${fmt(percentile(seen, 95))}`);

  // Sustained triggers: a fixed rate for 10 s, then every run must finish. The Functions
  // emulator serves one request per worker process, so its pool is warmed first.
  await Promise.all(Array.from({ length: 30 }, () => fetch(`${api}/workspaces/${wsId}/runs?limit=1`, { headers }).then((r) => r.arrayBuffer())));
  for (const rate of [2, 4, 8]) {
    const since = new Date();
    const ids: string[] = [];
    const latencies: number[] = [];
    let refused = 0;
    const errors: number[] = [];
    const t0 = performance.now();
    const sends: Array<Promise<void>> = [];
    for (let i = 0; i < rate * 10; i++) {
      const due = t0 + (i * 1000) / rate;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
      sends.push(
        (async () => {
          const s = performance.now();
          const res = await fetch(`${api}/workspaces/${wsId}/installs/${install.id}/runs`, { method: 'POST', headers, body: JSON.stringify({ input: { mode: 'ok', lines: 1 } }) });
          const body = (await res.json().catch(() => ({}))) as { id?: string };
          latencies.push(performance.now() - s);
          if (res.status === 201 && body.id) ids.push(body.id);
          else if (res.status === 429) refused++;
          else errors.push(res.status);
        })(),
      );
    }
    await Promise.all(sends);
    const sendSeconds = (performance.now() - t0) / 1000;
    const outcomes = await Promise.all(ids.map((id) => finished(id).then((r) => r.state).catch(() => 'stuck')));
    const succeeded = outcomes.filter((s) => s === 'succeeded').length;
    const drained = (performance.now() - t0) / 1000;
    // Runs the server created in the window, answered or not (a proxy timeout is not a lost run).
    await new Promise((r) => setTimeout(r, 2000));
    const created = await db.collection(`workspaces/${wsId}/runs`).where('createdAt', '>=', since).get();
    const createdStates = created.docs.map((d) => d.get('state') as string);
    console.log(
      `  sustained ${rate}/s for 10 s: ${ids.length} accepted (${(ids.length / sendSeconds).toFixed(1)}/s), ${refused} refused, ${errors.length} errors${errors.length ? ` (${[...new Set(errors)].join(', ')})` : ''}, ${succeeded} succeeded, ${ids.length - succeeded} lost or failed; trigger p50 ${fmt(median(latencies))} p95 ${fmt(percentile(latencies, 95))}; all done after ${drained.toFixed(1)} s; server side ${created.size} runs created, ${createdStates.filter((x) => x === 'succeeded').length} succeeded`,
    );
  }
}

async function waitFinished(db: Firestore, wsId: string, runId: string, timeoutMs: number): Promise<{ state: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`run ${runId} not finished after ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = db.doc(`workspaces/${wsId}/runs/${runId}`).onSnapshot((snap) => {
      const state = snap.get('state') as string;
      if (['succeeded', 'failed', 'canceled', 'timed_out'].includes(state)) {
        clearTimeout(timer);
        stop();
        resolve({ state });
      }
    }, reject);
  });
}

/** The emulator counts no writes, so they are counted from the documents a run leaves. */
async function writesOf(db: Firestore, wsId: string, runId: string) {
  const ref = db.doc(`workspaces/${wsId}/runs/${runId}`);
  const [run, events, chunks, outbox] = await Promise.all([
    ref.get(),
    ref.collection('events').count().get(),
    ref.collection('logs').orderBy('seq').get(),
    db.collection(`workspaces/${wsId}/outbox`).get(),
  ]);
  // The run's outbox facts (usage, agent stats, notifications): each is created in its transition,
  // marked published after the flush, and recorded by its consumer in one more batch of two.
  const facts = outbox.docs.filter((d) => d.id.includes(runId)).length;
  const eventCount = events.data().count;
  const slots = (run.get('slots') as string[]).length;
  const beats = (run.get('beats') as number | undefined) ?? 0;
  // Create: run + first event + its concurrency slots + its month quota shard. Each later event: run update + event.
  // Finish: one metrics delta + deleting the concurrency slots.
  const fixed = 2 + slots + 1 + 1 + slots;
  const transitions = 2 * (eventCount - 1);
  const total = fixed + transitions + beats + chunks.size + 4 * facts;
  const first = chunks.docs[0]?.get('receivedAt') as { toMillis(): number } | undefined;
  const last = chunks.docs.at(-1)?.get('receivedAt') as { toMillis(): number } | undefined;
  const all = chunks.docs.flatMap((d) => d.get('lines') as Array<{ msg: string }>);
  const lines = all.length;
  const other = all.filter((l) => !/^line \d+ of \d+$/.test(l.msg)).map((l) => l.msg);
  return {
    total,
    chunks: chunks.size,
    events: eventCount,
    beats,
    fixed,
    facts,
    other,
    ingest: first && last ? { lines, seconds: Math.max(0.001, (last.toMillis() - first.toMillis()) / 1000) } : null,
  };
}
