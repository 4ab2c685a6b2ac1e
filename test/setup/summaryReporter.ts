import type { Reporter, SerializedError, TestCase, TestModule } from 'vitest/node';

/** True when the test's suite, or a suite around it, or its file failed outside any test (a hook threw). */
function failedAround(test: TestCase): boolean {
  for (let scope = test.parent; ; scope = scope.parent) {
    if (scope.errors().length > 0) return true;
    if (scope.type === 'module') return false;
  }
}

/**
 * Prints the plain totals line CI reads: `N passed, N failed, N skipped`.
 *
 * vitest reports the tests of a suite whose `beforeAll` threw as skipped, and those of a suite
 * whose `afterAll` threw as passed; a file that fails to import has no tests at all. Here each
 * of those tests counts as failed (a file that failed to load counts as one failure), and so
 * does each error thrown outside any test, so the line never reads `0 failed` for a failed run.
 * Tests skipped on purpose (`skip`, `todo`) stay skipped.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const mod of testModules) {
      const tests = [...mod.children.allTests()];
      for (const test of tests) {
        const state = test.result().state;
        const onPurpose = test.options.mode === 'skip' || test.options.mode === 'todo';
        if (state === 'failed' || (!onPurpose && failedAround(test))) failed++;
        else if (state === 'passed') passed++;
        else skipped++;
      }
      if (mod.state() === 'failed' && tests.length === 0) failed++;
    }
    console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
  }
}
