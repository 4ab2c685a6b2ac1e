import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fmt, median, ratio } from './stats.ts';

const ROUNDS = 9;

function timeNode(root: string, code: string): { ms: number; out: string } {
  const t0 = process.hrtime.bigint();
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, out };
}

/** Cold import of the functions bundle and of each trigger module, against a bare `node -e 0`. */
export function benchColdImport(root: string): void {
  const lazyCheck = `const { createRequire } = await import('node:module'); const r = createRequire(import.meta.url);
    const loaded = Object.keys(r.cache); console.log(JSON.stringify({ run: loaded.some((k) => k.includes('@google-cloud/run')), stripe: loaded.some((k) => k.includes('/stripe/')) }));`;
  const targets: Record<string, string> = {
    'bare node -e 0': '0',
    'functions/lib/index.js': `await import('./functions/lib/index.js'); ${lazyCheck}`,
    'triggers/api.js': `await import('./functions/lib/triggers/api.js');`,
    'triggers/dispatchRun.js': `await import('./functions/lib/triggers/dispatchRun.js');`,
  };
  const results: Record<string, number> = {};
  let lazy = '';
  for (const [name, code] of Object.entries(targets)) {
    const times: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const { ms, out } = timeNode(root, code);
      times.push(ms);
      if (out.trim()) lazy = out.trim();
    }
    results[name] = median(times);
  }
  const bare = results['bare node -e 0']!;
  console.log(`\n== Cold import (median of ${ROUNDS} fresh processes, Node ${process.version}) ==`);
  for (const [name, ms] of Object.entries(results)) {
    console.log(`  ${name.padEnd(26)} ${fmt(ms).padStart(10)}   ${ratio(ms, bare)} of bare node`);
  }
  const l = JSON.parse(lazy || '{}') as { run?: boolean; stripe?: boolean };
  console.log(`  heavy SDKs at import: @google-cloud/run ${l.run ? 'LOADED (should be lazy)' : 'not loaded (lazy)'}, stripe ${l.stripe ? 'LOADED' : 'not loaded'}`);
  void path;
}
