import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, expiryStatus, keyIssue, watchCertificates, type CertificateResource, type Thresholds } from '../src/analyze.ts';

const certs = (JSON.parse(readFileSync(new URL('../fixtures/cloud.json', import.meta.url), 'utf8')) as { resources: CertificateResource[] }).resources;
const asOf = new Date('2026-11-20T00:00:00Z');
const thresholds: Thresholds = { asOf, ...DEFAULTS };
const result = watchCertificates(certs, thresholds);
const byName = new Map(result.certificates.map((c) => [c.name, c]));
const issuesOf = (name: string) => byName.get(name)?.issues.map((i) => i.issue);
const DAY = 86_400_000;

describe('expiry status', () => {
  const t = asOf.getTime();
  it('draws the lines at expiry, the critical and the warning thresholds', () => {
    expect(expiryStatus(t, t, 30, 7)).toBe('expired');
    expect(expiryStatus(t - 1, t, 30, 7)).toBe('expired');
    expect(expiryStatus(t + 7 * DAY - 1, t, 30, 7)).toBe('critical');
    expect(expiryStatus(t + 7 * DAY, t, 30, 7)).toBe('warning');
    expect(expiryStatus(t + 30 * DAY - 1, t, 30, 7)).toBe('warning');
    expect(expiryStatus(t + 30 * DAY, t, 30, 7)).toBe('ok');
  });

  it('rates keys', () => {
    expect(keyIssue('RSA', 1024, DEFAULTS)).toContain('below the 2048-bit minimum');
    expect(keyIssue('RSA', 2048, DEFAULTS)).toBeNull();
    expect(keyIssue('ECDSA', 256, DEFAULTS)).toBeNull();
    expect(keyIssue('ECDSA', 192, DEFAULTS)).toContain('ECDSA 192-bit');
    expect(keyIssue('DSA', 2048, DEFAULTS)).not.toBeNull();
    expect(keyIssue('RSA', 2048, { ...DEFAULTS, minRsaBits: 3072 })).not.toBeNull();
  });
});

describe('the shipped certificates', () => {
  it('sorts every certificate into a status', () => {
    const count = (s: string) => result.certificates.filter((c) => c.status === s).map((c) => c.name).sort();
    expect(count('expired')).toEqual(['auth-acme-corp-io', 'dev-selfsigned-test', 'promo-2023', 'staging-shop', 'wildcard-acme-corp-io-2024']);
    expect(count('critical')).toEqual(['data-kafka-ui', 'grpc-internal', 'shop-acme-corp-io', 'staging-wildcard-legacy']);
    expect(count('warning')).toHaveLength(7);
    expect(count('ok')).toHaveLength(16);
  });

  it('is exact at the critical boundary: 7.5 days left is a warning, 6.96 days critical', () => {
    expect(byName.get('data-grafana')).toMatchObject({ status: 'warning', daysLeft: 7 });
    expect(byName.get('data-kafka-ui')).toMatchObject({ status: 'critical', daysLeft: 6 });
  });

  it('separates expired certificates still serving traffic from leftovers', () => {
    expect(byName.get('auth-acme-corp-io')).toMatchObject({ severity: 'critical', daysLeft: -2 });
    expect(byName.get('auth-acme-corp-io')?.issues[0]?.detail).toContain('expired 2 days ago and still served by lb-auth-prod');
    expect(issuesOf('staging-shop')).toEqual(['expired-in-use']);
    expect(issuesOf('promo-2023')).toEqual(['expired-unused']);
    expect(byName.get('promo-2023')?.severity).toBe('low');
  });

  it('calls out manual certificates that will not renew themselves', () => {
    expect(byName.get('shop-acme-corp-io')).toMatchObject({ severity: 'critical', issues: [{ issue: 'manual-renewal-required' }] });
    expect(byName.get('payments-acmepay-com')).toMatchObject({ severity: 'high', issues: [{ issue: 'manual-renewal-required' }] });
    const manual = result.findings.filter((f) => f.issues.some((i) => i.issue === 'manual-renewal-required')).map((f) => f.name);
    expect(manual.sort()).toEqual(['data-jupyter', 'data-kafka-ui', 'payments-acmepay-com', 'shop-acme-corp-io', 'staging-payments', 'staging-wildcard-legacy']);
  });

  it('tells a failing managed renewal from one that is simply due', () => {
    expect(byName.get('grpc-internal')).toMatchObject({ severity: 'high', issues: [{ issue: 'auto-renewal-overdue' }] });
    expect(byName.get('grpc-internal')?.issues[0]?.detail).toContain('DNS authorization');
    expect(byName.get('mobile-api')).toMatchObject({ severity: 'low', issues: [{ issue: 'expires-soon' }] });
    expect(byName.get('status-page')).toMatchObject({ severity: 'medium', issues: [{ issue: 'expires-soon' }] });
    expect(byName.get('status-page')?.issues[0]?.detail).toContain('certbot');
  });

  it('flags weak keys on live certificates only', () => {
    expect(issuesOf('partners-portal')).toEqual(['weak-key']);
    expect(issuesOf('vpn-gateway')).toEqual(['weak-key']);
    expect(issuesOf('dev-selfsigned-test')).toEqual(['expired-unused']);
  });

  it('flags certificates that are not valid yet', () => {
    expect(byName.get('staging-auth')).toMatchObject({ status: 'ok', severity: 'medium', issues: [{ issue: 'not-yet-valid' }] });
  });

  it('finds wildcard sprawl: duplicate live wildcards and one wildcard key on many load balancers', () => {
    expect(result.wildcards.map((w) => [w.domain, w.certificates])).toEqual([
      ['*.acme-corp.io', ['wildcard-acme-corp-io-2025', 'wildcard-acme-corp-io-2026']],
      ['*.staging.acme-corp.io', ['staging-wildcard', 'staging-wildcard-legacy']],
    ]);
    expect(result.wildcards[0]?.reasons).toContain('wildcard-acme-corp-io-2025 is served by 5 load balancers (more than 3)');
    expect(result.wildcards[0]?.attachments).toBe(6);
    // The expired 2024 wildcard is not part of the sprawl, and one wildcard on two LBs is fine.
    expect(issuesOf('wildcard-acme-corp-io-2024')).not.toContain('wildcard-sprawl');
    expect(issuesOf('dev-wildcard')).toEqual([]);
  });

  it('orders findings worst first, soonest first within a severity', () => {
    expect(result.findings.slice(0, 5).map((f) => f.name)).toEqual([
      'staging-shop',
      'auth-acme-corp-io',
      'shop-acme-corp-io',
      'data-kafka-ui',
      'staging-wildcard-legacy',
    ]);
    expect(result.findings).toHaveLength(22);
    expect(result.findings.every((f) => f.issues.length > 0)).toBe(true);
  });

  it('follows the thresholds it is given', () => {
    const wide = watchCertificates(certs, { ...thresholds, warnDays: 60, criticalDays: 14 });
    expect(wide.certificates.filter((c) => c.status === 'critical')).toHaveLength(7);
    expect(wide.certificates.filter((c) => c.status === 'warning').length).toBeGreaterThan(7);
  });

  it('treats an unreadable expiry date as expired', () => {
    const [bad] = watchCertificates(
      [{ id: 'x', name: 'broken', project: 'p', labels: {}, attributes: { domains: ['x.acme-corp.io'], notAfter: 'soon', attachedTo: ['lb'] } }],
      thresholds,
    ).certificates;
    expect(bad).toMatchObject({ status: 'expired', daysLeft: null, severity: 'high', issues: [{ issue: 'invalid-dates' }] });
  });
});
