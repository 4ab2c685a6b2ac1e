/**
 * No module imports itself through others (static imports of relative paths). A cycle makes
 * load order matter and layers blur; it crept in twice before (installs → schedules → runs →
 * installs, and the wizard page ↔ its steps).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sources(file);
    return /\.ts$/.test(name) && !/\.d\.ts$/.test(name) ? [file] : [];
  });
}

/** Static `import ... from './x.js'` and `export ... from` edges, type-only imports included. */
function edges(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const [, spec] of text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'(\.{1,2}\/[^']+)'/gm)) {
    const target = path.resolve(path.dirname(file), spec!.replace(/\.js$/, '.ts'));
    out.push(target);
  }
  return out;
}

export function findCycles(files: string[]): string[][] {
  const graph = new Map(files.map((f) => [f, edges(f).filter((t) => files.includes(t))]));
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'visiting');
    stack.push(f);
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === 'visiting') cycles.push([...stack.slice(stack.indexOf(t)), t].map((x) => path.relative(root, x)));
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return cycles;
}

describe('import cycles', () => {
  for (const dir of ['contract/src', 'client/src', 'functions/src', 'runner/src', 'web/src']) {
    it(`there are none in ${dir}`, () => {
      expect(findCycles(sources(path.join(root, dir)))).toEqual([]);
    });
  }

  it('the check finds one when there is one', () => {
    const tmp = path.join(root, 'scripts', 'test', 'fixtures', 'cycle');
    expect(findCycles(sources(tmp)).map((c) => c.map((f) => path.basename(f)))).toEqual([['a.ts', 'b.ts', 'a.ts']]);
  });
});
