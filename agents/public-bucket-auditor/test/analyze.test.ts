import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accessOf, assessBucket, auditBuckets, remediationFor, type BucketResource } from '../src/analyze.ts';

const buckets = (JSON.parse(readFileSync(new URL('../fixtures/cloud.json', import.meta.url), 'utf8')) as { resources: BucketResource[] }).resources;
const audit = auditBuckets(buckets);
const byName = new Map(audit.findings.map((f) => [f.bucket, f]));

const bucket = (over: Partial<BucketResource> & { bindings: { role: string; members: string[] }[] }): BucketResource => ({
  id: `projects/p/buckets/${over.name ?? 'b'}`,
  name: over.name ?? 'b',
  project: 'p',
  region: 'US',
  labels: over.labels ?? {},
  attributes: { iamBindings: over.bindings, publicAccessPrevention: 'inherited', uniformBucketLevelAccess: true, objectCount: 1, sizeGb: 1, ...over.attributes },
});

describe('public bucket audit of the shipped account', () => {
  it('finds every publicly reachable bucket and leaves the private ones alone', () => {
    expect(audit.findings).toHaveLength(16);
    expect(audit.privateCount).toBe(12);
    expect(byName.has('acme-prod-db-backups')).toBe(false);
    expect(byName.has('acme-data-lake-curated')).toBe(false);
  });

  it('rates public write access and confidential or restricted data critical', () => {
    expect(byName.get('acme-prod-uploads-incoming')).toMatchObject({ severity: 'critical', access: 'write' });
    expect(byName.get('acme-dev-scratch')).toMatchObject({ severity: 'critical', access: 'write' });
    expect(byName.get('acme-prod-partner-drop')).toMatchObject({ severity: 'critical', access: 'write', classification: 'confidential' });
    expect(byName.get('acme-prod-customer-exports')).toMatchObject({ severity: 'critical', access: 'read', classification: 'confidential' });
    expect(byName.get('acme-staging-db-dumps')).toMatchObject({ severity: 'critical', access: 'read' });
    expect(audit.findings.filter((f) => f.severity === 'critical')).toHaveLength(8);
  });

  it('treats internal and unlabelled data as high, public data as low', () => {
    expect(byName.get('acme-data-bq-exports')?.severity).toBe('high');
    expect(byName.get('acme-prod-legacy-media')).toMatchObject({ severity: 'high', classification: null });
    expect(byName.get('acme-prod-legacy-media')?.reasons.join(' ')).toContain('uniform bucket-level access is off');
    expect(byName.get('acme-prod-cdn-assets')?.severity).toBe('low');
    expect(byName.get('acme-data-public-datasets')?.severity).toBe('low');
  });

  it('recognises intended websites: object read is info, listing is medium, public write is still critical', () => {
    expect(audit.intendedPublic.map((w) => w.bucket).sort()).toEqual(['acme-dev-hackathon-demo', 'acme-staging-www-static', 'acme-www-static']);
    expect(audit.intendedPublic.every((w) => w.severity === 'info')).toBe(true);
    expect(byName.get('acme-docs-site')).toMatchObject({ severity: 'medium', website: true });
    expect(byName.get('acme-marketing-site')).toMatchObject({ severity: 'critical', access: 'write', website: true });
  });

  it('reports public grants blocked by public access prevention separately, not as findings', () => {
    expect(audit.blocked.map((b) => b.bucket)).toEqual(['acme-dev-test-reports']);
    expect(byName.has('acme-dev-test-reports')).toBe(false);
  });

  it('notes private buckets that still use fine-grained ACLs', () => {
    expect(audit.fineGrainedAcl).toEqual(['acme-data-dataflow-temp', 'acme-prod-invoices']);
  });

  it('orders findings worst first: severity, then write before read, then most objects', () => {
    const ranks = { critical: 5, high: 4, medium: 3, low: 2, info: 1 };
    for (let i = 1; i < audit.findings.length; i++) {
      const [a, b] = [audit.findings[i - 1]!, audit.findings[i]!];
      expect(ranks[a.severity]).toBeGreaterThanOrEqual(ranks[b.severity]);
      if (a.severity === b.severity && a.access === b.access) expect(a.objectCount).toBeGreaterThanOrEqual(b.objectCount);
    }
    expect(audit.findings[0]?.access).toBe('write');
  });
});

describe('severity rules', () => {
  it('counts unknown and legacy writer roles as write access', () => {
    expect(accessOf('roles/storage.objectViewer')).toBe('read');
    expect(accessOf('roles/storage.legacyBucketWriter')).toBe('write');
    expect(accessOf('projects/p/roles/customUploader')).toBe('write');
  });

  it('a website holding restricted data is critical even with object read only', () => {
    const f = assessBucket(bucket({ labels: { website: 'true', 'data-classification': 'restricted' }, bindings: [{ role: 'roles/storage.objectViewer', members: ['allUsers'] }] }));
    expect(f?.severity).toBe('critical');
    expect(f?.remediation.enforcePublicAccessPrevention).toBe(true);
  });

  it('allAuthenticatedUsers is as public as allUsers, and says so', () => {
    const f = assessBucket(bucket({ labels: { 'data-classification': 'internal' }, bindings: [{ role: 'roles/storage.objectViewer', members: ['allAuthenticatedUsers'] }] }));
    expect(f?.severity).toBe('high');
    expect(f?.reasons.join(' ')).toContain('any Google account');
  });

  it('a bucket without public members is not assessed', () => {
    expect(assessBucket(bucket({ bindings: [{ role: 'roles/storage.admin', members: ['group:ops@acme-corp.io'] }] }))).toBeNull();
    expect(assessBucket(bucket({ bindings: [] }))).toBeNull();
  });
});

describe('remediation plan', () => {
  it('removes the public members, keeps everyone else and enforces public access prevention', () => {
    const plan = remediationFor(
      [
        { role: 'roles/storage.objectViewer', members: ['allUsers', 'group:support@acme-corp.io'] },
        { role: 'roles/storage.objectAdmin', members: ['allAuthenticatedUsers'] },
      ],
      false,
    );
    expect(plan.attributes).toEqual({
      publicAccessPrevention: 'enforced',
      iamBindings: [{ role: 'roles/storage.objectViewer', members: ['group:support@acme-corp.io'] }],
    });
    expect(plan.removes).toEqual([
      { role: 'roles/storage.objectViewer', member: 'allUsers' },
      { role: 'roles/storage.objectAdmin', member: 'allAuthenticatedUsers' },
    ]);
  });

  it('keeps a website serving, removing only its excess public grants', () => {
    const f = byName.get('acme-marketing-site')!;
    expect(f.remediation.enforcePublicAccessPrevention).toBe(false);
    expect(f.remediation.attributes.publicAccessPrevention).toBeUndefined();
    expect(f.remediation.keeps).toEqual([{ role: 'roles/storage.objectViewer', member: 'allUsers' }]);
    expect(f.remediation.removes).toEqual([{ role: 'roles/storage.objectAdmin', member: 'allUsers' }]);
    const admin = f.remediation.attributes.iamBindings.find((b) => b.role === 'roles/storage.objectAdmin');
    expect(admin?.members).toEqual(['user:contractor.design@acme-corp.io']);
  });
});
