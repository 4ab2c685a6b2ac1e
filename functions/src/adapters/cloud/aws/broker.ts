import type { AwsCredentialIdentity } from '@smithy/types';
import { awsError } from './errors.js';
import { clientConfig, GLOBAL_REGION, type AwsClientSettings } from './clients.js';

/** Broker credentials are renewed this long before they expire, so no call starts with a dying one. */
const RENEW_BEFORE_MS = 5 * 60_000;

export interface GoogleBrokerOptions {
  /** The platform's broker role, whose trust policy trusts the platform's Google service account (accounts.google.com `sub`). */
  roleArn: string;
  /** A Google-signed ID token of the platform's service account, audience as the role's trust policy expects. */
  idToken: () => Promise<string>;
  settings?: AwsClientSettings;
  now?: () => Date;
}

/**
 * The platform's own AWS identity, from its Google identity: STS `AssumeRoleWithWebIdentity`
 * (unsigned: the ID token is the proof) into the broker role, whose credentials then assume each
 * customer's role. Cached until 5 minutes before they expire; concurrent callers share one call.
 */
export function brokerFromGoogleIdentity(options: GoogleBrokerOptions): () => Promise<AwsCredentialIdentity> {
  const now = options.now ?? (() => new Date());
  let cached: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const fresh = (c: AwsCredentialIdentity | undefined) => c?.expiration !== undefined && c.expiration.getTime() - RENEW_BEFORE_MS > now().getTime();

  async function assume(): Promise<AwsCredentialIdentity> {
    const { STSClient, AssumeRoleWithWebIdentityCommand } = await import('@aws-sdk/client-sts');
    const sts = new STSClient(clientConfig(options.settings ?? {}, 'sts', GLOBAL_REGION));
    const token = await options.idToken();
    try {
      const out = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: options.roleArn, RoleSessionName: 'agent-marketplace-broker', WebIdentityToken: token, DurationSeconds: 3600 }));
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) throw new Error('STS answered AssumeRoleWithWebIdentity without credentials.');
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    } catch (err) {
      throw awsError(err, 'sts:AssumeRoleWithWebIdentity (the platform broker role)', GLOBAL_REGION, [token]);
    }
  }

  return async () => {
    if (fresh(cached)) return cached as AwsCredentialIdentity;
    pending ??= assume().then(
      (c) => {
        cached = c;
        pending = undefined;
        return c;
      },
      (err: unknown) => {
        pending = undefined;
        throw err;
      },
    );
    return pending;
  };
}
