import type { AwsCredentialIdentity } from '@smithy/types';
import { matchesCloudFilter, type CloudListFilter, type CloudResource } from '@agent-marketplace/contract/cloud';
import {
  CloudProviderError,
  type CloudActionRequest,
  type CloudCredential,
  type CloudProviderApi,
  type ConnectionTarget,
  type CredentialGrant,
  type DatasetQuery,
} from '../../../app/cloud/ports.js';
import { clientConfig, type AwsClientSettings } from './clients.js';
import { acrossRegions, AwsCall, newCaches, unsupported, type AwsTarget } from './context.js';
import { certificates } from './acm.js';
import { budgets } from './budgets.js';
import { billingRows, logRows } from './datasets.js';
import { ec2Kinds } from './ec2.js';
import { buckets } from './s3.js';
import { bindingResource, roleBindings, rolesDataset, usageDataset } from './iam.js';
import { eksWorkloads } from './eks.js';
import type { ClusterTransport } from '../kubernetes.js';
import { awsError } from './errors.js';
import { sessionPolicyForActions } from '../../../domain/cloud/grants.js';
import { AppError } from '../../../domain/errors.js';
import { roleSessionName } from './sessionPolicy.js';

export interface AwsCloudOptions extends AwsClientSettings {
  /** The platform's own AWS identity, which assumes customers' roles (production: brokerFromGoogleIdentity). */
  brokerCredentials: () => Promise<AwsCredentialIdentity>;
  now?: () => Date;
  /** How EKS control planes are reached: over TLS trusting only the cluster's CA unless a test says otherwise. */
  clusterTransport?: ClusterTransport;
}

/** A run credential lasts 15 minutes, STS's minimum; longer runs re-mint through the runner API. */
export const SESSION_SECONDS = 900;
/** SimulatePrincipalPolicy evaluates at most this many action names per request. */
const SIMULATE_CHUNK = 100;

const EC2_KINDS = new Set(['vm', 'disk', 'snapshot']);

function awsTarget(target: ConnectionTarget): AwsTarget {
  if (target.provider !== 'aws') throw new CloudProviderError('aws', 'invalid', `The AWS adapter was asked about a ${target.provider} connection.`);
  return target;
}

/**
 * The AWS provider adapter: a customer's account through a cross-account role the platform
 * assumes with the workspace's external id, one SDK v3 client per service and region, each
 * imported at first use. Reads and actions run with the run's credential (AssumeRole with a
 * session policy of exactly the consented actions), so AWS itself refuses anything beyond them.
 */
export class AwsCloud implements CloudProviderApi {
  readonly provider = 'aws' as const;
  private readonly now: () => Date;
  private readonly caches = newCaches();

  constructor(private readonly options: AwsCloudOptions) {
    this.now = options.now ?? (() => new Date());
  }

  private call(target: ConnectionTarget, credential: CloudCredential): AwsCall {
    return new AwsCall(this.options, awsTarget(target), credential, this.now, this.caches);
  }

  async mint(target: ConnectionTarget, grant: CredentialGrant, session: { runId: string; wsId: string }): Promise<CloudCredential> {
    const t = awsTarget(target);
    let policy: string;
    try {
      // One session policy for the platform: the domain's, which compacts reads before it refuses.
      policy = sessionPolicyForActions(grant.aws.actions);
    } catch (err) {
      if (err instanceof AppError) throw new CloudProviderError('aws', 'invalid', err.message);
      throw err;
    }
    const { STSClient, AssumeRoleCommand } = await import('@aws-sdk/client-sts');
    const region = t.regions[0] ?? 'us-east-1';
    const sts = new STSClient(clientConfig(this.options, 'sts', region, this.options.brokerCredentials));
    let out;
    try {
      out = await sts.send(
        new AssumeRoleCommand({ RoleArn: t.roleArn, ExternalId: t.externalId, RoleSessionName: roleSessionName(session.runId), DurationSeconds: SESSION_SECONDS, Policy: policy }),
      );
    } catch (err) {
      const e = awsError(err, 'sts:AssumeRole', region);
      if (e.reason === 'permission_denied') {
        // What a role that does not trust the platform, or a wrong (forged) external id, gets from STS.
        throw new CloudProviderError(
          'aws',
          'permission_denied',
          `The platform could not assume ${t.roleArn}: the role's trust policy does not trust the platform, or its external id does not match this workspace's. Recreate the role from the generated template.`,
          { providerCode: e.providerCode, permissions: ['sts:AssumeRole'] },
        );
      }
      throw e;
    }
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new CloudProviderError('aws', 'unavailable', 'STS answered AssumeRole without credentials.');
    }
    return {
      provider: 'aws',
      aws: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
      expiresAt: c.Expiration,
      secrets: [c.SecretAccessKey, c.SessionToken],
    };
  }

  async missingPermissions(target: ConnectionTarget, credential: CloudCredential, permissions: string[]): Promise<string[]> {
    const call = this.call(target, credential);
    const unique = [...new Set(permissions)];
    if (unique.length === 0) return [];
    const { IAMClient, SimulatePrincipalPolicyCommand } = await import('@aws-sdk/client-iam');
    const iam = new IAMClient(call.config('iam', 'us-east-1'));
    const decision = new Map<string, string>();
    for (let i = 0; i < unique.length; i += SIMULATE_CHUNK) {
      const chunk = unique.slice(i, i + SIMULATE_CHUNK);
      let marker: string | undefined;
      do {
        const out = await call.run('iam:SimulatePrincipalPolicy', 'global', () =>
          iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: call.target.roleArn, ActionNames: chunk, ...(marker ? { Marker: marker } : {}) })),
        );
        for (const r of out.EvaluationResults ?? []) if (r.EvalActionName) decision.set(r.EvalActionName, r.EvalDecision ?? 'implicitDeny');
        marker = out.IsTruncated ? out.Marker : undefined;
      } while (marker);
    }
    return permissions.filter((p) => decision.get(p) !== 'allowed');
  }

  async list(target: ConnectionTarget, credential: CloudCredential, kind: string, filter: CloudListFilter): Promise<CloudResource[]> {
    const call = this.call(target, credential);
    if (filter.project && filter.project !== call.account) return [];
    const regions = filter.region ? call.target.regions.filter((r) => r === filter.region) : call.target.regions;
    let all: CloudResource[];
    if (EC2_KINDS.has(kind)) all = await acrossRegions(kind, regions, (r) => ec2Kinds.list(call, kind as 'vm', r));
    else if (kind === 'certificate') all = await acrossRegions(kind, regions, (r) => certificates.list(call, r));
    else if (kind === 'bucket') all = await buckets.list(call);
    else if (kind === 'budget') all = await budgets.list(call);
    else if (kind === 'iam.binding') all = (await roleBindings(call)).map((b) => bindingResource(call.account, b));
    else if (kind === 'k8s.workload') all = await eksWorkloads.list(call, regions, this.options.clusterTransport);
    else throw unsupported(kind, 'list');
    return all.filter((r) => matchesCloudFilter(r, filter));
  }

  async get(target: ConnectionTarget, credential: CloudCredential, kind: string, id: string): Promise<CloudResource | null> {
    const call = this.call(target, credential);
    if (EC2_KINDS.has(kind)) return ec2Kinds.get(call, kind as 'vm', id);
    if (kind === 'certificate') return certificates.get(call, id);
    if (kind === 'bucket') return buckets.get(call, id);
    if (kind === 'budget') return budgets.get(call, id);
    throw unsupported(kind, 'get');
  }

  async dataset(target: ConnectionTarget, credential: CloudCredential, name: string, query: DatasetQuery): Promise<Record<string, unknown>[]> {
    const call = this.call(target, credential);
    if (name === 'billing') return billingRows(call, query);
    if (name === 'logs') return logRows(call, query);
    if (name === 'iam.roles') return rolesDataset(call);
    if (name === 'iam.usage') return usageDataset(call);
    throw new CloudProviderError('aws', 'unsupported', `The AWS adapter has no dataset ${name}.`);
  }

  async act(target: ConnectionTarget, credential: CloudCredential, action: CloudActionRequest): Promise<CloudResource> {
    const call = this.call(target, credential);
    if (EC2_KINDS.has(action.kind)) return ec2Kinds.act(call, action.kind as 'vm', action);
    if (action.kind === 'certificate') return certificates.act(call, action);
    if (action.kind === 'bucket') return buckets.act(call, action);
    if (action.kind === 'budget') return budgets.act(call, action);
    if (action.kind === 'k8s.workload') return eksWorkloads.act(call, action, this.options.clusterTransport);
    throw unsupported(action.kind, action.verb);
  }
}
