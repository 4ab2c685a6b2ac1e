import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  analyzeBindings,
  coverPermissions,
  isDefaultComputeAccount,
  isServiceAgent,
  memberType,
  type Binding,
  type RoleRow,
  type UsageRow,
} from '../src/analyze.ts';

interface Fixture {
  resources: { id: string; attributes: { role: string; member: string; project: string; grantedAt: string } }[];
  datasets: { 'iam.roles': RoleRow[]; 'iam.usage': UsageRow[] };
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/cloud.json', import.meta.url), 'utf8')) as Fixture;
const bindings: Binding[] = fixture.resources.map((r) => ({ id: r.id, ...r.attributes }));
const roles = fixture.datasets['iam.roles'];
const usage = fixture.datasets['iam.usage'];
const asOf = new Date('2026-11-20T00:00:00Z');
const analysis = analyzeBindings(bindings, roles, usage, { asOf, lookbackDays: 90, minUnusedRatio: 0.5 });
const find = (project: string, member: string, role: string) =>
  analysis.findings.find((f) => f.project === project && f.member.startsWith(member) && f.role === role);
const flagsOf = (project: string, member: string, role: string) => find(project, member, role)?.flags.map((f) => f.flag);

const roleMap = (o: Record<string, string[]>) => new Map(Object.entries(o).map(([k, v]) => [k, new Set(v)]));

describe('greedy set cover over predefined roles', () => {
  it('prefers small precise roles over a broad role that happens to cover everything', () => {
    const r = roleMap({ 'roles/x.admin': ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], 'roles/x.reader': ['a', 'b'], 'roles/x.writer': ['c'] });
    expect(coverPermissions(['a', 'b', 'c'], r)).toEqual({ roles: ['roles/x.reader', 'roles/x.writer'], uncovered: [] });
  });

  it('breaks ties deterministically: more covered, then fewer permissions, then name', () => {
    const r = roleMap({ 'roles/b.two': ['a', 'b'], 'roles/a.two': ['a', 'b'], 'roles/c.one': ['a'] });
    expect(coverPermissions(['a', 'b'], r).roles).toEqual(['roles/a.two']);
    const again = roleMap({ 'roles/a.two': ['a', 'b'], 'roles/b.two': ['a', 'b'], 'roles/c.one': ['a'] });
    expect(coverPermissions(['b', 'a'], again).roles).toEqual(['roles/a.two']);
  });

  it('drops roles that later choices make redundant', () => {
    const r = roleMap({ 'roles/one': ['a'], 'roles/all': ['a', 'b', 'c'], 'roles/other': ['b', 'x'] });
    expect(coverPermissions(['a', 'b', 'c'], r).roles).toEqual(['roles/all']);
  });

  it('uses basic roles only for what nothing else covers, and reports what nothing covers', () => {
    const r = roleMap({ 'roles/viewer': ['a', 'z'], 'roles/x.reader': ['a'] });
    expect(coverPermissions(['a'], r).roles).toEqual(['roles/x.reader']);
    expect(coverPermissions(['a', 'z'], r).roles).toEqual(['roles/viewer']);
    expect(coverPermissions(['a', 'q'], r)).toEqual({ roles: ['roles/x.reader'], uncovered: ['q'] });
  });
});

describe('members', () => {
  it('classifies members and recognises Google-managed service agents', () => {
    expect(memberType('allAuthenticatedUsers')).toBe('public');
    expect(memberType('group:analysts@acme-corp.io')).toBe('group');
    expect(isServiceAgent('serviceAccount:734021558812@cloudservices.gserviceaccount.com')).toBe(true);
    expect(isServiceAgent('serviceAccount:service-1@gcp-sa-bigquerydatatransfer.iam.gserviceaccount.com')).toBe(true);
    expect(isServiceAgent('serviceAccount:terraform@acme-prod.iam.gserviceaccount.com')).toBe(false);
    expect(isDefaultComputeAccount('serviceAccount:734021558812-compute@developer.gserviceaccount.com')).toBe(true);
  });
});

describe('least-privilege analysis of the shipped account', () => {
  it('skips the three Google-managed service agents and analyses the rest', () => {
    expect(analysis.skipped.map((s) => s.member.split('@')[1]).sort()).toEqual([
      'cloudservices.gserviceaccount.com',
      'container-engine-robot.iam.gserviceaccount.com',
      'gcp-sa-bigquerydatatransfer.iam.gserviceaccount.com',
    ]);
    expect(analysis.findings.length + analysis.clean.length).toBe(bindings.length - 3);
  });

  it('flags owner on a service account critical and editor high, including the default compute account', () => {
    expect(find('acme-prod', 'serviceAccount:terraform@', 'roles/owner')?.severity).toBe('critical');
    expect(find('acme-dev', 'serviceAccount:dev-automation@', 'roles/owner')?.severity).toBe('critical');
    const ci = find('acme-prod', 'serviceAccount:ci-deployer@', 'roles/editor')!;
    expect(ci.severity).toBe('high');
    expect(ci.flags.map((f) => f.flag)).toEqual(['basic-role-on-service-account', 'excess-permissions']);
    const dflt = find('acme-prod', 'serviceAccount:734021558812-compute@', 'roles/editor')!;
    expect(dflt.flags[0]?.detail).toContain('Compute Engine default service account');
    expect(dflt.recommendation).toMatchObject({
      action: 'replace',
      roles: ['roles/logging.logWriter', 'roles/monitoring.metricWriter', 'roles/storage.objectViewer'],
      permissionsAfter: 8,
    });
    expect(analysis.findings.filter((f) => f.flags.some((x) => x.flag === 'basic-role-on-service-account'))).toHaveLength(9);
  });

  it('recommends the smallest covering roles for a CI deployer that holds editor', () => {
    const ci = find('acme-prod', 'serviceAccount:ci-deployer@', 'roles/editor')!;
    expect(ci.exercised).toHaveLength(11);
    expect(ci.recommendation.roles).toEqual([
      'roles/artifactregistry.reader',
      'roles/iam.serviceAccountUser',
      'roles/run.developer',
      'roles/storage.objectCreator',
      'roles/storage.objectViewer',
    ]);
    expect(ci.recommendation.permissionsAfter).toBeLessThan(40);
    expect(ci.unusedCount).toBe(ci.permissions - 11);
    expect(Object.values(ci.unusedByService).reduce((a, b) => a + b, 0)).toBe(ci.unusedCount);
  });

  it('flags bindings unused for the whole window, but not those granted within it', () => {
    const legacy = find('acme-prod', 'serviceAccount:legacy-batch@', 'roles/editor')!;
    expect(legacy.flags.map((f) => f.flag)).toContain('unused-binding');
    expect(legacy.recommendation.action).toBe('remove');
    expect(legacy.lastUsed?.slice(0, 10)).toBe('2026-04-30');
    expect(flagsOf('acme-prod', 'user:alex.petrov@', 'roles/editor')).toEqual(['unused-binding']);
    expect(find('acme-dev', 'user:intern.2025@', 'roles/editor')?.severity).toBe('high');
    const oncall = find('acme-prod', 'user:oncall-bot@', 'roles/cloudsql.admin')!;
    expect(oncall).toMatchObject({ severity: 'info', recommendation: { action: 'keep' } });
    expect(oncall.flags.map((f) => f.flag)).toEqual(['recently-granted']);
  });

  it('flags public members: critical for viewer, medium for an invoker-only role', () => {
    expect(find('acme-staging', 'allAuthenticatedUsers', 'roles/viewer')).toMatchObject({ severity: 'critical', recommendation: { action: 'remove' } });
    expect(find('acme-prod', 'allUsers', 'roles/run.invoker')?.severity).toBe('medium');
  });

  it('leaves well-fitted bindings alone and suggests a custom role where no smaller predefined one exists', () => {
    const clean = analysis.clean.map((c) => `${c.member.split('@')[0]} ${c.role}`);
    expect(clean).toContain('serviceAccount:web-frontend roles/storage.objectViewer');
    expect(clean).toContain('serviceAccount:kms-encrypt roles/cloudkms.cryptoKeyEncrypterDecrypter');
    const sam = find('acme-prod', 'user:sam.okafor@', 'roles/compute.instanceAdmin.v1')!;
    expect(sam).toMatchObject({ severity: 'info', recommendation: { action: 'keep', roles: ['roles/compute.instanceAdmin.v1'] } });
    expect(sam.recommendation.note).toContain('custom role');
  });

  it('consolidates per member: drop what overlaps, narrow what is too broad', () => {
    const byMember = (project: string, member: string) => analysis.members.find((m) => m.project === project && m.member.startsWith(member));
    expect(byMember('acme-data', 'group:analysts@')).toMatchObject({
      removeRoles: ['roles/bigquery.dataEditor'],
      addRoles: [],
      recommendedRoles: ['roles/bigquery.dataViewer', 'roles/bigquery.jobUser'],
    });
    expect(byMember('acme-prod', 'serviceAccount:export-worker@')).toMatchObject({
      removeRoles: ['roles/storage.admin'],
      addRoles: ['roles/storage.objectCreator', 'roles/storage.objectViewer'],
    });
    expect(byMember('acme-prod', 'user:alex.petrov@')).toMatchObject({ recommendedRoles: [], permissionsAfter: 0 });
    // Fully used members get no recommendation.
    expect(byMember('acme-prod', 'serviceAccount:web-frontend@')).toBeUndefined();
    for (const m of analysis.members) expect(m.permissionsAfter).toBeLessThanOrEqual(m.permissionsGranted);
  });

  it('orders findings worst first', () => {
    const rank = { critical: 5, high: 4, medium: 3, low: 2, info: 1 };
    const ranks = analysis.findings.map((f) => rank[f.severity!]);
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
  });

  it('a longer window counts older use, and usage after asOf is ignored', () => {
    const long = analyzeBindings(bindings, roles, usage, { asOf, lookbackDays: 250, minUnusedRatio: 0.5 });
    const legacy = long.findings.find((f) => f.member.startsWith('serviceAccount:legacy-batch@'))!;
    expect(legacy.flags.map((f) => f.flag)).not.toContain('unused-binding');
    expect(legacy.exercised).toContain('compute.instances.start');

    const early = analyzeBindings(bindings, roles, usage, { asOf: new Date('2026-03-01T00:00:00Z'), lookbackDays: 90, minUnusedRatio: 0.5 });
    const web = early.findings.find((f) => f.member.startsWith('serviceAccount:web-frontend@') && f.role === 'roles/storage.objectViewer');
    expect(web?.flags.map((f) => f.flag)).toEqual(['unused-binding']);
  });

  it('keeps an unknown (custom) role for a person to review', () => {
    const out = analyzeBindings([{ id: 'x', role: 'projects/acme-prod/roles/deployer', member: 'user:a@acme-corp.io', project: 'acme-prod', grantedAt: null }], roles, usage, {
      asOf,
      lookbackDays: 90,
      minUnusedRatio: 0.5,
    });
    expect(out.findings[0]).toMatchObject({ severity: 'info', recommendation: { action: 'review' } });
    expect(out.findings[0]?.flags[0]?.flag).toBe('unknown-role');
    expect(out.members).toEqual([]);
  });
});
