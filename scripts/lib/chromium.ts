/**
 * Finds a headless Chromium for the browser tests and the bench: `CHROMIUM_PATH` if set, else
 * Debian's `/usr/bin/chromium`, else the headless shell the npm package `@sparticuz/chromium`
 * carries, inflated once into `.local/chromium/<version>/`.
 *
 * The package's own `executablePath()` inflates to `/tmp/chromium` and then trusts whatever
 * that path holds (another checkout's copy, a half-written file), and two processes inflating
 * at once write the same file. Here each process inflates into a name of its own and renames
 * it into place (atomic), and a binary is used only once it answers `--version`.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createBrotliDecompress } from 'node:zlib';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The resolved binary, handed from the process that resolved it (vitest's global setup, the bench) to the ones that launch it. */
export const CHROMIUM_ENV = 'AM_CHROMIUM';

export interface ChromiumOptions {
  /** Where `CHROMIUM_PATH` is read from. */
  env?: NodeJS.ProcessEnv;
  /** Debian's Chromium. */
  systemPath?: string;
  /** Where the npm package's binary is inflated, one folder per package version. */
  cacheDir?: string;
}

/** The version line of a binary that runs, or null (missing, not executable, half-written, wrong architecture). */
export function chromiumVersion(executable: string): string | null {
  const r = spawnSync(executable, ['--version'], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore'] });
  const line = r.status === 0 ? (r.stdout ?? '').trim() : '';
  return /(Chromium|Chrome)\S* \d+\./.test(line) ? line : null;
}

/** The package's folder of brotli-compressed binaries, and its version. */
function bundled(): { binDir: string; version: string } {
  // createRequire, not import.meta.resolve, which vitest's module runner (global setup) lacks.
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  const packageDir = path.resolve(path.dirname(entry), '..');
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
  return { binDir: path.join(packageDir, 'bin'), version };
}

/**
 * Inflates the package's `chromium.br` to `<cacheDir>/<version>/chromium` unless a working
 * copy is there. Fonts come from the system (fontconfig) and, with `--disable-gpu`, no GL
 * library is loaded, so the package's font and SwiftShader archives are not needed.
 */
async function inflateBundled(cacheDir: string): Promise<string> {
  const { binDir, version } = bundled();
  const dir = path.join(cacheDir, version);
  const target = path.join(dir, 'chromium');
  if (chromiumVersion(target)) return target;
  mkdirSync(dir, { recursive: true });
  const partial = path.join(dir, `.chromium-${randomUUID()}.partial`);
  try {
    await pipeline(createReadStream(path.join(binDir, 'chromium.br')), createBrotliDecompress(), createWriteStream(partial, { mode: 0o755 }));
    if (!chromiumVersion(partial)) throw new Error(`the headless Chromium inflated from ${binDir} does not run (${partial} --version failed)`);
    // Atomic: a process launching `target` sees the old file or the new one, never half of one.
    renameSync(partial, target);
  } finally {
    rmSync(partial, { force: true });
  }
  return target;
}

/** The Chromium to launch; throws with what to do when none runs. */
export async function resolveChromium(options: ChromiumOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const explicit = env['CHROMIUM_PATH'];
  if (explicit) {
    if (!chromiumVersion(explicit)) throw new Error(`CHROMIUM_PATH=${explicit} does not run (\`${explicit} --version\` failed). Unset it to use Debian's or the npm package's Chromium.`);
    return explicit;
  }
  const system = options.systemPath ?? '/usr/bin/chromium';
  if (existsSync(system) && chromiumVersion(system)) return system;
  return inflateBundled(options.cacheDir ?? path.join(repoRoot, '.local', 'chromium'));
}
