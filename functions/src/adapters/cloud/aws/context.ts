import type { AwsCredentialIdentity } from '@smithy/types';
import type { CloudResource } from '@agent-marketplace/contract/cloud';
import { CloudProviderError, type CloudCredential, type ConnectionTarget } from '../../../app/cloud/ports.js';
import { clientConfig, toIdentity, type AwsClientSettings } from './clients.js';
import { awsError } from './errors.js';

export type AwsTarget = Extract<ConnectionTarget, { provider: 'aws' }>;

/** vCPUs and memory of an instance type, as DescribeInstanceTypes reports it. */
export interface InstanceShape {
  vcpus?: number;
  memoryGb?: number;
}

/** Facts that are the same for every account (instance types per region), kept by the adapter across calls. */
export interface AwsCaches {
  instanceTypes: Map<string, Promise<InstanceShape>>;
}

export const newCaches = (): AwsCaches => ({ instanceTypes: new Map() });

/** One run's view of one connected account: its target, the run credential, and how to build clients. */
export class AwsCall {
  readonly identity: AwsCredentialIdentity;
  readonly secrets: string[];

  constructor(
    readonly settings: AwsClientSettings,
    readonly target: AwsTarget,
    credential: CloudCredential,
    readonly now: () => Date,
    readonly caches: AwsCaches = newCaches(),
  ) {
    if (!credential.aws) throw new CloudProviderError('aws', 'unauthenticated', 'The credential is not an AWS credential: mint one for this connection.');
    this.identity = toIdentity({ ...credential.aws, expiresAt: credential.expiresAt });
    this.secrets = [credential.aws.secretAccessKey, credential.aws.sessionToken, ...credential.secrets];
  }

  config(service: string, region: string) {
    return clientConfig(this.settings, service, region, this.identity);
  }

  /** Runs one SDK call; its failure becomes a CloudProviderError naming `operation` and `where`. */
  async run<T>(operation: string, where: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw awsError(err, operation, where, this.secrets);
    }
  }

  get account(): string {
    return this.target.accountId;
  }
}

export interface RegionFailure {
  region: string;
  reason: CloudProviderError['reason'];
  message: string;
}

/**
 * A list that reached some of the connection's regions and not others. The use case decides:
 * the resources found are here, the regions that failed are named. Never a silent partial list:
 * an agent that deletes "orphans" must not act on a view with a region missing.
 */
export class AwsPartialListError extends CloudProviderError {
  readonly resources: CloudResource[];
  readonly failures: RegionFailure[];
  constructor(kind: string, resources: CloudResource[], failures: RegionFailure[]) {
    const first = failures[0] as RegionFailure;
    super(
      'aws',
      first.reason,
      `Listed ${kind} in ${resources.length ? 'the other regions' : 'no region'} but not in ${failures.map((f) => f.region).join(', ')}: ${failures.map((f) => f.message).join(' ')}`,
      { providerCode: 'PartialFailure' },
    );
    this.name = 'AwsPartialListError';
    this.resources = resources;
    this.failures = failures;
  }
}

/**
 * `list` in each of `regions` at once. Every region answered: the union. None did: the first
 * error. Some did: AwsPartialListError carrying what was found and which regions failed.
 */
export async function acrossRegions(kind: string, regions: readonly string[], list: (region: string) => Promise<CloudResource[]>): Promise<CloudResource[]> {
  const settled = await Promise.allSettled(regions.map((r) => list(r)));
  const resources: CloudResource[] = [];
  const failures: RegionFailure[] = [];
  const errors: unknown[] = [];
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') resources.push(...s.value);
    else {
      errors.push(s.reason);
      const e = s.reason instanceof CloudProviderError ? s.reason : new CloudProviderError('aws', 'unavailable', String(s.reason));
      failures.push({ region: regions[i] as string, reason: e.reason, message: e.message });
    }
  });
  if (failures.length === 0) return resources;
  if (failures.length === regions.length) throw errors[0];
  throw new AwsPartialListError(kind, resources, failures);
}

/** Pages through a NextToken-style API until it has no token left (or `max` pages, a runaway guard). */
export async function allPages<T>(fetch: (token: string | undefined) => Promise<{ items: T[]; next: string | undefined }>, max = 200): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  for (let page = 0; page < max; page++) {
    const { items, next } = await fetch(token);
    out.push(...items);
    if (!next) return out;
    token = next;
  }
  return out;
}

/** AWS tags as labels; `aws:` tags are AWS's own (read-only, e.g. aws:autoscaling:groupName) and left out. */
export function labelsOf(tags: readonly { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key && !t.Key.startsWith('aws:')) out[t.Key] = t.Value ?? '';
  return out;
}

export const iso = (d: Date | undefined): string | undefined => (d ? d.toISOString() : undefined);

/** An ARN's parts: `arn:aws:ec2:us-east-1:123456789012:instance/i-0abc`. */
export function parseArn(id: string): { service: string; region: string; account: string; resource: string } | null {
  const m = /^arn:aws:([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:(.+)$/.exec(id);
  return m ? { service: m[1] as string, region: m[2] as string, account: m[3] ?? '', resource: m[4] as string } : null;
}

export function unsupported(kind: string, verb: string, why?: string): CloudProviderError {
  return new CloudProviderError('aws', 'unsupported', `The AWS adapter cannot ${verb} a ${kind}${why ? `: ${why}` : '.'}`);
}

export function notFound(kind: string, id: string): CloudProviderError {
  return new CloudProviderError('aws', 'not_found', `No ${kind} ${id} in this AWS account.`);
}

export function invalid(message: string): CloudProviderError {
  return new CloudProviderError('aws', 'invalid', message);
}

/**
 * The region of a resource id this connection may touch: it must be the connection's account (or
 * none, for snapshots) and one of its regions. Anything else is "not found" here, whoever owns it.
 */
export function regionOf(call: AwsCall, kind: string, id: string, expect: { service: string; type: string }): { region: string; resourceId: string } {
  const arn = parseArn(id);
  const slash = arn?.resource.indexOf('/') ?? -1;
  if (!arn || arn.service !== expect.service || slash < 0 || arn.resource.slice(0, slash) !== expect.type) throw notFound(kind, id);
  if (arn.account && arn.account !== call.account) throw notFound(kind, id);
  if (!call.target.regions.includes(arn.region)) throw notFound(kind, id);
  return { region: arn.region, resourceId: arn.resource.slice(slash + 1) };
}
