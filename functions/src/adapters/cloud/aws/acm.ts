import type { CertificateDetail } from '@aws-sdk/client-acm';
import type { CloudResource } from '@agent-marketplace/contract/cloud';
import type { CloudActionRequest } from '../../../app/cloud/ports.js';
import { allPages, invalid, labelsOf, notFound, regionOf, unsupported, type AwsCall } from './context.js';

/**
 * ACM certificates (`certificate`) per region, over the ACM JSON API (ListCertificates, then
 * DescribeCertificate and ListTagsForCertificate for each). Ids are the certificate ARNs.
 */

const acm = () => import('@aws-sdk/client-acm');

/** ListCertificates answers only RSA 2048 keys unless asked for every key type. */
const ALL_KEY_TYPES = ['RSA_1024', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_prime256v1', 'EC_secp384r1', 'EC_secp521r1'] as const;
const EC_BITS: Record<string, number> = { EC_prime256v1: 256, EC_secp384r1: 384, EC_secp521r1: 521 };
const STATE: Record<string, string> = { ISSUED: 'active', EXPIRED: 'expired', REVOKED: 'revoked', INACTIVE: 'inactive', PENDING_VALIDATION: 'pending', FAILED: 'failed', VALIDATION_TIMED_OUT: 'failed' };

/** `RSA_2048` → RSA 2048, `EC_prime256v1` → ECDSA 256. */
export function keyOf(alg: string | undefined): { keyAlgorithm: string; keySize: number } {
  if (!alg) return { keyAlgorithm: 'unknown', keySize: 0 };
  if (alg.startsWith('RSA_')) return { keyAlgorithm: 'RSA', keySize: Number(alg.slice(4)) || 0 };
  if (alg.startsWith('EC_')) return { keyAlgorithm: 'ECDSA', keySize: EC_BITS[alg] ?? 0 };
  return { keyAlgorithm: alg, keySize: 0 };
}

export function certificateOf(c: CertificateDetail, tags: { Key?: string; Value?: string }[], region: string, account: string): CloudResource {
  const domains = c.SubjectAlternativeNames?.length ? c.SubjectAlternativeNames : c.DomainName ? [c.DomainName] : [];
  const amazonIssued = c.Type === 'AMAZON_ISSUED';
  const created = c.CreatedAt ?? c.ImportedAt;
  return {
    kind: 'certificate',
    id: c.CertificateArn ?? '',
    name: c.DomainName ?? c.CertificateArn ?? '',
    project: account,
    region,
    state: STATE[c.Status ?? ''] ?? (c.Status ?? 'unknown').toLowerCase(),
    labels: labelsOf(tags),
    attributes: {
      domains,
      issuer: c.Issuer ?? null,
      notBefore: c.NotBefore?.toISOString() ?? null,
      notAfter: c.NotAfter?.toISOString() ?? null,
      // ACM renews what it issued while it is in use and its validation still holds.
      autoRenew: amazonIssued && c.RenewalEligibility === 'ELIGIBLE',
      managedBy: amazonIssued ? 'acm' : c.Type === 'PRIVATE' ? 'acm-private-ca' : 'manual',
      attachedTo: c.InUseBy ?? [],
      ...keyOf(c.KeyAlgorithm),
      signatureAlgorithm: c.SignatureAlgorithm ?? null,
      serialNumber: c.Serial ? c.Serial.replace(/:/g, '').toUpperCase() : null,
      type: c.Type ?? null,
      ...(c.RenewalSummary?.RenewalStatusReason ? { lastRenewalError: c.RenewalSummary.RenewalStatusReason } : {}),
    },
    ...(created ? { createdAt: created.toISOString() } : {}),
  };
}

async function describe(call: AwsCall, region: string, arn: string): Promise<CloudResource> {
  const m = await acm();
  const client = new m.ACMClient(call.config('acm', region));
  const [d, t] = await Promise.all([
    call.run('acm:DescribeCertificate', region, () => client.send(new m.DescribeCertificateCommand({ CertificateArn: arn }))),
    call.run('acm:ListTagsForCertificate', region, () => client.send(new m.ListTagsForCertificateCommand({ CertificateArn: arn }))),
  ]);
  return certificateOf(d.Certificate ?? { CertificateArn: arn }, t.Tags ?? [], region, call.account);
}

export const certificates = {
  async list(call: AwsCall, region: string): Promise<CloudResource[]> {
    const m = await acm();
    const client = new m.ACMClient(call.config('acm', region));
    const arns = await allPages(async (token) => {
      const out = await call.run('acm:ListCertificates', region, () =>
        client.send(new m.ListCertificatesCommand({ Includes: { keyTypes: [...ALL_KEY_TYPES] }, MaxItems: 1000, ...(token ? { NextToken: token } : {}) })),
      );
      return { items: (out.CertificateSummaryList ?? []).flatMap((s) => (s.CertificateArn ? [s.CertificateArn] : [])), next: out.NextToken };
    });
    const out: CloudResource[] = [];
    for (const arn of arns) out.push(await describe(call, region, arn));
    return out;
  },

  async get(call: AwsCall, id: string): Promise<CloudResource | null> {
    let region: string;
    try {
      region = regionOf(call, 'certificate', id, { service: 'acm', type: 'certificate' }).region;
    } catch {
      return null;
    }
    try {
      return await describe(call, region, id);
    } catch (err) {
      if ((err as { reason?: string }).reason === 'not_found') return null;
      throw err;
    }
  },

  async act(call: AwsCall, action: CloudActionRequest): Promise<CloudResource> {
    const { region } = regionOf(call, 'certificate', action.resourceId, { service: 'acm', type: 'certificate' });
    if (action.verb !== 'label') throw unsupported('certificate', action.verb);
    const labels = action.params.labels ?? {};
    if (Object.keys(labels).length === 0) throw invalid('A label action needs at least one label.');
    const m = await acm();
    const client = new m.ACMClient(call.config('acm', region));
    await call.run('acm:AddTagsToCertificate', region, () =>
      client.send(new m.AddTagsToCertificateCommand({ CertificateArn: action.resourceId, Tags: Object.entries(labels).map(([Key, Value]) => ({ Key, Value })) })),
    );
    const after = await certificates.get(call, action.resourceId);
    if (!after) throw notFound('certificate', action.resourceId);
    return after;
  },
};
