/**
 * Where the browser tests and the bench get Chromium: CHROMIUM_PATH, Debian's, or the npm
 * package's headless shell inflated into a cache of our own, safely while others do the same.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumVersion, resolveChromium } from '../lib/chromium.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
mkdirSync(path.join(root, '.local'), { recursive: true });
const scratch = mkdtempSync(path.join(root, '.local', 'chromium-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** An executable script that prints `output`, standing in for a browser binary. */
function fakeBinary(name: string, output: string, status = 0): string {
  const file = path.join(scratch, name);
  writeFileSync(file, `#!/bin/sh\necho '${output}'\nexit ${status}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** resolveChromium in a process of its own, as vitest's global setup and the bench call it. */
function resolveInChild(cacheDir: string): Promise<{ status: number | null; out: string }> {
  const script = `import { resolveChromium } from ${JSON.stringify(path.join(root, 'scripts', 'lib', 'chromium.ts'))};
console.log(await resolveChromium({ env: {}, systemPath: '/nonexistent/chromium', cacheDir: ${JSON.stringify(cacheDir)} }));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, out: out.trim() })));
}

describe('resolveChromium', () => {
  it('prefers CHROMIUM_PATH, then the system Chromium', async () => {
    const explicit = fakeBinary('explicit', 'Chromium 140.0.1');
    const system = fakeBinary('system', 'Chromium 139.0.2');
    const cacheDir = path.join(scratch, 'unused-cache');
    expect(await resolveChromium({ env: { CHROMIUM_PATH: explicit }, systemPath: system, cacheDir })).toBe(explicit);
    expect(await resolveChromium({ env: {}, systemPath: system, cacheDir })).toBe(system);
  });

  it('refuses a CHROMIUM_PATH that does not run, saying so', async () => {
    const broken = fakeBinary('broken', 'Segmentation fault', 139);
    await expect(resolveChromium({ env: { CHROMIUM_PATH: broken }, systemPath: '/nonexistent/chromium' })).rejects.toThrow(`CHROMIUM_PATH=${broken} does not run`);
  });

  it('without either, inflates the npm package once into its cache: two processes at once, over a half-written copy, get one working binary', async () => {
    const cacheDir = path.join(scratch, 'cache');
    // What an interrupted inflate leaves behind: the first bytes of the binary, executable.
    const { version } = JSON.parse(readFileSync(path.join(root, 'node_modules', '@sparticuz', 'chromium', 'package.json'), 'utf8')) as { version: string };
    mkdirSync(path.join(cacheDir, version), { recursive: true });
    writeFileSync(path.join(cacheDir, version, 'chromium'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), { mode: 0o755 });
    const [a, b] = await Promise.all([resolveInChild(cacheDir), resolveInChild(cacheDir)]);
    expect([a.status, b.status]).toEqual([0, 0]);
    expect(a.out).toBe(b.out);
    expect(a.out).toBe(path.join(cacheDir, version, 'chromium'));
    expect(chromiumVersion(a.out)).toMatch(/^Chromium \d+\./);
    // No partial copies left beside it.
    expect(readdirSync(path.dirname(a.out))).toEqual(['chromium']);
  }, 120_000);
});
