/**
 * `npm run bench`: prints figures and ratios; asserts nothing. Starts its own stack on the
 * bench ports so it can run beside `npm start`. With BENCH_JSON=<file>, the parts that return
 * their figures (memory, for now) are also written there as JSON.
 */
import { writeFileSync } from 'node:fs';
import { repoRoot, startStack, type Stack } from '../lib/stack.ts';
import { handleStopSignals } from '../lib/stopSignals.ts';
import { benchAdmission } from './admission.ts';
import { benchApprovals } from './approvals.ts';
import { benchCatalog } from './catalog.ts';
import { benchCloud } from './cloud.ts';
import { benchColdImport } from './coldImport.ts';
import { benchInstall } from './install.ts';
import { benchMemory } from './memory.ts';
import { benchNotifications } from './notifications.ts';
import { benchRedaction } from './redaction.ts';
import { benchRunEngine } from './runEngine.ts';
import { benchTriggerToRunning } from './triggerToRunning.ts';
import { benchUsage } from './usage.ts';
import { benchWeb } from './web.ts';

// BENCH_ONLY=catalog (or trigger, engine, admission, install, notify, approvals, usage, cloud, memory, web, cold, redaction)
// runs one part; BENCH_ONLY=memory,catalog runs those, in the bench's order.
const only = process.env['BENCH_ONLY']?.split(',').map((p) => p.trim());
const part = (name: string) => !only || only.includes(name);
const NO_STACK = ['cold', 'redaction'];

if (part('cold')) benchColdImport(repoRoot);
if (part('redaction')) benchRedaction();
// The parts above need no stack.
if (only?.every((p) => NO_STACK.includes(p))) process.exit(0);

let stack: Stack | undefined;
// Ctrl-C at any moment, start-up included, stops the bench stack (startStack stops a start-up itself).
const stopSignal = handleStopSignals(() => void stack?.stop().finally(() => process.exit(130)));
try {
  stack = await startStack('bench', { seed: true, signal: stopSignal });
} catch (err) {
  if (stopSignal.aborted) process.exit(130);
  throw err;
}
// The Admin SDK in this process talks to the bench stack's emulators.
Object.assign(process.env, stack.clientEnv);
const live: Stack = stack;
const figures: Record<string, unknown> = {};
const failed: string[] = [];
/** Runs one part; a part that throws is reported and the bench goes on with the next (exit code 1 at the end). */
async function run(name: string, bench: () => Promise<unknown>): Promise<void> {
  if (!part(name)) return;
  try {
    const out = await bench();
    if (out !== undefined) figures[name] = out;
  } catch (err) {
    failed.push(name);
    console.log(`\n== ${name}: FAILED ==\n  ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}
try {
  await run('trigger', () => benchTriggerToRunning(live, Number(process.env['BENCH_RUNS'] ?? 50)));
  await run('engine', () => benchRunEngine(live));
  // After the parts that execute runs: it leaves the dispatch queue as dispatchRun registers it.
  await run('admission', () => benchAdmission(live));
  await run('install', () => benchInstall(live, Number(process.env['BENCH_INSTALLS'] ?? 50)));
  await run('notify', () => benchNotifications(live, Number(process.env['BENCH_EVENTS'] ?? 30)));
  await run('approvals', () => benchApprovals(live, Number(process.env['BENCH_PROPOSALS'] ?? 40)));
  await run('usage', () => benchUsage(live, Number(process.env['BENCH_USAGE_EVENTS'] ?? 300), Number(process.env['BENCH_USAGE_RUNS'] ?? 20)));
  await run('cloud', () => benchCloud(live, Number(process.env['BENCH_CLOUD_RUNS'] ?? 20)));
  await run('memory', () =>
    benchMemory(live, {
      items: Number(process.env['BENCH_MEMORY_ITEMS'] ?? 10_000),
      samples: Number(process.env['BENCH_MEMORY_RUNS'] ?? 50),
      seedConcurrency: Number(process.env['BENCH_MEMORY_SEED_CONCURRENCY'] ?? 8),
      seed: process.env['BENCH_MEMORY_SEED'] === 'inprocess' ? 'inprocess' : 'api',
    }),
  );
  // Before the catalog part, which adds 20,000 synthetic agents: the seeded catalog.
  await run('web', () => benchWeb(live, Number(process.env['BENCH_WEB_ROUNDS'] ?? 5)));
  await run('catalog', () => benchCatalog(live, Number(process.env['BENCH_AGENTS'] ?? 20_000)));
} finally {
  await stack.stop();
}
const jsonOut = process.env['BENCH_JSON'];
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify({ at: new Date().toISOString(), ...figures }, null, 2)}\n`);
if (failed.length > 0) console.log(`\nparts that failed: ${failed.join(', ')}`);
process.exit(failed.length > 0 ? 1 : 0);
