import type { CloudProviderId, CloudResource } from '@agent-marketplace/contract/cloud';
import { canonicalJson } from '@agent-marketplace/contract/approvals';
import { readScopesOf } from '@agent-marketplace/contract/sandbox';
import { AppError } from '../../domain/errors.js';
import type { Connection } from '../../domain/cloud/connections.js';
import { grantFor } from '../../domain/cloud/scopeTable.js';
import { sha256 } from '../shared/credentials.js';
import { CloudProviderError, type CloudCredential, type CloudProviderApi, type ConnectionTarget, type CredentialGrant } from './ports.js';

/**
 * The platform's side of a connected cloud's calls: what a connection means to an adapter, the
 * run's credential (minted on first use, kept in this instance's memory only, re-minted once
 * when the provider says it expired), and provider failures as API errors.
 */

export function targetOf(c: Connection): ConnectionTarget {
  if (c.provider === 'gcp') return { provider: 'gcp', target: c.gcp!.target, serviceAccount: c.gcp!.serviceAccount, billingExportTable: c.gcp!.billingExportTable };
  return { provider: 'aws', accountId: c.account, roleArn: c.aws!.roleArn, externalId: c.aws!.externalId, regions: c.aws!.regions };
}

/** The credential's narrowing, from the scope table: OAuth scopes on GCP, a session policy's actions on AWS. */
export function credentialGrantOf(provider: CloudProviderId, scopes: string[], purpose: 'run' | 'check' = 'run'): CredentialGrant {
  const g = grantFor(provider, scopes);
  // A session policy intersects the role's: the check's credential must itself be allowed to simulate the role's policy.
  const awsActions = purpose === 'check' ? [...g.permissions, 'iam:SimulatePrincipalPolicy'] : g.permissions;
  return { scopes, gcp: { oauthScopes: provider === 'gcp' ? g.oauthScopes : [] }, aws: { actions: provider === 'aws' ? awsActions : [] } };
}

/** A provider failure in the API's terms (stable codes; the provider's words kept, never a credential). */
export function cloudErrorToApp(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (!(err instanceof CloudProviderError)) return new AppError('unavailable', 'cloud_unavailable', `The cloud provider call failed: ${err instanceof Error ? err.message : String(err)}`);
  const where = err.provider.toUpperCase();
  switch (err.reason) {
    case 'throttled':
      return new AppError('rate_limited', 'cloud_throttled', `${where} kept throttling the calls: ${err.message}`, { retryAfterSeconds: 60 });
    case 'permission_denied':
      return new AppError('forbidden', 'cloud_grant_missing', `${where} refused: ${err.message}${err.permissions.length ? ` (missing: ${err.permissions.join(', ')})` : ''}`);
    case 'not_found':
      return new AppError('not_found', 'cloud_resource_not_found', err.message);
    case 'unsupported':
      return new AppError('invalid', 'cloud_action_unsupported', err.message);
    case 'invalid':
      return new AppError('invalid', 'cloud_request_invalid', `${where} refused the request: ${err.message}`);
    case 'unauthenticated':
      return new AppError('unavailable', 'cloud_credential_refused', `${where} refused the run's credential even after a fresh one was minted: ${err.message}`);
    case 'unavailable':
      return new AppError('unavailable', 'cloud_unavailable', `${where} could not be reached: ${err.message}`);
  }
}

interface Held {
  credential: Promise<CloudCredential>;
  /** A credential is reused until a minute before it expires. */
  usableUntil: number;
}

/**
 * Run credentials held by this instance, by run attempt and scopes. Never written anywhere: a
 * credential lives as long as the instance's memory or its own expiry, whichever is first.
 */
export class CredentialCache {
  private readonly held = new Map<string, Held>();
  readonly stats = { mints: 0, reused: 0 };
  constructor(private readonly max = 500) {}

  private key(runKey: string, target: ConnectionTarget, grant: CredentialGrant) {
    return sha256(canonicalJson({ runKey, target, grant }));
  }

  async get(api: CloudProviderApi, target: ConnectionTarget, grant: CredentialGrant, session: { runId: string; wsId: string; attempt: number }, now: number): Promise<CloudCredential> {
    const key = this.key(`${session.wsId}/${session.runId}/${session.attempt}`, target, grant);
    const found = this.held.get(key);
    if (found && found.usableUntil > now) {
      this.stats.reused += 1;
      return found.credential;
    }
    this.stats.mints += 1;
    const credential = api.mint(target, grant, { runId: session.runId, wsId: session.wsId });
    const entry: Held = { credential, usableUntil: now + 14 * 60_000 };
    this.held.set(key, entry);
    // A failed mint is not kept: the next call tries again.
    credential.then(
      (c) => {
        entry.usableUntil = Math.min(entry.usableUntil, c.expiresAt.getTime() - 60_000);
      },
      () => {
        if (this.held.get(key) === entry) this.held.delete(key);
      },
    );
    if (this.held.size > this.max) {
      for (const [k, v] of this.held) {
        if (v.usableUntil <= now || this.held.size > this.max) this.held.delete(k);
        if (this.held.size <= this.max) break;
      }
    }
    return credential;
  }

  drop(target: ConnectionTarget, grant: CredentialGrant, session: { runId: string; wsId: string; attempt: number }): void {
    this.held.delete(this.key(`${session.wsId}/${session.runId}/${session.attempt}`, target, grant));
  }
}

/** The one cache of this instance. */
export const runCredentials = new CredentialCache();

/**
 * Runs `call` with the run's credential; when the provider says the credential is no longer
 * good (expired mid-run, revoked), a fresh one is minted and the call made once more.
 */
export async function withRunCredential<T>(
  api: CloudProviderApi,
  target: ConnectionTarget,
  grant: CredentialGrant,
  session: { runId: string; wsId: string; attempt: number },
  now: () => number,
  call: (credential: CloudCredential) => Promise<T>,
  cache: CredentialCache = runCredentials,
): Promise<T> {
  try {
    return await call(await cache.get(api, target, grant, session, now()));
  } catch (err) {
    if (!(err instanceof CloudProviderError) || err.reason !== 'unauthenticated') throw cloudErrorToApp(err);
    cache.drop(target, grant, session);
    try {
      return await call(await cache.get(api, target, grant, session, now()));
    } catch (again) {
      throw cloudErrorToApp(again);
    }
  }
}

/** Reading `kind` needs `kind.list` or `kind.get` among the consented scopes. */
export function requireRead(scopes: readonly string[], kind: string, agentId: string): void {
  if (!readScopesOf(kind).some((s) => scopes.includes(s))) {
    throw new AppError('forbidden', 'cloud_permission_denied', `The manifest of ${agentId} grants neither ${kind}.list nor ${kind}.get.`);
  }
}

/** What an approval's basis is for a real resource: its state, labels and attributes as read, so a change in between is seen. */
export const resourceBasis = (r: CloudResource | null) => sha256(canonicalJson(r ? { state: r.state, labels: r.labels, attributes: r.attributes } : {})).slice(0, 32);
