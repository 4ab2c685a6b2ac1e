import type { CloudListFilter, CloudProviderId, CloudResource, GcpTarget } from '@agent-marketplace/contract/cloud';
import type { SandboxActionParams, SandboxVerb } from '@agent-marketplace/contract/sandbox';
import type { CloudIdentityRecord, Connection, StoredVerification } from '../../domain/cloud/connections.js';

/**
 * The ports of connected clouds (docs/cloud-connections.md). A provider adapter
 * (adapters/cloud/gcp, adapters/cloud/aws) mints a short-lived credential for one run and
 * performs reads and actions with it; the use cases in this folder decide whether a call is
 * allowed (scope, consent, approval) before any adapter is asked.
 */

/** Where a connection points, as the adapters need it (no names, no audit fields). */
export type ConnectionTarget =
  | {
      provider: 'gcp';
      /** The project or organisation the customer granted roles on. */
      target: GcpTarget;
      /** The workspace's service account, which the platform impersonates. */
      serviceAccount: string;
      /** `project.dataset.table` of the billing export, for `billing.read`. */
      billingExportTable: string | null;
    }
  | {
      provider: 'aws';
      accountId: string;
      roleArn: string;
      externalId: string;
      regions: string[];
    };

/**
 * What a credential may do, from the scope table (domain/cloud): the provider permissions of
 * the consented scopes. GCP narrows the token by OAuth scope; AWS by a session policy that
 * allows exactly `actions`.
 */
export interface CredentialGrant {
  /** Manifest scopes, for the record (session name, audit). */
  scopes: string[];
  gcp: { oauthScopes: string[] };
  aws: { actions: string[] };
}

/** A minted credential. `secrets` are the values to redact wherever run data is stored. */
export interface CloudCredential {
  provider: CloudProviderId;
  /** GCP: the OAuth access token. AWS: the session's access key id, secret and session token. */
  gcp?: { accessToken: string };
  aws?: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  expiresAt: Date;
  secrets: string[];
}

/** An action to perform, already checked on the server: its parameters parsed by the verb's schema. */
export interface CloudActionRequest {
  kind: string;
  verb: SandboxVerb;
  resourceId: string;
  params: SandboxActionParams;
}

export interface DatasetQuery {
  /** Rows from this instant on (billing days, log entries); the adapter's default when absent. */
  since?: Date;
  /** At most this many rows (the adapter pages until it has them). */
  limit?: number;
}

/**
 * Why a provider call failed, in the platform's terms. The use cases map `unauthenticated` to
 * one re-mint and retry (an expired token mid-run), `permission_denied` to the missing grants,
 * `throttled` to a readable failure once the adapter's own backoff is spent.
 */
export type CloudErrorReason = 'unauthenticated' | 'permission_denied' | 'not_found' | 'throttled' | 'invalid' | 'unsupported' | 'unavailable';

export class CloudProviderError extends Error {
  readonly reason: CloudErrorReason;
  readonly provider: CloudProviderId;
  /** The provider's own error code or status (`PERMISSION_DENIED`, `AccessDenied`, `429`). */
  readonly providerCode: string | undefined;
  /** For `permission_denied`: the provider permissions named, when the provider says which. */
  readonly permissions: string[];
  constructor(provider: CloudProviderId, reason: CloudErrorReason, message: string, extra: { providerCode?: string; permissions?: string[] } = {}) {
    super(message);
    this.name = 'CloudProviderError';
    this.provider = provider;
    this.reason = reason;
    this.providerCode = extra.providerCode;
    this.permissions = extra.permissions ?? [];
  }
}

/** One provider's adapter. Every method throws CloudProviderError for a provider failure. */
export interface CloudProviderApi {
  readonly provider: CloudProviderId;
  /** A credential for one run: about 15 minutes, narrowed to `grant`. `session` names the run (audit trails on the customer's side). */
  mint(target: ConnectionTarget, grant: CredentialGrant, session: { runId: string; wsId: string }): Promise<CloudCredential>;
  /**
   * Which of `permissions` the connection lacks: GCP `testIamPermissions` on the target as the
   * workspace's service account; AWS `iam:SimulatePrincipalPolicy` on the role. Uses a
   * credential minted for the check.
   */
  missingPermissions(target: ConnectionTarget, credential: CloudCredential, permissions: string[]): Promise<string[]>;
  list(target: ConnectionTarget, credential: CloudCredential, kind: string, filter: CloudListFilter): Promise<CloudResource[]>;
  get(target: ConnectionTarget, credential: CloudCredential, kind: string, id: string): Promise<CloudResource | null>;
  /** Rows of a read-only dataset (`billing`, `logs`, `iam.roles`, `iam.usage`, ...). */
  dataset(target: ConnectionTarget, credential: CloudCredential, name: string, query: DatasetQuery): Promise<Record<string, unknown>[]>;
  /** Performs the action; answers the resource after it. */
  act(target: ConnectionTarget, credential: CloudCredential, action: CloudActionRequest): Promise<CloudResource>;
}

export type CloudProviders = Readonly<Record<CloudProviderId, CloudProviderApi>>;

/** workspaces/{ws}/connections and the workspace's own cloud identity. */
export interface ConnectionStore {
  /** The workspace's identity, made by `make` the first time (once, even when two first calls race). */
  identity(wsId: string, make: () => CloudIdentityRecord): Promise<CloudIdentityRecord>;
  get(wsId: string, id: string): Promise<Connection | null>;
  list(wsId: string): Promise<Connection[]>;
  /** Creates it in a transaction with `unique` judging the workspace's existing connections. */
  create(connection: Connection, unique: (existing: Connection[]) => void): Promise<Connection>;
  delete(wsId: string, id: string): Promise<void>;
  setVerification(wsId: string, id: string, verification: StoredVerification): Promise<void>;
}

/** Makes the workspace's GCP service account exist, impersonable by the platform's dispatcher identity only. */
export interface WorkspaceIdentities {
  ensureServiceAccount(wsId: string, email: string): Promise<void>;
}

export interface CloudConfig {
  /** The platform's project, which holds one service account per workspace. */
  platformProject: string;
  /** The AWS principal customers' roles trust (the platform's broker role). */
  awsPlatformPrincipalArn: string;
}
