import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';

export const stack = inject('stack');
export const urls = stack.urls;
export const projectId = stack.projectId;

/** The functions' params on this stack, as the stack wrote them for the Functions emulator (functions/.env.<project>). */
export function functionsParams(): Record<string, string> {
  return Object.fromEntries(
    readFileSync(path.resolve(import.meta.dirname, '../../functions', `.env.${projectId}`), 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/**
 * Gives this process the environment the Functions emulator gives a function (the stack's
 * emulator hosts and the params), so a test can import functions/src and run it in process.
 */
export function runAsFunctions(): void {
  Object.assign(process.env, stack.clientEnv, functionsParams());
}
