/**
 * The totals line `.ci/run` reads (`N passed, N failed, N skipped`), from real vitest runs on
 * fixture files (test/fixtures/reporter/): a file that fails before, around or after its tests
 * must show up as failed, never as skipped or absent.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Runs vitest on the fixture files whose names contain `filter`; returns its totals line and exit code. */
function totals(filter: string): { line: string | undefined; status: number | null } {
  const r = spawnSync(
    path.join(root, 'node_modules', '.bin', 'node'),
    [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'test/fixtures/reporter/vitest.config.ts', filter],
    { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, CI: 'true' } },
  );
  const line = `${r.stdout}`.split('\n').filter((l) => /^\d+ passed, \d+ failed, \d+ skipped$/.test(l)).pop();
  return { line, status: r.status };
}

describe('the totals line', () => {
  it.each([
    ['passes.fixture', '2 passed, 0 failed, 1 skipped', 0],
    ['beforeAllThrows.fixture', '0 passed, 2 failed, 0 skipped', 1],
    ['importFails.fixture', '0 passed, 1 failed, 0 skipped', 1],
    ['afterAllThrows.fixture', '0 passed, 1 failed, 0 skipped', 1],
    ['innerSuiteBroken.fixture', '1 passed, 1 failed, 0 skipped', 1],
    ['unhandled.fixture', '1 passed, 1 failed, 0 skipped', 1],
    ['.fixture', '4 passed, 6 failed, 1 skipped', 1],
  ])('for %s reads "%s" (vitest exits %i)', (filter, expected, status) => {
    const r = totals(filter);
    expect(r.line).toBe(expected);
    expect(r.status).toBe(status);
  });
});
