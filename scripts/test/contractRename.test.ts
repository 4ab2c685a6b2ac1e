/**
 * The contract is the single source of every shape that crosses a boundary: rename a field
 * in a copy of it, type-check each consumer against the copy, and the consumer that uses the
 * field must fail (`npm run lint` runs the same type checks against the real contract).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
// Inside the repo, so the copy resolves zod from its node_modules as the real contract does.
mkdirSync(path.join(root, '.local'), { recursive: true });
const work = mkdtempSync(path.join(root, '.local', 'contract-rename-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Type-checks `project` against a copy of the contract with one edit; returns tsc's output ('' when clean). */
function typecheckWithEdit(name: string, project: string, file: string, from: string, to: string): string {
  const copy = path.join(work, name);
  cpSync(path.join(root, 'contract', 'src'), copy, { recursive: true });
  const target = path.join(copy, file);
  const text = readFileSync(target, 'utf8');
  expect(text, `${file} contains ${from}`).toContain(from);
  writeFileSync(target, text.replace(from, to));
  const base = path.join(root, project, 'tsconfig.json');
  const config = path.join(root, project, `tsconfig.rename-${name}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      extends: base,
      compilerOptions: {
        noEmit: true,
        rootDir: '/',
        paths: { '@agent-marketplace/contract': [path.join(copy, 'index.ts')], '@agent-marketplace/contract/routes': [path.join(copy, 'routes.ts')] },
      },
    }),
  );
  try {
    execFileSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', config], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? err);
  } finally {
    rmSync(config, { force: true });
  }
}

describe('a renamed field in the contract', { timeout: 240_000 }, () => {
  it('fails the web app where it reads it (a run\'s progress)', () => {
    const out = typecheckWithEdit('web', 'web', 'runs.ts', '    progress: z.object({ percent: z.number(), message: z.string() }).nullable(),', '    progression: z.object({ percent: z.number(), message: z.string() }).nullable(),');
    expect(out).toMatch(/web\/src\/.*progress/);
  });

  it("fails the runner where it reads it (the started reply's secret names)", () => {
    const out = typecheckWithEdit('runner', 'runner', 'runner.ts', '  secretNames: z.array(z.string()),', '  secretKeys: z.array(z.string()),');
    expect(out).toMatch(/runner\/src\/main\.ts.*secretNames/);
  });

  it("fails the client package where it reads it (a problem's code)", () => {
    const out = typecheckWithEdit('client', 'client', 'common.ts', '    code: z.string(),\n    requestId: z.string(),', '    problemCode: z.string(),\n    requestId: z.string(),');
    expect(out).toMatch(/client\/src\/errors\.ts.*'code'/);
  });

  it('and an unchanged copy type-checks cleanly (the copying itself breaks nothing)', () => {
    expect(typecheckWithEdit('clean', 'client', 'runs.ts', 'export const RunState', 'export const RunState')).toBe('');
  });
});
