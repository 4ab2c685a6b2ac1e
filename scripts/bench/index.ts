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

// BENCH_ONLY=catalog (or trigger, engine, admission, install, notify, approvals, usage, cloud, memory, web, cold, redaction) runs one part.
const only = process.env['BENCH_ONLY'];
const part = (name: string) => !only || only === name;

if (part('cold')) benchColdImport(repoRoot);
if (part('redaction')) benchRedaction();
// The parts above need no stack.
if (only === 'cold' || only === 'redaction') process.exit(0);

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
const figures: Record<string, unknown> = {};
try {
  if (part('trigger')) await benchTriggerToRunning(stack, Number(process.env['BENCH_RUNS'] ?? 50));
  if (part('engine')) await benchRunEngine(stack);
  // After the parts that execute runs: it leaves the dispatch queue as dispatchRun registers it.
  if (part('admission')) await benchAdmission(stack);
  if (part('install')) await benchInstall(stack, Number(process.env['BENCH_INSTALLS'] ?? 50));
  if (part('notify')) await benchNotifications(stack, Number(process.env['BENCH_EVENTS'] ?? 30));
  if (part('approvals')) await benchApprovals(stack, Number(process.env['BENCH_PROPOSALS'] ?? 40));
  if (part('usage')) await benchUsage(stack, Number(process.env['BENCH_USAGE_EVENTS'] ?? 300), Number(process.env['BENCH_USAGE_RUNS'] ?? 20));
  if (part('cloud')) await benchCloud(stack, Number(process.env['BENCH_CLOUD_RUNS'] ?? 20));
  if (part('memory')) {
    figures['memory'] = await benchMemory(stack, {
      items: Number(process.env['BENCH_MEMORY_ITEMS'] ?? 10_000),
      samples: Number(process.env['BENCH_MEMORY_RUNS'] ?? 50),
      seedConcurrency: Number(process.env['BENCH_MEMORY_SEED_CONCURRENCY'] ?? 8),
      seed: process.env['BENCH_MEMORY_SEED'] === 'inprocess' ? 'inprocess' : 'api',
    });
  }
  // Before the catalog part, which adds 20,000 synthetic agents: the seeded catalog.
  if (part('web')) await benchWeb(stack, Number(process.env['BENCH_WEB_ROUNDS'] ?? 5));
  if (part('catalog')) await benchCatalog(stack, Number(process.env['BENCH_AGENTS'] ?? 20_000));
} finally {
  await stack.stop();
}
const jsonOut = process.env['BENCH_JSON'];
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify({ at: new Date().toISOString(), ...figures }, null, 2)}\n`);
process.exit(0);
