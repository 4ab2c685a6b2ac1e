import type { ScanCheck, ScanFinding } from '@agent-marketplace/contract/scanReport';
import { AppError } from '../errors.js';
import type { Manifest } from '../manifest.js';
import { MANIFEST_PATH, type BundleEntry } from './bundle.js';
import { at, lineOf, textOf } from './text.js';

/** Parses and validates an agent.yaml, throwing AppError with per-field issues (app/catalog/publishAgent.ts parseManifest). */
export type ParseManifest = (yamlText: string) => Manifest;

/** The line endings and final newlines an editor or an OS may change without changing the manifest. */
const comparable = (text: string) => text.replace(/\r\n?/g, '\n').replace(/\n+$/, '');

function firstDifferentLine(a: string, b: string): number {
  const la = a.split('\n');
  const lb = b.split('\n');
  let i = 0;
  while (i < la.length && i < lb.length && la[i] === lb[i]) i += 1;
  return i + 1;
}

/** The submitted manifest's problems as findings: each zod issue already names its YAML line. */
function parseFindings(err: unknown): ScanFinding[] {
  if (!(err instanceof AppError)) throw err;
  if (!err.issues?.length) return [{ level: 'fail', path: MANIFEST_PATH, message: err.message }];
  return err.issues.map((i) => ({ level: 'fail' as const, path: MANIFEST_PATH, message: `${i.path}: ${i.message}` }));
}

/**
 * `manifest`: the bundle carries an agent.yaml, it is the submitted one, and that one is valid.
 * Returns the parsed manifest for the checks that read it (null when it is not valid).
 */
export function manifestCheck(manifestYaml: string, files: ReadonlyMap<string, BundleEntry>, parse: ParseManifest): { check: ScanCheck; manifest: Manifest | null } {
  const findings: ScanFinding[] = [];
  let manifest: Manifest | null = null;
  try {
    manifest = parse(manifestYaml);
  } catch (err) {
    findings.push(...parseFindings(err));
  }
  const inBundle = files.get(MANIFEST_PATH);
  const bundled = inBundle ? textOf(inBundle) : null;
  if (!inBundle) findings.push({ level: 'fail', message: `The bundle has no ${MANIFEST_PATH} at its root.` });
  else if (bundled === null) findings.push({ level: 'fail', path: MANIFEST_PATH, message: `${MANIFEST_PATH} in the bundle is not a readable text file.` });
  else if (comparable(bundled) !== comparable(manifestYaml)) {
    const line = firstDifferentLine(comparable(bundled), comparable(manifestYaml));
    findings.push({ level: 'fail', path: MANIFEST_PATH, line, message: `${MANIFEST_PATH} in the bundle differs from the submitted manifest (first at line ${line}): submit the bundle's own file.` });
  }
  const check: ScanCheck = {
    id: 'manifest',
    title: 'Manifest validity',
    status: findings.length ? 'fail' : 'pass',
    blocker: true,
    ...(findings.length ? {} : { note: `${MANIFEST_PATH} is valid and the bundle carries the same file.` }),
    findings,
  };
  return { check, manifest };
}

const notChecked = (level: 'warn' | 'fail'): ScanFinding[] => [{ level, message: `Not checked: ${MANIFEST_PATH} is not valid.` }];

/** `entry`: the module the runner imports is a file in the bundle. */
export function entryCheck(manifest: Manifest | null, files: ReadonlyMap<string, BundleEntry>): ScanCheck {
  const base = { id: 'entry' as const, title: 'Entry module', blocker: true };
  if (!manifest) return { ...base, status: 'fail', findings: notChecked('fail') };
  const entry = manifest.runtime.local.entry.replace(/^(\.\/)+/, '');
  const found = files.get(entry);
  if (!found) return { ...base, status: 'fail', findings: [{ level: 'fail', path: entry, message: `runtime.local.entry ${entry} is not in the bundle.` }] };
  if (found.type !== 'file') return { ...base, status: 'fail', findings: [{ level: 'fail', path: entry, message: `runtime.local.entry ${entry} is a ${found.type}, not a file.` }] };
  return { ...base, status: 'pass', note: `${entry} is in the bundle.`, findings: [] };
}

const DIGEST_PINNED = /@sha256:[a-f0-9]{64}$/;

/** `image`: a given image is pinned by digest, so what was reviewed is what runs. */
export function imageCheck(manifest: Manifest | null, manifestYaml: string): ScanCheck {
  const base = { id: 'image' as const, title: 'Image pinned by digest', blocker: true };
  if (!manifest) return { ...base, status: 'fail', findings: notChecked('fail') };
  const image = manifest.runtime.image;
  if (image === undefined) return { ...base, status: 'pass', note: 'No runtime.image: the platform builds the image from this bundle and pins it by digest.', findings: [] };
  if (!DIGEST_PINNED.test(image)) {
    return { ...base, status: 'fail', findings: [{ level: 'fail', ...at(MANIFEST_PATH, lineOf(manifestYaml, image)), message: `runtime.image ${image} is not pinned by digest (…@sha256:<64 hex>): a tag can be moved after review.` }] };
  }
  return { ...base, status: 'pass', note: `runtime.image is pinned by digest.`, findings: [] };
}

/** Verbs that only read: anything else changes the customer's cloud. */
const READ_VERBS = new Set(['list', 'get', 'read']);
const MIN_REASON_WORDS = 3;

/** `permissions`: risky writes are gated by an approval, and every scope says why it is needed. Advisory: never a blocker. */
export function permissionsCheck(manifest: Manifest | null, manifestYaml: string): ScanCheck {
  const base = { id: 'permissions' as const, title: 'Permissions justified', blocker: false };
  if (!manifest) return { ...base, status: 'warn', findings: notChecked('warn') };
  const findings: ScanFinding[] = [];
  const gated = new Set(manifest.approvals.map((a) => a.action));
  for (const p of manifest.permissions) {
    const line = lineOf(manifestYaml, `scope: ${p.scope}`);
    const verb = p.scope.slice(p.scope.lastIndexOf('.') + 1);
    if ((p.risk === 'high' || p.risk === 'critical') && !READ_VERBS.has(verb) && !gated.has(p.scope)) {
      findings.push({ level: 'warn', ...at(MANIFEST_PATH, line), message: `${p.scope} is ${p.risk} risk and changes things, yet no approval gates it: add it to approvals, or say in its reason why it is safe unattended.` });
    }
    if (p.reason.trim().split(/\s+/).length < MIN_REASON_WORDS) {
      findings.push({ level: 'warn', ...at(MANIFEST_PATH, line), message: `The reason for ${p.scope} ("${p.reason.trim()}") is too vague: say in a sentence what the agent does with it.` });
    }
  }
  const n = manifest.permissions.length;
  return { ...base, status: findings.length ? 'warn' : 'pass', note: `${n} permission${n === 1 ? '' : 's'}, ${gated.size} gated by an approval.`, findings };
}
