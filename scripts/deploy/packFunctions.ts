/**
 * `npm run deploy:pack`: the Cloud Functions source as Firebase deploys it. Cloud Build runs
 * `npm install` on the uploaded folder alone, where this repo's workspace packages
 * (`@agent-marketplace/contract`) do not exist, so the folder carries them as packed tarballs
 * and its package.json points at those. firebase.json deploys `.deploy/functions`; the local
 * stacks run `functions/` itself (scripts/lib/stack.ts).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  [key: string]: unknown;
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as PackageJson;

/** The repo's workspace packages by name (what a registry does not have). */
function workspacePackages(): Map<string, string> {
  const root = readJson(path.join(repoRoot, 'package.json')) as PackageJson & { workspaces: string[] };
  const out = new Map<string, string>();
  for (const dir of root.workspaces.filter((w) => !w.includes('*'))) {
    const file = path.join(repoRoot, dir, 'package.json');
    if (existsSync(file)) out.set(readJson(file).name, path.join(repoRoot, dir));
  }
  return out;
}

export function packFunctions(outDir = path.join(repoRoot, '.deploy', 'functions')): string {
  // Only ever a folder of ours: it is emptied first.
  if (!path.resolve(outDir).startsWith(repoRoot + path.sep)) throw new Error(`refusing to pack outside the repo: ${outDir}`);
  const functionsDir = path.join(repoRoot, 'functions');
  if (!existsSync(path.join(functionsDir, 'lib', 'index.js'))) throw new Error('functions/lib is missing: run `npm run build` first.');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(path.join(outDir, 'vendor'), { recursive: true });
  cpSync(path.join(functionsDir, 'lib'), path.join(outDir, 'lib'), { recursive: true, filter: (src) => !src.endsWith('.map') });

  const pkg = readJson(path.join(functionsDir, 'package.json'));
  const workspaces = workspacePackages();
  const dependencies: Record<string, string> = {};
  for (const [name, range] of Object.entries(pkg.dependencies ?? {})) {
    const dir = workspaces.get(name);
    if (!dir) {
      dependencies[name] = range;
      continue;
    }
    if (!existsSync(path.join(dir, 'lib'))) throw new Error(`${name} is not built (${path.relative(repoRoot, dir)}/lib): run \`npm run build\` first.`);
    const tarball = execFileSync('npm', ['pack', dir, '--pack-destination', path.join(outDir, 'vendor'), '--silent'], { cwd: repoRoot, encoding: 'utf8' }).trim().split('\n').at(-1)!;
    dependencies[name] = `file:vendor/${tarball}`;
  }
  writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify({ ...pkg, dependencies }, null, 2)}\n`);
  return outDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = packFunctions();
  console.log(`packed the functions source for deploy into ${path.relative(repoRoot, out)}`);
}
