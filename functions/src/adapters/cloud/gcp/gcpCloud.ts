import type { CloudListFilter, CloudResource } from '@agent-marketplace/contract/cloud';
import {
  CloudProviderError,
  type CloudActionRequest,
  type CloudCredential,
  type CloudProviderApi,
  type ConnectionTarget,
  type CredentialGrant,
  type DatasetQuery,
} from '../../../app/cloud/ports.js';
import { budgetKind } from './budgets.js';
import { certificateKind } from './certificates.js';
import { diskKind, snapshotKind, vmKind } from './compute.js';
import type { GcpCall, GcpWarning, KindAdapter } from './context.js';
import { unsupported } from './context.js';
import { billingDataset, logsDataset } from './datasets.js';
import { workloadKind } from './gke.js';
import { clusterFetch } from '../kubernetes.js';
import { GoogleApi, type GoogleApiOptions } from './googleApi.js';
import { iamBindingKind, rolesDataset, usageDataset } from './iam.js';
import { bucketKind } from './storage.js';

/**
 * The GCP provider adapter: Google's REST APIs over `fetch` (no client libraries: they are
 * heavy and these calls are few). The platform's own identity mints a short-lived token for
 * the workspace's service account; everything else runs with that token.
 */

export interface GcpCloudOptions extends GoogleApiOptions {
  /** The platform's own access token (in production `platformTokenFromAdc()`). */
  platformToken: () => Promise<string>;
  now?: () => Date;
  /** Where partial failures are reported (an unreachable zone); the listing keeps the rest. */
  onWarning?: (w: GcpWarning) => void;
  /** The transport to a GKE control plane, given its CA (tests replace it). */
  clusterFetch?: (caPem: string) => typeof fetch;
}

/** Token lifetime asked for: a run's credential is refreshed through the runner API for longer runs. */
const LIFETIME_SECONDS = 900;
/** Google's testIamPermissions methods refuse more than 100 permissions per call. */
const TEST_PERMISSIONS_CHUNK = 100;

const KINDS: Record<string, KindAdapter> = {
  vm: vmKind,
  disk: diskKind,
  snapshot: snapshotKind,
  bucket: bucketKind,
  'iam.binding': iamBindingKind,
  certificate: certificateKind,
  budget: budgetKind,
  'k8s.workload': workloadKind,
};

const DATASETS: Record<string, (c: GcpCall, q: DatasetQuery) => Promise<Record<string, unknown>[]>> = {
  billing: billingDataset,
  logs: logsDataset,
  'iam.roles': (c) => rolesDataset(c),
  'iam.usage': (c) => usageDataset(c),
};

/** The platform's token from Application Default Credentials; google-auth-library is loaded on first use. */
export function platformTokenFromAdc(): () => Promise<string> {
  let auth: Promise<{ getAccessToken(): Promise<string | null | undefined> }> | undefined;
  return async () => {
    auth ??= import('google-auth-library').then(({ GoogleAuth }) => new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] }));
    const token = await (await auth).getAccessToken();
    if (!token) throw new CloudProviderError('gcp', 'unauthenticated', "The platform's own Google credentials gave no access token.");
    return token;
  };
}

export class GcpCloud implements CloudProviderApi {
  readonly provider = 'gcp' as const;
  private readonly api: GoogleApi;
  private readonly options: GcpCloudOptions;

  constructor(options: GcpCloudOptions) {
    this.options = options;
    this.api = new GoogleApi(options);
  }

  /** IAM Credentials `generateAccessToken` for the workspace's service account, as the platform. */
  async mint(target: ConnectionTarget, grant: CredentialGrant, _session: { runId: string; wsId: string }): Promise<CloudCredential> {
    const gcp = this.gcpOf(target);
    if (!grant.gcp.oauthScopes.length) throw new CloudProviderError('gcp', 'invalid', 'No OAuth scope to mint a GCP token for: the grant is empty.');
    const platform = await this.options.platformToken();
    let answer: { accessToken?: string; expireTime?: string };
    try {
      answer = await this.api.call({
        method: 'POST',
        url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${encodeURIComponent(gcp.serviceAccount)}:generateAccessToken`,
        token: platform,
        api: 'IAM Credentials generateAccessToken',
        body: { scope: grant.gcp.oauthScopes, lifetime: `${LIFETIME_SECONDS}s` },
      });
    } catch (e) {
      if (e instanceof CloudProviderError && e.reason === 'permission_denied') {
        throw new CloudProviderError(
          'gcp',
          'permission_denied',
          `The platform may not impersonate the workspace's service account ${gcp.serviceAccount}: its identity needs roles/iam.serviceAccountTokenCreator on that account (${e.message})`,
          { providerCode: e.providerCode, permissions: e.permissions.length ? e.permissions : ['iam.serviceAccounts.getAccessToken'] },
        );
      }
      throw e;
    }
    if (!answer.accessToken) throw new CloudProviderError('gcp', 'unavailable', 'IAM Credentials answered without an access token.');
    const expires = answer.expireTime ? new Date(answer.expireTime) : new Date(this.now().getTime() + LIFETIME_SECONDS * 1000);
    return { provider: 'gcp', gcp: { accessToken: answer.accessToken }, expiresAt: expires, secrets: [answer.accessToken] };
  }

  /** `testIamPermissions` on the project or organisation, in chunks; the missing ones in input order. */
  async missingPermissions(target: ConnectionTarget, credential: CloudCredential, permissions: string[]): Promise<string[]> {
    const gcp = this.gcpOf(target);
    const token = this.tokenOf(credential);
    const resource = gcp.target.kind === 'project' ? `projects/${gcp.target.id}` : `organizations/${gcp.target.id}`;
    const unique = [...new Set(permissions)];
    const granted = new Set<string>();
    for (let i = 0; i < unique.length; i += TEST_PERMISSIONS_CHUNK) {
      const answer = await this.api.call<{ permissions?: string[] }>({
        method: 'POST',
        url: `https://cloudresourcemanager.googleapis.com/v3/${resource}:testIamPermissions`,
        token,
        api: 'Resource Manager testIamPermissions',
        body: { permissions: unique.slice(i, i + TEST_PERMISSIONS_CHUNK) },
      });
      for (const p of answer.permissions ?? []) granted.add(p);
    }
    return permissions.filter((p, i) => !granted.has(p) && permissions.indexOf(p) === i);
  }

  async list(target: ConnectionTarget, credential: CloudCredential, kind: string, filter: CloudListFilter): Promise<CloudResource[]> {
    return this.kindOf(kind).list(this.callFor(target, credential), filter);
  }

  async get(target: ConnectionTarget, credential: CloudCredential, kind: string, id: string): Promise<CloudResource | null> {
    const k = this.kindOf(kind);
    const call = this.callFor(target, credential);
    if (k.get) return k.get(call, id);
    return (await k.list(call, {})).find((r) => r.id === id) ?? null;
  }

  async dataset(target: ConnectionTarget, credential: CloudCredential, name: string, query: DatasetQuery): Promise<Record<string, unknown>[]> {
    const d = DATASETS[name];
    if (!d) throw unsupported(`The GCP adapter has no dataset ${JSON.stringify(name)}; it reads ${Object.keys(DATASETS).join(', ')}.`);
    return d(this.callFor(target, credential), query);
  }

  async act(target: ConnectionTarget, credential: CloudCredential, action: CloudActionRequest): Promise<CloudResource> {
    const k = this.kindOf(action.kind);
    if (!k.act) throw unsupported(`The GCP adapter cannot act on ${action.kind}.`);
    return k.act(this.callFor(target, credential), action);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private kindOf(kind: string): KindAdapter {
    const k = KINDS[kind];
    if (!k) throw unsupported(`The GCP adapter has no resource kind ${JSON.stringify(kind)}; it knows ${Object.keys(KINDS).join(', ')}.`);
    return k;
  }

  private gcpOf(target: ConnectionTarget): Extract<ConnectionTarget, { provider: 'gcp' }> {
    if (target.provider !== 'gcp') throw new CloudProviderError('gcp', 'invalid', `The GCP adapter was given a ${target.provider} connection.`);
    return target;
  }

  private tokenOf(credential: CloudCredential): string {
    const token = credential.gcp?.accessToken;
    if (!token) throw new CloudProviderError('gcp', 'unauthenticated', 'No GCP access token in this credential: mint one for the run first.');
    return token;
  }

  private callFor(target: ConnectionTarget, credential: CloudCredential): GcpCall {
    const gcp = this.gcpOf(target);
    const token = this.tokenOf(credential);
    const api = this.api;
    let orgProjects: Promise<string[]> | undefined;
    const options = this.options;
    return {
      api,
      token,
      target: gcp.target,
      billingExportTable: gcp.billingExportTable,
      apiRoot: options.apiRoot?.replace(/\/+$/, ''),
      now: () => this.now(),
      pause: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      warn: options.onWarning ?? ((w) => console.warn(`GCP ${w.api}: ${w.scope}: ${w.code}: ${w.message}`)),
      clusterFetch: options.clusterFetch ?? clusterFetch,
      async projects(filter = {}) {
        let all: string[];
        if (gcp.target.kind === 'project') {
          all = [gcp.target.id];
        } else {
          // Resource Manager v3 projects.search: every active project the token can see, i.e. the organisation's.
          orgProjects ??= api
            .listAll<{ projectId: string }>(
              { method: 'GET', url: 'https://cloudresourcemanager.googleapis.com/v3/projects:search', token, api: 'Resource Manager projects.search', query: { query: 'state:ACTIVE' } },
              'projects',
            )
            .then((ps) => ps.map((p) => p.projectId));
          all = await orgProjects;
        }
        return filter.project === undefined ? all : all.filter((p) => p === filter.project);
      },
    };
  }
}
