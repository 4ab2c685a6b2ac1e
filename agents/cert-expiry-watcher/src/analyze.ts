/**
 * Pure certificate checks: expiry status against thresholds, weak keys, renewals that need a
 * person, and wildcard sprawl. No I/O here.
 */

export interface CertificateResource {
  id: string;
  name: string;
  project: string;
  labels: Record<string, string>;
  attributes: Record<string, unknown>;
}

export type ExpiryStatus = 'ok' | 'warning' | 'critical' | 'expired';
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export type IssueName =
  | 'expired-in-use'
  | 'expired-unused'
  | 'manual-renewal-required'
  | 'auto-renewal-overdue'
  | 'expires-soon'
  | 'weak-key'
  | 'not-yet-valid'
  | 'wildcard-sprawl'
  | 'invalid-dates';

export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
export const severityRank = (s: Severity): number => SEVERITY_ORDER.length - SEVERITY_ORDER.indexOf(s);

export interface Issue {
  issue: IssueName;
  severity: Severity;
  detail: string;
}

export interface Thresholds {
  asOf: Date;
  warnDays: number;
  criticalDays: number;
  minRsaBits: number;
  minEcBits: number;
  /** A wildcard certificate served by more load balancers than this is sprawl. */
  maxWildcardAttachments: number;
}

export const DEFAULTS = { warnDays: 30, criticalDays: 7, minRsaBits: 2048, minEcBits: 256, maxWildcardAttachments: 3 } as const;

export interface CertificateReport {
  id: string;
  name: string;
  project: string;
  domains: string[];
  issuer: string;
  managedBy: string;
  autoRenew: boolean;
  notAfter: string | null;
  /** Whole days until expiry, rounded toward zero (negative once expired). */
  daysLeft: number | null;
  status: ExpiryStatus;
  attachedTo: string[];
  key: string;
  issues: Issue[];
  severity: Severity | null;
  /** The `expiry-status` label the certificate carries now (null when unlabelled). */
  currentLabel: string | null;
}

export interface WildcardGroup {
  domain: string;
  certificates: string[];
  attachments: number;
  reasons: string[];
}

export interface WatchResult {
  certificates: CertificateReport[];
  /** Certificates with at least one issue, worst first. */
  findings: CertificateReport[];
  wildcards: WildcardGroup[];
}

const DAY = 86_400_000;
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const time = (v: unknown): number | null => {
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : null;
};

/** The status the `expiry-status` label gets: expired, inside the critical or warning window, or ok. */
export function expiryStatus(notAfter: number, asOf: number, warnDays: number, criticalDays: number): ExpiryStatus {
  const left = notAfter - asOf;
  if (left <= 0) return 'expired';
  if (left < criticalDays * DAY) return 'critical';
  if (left < warnDays * DAY) return 'warning';
  return 'ok';
}

export function keyIssue(algorithm: string, size: number, t: Pick<Thresholds, 'minRsaBits' | 'minEcBits'>): string | null {
  const alg = algorithm.toUpperCase();
  if (alg === 'RSA' && size < t.minRsaBits) return `RSA ${size}-bit key is below the ${t.minRsaBits}-bit minimum`;
  if ((alg === 'ECDSA' || alg === 'EC') && size < t.minEcBits) return `ECDSA ${size}-bit key is below the ${t.minEcBits}-bit minimum`;
  if (alg === 'DSA') return 'DSA keys are no longer accepted by browsers';
  return null;
}

function assess(cert: CertificateResource, t: Thresholds): CertificateReport {
  const a = cert.attributes;
  const asOf = t.asOf.getTime();
  const notAfterMs = time(a['notAfter']);
  const notBeforeMs = time(a['notBefore']);
  const attachedTo = strings(a['attachedTo']);
  const managedBy = typeof a['managedBy'] === 'string' ? a['managedBy'] : 'manual';
  const autoRenew = a['autoRenew'] === true;
  const algorithm = typeof a['keyAlgorithm'] === 'string' ? a['keyAlgorithm'] : 'unknown';
  const keySize = typeof a['keySize'] === 'number' ? a['keySize'] : 0;
  const issues: Issue[] = [];

  // A certificate whose expiry cannot be read is treated as expired: it cannot be trusted.
  const status = notAfterMs === null ? 'expired' : expiryStatus(notAfterMs, asOf, t.warnDays, t.criticalDays);
  const daysLeft = notAfterMs === null ? null : Math.trunc((notAfterMs - asOf) / DAY);
  const inUse = attachedTo.length > 0;
  const served = inUse ? `served by ${attachedTo.join(', ')}` : 'not attached to any load balancer';

  if (notAfterMs === null) {
    issues.push({ issue: 'invalid-dates', severity: 'high', detail: 'notAfter is missing or unreadable' });
  } else if (status === 'expired') {
    const ago = Math.floor((asOf - notAfterMs) / DAY);
    issues.push(
      inUse
        ? { issue: 'expired-in-use', severity: 'critical', detail: `expired ${ago} days ago and still ${served}: clients see certificate errors` }
        : { issue: 'expired-unused', severity: 'low', detail: `expired ${ago} days ago and ${served}: delete it` },
    );
  } else if (status === 'critical' || status === 'warning') {
    const when = `expires in ${daysLeft} days (${new Date(notAfterMs).toISOString().slice(0, 10)})`;
    if (!autoRenew) {
      issues.push({
        issue: 'manual-renewal-required',
        severity: status === 'critical' ? 'critical' : 'high',
        detail: `${when}, is managed by hand and does not renew itself: renew and upload a new certificate`,
      });
    } else if (managedBy === 'certificate-manager') {
      issues.push(
        status === 'critical'
          ? {
              issue: 'auto-renewal-overdue',
              severity: 'high',
              detail: `${when} although Certificate Manager should have renewed it weeks ago: check DNS authorization and CAA records${typeof a['lastRenewalError'] === 'string' ? ` (last error: ${a['lastRenewalError']})` : ''}`,
            }
          : { issue: 'expires-soon', severity: 'low', detail: `${when}; Certificate Manager renews it automatically, confirm it does` },
      );
    } else {
      issues.push({
        issue: 'expires-soon',
        severity: status === 'critical' ? 'high' : 'medium',
        detail: `${when}; renewal is automated outside Certificate Manager${typeof a['renewedBy'] === 'string' ? ` (${a['renewedBy']})` : ''} but has not happened yet`,
      });
    }
  }
  if (notBeforeMs !== null && notBeforeMs > asOf) {
    issues.push({ issue: 'not-yet-valid', severity: 'medium', detail: `not valid until ${new Date(notBeforeMs).toISOString()}: do not attach it yet` });
  }
  if (status !== 'expired') {
    const weak = keyIssue(algorithm, keySize, t);
    if (weak) issues.push({ issue: 'weak-key', severity: 'high', detail: `${weak}; reissue with RSA 2048+ or ECDSA P-256` });
  }

  return {
    id: cert.id,
    name: cert.name,
    project: cert.project,
    domains: strings(a['domains']),
    issuer: typeof a['issuer'] === 'string' ? a['issuer'] : 'unknown',
    managedBy,
    autoRenew,
    notAfter: notAfterMs === null ? null : new Date(notAfterMs).toISOString(),
    daysLeft,
    status,
    attachedTo,
    key: `${algorithm} ${keySize}`,
    issues,
    severity: null,
    currentLabel: cert.labels['expiry-status'] ?? null,
  };
}

/**
 * Wildcard sprawl among live (unexpired) certificates: the same wildcard name issued more than once,
 * or one wildcard key served by many load balancers (one leaked key exposes every one of them).
 */
export function findWildcardSprawl(reports: CertificateReport[], maxAttachments: number): WildcardGroup[] {
  const byDomain = new Map<string, CertificateReport[]>();
  for (const r of reports) {
    if (r.status === 'expired') continue;
    for (const d of r.domains) if (d.startsWith('*.')) byDomain.set(d, [...(byDomain.get(d) ?? []), r]);
  }
  const groups: WildcardGroup[] = [];
  for (const [domain, list] of [...byDomain.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const reasons: string[] = [];
    if (list.length > 1) reasons.push(`${list.length} live certificates cover ${domain}`);
    for (const r of list) {
      if (r.attachedTo.length > maxAttachments) reasons.push(`${r.name} is served by ${r.attachedTo.length} load balancers (more than ${maxAttachments})`);
    }
    if (reasons.length === 0) continue;
    const attachments = new Set(list.flatMap((r) => r.attachedTo)).size;
    groups.push({ domain, certificates: list.map((r) => r.name).sort(), attachments, reasons });
  }
  return groups;
}

export function watchCertificates(certs: CertificateResource[], t: Thresholds): WatchResult {
  const reports = certs.map((c) => assess(c, t));
  const wildcards = findWildcardSprawl(reports, t.maxWildcardAttachments);
  const byName = new Map(reports.map((r) => [r.name, r]));
  for (const g of wildcards) {
    for (const name of g.certificates) {
      byName.get(name)?.issues.push({ issue: 'wildcard-sprawl', severity: 'medium', detail: `${g.domain}: ${g.reasons.join('; ')}` });
    }
  }
  for (const r of reports) {
    r.severity = r.issues.reduce<Severity | null>((s, i) => (s && severityRank(s) >= severityRank(i.severity) ? s : i.severity), null);
  }
  const findings = reports
    .filter((r) => r.issues.length > 0)
    .sort(
      (a, b) =>
        severityRank(b.severity ?? 'info') - severityRank(a.severity ?? 'info') ||
        (a.daysLeft ?? -Infinity) - (b.daysLeft ?? -Infinity) ||
        a.id.localeCompare(b.id),
    );
  return { certificates: reports, findings, wildcards };
}

export function countStatuses(reports: CertificateReport[]): Record<ExpiryStatus, number> {
  const out: Record<ExpiryStatus, number> = { expired: 0, critical: 0, warning: 0, ok: 0 };
  for (const r of reports) out[r.status]++;
  return out;
}
