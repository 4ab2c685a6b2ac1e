import type { TestProject } from 'vitest/node';
import { startStack, type Stack } from '../../scripts/lib/stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: { projectId: string; urls: Stack['urls']; ports: Stack['profile']['ports']; clientEnv: Record<string, string> };
  }
}

let stack: Stack | undefined;

/** Starts the emulators on the test ports once for the whole run, seeded like `npm start`. */
export async function setup(project: TestProject): Promise<void> {
  // Unit-only runs (an agent's own tests, say) may skip the emulators: AM_NO_STACK=1.
  if (process.env['AM_NO_STACK'] === '1') {
    console.log('[stack] AM_NO_STACK=1: not starting the emulators; suites that need them will fail');
    return;
  }
  const t0 = Date.now();
  stack = await startStack('test', { seed: true, log: (l) => console.log(`[stack] ${l}`) });
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
