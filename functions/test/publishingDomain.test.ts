import type { ScanReport } from '@agent-marketplace/contract/scanReport';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../src/app/catalog/publishAgent.ts';
import { AppError } from '../src/domain/errors.ts';
import { changeMembership, ownerUidsOf, type PublisherMemberRecord } from '../src/domain/publishers.ts';
import {
  afterBuild,
  afterScan,
  applyLifecycle,
  compareVersionsDesc,
  judgeSubmission,
  latestInstallable,
  newScopes,
  publish,
  review,
  type VersionRecord,
} from '../src/domain/versions.ts';

const at = new Date('2026-12-01T10:00:00Z');

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return err instanceof AppError ? err.code : `not-app-error: ${String(err)}`;
  }
  return undefined;
}

const member = (uid: string, role: PublisherMemberRecord['role']): PublisherMemberRecord => ({ uid, email: `${uid}@example.test`, role, addedAt: at, addedBy: 'x' });
const team = { o: member('o', 'owner'), a: member('a', 'admin'), d: member('d', 'developer'), v: member('v', 'viewer') };

describe('publisher membership', () => {
  it('owners and admins manage members; developers and viewers do not', () => {
    expect(changeMembership(team, { uid: 'a', role: 'admin' }, { kind: 'add', member: member('n', 'developer') })['n']?.role).toBe('developer');
    expect(code(() => changeMembership(team, { uid: 'd', role: 'developer' }, { kind: 'add', member: member('n', 'viewer') }))).toBe('publisher_role_forbidden');
    expect(code(() => changeMembership(team, { uid: 'v', role: 'viewer' }, { kind: 'remove', uid: 'd' }))).toBe('publisher_role_forbidden');
  });

  it('only an owner makes, unmakes or removes an owner', () => {
    expect(code(() => changeMembership(team, { uid: 'a', role: 'admin' }, { kind: 'add', member: member('n', 'owner') }))).toBe('publisher_role_forbidden');
    expect(code(() => changeMembership(team, { uid: 'a', role: 'admin' }, { kind: 'role', uid: 'd', role: 'owner' }))).toBe('publisher_role_forbidden');
    expect(code(() => changeMembership(team, { uid: 'a', role: 'admin' }, { kind: 'role', uid: 'o', role: 'viewer' }))).toBe('publisher_role_forbidden');
    expect(code(() => changeMembership(team, { uid: 'a', role: 'admin' }, { kind: 'remove', uid: 'o' }))).toBe('publisher_role_forbidden');
    const two = changeMembership(team, { uid: 'o', role: 'owner' }, { kind: 'role', uid: 'a', role: 'owner' });
    expect(ownerUidsOf({ members: two })).toEqual(['a', 'o']);
  });

  it('keeps a last owner, and anyone may leave', () => {
    expect(code(() => changeMembership(team, { uid: 'o', role: 'owner' }, { kind: 'remove', uid: 'o' }))).toBe('last_owner');
    expect(code(() => changeMembership(team, { uid: 'o', role: 'owner' }, { kind: 'role', uid: 'o', role: 'admin' }))).toBe('last_owner');
    expect(Object.keys(changeMembership(team, { uid: 'v', role: 'viewer' }, { kind: 'remove', uid: 'v' })).sort()).toEqual(['a', 'd', 'o']);
  });

  it('refuses a duplicate member and an unknown one', () => {
    expect(code(() => changeMembership(team, { uid: 'o', role: 'owner' }, { kind: 'add', member: member('d', 'viewer') }))).toBe('publisher_member_exists');
    expect(code(() => changeMembership(team, { uid: 'o', role: 'owner' }, { kind: 'role', uid: 'zz', role: 'viewer' }))).toBe('publisher_member_not_found');
    expect(code(() => changeMembership(team, { uid: 'o', role: 'owner' }, { kind: 'remove', uid: 'zz' }))).toBe('publisher_member_not_found');
  });
});

const manifest = (version: string, scopes: string[] = ['vm.list']) =>
  parseManifest(`
id: tidy-bot
name: Tidy Bot
version: ${version}
publisher: tidy-labs
summary: Tidies things up in a cloud project.
categories: [operations]
runtime:
  local:
    entry: src/index.ts
permissions:
${scopes.map((s) => `  - scope: ${s}\n    risk: low\n    reason: needed to find things`).join('\n')}
pricing:
  model: free
license: MIT
support:
  email: dev@example.test
`);

function record(version: string, state: VersionRecord['state'] = 'submitted'): VersionRecord {
  return {
    agentId: 'tidy-bot',
    publisherId: 'tidy-labs',
    version,
    state,
    manifest: manifest(version),
    yaml: '',
    releaseNotes: null,
    submittedAt: at,
    submittedBy: 'u1',
    bundle: { key: 'k', sha256: 'a'.repeat(64), sizeBytes: 10 },
    scan: null,
    review: null,
    build: null,
    publishedAt: null,
    deprecated: null,
    yanked: null,
    history: [],
  };
}

const limits = { maxCompressedBytes: 1, maxTotalBytes: 1, maxEntries: 1, maxFileBytes: 1, maxPathLength: 1 };
const report = (passed: boolean): ScanReport => ({
  passed,
  checks: [{ id: 'secrets', title: 'Secrets', status: passed ? 'pass' : 'fail', blocker: true, findings: [] }],
  advisories: { generatedAt: '2025-03-31', source: 'test', count: 0 },
  bundle: { entries: 1, totalBytes: 1, compressedBytes: 1, limits },
});

describe('version pipeline', () => {
  it('orders by semver precedence, prereleases below their release', () => {
    expect(['1.0.0', '1.10.0', '1.2.0', '2.0.0-beta.1', '2.0.0'].sort(compareVersionsDesc)).toEqual(['2.0.0', '2.0.0-beta.1', '1.10.0', '1.2.0', '1.0.0']);
  });

  it('takes a new number above the newest published, replaces a failed one, refuses a published or busy one', () => {
    expect(code(() => judgeSubmission(null, '1.1.0', ['1.0.0']))).toBeUndefined();
    expect(code(() => judgeSubmission(null, '0.9.0', ['1.0.0']))).toBe('version_not_newer');
    expect(code(() => judgeSubmission(null, '1.0.0', ['1.0.0']))).toBe('version_not_newer');
    expect(code(() => judgeSubmission(record('1.0.0', 'published'), '1.0.0', ['1.0.0']))).toBe('version_exists');
    for (const busy of ['submitted', 'in_review', 'approved'] as const) expect(code(() => judgeSubmission(record('1.1.0', busy), '1.1.0', ['1.0.0']))).toBe('version_in_progress');
    for (const failed of ['scan_failed', 'changes_requested', 'build_failed'] as const) expect(code(() => judgeSubmission(record('1.1.0', failed), '1.1.0', ['1.0.0']))).toBeUndefined();
  });

  it('moves through scan, review, build and publication, each step once', () => {
    const scanned = afterScan(record('1.0.0'), report(true), at);
    expect(scanned.state).toBe('in_review');
    expect(afterScan(scanned, report(false), at)).toBe(scanned); // a repeated scan task
    expect(afterScan(record('1.0.0'), report(false), at)).toMatchObject({ state: 'scan_failed', history: [{ note: 'Blocked by: Secrets' }] });
    expect(code(() => review(record('1.0.0'), 'approved', '', 'admin', at))).toBe('version_not_in_review');
    const approved = review(scanned, 'approved', 'fine', 'admin', at);
    expect(approved).toMatchObject({ state: 'approved', review: { decision: 'approved', comments: 'fine', by: 'admin' } });
    expect(review(scanned, 'changes_requested', 'explain vm.list', 'admin', at).state).toBe('changes_requested');
    const failed = afterBuild(approved, { buildId: 'b', state: 'failed', image: null, reason: 'npm ci failed', logUrl: null }, at);
    expect(failed).toMatchObject({ state: 'build_failed', history: [{}, {}, { note: 'npm ci failed' }] });
    const built = afterBuild(approved, { buildId: 'b', state: 'succeeded', image: 'x@sha256:1', reason: null, logUrl: null }, at);
    expect(built.state).toBe('approved');
    expect(code(() => publish(scanned, at))).toBe('version_not_approved');
    const published = publish(built, at);
    expect(published).toMatchObject({ state: 'published', publishedAt: at });
    expect(publish(published, at)).toBe(published);
  });

  it('deprecates and yanks published versions only, and undoes both', () => {
    expect(code(() => applyLifecycle(record('1.0.0', 'in_review'), { kind: 'yank', reason: 'bad' }, 'u', at))).toBe('version_not_published');
    const yanked = applyLifecycle(record('1.0.0', 'published'), { kind: 'yank', reason: 'leaks tokens' }, 'u', at);
    expect(yanked.yanked).toEqual({ at, reason: 'leaks tokens' });
    expect(applyLifecycle(yanked, { kind: 'unyank' }, 'u', at).yanked).toBeNull();
    const deprecated = applyLifecycle(record('1.0.0', 'published'), { kind: 'deprecate', message: 'use 2.x' }, 'u', at);
    expect(deprecated.deprecated?.message).toBe('use 2.x');
    expect(applyLifecycle(deprecated, { kind: 'undeprecate' }, 'u', at).deprecated).toBeNull();
  });

  it('picks the newest installable version: not yanked, stable and current first', () => {
    const v = (version: string, deprecated = false, yanked = false) => ({ version, deprecated, yanked });
    expect(latestInstallable([v('1.0.0'), v('1.1.0'), v('2.0.0-rc.1')])).toBe('1.1.0');
    expect(latestInstallable([v('1.0.0'), v('1.1.0', false, true)])).toBe('1.0.0');
    expect(latestInstallable([v('1.0.0'), v('1.1.0', true)])).toBe('1.0.0');
    expect(latestInstallable([v('1.1.0', true), v('1.2.0', true)])).toBe('1.2.0');
    expect(latestInstallable([v('2.0.0-rc.1')])).toBe('2.0.0-rc.1');
    expect(latestInstallable([v('1.0.0', false, true)])).toBeNull();
  });

  it('names the scopes a version adds', () => {
    expect(newScopes(null, manifest('1.0.0', ['vm.list', 'vm.stop']))).toEqual(['vm.list', 'vm.stop']);
    expect(newScopes(manifest('1.0.0', ['vm.list']), manifest('1.1.0', ['vm.list', 'vm.delete']))).toEqual(['vm.delete']);
  });
});
