/**
 * `npm start`: the whole platform locally on the official emulators, seeded, with the web
 * app served by the Hosting emulator. Ctrl-C stops everything it started.
 */
import { startStack, tickScheduler } from './lib/stack.ts';
import { MissingToolError } from './lib/toolchain.ts';

const t0 = Date.now();
const log = (line: string) => console.log(`[start] ${line}`);

try {
  const stack = await startStack('dev', { seed: true, log });
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

Logs: .local/dev/logs/   Press Ctrl-C to stop.
`);
  // Cloud Scheduler's part: tick the scheduled functions every minute.
  const ticker = setInterval(() => {
    for (const which of ['schedules', 'watchdog'] as const) {
      tickScheduler(urls, which).catch((err: unknown) => log(`${which} tick failed: ${(err as Error).message}`));
    }
  }, 60_000);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(ticker);
    log(`${signal}: stopping every process the stack started`);
    await stack.stop();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  setInterval(() => undefined, 1 << 30);
} catch (err) {
  if (err instanceof MissingToolError) {
    console.error(`\n[start] cannot start the local stack: ${err.message}\n`);
  } else {
    console.error(`\n[start] failed: ${(err as Error).message}\n`);
  }
  process.exit(1);
}
