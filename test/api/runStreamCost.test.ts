import { describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { seedStartingRun } from '../support/runs.ts';
import { runAsFunctions } from '../support/stack.ts';
import { newWorkspace } from '../support/users.ts';

/**
 * What an open run stream costs in Firestore reads, measured on the real adapters (the
 * emulator) in this process: every document a port call returns is counted (a query that
 * returns nothing still bills one read), and so is every document a listener delivers.
 */
runAsFunctions();

const { getDeps } = await import('../../functions/src/triggers/deps.ts');
const { streamRun } = await import('../../functions/src/app/runs/runStream.ts');
const { deps } = await getDeps();

let reads = 0;
let openWatches = 0;
const billed = (value: unknown) => (Array.isArray(value) ? Math.max(1, value.length) : 1);

/** Counts what a port reads: results of its calls, and what its listeners deliver. */
function counted<T extends object>(port: T): T {
  return new Proxy(port, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const wrapped = args.map((a) =>
          a && typeof a === 'object' && !Array.isArray(a) && Object.values(a).some((v) => typeof v === 'function')
            ? Object.fromEntries(Object.entries(a).map(([k, v]) => [k, typeof v === 'function' && k !== 'error' ? (x: unknown) => ((reads += billed(x)), v(x)) : v]))
            : a,
        );
        const out = (value as (...a: unknown[]) => unknown).apply(target, wrapped);
        if (typeof out === 'function') {
          // A subscription: its stop function.
          openWatches++;
          return () => {
            openWatches--;
            (out as () => void)();
          };
        }
        if (out instanceof Promise) return out.then((r) => ((reads += billed(r)), r));
        return out;
      };
    },
  });
}

const countedDeps = Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, ['runs', 'runLogs', 'runFeed'].includes(k) ? counted(v as object) : v])) as typeof deps;

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the run stream costs', () => {
  it('an idle open stream reads nothing after catching up; new log chunks cost what they are; a disconnect closes its listeners', { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const { runId } = await seedStartingRun(ws.id, { agentId: 'cost-anomaly-detector', agentVersion: '1.0.0' });
    const run = adminDb.doc(`workspaces/${ws.id}/runs/${runId}`);
    const at = new Date();
    for (const [seq, to] of [[0, 'queued'], [1, 'dispatching'], [2, 'starting']] as const) {
      await run.collection('events').doc(String(seq).padStart(6, '0')).set({ seq, from: null, to, reason: 'seeded', attempt: 1, at });
    }
    const chunk = (seq: number) => ({ seq, attempt: 1, lines: [{ ts: at.toISOString(), level: 'info', msg: `line ${seq}` }] });
    await run.collection('logs').doc(String(0).padStart(6, '0')).set(chunk(0));

    const frames: string[] = [];
    const abort = new AbortController();
    reads = 0;
    const done = streamRun(countedDeps, ws.id, runId, undefined, (c) => frames.push(c), abort.signal, { maxMs: 60_000, runView: (r) => ({ state: r.state }) });
    await until('the first frames', () => frames.some((f) => f.includes('event: logs')) && frames.some((f) => f.includes('event: run')));
    await new Promise((r) => setTimeout(r, 500));
    const caughtUp = reads;
    const idleMs = 4000;
    await new Promise((r) => setTimeout(r, idleMs));
    const idleReads = reads - caughtUp;
    console.log(`[runStreamCost] catching up read ${caughtUp} documents; idle for ${idleMs} ms: ${idleReads} reads (${((idleReads * 1000) / idleMs).toFixed(1)}/s)`);
    expect(idleReads).toBe(0);

    // A new chunk reaches the stream, read once.
    await run.collection('logs').doc(String(1).padStart(6, '0')).set(chunk(1));
    await until('the new chunk', () => frames.some((f) => f.includes('line 1')));
    await new Promise((r) => setTimeout(r, 1000));
    expect(reads - caughtUp).toBeLessThanOrEqual(2);

    // The client goes away: the stream ends and every listener is closed.
    abort.abort();
    await done;
    expect(openWatches).toBe(0);
  });
});
