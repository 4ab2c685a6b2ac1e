import type { ScanCheck, ScanFinding } from '@agent-marketplace/contract/scanReport';
import { formatBytes, type BundleEntry, type BundleLimits } from './bundle.js';
import { isEnvFile } from './secrets.js';
import { textOf } from './text.js';

/**
 * `bundle`: the bundle is plain files and folders inside the agent's folder, holds no key
 * material or local state, and fits the limits. Links and special files are refused outright:
 * whatever extracts the bundle later (the image build) must not be pointed outside it.
 */
const KEY_FILE = /(^|\/)(id_(rsa|dsa|ecdsa|ed25519)[^/]*|[^/]+\.(pem|key|p12|pfx))$/i;
const NPMRC_AUTH = /(_authToken|_auth|_password)\s*=/;

function escapes(path: string): boolean {
  return path.startsWith('/') || path.split('/').includes('..');
}

export function bundleCheck(entries: readonly BundleEntry[], limits: BundleLimits, compressedBytes: number | null): ScanCheck {
  const findings: ScanFinding[] = [];
  const fail = (path: string, message: string) => findings.push({ level: 'fail', path, message });
  const seen = new Set<string>();
  let nodeModules = 0;
  let git = 0;
  let totalBytes = 0;

  for (const e of entries) {
    const segments = e.path.split('/');
    if (e.type === 'file') totalBytes += e.sizeBytes;
    if (seen.has(e.path)) fail(e.path, `${e.path} appears twice: which copy would be used depends on the tool that extracts it.`);
    seen.add(e.path);
    if (escapes(e.path)) fail(e.path, `${e.path} points outside the agent's folder (an absolute path or "..").`);
    if (e.path.includes('\\')) findings.push({ level: 'warn', path: e.path, message: `${e.path} has a backslash, which Windows tools read as a folder separator.` });

    if (e.type === 'symlink') fail(e.path, `${e.path} is a symlink (to ${e.linkTarget ?? '?'}): bundles hold files and folders only; copy the file in instead.`);
    else if (e.type === 'hardlink') fail(e.path, `${e.path} is a hard link (to ${e.linkTarget ?? '?'}): bundles hold files and folders only.`);
    else if (e.type === 'other') fail(e.path, `${e.path} is a device, pipe or other special entry: bundles hold files and folders only.`);
    if (e.mode & 0o6000) fail(e.path, `${e.path} has the setuid or setgid bit.`);

    if (segments.includes('.git')) {
      git += 1;
      continue;
    }
    if (segments.includes('node_modules')) {
      nodeModules += 1;
      continue;
    }
    if (e.type !== 'file') continue;
    const name = segments[segments.length - 1]!;
    if (isEnvFile(e.path)) fail(e.path, `${e.path} is an environment file: secrets belong in the manifest's secrets, set per install.`);
    if (KEY_FILE.test(e.path)) fail(e.path, `${e.path} looks like key material (a private key or certificate store): it must not ship.`);
    if (name === '.npmrc') {
      const text = textOf(e);
      if (text === null || NPMRC_AUTH.test(text)) fail(e.path, `${e.path} holds a registry credential${text === null ? ' or cannot be read' : ''}: remove it.`);
    }
    if (e.sizeBytes > limits.maxFileBytes) fail(e.path, `${e.path} is ${formatBytes(e.sizeBytes)}, over the single-file limit of ${formatBytes(limits.maxFileBytes)}.`);
  }
  if (git) findings.push({ level: 'fail', path: '.git', message: `The bundle holds a .git folder (${git} entries): its history can carry removed secrets. Pack without it.` });
  if (nodeModules) findings.push({ level: 'warn', path: 'node_modules', message: `The bundle holds node_modules (${nodeModules} entries): the platform installs dependencies itself from package.json and the lockfile.` });
  if (entries.length > limits.maxEntries) findings.push({ level: 'fail', message: `${entries.length} entries, over the limit of ${limits.maxEntries}.` });
  if (totalBytes > limits.maxTotalBytes) findings.push({ level: 'fail', message: `${formatBytes(totalBytes)} of files, over the limit of ${formatBytes(limits.maxTotalBytes)}.` });
  if (compressedBytes !== null && compressedBytes > limits.maxCompressedBytes) {
    findings.push({ level: 'fail', message: `${formatBytes(compressedBytes)} compressed, over the limit of ${formatBytes(limits.maxCompressedBytes)}.` });
  }

  const compressed = compressedBytes === null ? '' : `, ${formatBytes(compressedBytes)} compressed of ${formatBytes(limits.maxCompressedBytes)}`;
  return {
    id: 'bundle',
    title: 'Bundle contents and size',
    status: findings.some((f) => f.level === 'fail') ? 'fail' : findings.length ? 'warn' : 'pass',
    blocker: true,
    note: `${entries.length} entries of ${limits.maxEntries}, ${formatBytes(totalBytes)} of files of ${formatBytes(limits.maxTotalBytes)}${compressed}; single files up to ${formatBytes(limits.maxFileBytes)}.`,
    findings,
  };
}
