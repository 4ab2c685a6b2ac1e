import type { S3Client } from '@aws-sdk/client-s3';
import type { CloudResource } from '@agent-marketplace/contract/cloud';
import type { CloudActionRequest } from '../../../app/cloud/ports.js';
import { GLOBAL_REGION } from './clients.js';
import { invalid, labelsOf, notFound, unsupported, type AwsCall } from './context.js';

/**
 * S3 buckets (`bucket`), over the S3 REST API. ListBuckets is account-wide (every region, whatever
 * the connection's regions: a public bucket elsewhere is still the customer's exposure); each
 * bucket's settings are read in its own region. Ids are `arn:aws:s3:::<name>`.
 *
 * How S3 maps to the attributes the bucket agents read:
 * - `publicAccessPrevention`: `enforced` when the bucket's Block Public Access has all four
 *   settings on, else `inherited` (the account-level block is not read).
 * - `iamBindings`: S3 has no IAM bindings on a bucket. A bucket whose policy AWS evaluates as
 *   public (GetBucketPolicyStatus) shows one binding `{ role: 's3:bucket-policy', members: ['allUsers'] }`;
 *   otherwise none.
 * - `uniformBucketLevelAccess`: Object Ownership `BucketOwnerEnforced` (ACLs disabled).
 */

const s3 = () => import('@aws-sdk/client-s3');

export const bucketArn = (name: string) => `arn:aws:s3:::${name}`;
const PUBLIC_MEMBERS = new Set(['allUsers', 'allAuthenticatedUsers']);
/** Per-bucket reads in flight at once: S3 allows far more, the function's sockets fewer. */
const CONCURRENCY = 8;

/** An S3 answer that means "not configured" rather than a failure. */
const absent = (err: unknown, ...codes: string[]) => codes.includes((err as { providerCode?: string }).providerCode ?? '');

async function mapBounded<T, R>(items: readonly T[], fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  return out;
}

async function describeBucket(call: AwsCall, name: string, region: string, createdAt: Date | undefined): Promise<CloudResource> {
  const m = await s3();
  const client: S3Client = new m.S3Client(call.config('s3', region));
  const where = `${region} (bucket ${name})`;
  const read = async <T>(op: string, fn: () => Promise<T>, ...absentCodes: string[]): Promise<T | null> => {
    try {
      return await call.run(op, where, fn);
    } catch (err) {
      if (absent(err, ...absentCodes)) return null;
      throw err;
    }
  };
  const [pab, status, tagging, ownership] = await Promise.all([
    read('s3:GetBucketPublicAccessBlock', () => client.send(new m.GetPublicAccessBlockCommand({ Bucket: name })), 'NoSuchPublicAccessBlockConfiguration'),
    read('s3:GetBucketPolicyStatus', () => client.send(new m.GetBucketPolicyStatusCommand({ Bucket: name })), 'NoSuchBucketPolicy'),
    read('s3:GetBucketTagging', () => client.send(new m.GetBucketTaggingCommand({ Bucket: name })), 'NoSuchTagSet'),
    read('s3:GetBucketOwnershipControls', () => client.send(new m.GetBucketOwnershipControlsCommand({ Bucket: name })), 'OwnershipControlsNotFoundError'),
  ]);
  const block = pab?.PublicAccessBlockConfiguration ?? {};
  const blockAll = block.BlockPublicAcls === true && block.IgnorePublicAcls === true && block.BlockPublicPolicy === true && block.RestrictPublicBuckets === true;
  const isPublic = status?.PolicyStatus?.IsPublic === true;
  return {
    kind: 'bucket',
    id: bucketArn(name),
    name,
    project: call.account,
    region,
    state: 'active',
    labels: labelsOf(tagging?.TagSet),
    attributes: {
      location: region,
      publicAccessPrevention: blockAll ? 'enforced' : 'inherited',
      publicAccessBlock: {
        blockPublicAcls: block.BlockPublicAcls === true,
        ignorePublicAcls: block.IgnorePublicAcls === true,
        blockPublicPolicy: block.BlockPublicPolicy === true,
        restrictPublicBuckets: block.RestrictPublicBuckets === true,
      },
      policyIsPublic: isPublic,
      iamBindings: isPublic ? [{ role: 's3:bucket-policy', members: ['allUsers'] }] : [],
      uniformBucketLevelAccess: ownership?.OwnershipControls?.Rules?.some((r) => r.ObjectOwnership === 'BucketOwnerEnforced') === true,
    },
    ...(createdAt ? { createdAt: createdAt.toISOString() } : {}),
  };
}

function bucketName(call: AwsCall, id: string): string {
  const m = /^arn:aws:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$/.exec(id);
  if (!m) throw notFound('bucket', id);
  void call;
  return m[1] as string;
}

/** The bucket's region (GetBucketLocation: null means us-east-1, `EU` the old name of eu-west-1); null when it does not exist. */
async function regionOfBucket(call: AwsCall, name: string): Promise<string | null> {
  const m = await s3();
  const client = new m.S3Client(call.config('s3', GLOBAL_REGION));
  try {
    const out = await call.run('s3:GetBucketLocation', `global (bucket ${name})`, () => client.send(new m.GetBucketLocationCommand({ Bucket: name })));
    const c = out.LocationConstraint as string | undefined;
    return !c ? 'us-east-1' : c === 'EU' ? 'eu-west-1' : c;
  } catch (err) {
    if ((err as { reason?: string }).reason === 'not_found') return null;
    throw err;
  }
}

export const buckets = {
  async list(call: AwsCall): Promise<CloudResource[]> {
    const m = await s3();
    const client = new m.S3Client(call.config('s3', GLOBAL_REGION));
    const found: { name: string; region: string; createdAt: Date | undefined }[] = [];
    let token: string | undefined;
    do {
      const out = await call.run('s3:ListAllMyBuckets', 'global', () => client.send(new m.ListBucketsCommand({ MaxBuckets: 1000, ...(token ? { ContinuationToken: token } : {}) })));
      for (const b of out.Buckets ?? []) if (b.Name) found.push({ name: b.Name, region: b.BucketRegion ?? GLOBAL_REGION, createdAt: b.CreationDate });
      token = out.ContinuationToken;
    } while (token);
    return mapBounded(found, (b) => describeBucket(call, b.name, b.region, b.createdAt));
  },

  async get(call: AwsCall, id: string): Promise<CloudResource | null> {
    let name: string;
    try {
      name = bucketName(call, id);
    } catch {
      return null;
    }
    const region = await regionOfBucket(call, name);
    return region ? describeBucket(call, name, region, undefined) : null;
  },

  async act(call: AwsCall, action: CloudActionRequest): Promise<CloudResource> {
    const name = bucketName(call, action.resourceId);
    const region = await regionOfBucket(call, name);
    if (!region) throw notFound('bucket', action.resourceId);
    const m = await s3();
    const client = new m.S3Client(call.config('s3', region));
    const where = `${region} (bucket ${name})`;
    if (action.verb === 'label') {
      const labels = action.params.labels ?? {};
      if (Object.keys(labels).length === 0) throw invalid('A label action needs at least one label.');
      // PutBucketTagging replaces the whole tag set: merge over the current tags.
      let current: { Key?: string; Value?: string }[] = [];
      try {
        current = (await call.run('s3:GetBucketTagging', where, () => client.send(new m.GetBucketTaggingCommand({ Bucket: name })))).TagSet ?? [];
      } catch (err) {
        if (!absent(err, 'NoSuchTagSet')) throw err;
      }
      const merged = new Map(current.filter((t) => t.Key).map((t) => [t.Key as string, t.Value ?? '']));
      for (const [k, v] of Object.entries(labels)) merged.set(k, v);
      await call.run('s3:PutBucketTagging', where, () =>
        client.send(new m.PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: [...merged].map(([Key, Value]) => ({ Key, Value })) } })),
      );
    } else if (action.verb === 'update') {
      const attrs = action.params.attributes ?? {};
      const known = new Set(['publicAccessPrevention', 'iamBindings']);
      const other = Object.keys(attrs).filter((k) => !known.has(k));
      if (other.length) throw unsupported('bucket', `update ${other.join(', ')} of`);
      const enforce = attrs['publicAccessPrevention'];
      if (enforce !== undefined && enforce !== 'enforced') throw unsupported('bucket', `set publicAccessPrevention to ${String(enforce)} on`, 'only enforcing Block Public Access is supported');
      if (attrs['iamBindings'] !== undefined) {
        // S3 has no bucket IAM bindings. The only ones shown are the public policy's; asking for
        // them gone is what blocking public access does, and nothing else can be expressed.
        const bindings = Array.isArray(attrs['iamBindings']) ? (attrs['iamBindings'] as { members?: unknown }[]) : null;
        const stillPublic = !bindings || bindings.some((b) => Array.isArray(b?.members) && b.members.some((x) => PUBLIC_MEMBERS.has(String(x))));
        if (stillPublic || enforce !== 'enforced') {
          throw unsupported(
            'bucket',
            'update iamBindings of',
            'S3 buckets have no IAM bindings (access is the bucket policy and ACLs); the adapter can only remove public access, with publicAccessPrevention: "enforced"',
          );
        }
      }
      if (enforce === 'enforced') {
        await call.run('s3:PutBucketPublicAccessBlock', where, () =>
          client.send(
            new m.PutPublicAccessBlockCommand({
              Bucket: name,
              PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
            }),
          ),
        );
      }
    } else {
      throw unsupported('bucket', action.verb);
    }
    return describeBucket(call, name, region, undefined);
  },
};
