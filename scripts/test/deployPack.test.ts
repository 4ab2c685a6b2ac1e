/**
 * What `firebase deploy` uploads for the functions (scripts/deploy/packFunctions.ts) installs on
 * its own: Cloud Build runs `npm install` there, without this repo's workspaces, so every
 * package the compiled code imports must be a registry dependency or a packed tarball beside it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packFunctions } from '../deploy/packFunctions.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const out = path.join(root, '.local', 'deploy-pack-test');
afterAll(() => rmSync(out, { recursive: true, force: true }));

const jsFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const f = path.join(dir, n);
    return statSync(f).isDirectory() ? jsFiles(f) : f.endsWith('.js') ? [f] : [];
  });

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`). */
const packageOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

describe('the functions deploy package', { timeout: 120_000 }, () => {
  it('vendors the workspace packages and declares every package its code imports', () => {
    packFunctions(out);
    const pkg = JSON.parse(readFileSync(path.join(out, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string> };
    expect(existsSync(path.join(out, pkg.main))).toBe(true);

    // The contract travels as a tarball with its compiled code; its own dependency is zod alone.
    const contract = pkg.dependencies['@agent-marketplace/contract']!;
    expect(contract).toMatch(/^file:vendor\/agent-marketplace-contract-[\d.]+\.tgz$/);
    const tarball = path.join(out, contract.slice('file:'.length));
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
    expect(listing).toContain('package/lib/index.js');
    const inner = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as { dependencies: Record<string, string> };
    expect(Object.keys(inner.dependencies)).toEqual(['zod']);

    // No other dependency points into this repo.
    for (const [name, range] of Object.entries(pkg.dependencies)) if (name !== '@agent-marketplace/contract') expect(range, name).toMatch(/^[\^~]?\d/);

    const imported = new Set<string>();
    for (const file of jsFiles(path.join(out, 'lib'))) {
      const text = readFileSync(file, 'utf8');
      for (const [, spec] of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)['"]([^'"./][^'"]*)['"]/g)) {
        if (!spec!.startsWith('node:') && !builtinModules.includes(spec!)) imported.add(packageOf(spec!));
      }
    }
    expect(imported.size).toBeGreaterThan(3);
    for (const name of imported) expect(Object.keys(pkg.dependencies), `lib imports ${name}`).toContain(name);
  });
});
