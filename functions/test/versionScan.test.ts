import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ScanReport, type ScanCheck } from '@agent-marketplace/contract/scanReport';
import { describe, expect, it } from 'vitest';
import { packBundle } from '../../cli/src/pack.ts';
import { readBundle } from '../src/adapters/bundles/readBundle.ts';
import { parseManifest } from '../src/app/catalog/publishAgent.ts';
import { AdvisoryList, shippedAdvisories } from '../src/domain/scan/advisories.ts';
import { formatBytes, type BundleEntry } from '../src/domain/scan/bundle.ts';
import { findSecrets, redactMatch } from '../src/domain/scan/secrets.ts';
import { imageCheck } from '../src/domain/scan/manifestChecks.ts';
import { MAX_FINDINGS_PER_CHECK, scanVersion, type ScanInput } from '../src/domain/scan/scanVersion.ts';
import type { Manifest } from '../src/domain/manifest.ts';

const AGENTS = join(import.meta.dirname, '../../agents');
const YAML = readFileSync(join(AGENTS, 'idle-vm-reaper/agent.yaml'), 'utf8');
const INDEX = readFileSync(join(AGENTS, 'idle-vm-reaper/src/index.ts'), 'utf8');
const advisories = shippedAdvisories();

type Spec = string | Uint8Array | Partial<BundleEntry>;
/** Entries from a path → text (a file), bytes (a file) or a partial entry (a link, a folder...). */
function entriesOf(files: Record<string, Spec>): BundleEntry[] {
  return Object.entries(files).map(([path, spec]) => {
    if (typeof spec === 'string' || spec instanceof Uint8Array) {
      const content = typeof spec === 'string' ? Buffer.from(spec) : spec;
      return { path, type: 'file', sizeBytes: content.length, mode: 0o644, content };
    }
    return { path, type: 'file', sizeBytes: 0, mode: 0o644, content: null, ...spec };
  });
}

const baseFiles = (): Record<string, Spec> => ({ 'agent.yaml': YAML, 'src/index.ts': INDEX, 'package.json': '{"name":"x","type":"module"}' });

function scan(files: Record<string, Spec>, overrides: Partial<ScanInput> = {}) {
  const report = scanVersion({ manifestYaml: YAML, entries: entriesOf(files), advisories, parseManifest, ...overrides });
  expect(ScanReport.safeParse(report).success).toBe(true);
  return report;
}
const check = (report: ReturnType<typeof scan>, id: ScanCheck['id']) => report.checks.find((c) => c.id === id)!;
const messages = (c: ScanCheck) => c.findings.map((f) => f.message).join('\n');

describe('scanVersion: the report', () => {
  it('a clean version passes every check, lists the checks in order and states the advisory list and limits', () => {
    const report = scan(baseFiles(), { now: new Date('2026-12-01T10:00:00Z'), compressedBytes: 4321 });
    expect(report.passed).toBe(true);
    expect(report.scannedAt).toBe('2026-12-01T10:00:00.000Z');
    expect(report.checks.map((c) => [c.id, c.status, c.blocker])).toEqual([
      ['manifest', 'pass', true],
      ['entry', 'pass', true],
      ['image', 'pass', true],
      ['permissions', 'pass', false],
      ['secrets', 'pass', true],
      ['dependencies', 'pass', true],
      ['bundle', 'pass', true],
    ]);
    expect(report.advisories).toEqual({ generatedAt: advisories.generatedAt, source: advisories.source, count: advisories.advisories.length });
    expect(report.bundle).toMatchObject({ entries: 3, compressedBytes: 4321, limits: { maxTotalBytes: 200 * 1024 * 1024, maxEntries: 5000 } });
    expect(check(report, 'bundle').note).toContain('3 entries of 5000');
    expect(check(report, 'image').note).toContain('the platform builds the image');
    expect(check(report, 'dependencies').note).toBe('package.json declares no dependencies.');
  });

  it('passed is false iff a blocker check failed: warnings alone pass', () => {
    const warnOnly = scan({ ...baseFiles(), 'node_modules/x/index.js': 'x' });
    expect(check(warnOnly, 'bundle').status).toBe('warn');
    expect(warnOnly.passed).toBe(true);
    const blocked = scan({ ...baseFiles(), 'link': { type: 'symlink', linkTarget: '/etc' } });
    expect(blocked.passed).toBe(false);
  });

  it('a check with many findings keeps the first fifty, fails first, and counts the rest', () => {
    const keys = Array.from({ length: 70 }, (_, i) => `key${i} = "${'AKIA'}${String(i).padStart(16, 'Q')}"`).join('\n');
    const c = check(scan({ ...baseFiles(), 'notes.txt': `${'x'.repeat(3_000_000).slice(0, 10)}\n${keys}` }), 'secrets');
    expect(c.findings).toHaveLength(MAX_FINDINGS_PER_CHECK);
    expect(c.findings.at(-1)!.message).toBe('…and 21 more like these.');
  });
});

describe('manifest, entry and image checks', () => {
  it('manifest: missing from the bundle, different from the submitted text, or invalid: each a blocker with where', () => {
    const { 'agent.yaml': _drop, ...noYaml } = baseFiles();
    expect(messages(check(scan(noYaml), 'manifest'))).toContain('no agent.yaml at its root');

    const changed = YAML.replace('amountCents: 25', 'amountCents: 2500');
    const diff = check(scan({ ...baseFiles(), 'agent.yaml': changed }), 'manifest');
    expect(diff.status).toBe('fail');
    expect(diff.findings[0]).toMatchObject({ path: 'agent.yaml', line: YAML.split('\n').findIndex((l) => l.includes('amountCents')) + 1 });

    const invalid = YAML.replace(/^version: .*$/m, 'version: one');
    const report = scan({ ...baseFiles(), 'agent.yaml': invalid }, { manifestYaml: invalid });
    expect(report.passed).toBe(false);
    expect(messages(check(report, 'manifest'))).toMatch(/^version: a semantic version such as 1\.2\.3 \(line 3\)$/m);
    // The checks that read the manifest say they could not.
    expect(check(report, 'entry')).toMatchObject({ status: 'fail', findings: [{ message: 'Not checked: agent.yaml is not valid.' }] });
    expect(check(report, 'permissions').status).toBe('warn');

    expect(messages(check(scan({ ...baseFiles(), 'agent.yaml': 'x: [' }, { manifestYaml: 'x: [' }), 'manifest'))).toContain('line');
  });

  it('manifest: line endings and a final newline are not a difference', () => {
    const crlf = YAML.replace(/\n/g, '\r\n') + '\r\n\r\n';
    expect(check(scan({ ...baseFiles(), 'agent.yaml': crlf }), 'manifest').status).toBe('pass');
  });

  it('entry: the runner\'s module must be a file in the bundle', () => {
    const { 'src/index.ts': _drop, ...noEntry } = baseFiles();
    expect(check(scan(noEntry), 'entry').findings[0]).toMatchObject({ level: 'fail', path: 'src/index.ts', message: 'runtime.local.entry src/index.ts is not in the bundle.' });
    expect(messages(check(scan({ ...noEntry, 'src/index.ts': { type: 'symlink', linkTarget: 'x.ts' } }), 'entry'))).toContain('is a symlink, not a file');
    expect(check(scan(baseFiles()), 'entry')).toMatchObject({ status: 'pass', note: 'src/index.ts is in the bundle.' });
  });

  it('image: pinned by digest passes, a tag fails (the schema refuses one too; the check says so in the report)', () => {
    const digest = `gcr.io/acme/reaper@sha256:${'a'.repeat(64)}`;
    const pinned = YAML.replace('runtime:\n', `runtime:\n  image: ${digest}\n`);
    const report = scan({ ...baseFiles(), 'agent.yaml': pinned }, { manifestYaml: pinned });
    expect(check(report, 'image')).toMatchObject({ status: 'pass', note: 'runtime.image is pinned by digest.' });

    const tagged = YAML.replace('runtime:\n', 'runtime:\n  image: gcr.io/acme/reaper:latest\n');
    expect(scan({ ...baseFiles(), 'agent.yaml': tagged }, { manifestYaml: tagged }).passed).toBe(false);
    const manifest = { runtime: { image: 'gcr.io/acme/reaper:latest', local: { entry: 'src/index.ts' } } } as Manifest;
    const c = imageCheck(manifest, tagged);
    expect(c).toMatchObject({ status: 'fail', blocker: true });
    expect(c.findings[0]).toMatchObject({ path: 'agent.yaml', line: tagged.split('\n').findIndex((l) => l.includes('image: gcr.io')) + 1 });
    expect(c.findings[0]!.message).toContain('not pinned by digest');
  });
});

describe('permissions check (advisory, never a blocker)', () => {
  it('a high or critical write with no approval is a warning naming the scope; reads and gated writes are fine', () => {
    const ungated = YAML.replace(/approvals:\n( {2}.*\n)+/, '').replace(
      'permissions:\n',
      'permissions:\n  - scope: vm.get\n    risk: critical\n    reason: Read one VM in full to judge it.\n  - scope: disk.delete\n    risk: critical\n    reason: Delete the boot disks of stopped VMs.\n',
    );
    const report = scan({ ...baseFiles(), 'agent.yaml': ungated }, { manifestYaml: ungated });
    const c = check(report, 'permissions');
    expect(c.status).toBe('warn');
    expect(c.findings.map((f) => f.message.split(' ')[0])).toEqual(['disk.delete', 'vm.stop']);
    expect(c.findings[0]).toMatchObject({ level: 'warn', path: 'agent.yaml', line: ungated.split('\n').indexOf('  - scope: disk.delete') + 1 });
    expect(c.findings[0]!.message).toContain('critical risk and changes things, yet no approval gates it');
    expect(report.passed).toBe(true);
  });

  it('a reason of fewer than three words is too vague', () => {
    const vague = YAML.replace(/reason: Stop idle VMs\..*/, 'reason: Stop VMs');
    const c = check(scan({ ...baseFiles(), 'agent.yaml': vague }, { manifestYaml: vague }), 'permissions');
    expect(c.findings).toHaveLength(1);
    expect(c.findings[0]!.message).toBe('The reason for vm.stop ("Stop VMs") is too vague: say in a sentence what the agent does with it.');
    // A scope written so the line cannot be found: the finding has no line, not an undefined one (Firestore refuses those).
    const quoted = vague.replace('scope: vm.stop', 'scope: "vm.stop"');
    const finding = check(scan({ ...baseFiles(), 'agent.yaml': quoted }, { manifestYaml: quoted }), 'permissions').findings[0]!;
    expect(finding.path).toBe('agent.yaml');
    expect('line' in finding).toBe(false);
  });
});

// Test credentials are assembled at run time so the repository never holds one whole.
const j = (...parts: string[]) => parts.join('');
const SECRETS: Array<[id: string, line: string, label: string, shown: string]> = [
  ['aws id', j('const id = "', 'AKIA', 'IOSFODNN7EXAMPLE', '";'), 'AWS access key id', 'AKIA…'],
  ['aws session id', j('key: ', 'ASIA', 'Y34FZKBOKMUTVV7A'), 'AWS access key id', 'ASIA…'],
  ['aws secret', j('aws_secret_access_key = ', 'wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCYEXAMPLEKEY'), 'AWS secret access key', 'wJal…'],
  ['gcp key', j('  "private_key": "-----BEGIN', ' PRIVATE KEY-----\\nMIIE..."'), 'Google Cloud service-account key', '"pri…'],
  ['pem', j('-----BEGIN RSA', ' PRIVATE KEY-----'), 'private key (PEM)', '----…'],
  ['openssh', j('-----BEGIN OPENSSH', ' PRIVATE KEY-----'), 'private key (PEM)', '----…'],
  ['stripe live', j('STRIPE=', 'sk_live_', '4eC39HqLyjWDarjtT1zdp7dc'), 'Stripe secret or restricted key', 'sk_l…'],
  ['stripe test', j('"', 'sk_test_', '4eC39HqLyjWDarjtT1zdp7dc', '"'), 'Stripe secret or restricted key', 'sk_t…'],
  ['stripe restricted', j('rk_live_', '51H8abcdefghijklmnopqrstuv'), 'Stripe secret or restricted key', 'rk_l…'],
  ['github classic', j('token ', 'ghp_', 'a'.repeat(36)), 'GitHub token', 'ghp_…'],
  ['github oauth', j('gho_', 'B'.repeat(36)), 'GitHub token', 'gho_…'],
  ['github fine-grained', j('github_pat_', '11ABCDEFG0', 'x'.repeat(12), '_', 'y'.repeat(59)), 'GitHub token', 'gith…'],
  ['slack', j('xoxb-', '123456789012-1234567890123-', 'AbCdEfGhIjKlMnOpQrStUvWx'), 'Slack token', 'xoxb…'],
  ['google api key', j('key=', 'AIza', 'SyA-1234567890abcdefghijklmnopqrstu'), 'Google API key', 'AIza…'],
  ['jwt', j('Authorization: Bearer ', 'eyJhbGciOiJIUzI1NiJ9', '.', 'eyJzdWIiOiIxMjM0NTY3ODkwIn0', '.', 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'), 'JSON Web Token', 'eyJh…'],
];
const NEAR_MISSES = [
  j('AKIA', 'IOSFODNN7EXAMPL'), // 15 characters, not 16
  j('XAKIA', 'IOSFODNN7EXAMPLE'), // inside a longer token
  j('aws_secret_access_key = ', 'x'.repeat(39)),
  '-----BEGIN PUBLIC KEY-----',
  '-----BEGIN CERTIFICATE-----',
  j('sk_live_', 'short'),
  'sk_test_... (your Stripe test key here)',
  j('ghp_', 'a'.repeat(20)),
  'xoxb-123',
  j('AIza', 'Sy', 'x'.repeat(20)),
  'eyJhbGciOiJIUzI1NiJ9',
  'const private_key = process.env.PRIVATE_KEY;',
];

describe('secrets check', () => {
  it.each(SECRETS)('%s is found with its file and line, shown redacted', (_id, text, label, shown) => {
    const report = scan({ ...baseFiles(), 'src/config.ts': `// config\n\n${text}\n` });
    const c = check(report, 'secrets');
    expect(c.status).toBe('fail');
    expect(report.passed).toBe(false);
    expect(c.findings).toEqual([{ level: 'fail', path: 'src/config.ts', line: 3, message: `${label}: ${shown}` }]);
    expect(JSON.stringify(report)).not.toContain(text.trim().slice(-12));
  });

  it('near misses are not secrets', () => {
    expect(findSecrets(NEAR_MISSES.join('\n'), 'notes.md')).toEqual([]);
    expect(check(scan({ ...baseFiles(), 'README.md': NEAR_MISSES.join('\n') }), 'secrets').status).toBe('pass');
  });

  it('the submitted manifest is scanned too, and a key in it is a blocker', () => {
    const leaky = YAML.replace('license: Apache-2.0', j('license: Apache-2.0\n# token ', 'ghp_', 'Z'.repeat(36)));
    const report = scan({ ...baseFiles(), 'agent.yaml': leaky }, { manifestYaml: leaky });
    expect(check(report, 'secrets').findings).toEqual([{ level: 'fail', path: 'agent.yaml', line: leaky.split('\n').findIndex((l) => l.startsWith('# token')) + 1, message: 'GitHub token: ghp_…' }]);
    // Submitted text that differs from the bundle's is scanned on its own.
    const c = check(scan(baseFiles(), { manifestYaml: leaky }), 'secrets');
    expect(c.findings.map((f) => f.path)).toEqual(['agent.yaml (submitted)']);
  });

  it('.env files with assignments are secrets; examples are not; binary and oversized files are named, not read', () => {
    const report = scan({
      ...baseFiles(),
      '.env': '# local\nDB_PASSWORD=hunter2hunter2\nEMPTY=\nexport API_TOKEN="abcdefabcdef"\n',
      '.env.example': 'DB_PASSWORD=changeme\n',
      'logo.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x41, 0x4b, 0x49, 0x41]),
      'fixtures/huge.json': { type: 'file', sizeBytes: 5 * 1024 * 1024, content: null },
    });
    const c = check(report, 'secrets');
    expect(c.findings).toEqual([
      { level: 'fail', path: '.env', line: 2, message: '.env assignment to DB_PASSWORD: hunt…' },
      { level: 'fail', path: '.env', line: 4, message: '.env assignment to API_TOKEN: abcd…' },
      { level: 'warn', path: 'fixtures/huge.json', message: 'fixtures/huge.json (5.0 MiB) is too large to scan for secrets.' },
    ]);
    expect(c.note).toContain('(1 binary file skipped)');
    expect(messages(check(report, 'bundle'))).toContain('.env is an environment file');
    expect(messages(check(report, 'bundle'))).not.toContain('.env.example');
    expect(redactMatch('abcdef')).toBe('ab…');
  });

  it('a long line of look-alikes scans in linear time', () => {
    const line = 'eyJ'.repeat(300_000) + ' ' + 'AKIA'.repeat(200_000) + ' ' + `aws_secret_access_key=${' '.repeat(100_000)}`;
    const started = Date.now();
    expect(findSecrets(line, 'min.js')).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

const lockfile = (packages: Record<string, Record<string, unknown>>, version = 3) =>
  JSON.stringify({ name: 'x', lockfileVersion: version, requires: true, packages: { '': { name: 'x' }, ...packages } }, null, 2);

describe('dependencies check against the shipped advisory list', () => {
  it('the shipped list is valid, dated, 15 to 30 real-looking GHSA entries with semver ranges', () => {
    expect(advisories.generatedAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(advisories.source).toContain('not fetched');
    expect(advisories.advisories.length).toBeGreaterThanOrEqual(15);
    expect(advisories.advisories.length).toBeLessThanOrEqual(30);
    expect(new Set(advisories.advisories.map((a) => a.id)).size).toBe(advisories.advisories.length);
    const broken = { ...advisories, advisories: [{ ...advisories.advisories[0]!, vulnerableRange: 'not a range' }] };
    expect(AdvisoryList.safeParse(broken).success).toBe(false);
    expect(AdvisoryList.safeParse({ ...advisories, generatedAt: 'recently' }).success).toBe(false);
  });

  it('a locked production version with a high or critical advisory is a blocker, with its line; moderate and dev ones warn', () => {
    const lock = lockfile({
      'node_modules/lodash': { version: '4.17.20' },
      'node_modules/semver': { version: '7.6.0' },
      'node_modules/mocha/node_modules/minimist': { version: '1.2.5', dev: true },
      'node_modules/express': { version: '4.19.1' },
      'node_modules/local': { link: true, resolved: '../local' },
    });
    const report = scan({ ...baseFiles(), 'package-lock.json': lock });
    const c = check(report, 'dependencies');
    expect(c.status).toBe('fail');
    expect(report.passed).toBe(false);
    expect(c.note).toBe(`Checked 4 dependencies from package-lock.json against ${advisories.advisories.length} advisories dated ${advisories.generatedAt}.`);
    const line = (key: string) => lock.split('\n').findIndex((l) => l.includes(`"${key}"`)) + 1;
    expect(c.findings).toEqual([
      { level: 'fail', path: 'package-lock.json', line: line('node_modules/lodash'), message: "lodash 4.17.20: GHSA-35jh-r3h4-6jhm (high) Command injection in lodash's template; fixed in 4.17.21" },
      { level: 'warn', path: 'package-lock.json', line: line('node_modules/lodash'), message: "lodash 4.17.20: GHSA-29mw-wpgm-hmr9 (moderate) Regular expression denial of service in lodash's toNumber, trim and trimEnd; fixed in 4.17.21" },
      { level: 'warn', path: 'package-lock.json', line: line('node_modules/mocha/node_modules/minimist'), message: 'minimist 1.2.5: GHSA-xvch-5gv4-984h (critical) Prototype pollution in minimist; fixed in 1.2.6 (a dev dependency: not in the production image)' },
      { level: 'warn', path: 'package-lock.json', line: line('node_modules/express'), message: 'express 4.19.1: GHSA-rv95-896h-c2vc (moderate) express open redirect in malformed URLs; fixed in 4.19.2' },
    ]);
    const warnOnly = check(scan({ ...baseFiles(), 'package-lock.json': lockfile({ 'node_modules/express': { version: '4.19.1' } }) }), 'dependencies');
    expect(warnOnly.status).toBe('warn');
  });

  it('without a lockfile, exact pins are judged like locked versions and ranges that admit a vulnerable version warn', () => {
    const pkg = JSON.stringify({ dependencies: { axios: '1.6.0', lodash: '^4.17.0', semver: '^7.6.0', ws: 'github:websockets/ws', left: 'latest' }, devDependencies: { tar: '~6.2.0' } }, null, 2);
    const c = check(scan({ ...baseFiles(), 'package.json': pkg }), 'dependencies');
    expect(c.status).toBe('fail');
    expect(c.findings.map((f) => [f.level, f.message.split(':')[0], f.line])).toEqual([
      ['fail', 'axios 1.6.0', 3],
      ['fail', 'axios 1.6.0', 3],
      ['warn', 'lodash "^4.17.0" admits vulnerable versions', 4],
      ['warn', 'lodash "^4.17.0" admits vulnerable versions', 4],
      ['warn', 'tar "~6.2.0" admits vulnerable versions', 10],
    ]);
    expect(c.note).toContain('from package.json');
    expect(c.note).toContain('commit package-lock.json');
    expect(c.note).toContain('2 dependencies are not semver ranges');
  });

  it('an old lockfile falls back to package.json with a warning; an unreadable package.json is a blocker; none at all passes', () => {
    const v1 = JSON.stringify({ lockfileVersion: 1, dependencies: { lodash: { version: '4.17.20' } } });
    const c = check(scan({ ...baseFiles(), 'package-lock.json': v1 }), 'dependencies');
    expect(c).toMatchObject({ status: 'warn', findings: [{ level: 'warn', path: 'package-lock.json' }], note: 'package.json declares no dependencies.' });
    const withDeps = { ...baseFiles(), 'package.json': '{"dependencies":{"lodash":"4.17.20"}}', 'package-lock.json': v1 };
    expect(check(scan(withDeps), 'dependencies').findings.map((f) => [f.level, f.path])).toEqual([
      ['warn', 'package-lock.json'],
      ['fail', 'package.json'],
      ['warn', 'package.json'],
    ]);

    expect(check(scan({ ...baseFiles(), 'package.json': '{ nope' }), 'dependencies')).toMatchObject({ status: 'fail', findings: [{ message: 'package.json is not a JSON object, so the dependencies cannot be checked' }] });
    const { 'package.json': _drop, ...none } = baseFiles();
    expect(check(scan(none), 'dependencies')).toMatchObject({ status: 'pass', note: 'No package.json: no dependencies to check.' });
  });
});

describe('bundle check', () => {
  it.each<[string, Record<string, Spec>, string]>([
    ['a symlink', { 'src/link.ts': { type: 'symlink', linkTarget: '/etc/passwd' } }, 'src/link.ts is a symlink (to /etc/passwd)'],
    ['a hard link', { hard: { type: 'hardlink', linkTarget: 'agent.yaml' } }, 'hard is a hard link (to agent.yaml)'],
    ['a device', { dev: { type: 'other' } }, 'dev is a device, pipe or other special entry'],
    ['a path with ..', { '../evil.sh': 'x' }, "../evil.sh points outside the agent's folder"],
    ['a nested ..', { 'src/../../up.txt': 'x' }, "src/../../up.txt points outside the agent's folder"],
    ['an absolute path', { '/etc/cron.d/job': 'x' }, "/etc/cron.d/job points outside the agent's folder"],
    ['a setuid file', { 'run.sh': { type: 'file', mode: 0o4755, content: Buffer.from('x') } }, 'run.sh has the setuid or setgid bit'],
    ['an .env file', { 'config/.env.production': 'X=1' }, 'config/.env.production is an environment file'],
    ['an ssh key', { 'keys/id_ed25519': 'x' }, 'keys/id_ed25519 looks like key material'],
    ['a .pem', { 'tls/server.pem': 'x' }, 'tls/server.pem looks like key material'],
    ['a .p12', { 'store.p12': new Uint8Array([0, 1]) }, 'store.p12 looks like key material'],
    ['an .npmrc with a token', { '.npmrc': '//registry.npmjs.org/:_authToken=abc' }, '.npmrc holds a registry credential'],
    ['a .git folder', { '.git/config': 'x', '.git/HEAD': 'x' }, 'The bundle holds a .git folder (2 entries)'],
    ['a file over the single-file limit', { 'big.bin': { type: 'file', sizeBytes: 60 * 1024 * 1024 } }, 'big.bin is 60.0 MiB, over the single-file limit of 50.0 MiB'],
  ])('%s is a blocker', (_name, extra, message) => {
    const report = scan({ ...baseFiles(), ...extra });
    const c = check(report, 'bundle');
    expect(c.status).toBe('fail');
    expect(messages(c)).toContain(message);
    expect(report.passed).toBe(false);
  });

  it('an entry that appears twice is a blocker (extraction would keep one silently)', () => {
    const entries = [...entriesOf(baseFiles()), ...entriesOf({ 'src/index.ts': 'export const evil = 1;' })];
    const report = scanVersion({ manifestYaml: YAML, entries, advisories, parseManifest });
    expect(messages(check(report, 'bundle'))).toContain('src/index.ts appears twice');
  });

  it('node_modules and backslashes warn; a registry-only .npmrc and an .env example are fine', () => {
    const report = scan({ ...baseFiles(), 'node_modules/a/index.js': 'x', 'node_modules/a/package.json': '{}', 'a\\b.txt': 'x', '.npmrc': 'registry=https://registry.npmjs.org/\n', '.env.sample': 'A=' });
    const c = check(report, 'bundle');
    expect(c.findings.map((f) => [f.level, f.message.slice(0, 40)])).toEqual([
      ['warn', 'a\\b.txt has a backslash, which Windows t'],
      ['warn', 'The bundle holds node_modules (2 entries'],
    ]);
    expect(report.passed).toBe(true);
  });

  it('totals over the limits fail with the numbers shown', () => {
    const report = scan({ ...baseFiles(), 'a.txt': 'x'.repeat(600), 'b.txt': 'y' }, { limits: { maxEntries: 4, maxTotalBytes: 500, maxCompressedBytes: 100 }, compressedBytes: 200 });
    const c = check(report, 'bundle');
    expect(c.findings.map((f) => f.message)).toEqual(['5 entries, over the limit of 4.', `${formatBytes(report.bundle.totalBytes)} of files, over the limit of 500 B.`, '200 B compressed, over the limit of 100 B.']);
    expect(c.note).toBe(`5 entries of 4, ${formatBytes(report.bundle.totalBytes)} of files of 500 B, 200 B compressed of 100 B; single files up to 50.0 MiB.`);
  });
});

describe('the ten seeded agents', () => {
  const agents = readdirSync(AGENTS).filter((d) => statSync(join(AGENTS, d)).isDirectory());

  it('there are ten', () => expect(agents).toHaveLength(10));

  it.each(agents)('%s, packed and read back, scans with no blocker', async (name) => {
    const dir = join(AGENTS, name);
    const packed = await packBundle(dir);
    const bundle = await readBundle(packed.bytes);
    const report = scanVersion({
      manifestYaml: readFileSync(join(dir, 'agent.yaml'), 'utf8'),
      entries: bundle.entries,
      advisories,
      parseManifest,
      compressedBytes: bundle.compressedBytes,
      now: new Date(),
    });
    expect(ScanReport.parse(report)).toEqual(report);
    const failed = report.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${messages(c)}`);
    expect(failed).toEqual([]);
    expect(report.passed).toBe(true);
    expect(check(report, 'secrets').note).toMatch(/^Scanned \d+ text files/);
  });
});
