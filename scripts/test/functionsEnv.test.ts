import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');

describe('the local stacks set every functions param', () => {
  it('lists each param the functions define, so the emulator never writes defaults to .env.local', () => {
    const config = readFileSync(path.join(root, 'functions', 'src', 'config', 'index.ts'), 'utf8');
    const declared = [...config.matchAll(/define(?:String|Int|Secret)\('([A-Z_]+)'/g)].map((m) => m[1]!).sort();
    const stack = readFileSync(path.join(root, 'scripts', 'lib', 'stack.ts'), 'utf8');
    const written = new Set([...stack.matchAll(/^\s+([A-Z_]+)(?::|,)/gm)].map((m) => m[1]!));
    expect(declared.length).toBeGreaterThan(5);
    expect(declared.filter((name) => !written.has(name))).toEqual([]);
  });
});
