import { defineConfig } from 'vitest/config';

/**
 * One vitest setup for the whole repo. The global setup starts the local stack (official
 * emulators, test ports) once; every suite runs against it. Unit suites just ignore it.
 */
export default defineConfig({
  test: {
    include: [
      'contract/test/**/*.test.ts',
      'client/test/**/*.test.ts',
      'cli/test/**/*.test.ts',
      'functions/test/**/*.test.ts',
      'runner/test/**/*.test.ts',
      'agents/*/test/**/*.test.ts',
      'scripts/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    globalSetup: ['test/setup/stack.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/setup/summaryReporter.ts'],
  },
});
