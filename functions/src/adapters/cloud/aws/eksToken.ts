import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Hash, SourceData } from '@smithy/types';

/**
 * The bearer token EKS control planes accept for an IAM identity (what `aws eks get-token` and
 * aws-iam-authenticator make): `k8s-aws-v1.` + the unpadded base64url of a presigned STS
 * `GetCallerIdentity` URL whose signature covers the `x-k8s-aws-id: <cluster>` header, so a
 * token for one cluster is refused by every other. The cluster calls STS with it to learn who
 * we are; it never sees the secret key.
 */

/** As aws-iam-authenticator presigns it; the adapter signs a fresh token for each Kubernetes request. */
export const EKS_TOKEN_SECONDS = 60;

const bytes = (d: SourceData): Buffer =>
  typeof d === 'string' ? Buffer.from(d, 'utf8') : ArrayBuffer.isView(d) ? Buffer.from(d.buffer, d.byteOffset, d.byteLength) : Buffer.from(d as ArrayBuffer);

/** SHA-256 (or HMAC-SHA-256 with a secret) over node:crypto, in the shape SignatureV4 asks for. */
class Sha256 implements Hash {
  private hash;
  constructor(private readonly secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
}

export async function eksToken(credentials: AwsCredentialIdentity, region: string, cluster: string, now: Date): Promise<string> {
  const hostname = `sts.${region}.amazonaws.com`;
  const signer = new SignatureV4({ credentials, region, service: 'sts', sha256: Sha256, uriEscapePath: true });
  const signed = await signer.presign(
    { method: 'GET', protocol: 'https:', hostname, path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: hostname, 'x-k8s-aws-id': cluster } },
    { expiresIn: EKS_TOKEN_SECONDS, signingDate: now },
  );
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(signed.query ?? {})) if (typeof v === 'string') query.set(k, v);
  const url = `https://${hostname}/?${query.toString()}`;
  return `k8s-aws-v1.${Buffer.from(url, 'utf8').toString('base64url')}`;
}
