import { X509Certificate } from 'node:crypto';
import type { CloudListFilter, CloudResource } from '@agent-marketplace/contract/cloud';
import type { CloudActionRequest } from '../../../app/cloud/ports.js';
import type { GcpCall, KindAdapter } from './context.js';
import { applyFilter, isoTime, lastSegment, parseId, unsupported } from './context.js';
import { waitForLongRunning, type LongRunningOperation } from './operations.js';

/**
 * Certificate Manager (certificatemanager/v1): certificates of every location, what serves
 * them (certificate map entries and the maps' load balancer targets), and `patch` of labels
 * with `updateMask=labels`. Key facts (issuer, notBefore, key algorithm) come from the
 * certificate's own PEM, parsed locally.
 */

const SERVICE = 'certificatemanager.googleapis.com';
const API = `https://${SERVICE}/v1`;

interface Certificate {
  name: string;
  createTime?: string;
  labels?: Record<string, string>;
  sanDnsnames?: string[];
  pemCertificate?: string;
  expireTime?: string;
  managed?: { domains?: string[]; state?: string; provisioningIssue?: { reason?: string; details?: string } };
}

interface CertificateMap {
  name: string;
  gclbTargets?: { targetHttpsProxy?: string; targetSslProxy?: string }[];
}

/** What the PEM says; nothing when it is absent or unreadable. */
function pemFacts(pem: string | undefined): Record<string, unknown> {
  if (!pem) return {};
  try {
    const x = new X509Certificate(pem);
    const subjectOf = (dn: string) => Object.fromEntries(dn.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const issuer = subjectOf(x.issuer);
    const key = x.publicKey;
    const type = key.asymmetricKeyType;
    const details = key.asymmetricKeyDetails ?? {};
    const curveBits: Record<string, number> = { prime256v1: 256, 'P-256': 256, secp384r1: 384, 'P-384': 384, secp521r1: 521, 'P-521': 521 };
    return {
      issuer: [issuer['O'], issuer['CN']].filter(Boolean).join(' ') || x.issuer,
      notBefore: new Date(x.validFrom).toISOString(),
      serialNumber: x.serialNumber,
      keyAlgorithm: type === 'ec' ? 'ECDSA' : (type ?? 'unknown').toUpperCase(),
      keySize: type === 'ec' ? (curveBits[details.namedCurve ?? ''] ?? 0) : (details.modulusLength ?? 0),
    };
  } catch {
    return {};
  }
}

/** Certificate name → the load balancer proxies serving it, through certificate maps. */
async function servingTargets(c: GcpCall, project: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const maps = await c.api.listAll<CertificateMap>({ method: 'GET', url: `${API}/projects/${project}/locations/-/certificateMaps`, token: c.token, api: 'Certificate Manager certificateMaps.list' }, 'certificateMaps');
  for (const map of maps) {
    const targets = (map.gclbTargets ?? []).map((t) => lastSegment(t.targetHttpsProxy ?? t.targetSslProxy)).filter(Boolean);
    if (!targets.length) continue;
    const entries = await c.api.listAll<{ certificates?: string[] }>(
      { method: 'GET', url: `${API}/${map.name}/certificateMapEntries`, token: c.token, api: 'Certificate Manager certificateMapEntries.list' },
      'certificateMapEntries',
    );
    for (const e of entries) for (const cert of e.certificates ?? []) out.set(cert, [...new Set([...(out.get(cert) ?? []), ...targets])]);
  }
  return out;
}

function certificateResource(project: string, cert: Certificate, attachedTo: string[]): CloudResource {
  const createdAt = isoTime(cert.createTime);
  const location = /\/locations\/([^/]+)\//.exec(cert.name)?.[1] ?? 'global';
  const attributes: Record<string, unknown> = {
    domains: cert.sanDnsnames?.length ? cert.sanDnsnames : (cert.managed?.domains ?? []),
    notAfter: isoTime(cert.expireTime) ?? null,
    autoRenew: cert.managed !== undefined,
    managedBy: cert.managed !== undefined ? 'certificate-manager' : 'manual',
    attachedTo,
    ...pemFacts(cert.pemCertificate),
  };
  const issue = cert.managed?.provisioningIssue;
  if (issue?.reason) attributes['lastRenewalError'] = `${issue.reason}${issue.details ? `: ${issue.details}` : ''}`;
  return {
    kind: 'certificate',
    id: cert.name,
    name: lastSegment(cert.name),
    project,
    region: location,
    state: (cert.managed?.state ?? 'active').toLowerCase(),
    labels: cert.labels ?? {},
    attributes,
    ...(createdAt ? { createdAt } : {}),
  };
}

async function listCertificates(c: GcpCall, filter: CloudListFilter): Promise<CloudResource[]> {
  const out: CloudResource[] = [];
  for (const project of await c.projects(filter)) {
    const [certs, serving] = await Promise.all([
      c.api.listAll<Certificate>({ method: 'GET', url: `${API}/projects/${project}/locations/-/certificates`, token: c.token, api: 'Certificate Manager certificates.list' }, 'certificates'),
      servingTargets(c, project),
    ]);
    out.push(...certs.map((cert) => certificateResource(project, cert, serving.get(cert.name) ?? [])));
  }
  return applyFilter(out, filter);
}

const CERT_ID = /^projects\/([a-z][a-z0-9-]{4,28}[a-z0-9])\/locations\/([a-z0-9-]+)\/certificates\/([a-z0-9-]{1,63})$/;

/** `certificates.get` and what serves it, as a listing shows it; null when it is gone. */
async function getCertificate(c: GcpCall, id: string): Promise<CloudResource | null> {
  const [, project] = parseId('certificate', id, CERT_ID, 'projects/my-project/locations/global/certificates/www');
  try {
    const [cert, serving] = await Promise.all([
      c.api.call<Certificate>({ method: 'GET', url: `${API}/${id}`, token: c.token, api: 'Certificate Manager certificates.get' }),
      servingTargets(c, project!),
    ]);
    return certificateResource(project!, cert, serving.get(cert.name) ?? []);
  } catch (e) {
    if ((e as { reason?: string }).reason === 'not_found') return null;
    throw e;
  }
}

async function actCertificate(c: GcpCall, action: CloudActionRequest): Promise<CloudResource> {
  if (action.verb !== 'label') throw unsupported(`The GCP adapter cannot ${action.verb} a certificate; it can label one.`);
  const [, project] = parseId('certificate', action.resourceId, CERT_ID, 'projects/my-project/locations/global/certificates/www');
  const url = `${API}/${action.resourceId}`;
  const cert = await c.api.call<Certificate>({ method: 'GET', url, token: c.token, api: 'Certificate Manager certificates.get' });
  // certificates.patch with updateMask=labels replaces the labels map: send the merged one.
  const op = await c.api.call<LongRunningOperation>({
    method: 'PATCH',
    url,
    token: c.token,
    api: 'Certificate Manager certificates.patch',
    query: { updateMask: 'labels' },
    body: { labels: { ...cert.labels, ...action.params.labels } },
  });
  await waitForLongRunning(c.api, c.token, SERVICE, op, `certificates.patch of ${lastSegment(cert.name)}`, c.pause);
  const after = await c.api.call<Certificate>({ method: 'GET', url, token: c.token, api: 'Certificate Manager certificates.get' });
  const serving = await servingTargets(c, project!);
  return certificateResource(project!, after, serving.get(after.name) ?? []);
}

export const certificateKind: KindAdapter = { list: listCertificates, get: getCertificate, act: actCertificate };
