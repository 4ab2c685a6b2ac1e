import type { TestProject } from 'vitest/node';
import { CHROMIUM_ENV, resolveChromium } from '../../scripts/lib/chromium.ts';
import { startStack, type Stack } from '../../scripts/lib/stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: { projectId: string; urls: Stack['urls']; ports: Stack['profile']['ports']; clientEnv: Record<string, string> };
  }
}

let stack: Stack | undefined;

/**
 * Resolves (and on a machine without Debian's Chromium, inflates) the browser once, for every
 * worker: they inherit AM_CHROMIUM. On failure the browser tests resolve it themselves and fail
 * with the reason; the other suites are unaffected.
 */
async function resolveChromiumOnce(): Promise<void> {
  try {
    process.env[CHROMIUM_ENV] = await resolveChromium();
    console.log(`[browser] Chromium: ${process.env[CHROMIUM_ENV]}`);
  } catch (err) {
    console.log(`[browser] no Chromium for the browser tests: ${(err as Error).message}`);
  }
}

/** Starts the emulators on the test ports once for the whole run, seeded like `npm start`. */
export async function setup(project: TestProject): Promise<void> {
  // Unit-only runs (an agent's own tests, say) may skip the emulators: AM_NO_STACK=1.
  if (process.env['AM_NO_STACK'] === '1') {
    console.log('[stack] AM_NO_STACK=1: not starting the emulators; suites that need them will fail');
    return;
  }
  const t0 = Date.now();
  const [started] = await Promise.all([startStack('test', { seed: true, log: (l) => console.log(`[stack] ${l}`) }), resolveChromiumOnce()]);
  stack = started;
  console.log(`[stack] ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  project.provide('stack', {
    projectId: stack.profile.projectId,
    urls: stack.urls,
    ports: stack.profile.ports,
    clientEnv: stack.clientEnv,
  });
}

export async function teardown(): Promise<void> {
  await stack?.stop();
}
