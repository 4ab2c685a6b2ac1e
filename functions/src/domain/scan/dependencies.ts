import type { ScanCheck, ScanFinding } from '@agent-marketplace/contract/scanReport';
import { advisoriesAdmittedBy, advisoriesFor, BLOCKING_SEVERITIES, isSemverRange, type Advisory, type AdvisoryList } from './advisories.js';
import type { BundleEntry } from './bundle.js';
import { at, lineOf, textOf } from './text.js';

/**
 * Dependency vulnerabilities: the versions the bundle will install (its `package-lock.json`),
 * or failing that the ones it asks for (`package.json`), against the shipped advisory list.
 */
type Dependency =
  /** An exact version: locked, or pinned in package.json. */
  | { kind: 'exact'; name: string; version: string; dev: boolean; file: string; key: string }
  /** A range from package.json: it may or may not resolve to a vulnerable version. */
  | { kind: 'range'; name: string; range: string; dev: boolean; file: string; key: string };

const LOCK = 'package-lock.json';
const PACKAGE = 'package.json';
const NM = 'node_modules/';

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** The installed packages of a v2/v3 lockfile (`packages` keyed by `node_modules/...` paths), or null for older formats. */
function fromLockfile(lock: Record<string, unknown>): Dependency[] | null {
  const packages = lock['packages'];
  if (typeof lock['lockfileVersion'] !== 'number' || lock['lockfileVersion'] < 2 || !isObject(packages)) return null;
  const out: Dependency[] = [];
  for (const [key, value] of Object.entries(packages)) {
    const at = key.lastIndexOf(NM);
    if (at < 0 || !isObject(value) || value['link'] === true || typeof value['version'] !== 'string') continue;
    out.push({ kind: 'exact', name: key.slice(at + NM.length), version: value['version'], dev: value['dev'] === true, file: LOCK, key: `"${key}"` });
  }
  return out;
}

const SEMVER_EXACT = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

function fromPackageJson(pkg: Record<string, unknown>): Dependency[] {
  const out: Dependency[] = [];
  const sections: Array<[string, boolean]> = [
    ['dependencies', false],
    ['optionalDependencies', false],
    ['peerDependencies', false],
    ['devDependencies', true],
  ];
  for (const [section, dev] of sections) {
    const deps = pkg[section];
    if (!isObject(deps)) continue;
    for (const [name, spec] of Object.entries(deps)) {
      if (typeof spec !== 'string') continue;
      const s = spec.trim();
      const key = `"${name}"`;
      out.push(SEMVER_EXACT.test(s) ? { kind: 'exact', name, version: s.replace(/^v/, ''), dev, file: PACKAGE, key } : { kind: 'range', name, range: s, dev, file: PACKAGE, key });
    }
  }
  return out;
}

function describe(a: Advisory): string {
  return `${a.id} (${a.severity}) ${a.title}${a.fixedIn ? `; fixed in ${a.fixedIn}` : '; no fixed version'}`;
}

export function dependenciesCheck(files: ReadonlyMap<string, BundleEntry>, list: AdvisoryList): ScanCheck {
  const findings: ScanFinding[] = [];
  const base = { id: 'dependencies' as const, title: 'Dependency vulnerabilities', blocker: true };
  const dated = `${list.advisories.length} advisories dated ${list.generatedAt}`;

  let deps: Dependency[] | null = null;
  let source = '';
  const texts = new Map<string, string>();
  const lock = files.get(LOCK);
  if (lock) {
    const text = textOf(lock);
    const parsed = text === null ? null : parseJson(text);
    deps = parsed && fromLockfile(parsed);
    if (text !== null) texts.set(LOCK, text);
    if (deps) source = LOCK;
    else findings.push({ level: 'warn', path: LOCK, message: `${LOCK} is not a readable lockfile of version 2 or 3, so ${PACKAGE} was checked instead` });
  }
  if (!deps) {
    const pkg = files.get(PACKAGE);
    if (!pkg) return { ...base, status: findings.length ? 'warn' : 'pass', note: `No ${PACKAGE}: no dependencies to check.`, findings };
    const text = textOf(pkg);
    const parsed = text === null ? null : parseJson(text);
    if (!parsed) {
      findings.push({ level: 'fail', path: PACKAGE, message: `${PACKAGE} is not a JSON object, so the dependencies cannot be checked` });
      return { ...base, status: 'fail', note: `Checked against ${dated}.`, findings };
    }
    texts.set(PACKAGE, text!);
    deps = fromPackageJson(parsed);
    source = PACKAGE;
  }

  const seen = new Set<string>();
  let unchecked = 0;
  for (const dep of deps) {
    const text = texts.get(dep.file) ?? '';
    if (dep.kind === 'exact') {
      for (const a of advisoriesFor(list, dep.name, dep.version)) {
        const once = `${dep.name}@${dep.version} ${a.id}`;
        if (seen.has(once)) continue;
        seen.add(once);
        const blocks = BLOCKING_SEVERITIES.has(a.severity) && !dep.dev;
        const devNote = dep.dev && BLOCKING_SEVERITIES.has(a.severity) ? ' (a dev dependency: not in the production image)' : '';
        findings.push({ level: blocks ? 'fail' : 'warn', ...at(dep.file, lineOf(text, dep.key)), message: `${dep.name} ${dep.version}: ${describe(a)}${devNote}` });
      }
    } else {
      if (!isSemverRange(dep.range)) {
        unchecked += 1;
        continue;
      }
      for (const a of advisoriesAdmittedBy(list, dep.name, dep.range)) {
        findings.push({ level: 'warn', ...at(dep.file, lineOf(text, dep.key)), message: `${dep.name} "${dep.range}" admits vulnerable versions: ${describe(a)}` });
      }
    }
  }

  if (deps.length === 0) return { ...base, status: findings.length ? 'warn' : 'pass', note: `${source} declares no dependencies.`, findings };
  const status = findings.some((f) => f.level === 'fail') ? 'fail' : findings.length ? 'warn' : 'pass';
  const rangesNote = source === PACKAGE ? ' Without a lockfile the ranges are judged, not the versions npm will pick: commit package-lock.json for an exact check.' : '';
  const uncheckedNote = unchecked ? ` ${unchecked} dependencies are not semver ranges (git, file or tag specs) and were not checked.` : '';
  return { ...base, status, note: `Checked ${deps.length} dependencies from ${source} against ${dated}.${rangesNote}${uncheckedNote}`, findings };
}
