/**
 * `npm start`: the whole platform locally on the official emulators, seeded, with the web
 * app served by the Hosting emulator. Ctrl-C at any moment, start-up included, stops every
 * process it started.
 */
import { isProfileName } from './lib/profiles.ts';
import { startStack, tickScheduler, type Stack } from './lib/stack.ts';
import { handleStopSignals } from './lib/stopSignals.ts';
import { MissingToolError } from './lib/toolchain.ts';

const t0 = Date.now();
const log = (line: string) => console.log(`[start] ${line}`);
// The dev profile; the lifecycle tests start theirs the same way (AM_START_PROFILE=lifecycle).
const profileName = process.env['AM_START_PROFILE'] ?? 'dev';
if (!isProfileName(profileName)) {
  console.error(`[start] unknown AM_START_PROFILE "${profileName}"`);
  process.exit(1);
}

let stack: Stack | undefined;
const stopSignal = handleStopSignals((signal) => {
  log(`${signal}: stopping every process the stack started`);
  // During start-up, startStack sees the aborted signal, stops what it started and rejects (below).
  if (!stack) return;
  stack.stop().then(
    () => {
      log('stopped');
      process.exit(0);
    },
    (err: unknown) => {
      log(`stopping failed: ${(err as Error).message}`);
      process.exit(1);
    },
  );
});

try {
  stack = await startStack(profileName, { seed: true, log, signal: stopSignal });
} catch (err) {
  if (stopSignal.aborted) {
    log('stopped');
    process.exit(0);
  }
  if (err instanceof MissingToolError) {
    console.error(`\n[start] cannot start the local stack: ${err.message}\n`);
  } else {
    console.error(`\n[start] failed: ${(err as Error).message}\n`);
  }
  process.exit(1);
}

const { urls } = stack;
console.log(`
Agent Marketplace is running (${((Date.now() - t0) / 1000).toFixed(1)}s), project ${stack.profile.projectId}

  Web app          ${urls.web}
  API              ${urls.api}            (also ${urls.functionsApi})
  API reference    ${urls.api}/openapi.json
  Auth emulator    ${urls.auth}
  Firestore        ${urls.firestore}
  Pub/Sub          ${urls.pubsub}
  Cloud Tasks      ${urls.tasks}

Local part for each Google service:
${Object.entries(stack.parts)
  .map(([service, part]) => `  ${service.padEnd(16)} ${part}`)
  .join('\n')}

Logs: .local/${stack.profile.name}/logs/   Press Ctrl-C to stop.
`);
// Cloud Scheduler's part: tick the scheduled functions every minute (the timer keeps the process up).
setInterval(() => {
  for (const which of ['schedules', 'watchdog'] as const) {
    tickScheduler(urls, which).catch((err: unknown) => log(`${which} tick failed: ${(err as Error).message}`));
  }
}, 60_000);
