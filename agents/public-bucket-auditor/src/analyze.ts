/**
 * Pure analysis of bucket IAM policies: who outside the organisation can read or write each
 * bucket, how bad that is, and what the policy should look like instead. No I/O here.
 */

export interface IamBinding {
  role: string;
  members: string[];
}

/** The parts of a `bucket` resource the audit looks at. */
export interface BucketResource {
  id: string;
  name: string;
  project: string;
  region: string;
  labels: Record<string, string>;
  attributes: Record<string, unknown>;
}

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export type Access = 'read' | 'write';

export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
export const severityRank = (s: Severity): number => SEVERITY_ORDER.length - SEVERITY_ORDER.indexOf(s);

/** Principals that mean "anyone on the internet" (allAuthenticatedUsers: anyone with a Google account). */
export const PUBLIC_MEMBERS: readonly string[] = ['allUsers', 'allAuthenticatedUsers'];

/** Roles that only let a principal read objects (or list them). */
const READ_ROLES = new Set([
  'roles/storage.objectViewer',
  'roles/storage.legacyObjectReader',
  'roles/storage.legacyBucketReader',
  'roles/storage.insightsCollectorService',
]);

/** Roles a static website may grant to allUsers: serving objects, nothing else (no listing). */
export const WEBSITE_ROLES: ReadonlySet<string> = new Set(['roles/storage.objectViewer', 'roles/storage.legacyObjectReader']);

/** Roles that let a principal create, overwrite or delete objects, or change the bucket. */
const WRITE_ROLES = new Set([
  'roles/storage.objectCreator',
  'roles/storage.objectUser',
  'roles/storage.objectAdmin',
  'roles/storage.admin',
  'roles/storage.legacyBucketWriter',
  'roles/storage.legacyBucketOwner',
  'roles/storage.legacyObjectOwner',
]);

/** What a role lets a principal do to the bucket; unknown roles count as write, to be safe. */
export function accessOf(role: string): Access {
  if (READ_ROLES.has(role)) return 'read';
  if (WRITE_ROLES.has(role)) return 'write';
  return 'write';
}

export interface PublicGrant {
  role: string;
  member: string;
  access: Access;
}

export interface Remediation {
  /** The attributes `bucket.update` sets. */
  attributes: { publicAccessPrevention?: 'enforced'; iamBindings: IamBinding[] };
  /** The public grants the update removes. */
  removes: { role: string; member: string }[];
  /** The public grants it deliberately keeps (a website's object read access). */
  keeps: { role: string; member: string }[];
  enforcePublicAccessPrevention: boolean;
}

export interface BucketAssessment {
  id: string;
  bucket: string;
  project: string;
  region: string;
  severity: Severity;
  access: Access;
  classification: string | null;
  website: boolean;
  publicGrants: PublicGrant[];
  reasons: string[];
  objectCount: number;
  sizeGb: number;
  uniformBucketLevelAccess: boolean;
  remediation: Remediation;
}

export interface BlockedBucket {
  id: string;
  bucket: string;
  project: string;
  publicGrants: PublicGrant[];
  note: string;
}

export interface AuditResult {
  /** Exposed buckets that need attention, worst first. */
  findings: BucketAssessment[];
  /** Intended public websites serving objects read-only: informational, not findings. */
  intendedPublic: BucketAssessment[];
  /** Buckets whose policy names a public member, but public access prevention blocks it. */
  blocked: BlockedBucket[];
  /** Buckets with no public grants. */
  privateCount: number;
  /** Private buckets still using fine-grained (per-object) ACLs, which this policy view cannot see. */
  fineGrainedAcl: string[];
}

export function bindingsOf(attributes: Record<string, unknown>): IamBinding[] {
  const raw = attributes['iamBindings'];
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((b): b is { role: unknown; members: unknown } => typeof b === 'object' && b !== null)
    .map((b) => ({
      role: String(b.role),
      members: Array.isArray(b.members) ? b.members.map(String) : [],
    }));
}

export function publicGrantsOf(bindings: IamBinding[]): PublicGrant[] {
  const grants: PublicGrant[] = [];
  for (const b of bindings) {
    for (const m of b.members) if (PUBLIC_MEMBERS.includes(m)) grants.push({ role: b.role, member: m, access: accessOf(b.role) });
  }
  return grants;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Rates one exposed bucket. `null` when nothing public is granted. */
export function assessBucket(bucket: BucketResource): BucketAssessment | null {
  const bindings = bindingsOf(bucket.attributes);
  const grants = publicGrantsOf(bindings);
  if (grants.length === 0) return null;

  const classification = bucket.labels['data-classification']?.toLowerCase() ?? null;
  const website = bucket.labels['website']?.toLowerCase() === 'true';
  const writes = grants.filter((g) => g.access === 'write');
  const access: Access = writes.length > 0 ? 'write' : 'read';
  const who = [...new Set(grants.map((g) => g.member))].join(' and ');
  const reasons: string[] = [];
  let severity: Severity = 'critical';

  const sensitive = classification === 'confidential' || classification === 'restricted';
  const websiteOnly = website && grants.every((g) => WEBSITE_ROLES.has(g.role));
  if (writes.length > 0) {
    reasons.push(`${who} can write: ${[...new Set(writes.map((g) => g.role))].join(', ')} (upload, overwrite or delete objects)`);
  } else {
    reasons.push(`${who} can read: ${[...new Set(grants.map((g) => g.role))].join(', ')}`);
  }
  if (sensitive) {
    reasons.push(`the bucket holds ${classification} data`);
  } else if (writes.length === 0) {
    if (websiteOnly) {
      severity = 'info';
      reasons.push('an intended public website (label website=true) serving objects read-only');
    } else if (website) {
      severity = 'medium';
      reasons.push('an intended public website, but it also lets anyone list every object in the bucket');
    } else if (classification === 'public') {
      severity = 'low';
      reasons.push('labelled data-classification=public, but not a website: confirm the data is meant to be public');
    } else {
      severity = 'high';
      reasons.push(classification ? `the bucket holds ${classification} data` : 'the bucket has no data-classification label, so its data is treated as internal');
    }
  }
  if (grants.some((g) => g.member === 'allAuthenticatedUsers')) {
    reasons.push('allAuthenticatedUsers means any Google account, not just your organisation');
  }
  const ubla = bucket.attributes['uniformBucketLevelAccess'] === true;
  if (!ubla) reasons.push('uniform bucket-level access is off, so object ACLs may grant more than this policy shows');

  return {
    id: bucket.id,
    bucket: bucket.name,
    project: bucket.project,
    region: bucket.region,
    severity,
    access,
    classification,
    website,
    publicGrants: grants,
    reasons,
    objectCount: num(bucket.attributes['objectCount']),
    sizeGb: num(bucket.attributes['sizeGb']),
    uniformBucketLevelAccess: ubla,
    remediation: remediationFor(bindings, website && !sensitive),
  };
}

/**
 * The policy a bucket should have: no public members, and public access prevention enforced so
 * none can be added back. An intended website (with no sensitive data) keeps its public
 * object read access and stays open; only the excess public grants go.
 */
export function remediationFor(bindings: IamBinding[], keepWebsiteRead: boolean): Remediation {
  const removes: { role: string; member: string }[] = [];
  const keeps: { role: string; member: string }[] = [];
  const next: IamBinding[] = [];
  for (const b of bindings) {
    const members: string[] = [];
    for (const m of b.members) {
      if (!PUBLIC_MEMBERS.includes(m)) members.push(m);
      else if (keepWebsiteRead && m === 'allUsers' && WEBSITE_ROLES.has(b.role)) {
        members.push(m);
        keeps.push({ role: b.role, member: m });
      } else removes.push({ role: b.role, member: m });
    }
    if (members.length > 0) next.push({ role: b.role, members });
  }
  const enforce = keeps.length === 0;
  return {
    attributes: enforce ? { publicAccessPrevention: 'enforced', iamBindings: next } : { iamBindings: next },
    removes,
    keeps,
    enforcePublicAccessPrevention: enforce,
  };
}

const bySeverityThenSize = (a: BucketAssessment, b: BucketAssessment) =>
  severityRank(b.severity) - severityRank(a.severity) ||
  (a.access === b.access ? 0 : a.access === 'write' ? -1 : 1) ||
  b.objectCount - a.objectCount ||
  a.id.localeCompare(b.id);

/** Audits every bucket; findings come worst first (severity, then write before read, then most objects). */
export function auditBuckets(buckets: BucketResource[]): AuditResult {
  const findings: BucketAssessment[] = [];
  const intendedPublic: BucketAssessment[] = [];
  const blocked: BlockedBucket[] = [];
  const fineGrainedAcl: string[] = [];
  let privateCount = 0;
  for (const bucket of buckets) {
    const grants = publicGrantsOf(bindingsOf(bucket.attributes));
    if (grants.length > 0 && bucket.attributes['publicAccessPrevention'] === 'enforced') {
      blocked.push({
        id: bucket.id,
        bucket: bucket.name,
        project: bucket.project,
        publicGrants: grants,
        note: 'public access prevention is enforced, so these grants have no effect; remove them to keep the policy honest',
      });
      continue;
    }
    const assessment = assessBucket(bucket);
    if (!assessment) {
      privateCount++;
      if (bucket.attributes['uniformBucketLevelAccess'] !== true) fineGrainedAcl.push(bucket.name);
      continue;
    }
    (assessment.severity === 'info' ? intendedPublic : findings).push(assessment);
  }
  findings.sort(bySeverityThenSize);
  intendedPublic.sort(bySeverityThenSize);
  return { findings, intendedPublic, blocked, privateCount, fineGrainedAcl: fineGrainedAcl.sort() };
}

export function countBySeverity(findings: { severity: Severity }[]): Record<Severity, number> {
  const out: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) out[f.severity]++;
  return out;
}
