import type { CloudListFilter, CloudResource } from '@agent-marketplace/contract/cloud';
import { CloudProviderError, type CloudActionRequest } from '../../../app/cloud/ports.js';
import type { GcpCall, KindAdapter } from './context.js';
import { applyFilter, isoTime, parseId, unsupported } from './context.js';
import { listTimeSeries, pointValue } from './monitoring.js';

/**
 * Cloud Storage buckets over the JSON API (storage/v1): `buckets.list`, `buckets.getIamPolicy`,
 * `buckets.patch` (labels, `iamConfiguration.publicAccessPrevention`) and `buckets.setIamPolicy`.
 * Ids are `projects/{p}/buckets/{name}`. A listing adds `objectCount` and `sizeGb` from Cloud
 * Monitoring's daily storage metrics; `get` does not (they move between a proposal and its
 * approval, which compares what `get` answers).
 */

const STORAGE = 'https://storage.googleapis.com/storage/v1';

interface Bucket {
  name: string;
  location?: string;
  locationType?: string;
  storageClass?: string;
  labels?: Record<string, string>;
  timeCreated?: string;
  versioning?: { enabled?: boolean };
  website?: { mainPageSuffix?: string; notFoundPage?: string };
  iamConfiguration?: { uniformBucketLevelAccess?: { enabled?: boolean }; publicAccessPrevention?: string };
}

interface Policy {
  version?: number;
  etag?: string;
  bindings?: { role: string; members?: string[]; condition?: unknown }[];
}

const iamUrl = (bucket: string) => `${STORAGE}/b/${encodeURIComponent(bucket)}/iam`;

interface BucketSize {
  objectCount?: number;
  sizeGb?: number;
}

/** GCS samples these once a day: the window spans three so the latest sample is in it. */
const STORAGE_WINDOW_SECONDS = 3 * 86_400;

/**
 * Objects and bytes per bucket from `storage/object_count` and `storage/total_bytes`, the newest
 * sample (ALIGN_NEXT_OLDER over one window), summed over storage classes. Sizes are a nicety for
 * the report: if Monitoring cannot be read the buckets are still listed, with a warning.
 */
async function bucketSizes(c: GcpCall, project: string): Promise<Map<string, BucketSize>> {
  const out = new Map<string, BucketSize>();
  const query = (metric: string) =>
    listTimeSeries(c, project, {
      filter: `metric.type = "storage.googleapis.com/storage/${metric}" AND resource.type = "gcs_bucket"`,
      lookbackSeconds: STORAGE_WINDOW_SECONDS,
      alignmentSeconds: STORAGE_WINDOW_SECONDS,
      aligner: 'ALIGN_NEXT_OLDER',
      reducer: 'REDUCE_SUM',
      groupBy: ['resource.label.bucket_name'],
    });
  try {
    const [objects, bytes] = await Promise.all([query('object_count'), query('total_bytes')]);
    for (const s of objects) {
      const name = s.resource?.labels?.['bucket_name'];
      const v = pointValue(s.points?.[0]);
      if (name && v !== undefined) out.set(name, { ...out.get(name), objectCount: Math.round(v) });
    }
    for (const s of bytes) {
      const name = s.resource?.labels?.['bucket_name'];
      const v = pointValue(s.points?.[0]);
      if (name && v !== undefined) out.set(name, { ...out.get(name), sizeGb: Math.round((v / 1e9) * 100) / 100 });
    }
  } catch (e) {
    // An expired token must still reach the caller, which mints a new one and tries again.
    if (!(e instanceof CloudProviderError) || e.reason === 'unauthenticated') throw e;
    c.warn({ api: 'Cloud Monitoring timeSeries.list', scope: `projects/${project}`, code: e.reason, message: `Bucket sizes could not be read; buckets are listed without them (${e.message})` });
  }
  return out;
}

function bucketResource(project: string, b: Bucket, policy: Policy, size: BucketSize = {}): CloudResource {
  const createdAt = isoTime(b.timeCreated);
  const attributes: Record<string, unknown> = {
    location: b.location ?? null,
    locationType: b.locationType ?? null,
    storageClass: b.storageClass ?? null,
    iamBindings: (policy.bindings ?? []).map((x) => ({ role: x.role, members: x.members ?? [] })),
    publicAccessPrevention: b.iamConfiguration?.publicAccessPrevention ?? 'inherited',
    uniformBucketLevelAccess: b.iamConfiguration?.uniformBucketLevelAccess?.enabled === true,
    versioning: b.versioning?.enabled === true,
    ...size,
  };
  if (b.website && (b.website.mainPageSuffix || b.website.notFoundPage)) attributes['website'] = b.website;
  return {
    kind: 'bucket',
    id: `projects/${project}/buckets/${b.name}`,
    name: b.name,
    project,
    region: b.location ?? 'unknown',
    state: 'active',
    labels: b.labels ?? {},
    attributes,
    ...(createdAt ? { createdAt } : {}),
  };
}

/** buckets.getIamPolicy, asking for version 3 so conditional bindings come back whole. */
const getPolicy = (c: GcpCall, bucket: string) =>
  c.api.call<Policy>({ method: 'GET', url: iamUrl(bucket), token: c.token, api: 'Cloud Storage buckets.getIamPolicy', query: { optionsRequestedPolicyVersion: 3 } });

async function listBuckets(c: GcpCall, filter: CloudListFilter): Promise<CloudResource[]> {
  const out: CloudResource[] = [];
  for (const project of await c.projects(filter)) {
    const [buckets, sizes] = await Promise.all([
      c.api.listAll<Bucket>({ method: 'GET', url: `${STORAGE}/b`, token: c.token, api: 'Cloud Storage buckets.list', query: { project, maxResults: 1000 } }, 'items'),
      bucketSizes(c, project),
    ]);
    for (const b of buckets) out.push(bucketResource(project, b, await getPolicy(c, b.name), sizes.get(b.name)));
  }
  return applyFilter(out, filter);
}

const BUCKET_ID = /^projects\/([a-z][a-z0-9-]{4,28}[a-z0-9])\/buckets\/([a-z0-9][a-z0-9._-]{1,221}[a-z0-9])$/;

async function readBucket(c: GcpCall, id: string) {
  const [, project, name] = parseId('bucket', id, BUCKET_ID, 'projects/my-project/buckets/my-bucket');
  const bucket = await c.api.call<Bucket>({ method: 'GET', url: `${STORAGE}/b/${encodeURIComponent(name!)}`, token: c.token, api: 'Cloud Storage buckets.get' });
  return { project: project!, bucket, policy: await getPolicy(c, bucket.name) };
}

async function getBucket(c: GcpCall, id: string): Promise<CloudResource | null> {
  try {
    const { project, bucket, policy } = await readBucket(c, id);
    return bucketResource(project, bucket, policy);
  } catch (e) {
    if ((e as { reason?: string }).reason === 'not_found') return null;
    throw e;
  }
}

async function actBucket(c: GcpCall, action: CloudActionRequest): Promise<CloudResource> {
  const { project, bucket, policy } = await readBucket(c, action.resourceId);
  const url = `${STORAGE}/b/${encodeURIComponent(bucket.name)}`;
  if (action.verb === 'label') {
    // buckets.patch merges `labels` key by key.
    await c.api.call({ method: 'PATCH', url, token: c.token, api: 'Cloud Storage buckets.patch', body: { labels: action.params.labels } });
  } else if (action.verb === 'update') {
    const a = action.params.attributes ?? {};
    // Public access prevention first: once enforced, no public binding can take effect whatever the policy says.
    if (a['publicAccessPrevention'] !== undefined) {
      await c.api.call({ method: 'PATCH', url, token: c.token, api: 'Cloud Storage buckets.patch', body: { iamConfiguration: { publicAccessPrevention: a['publicAccessPrevention'] } } });
    }
    if (a['iamBindings'] !== undefined) {
      // buckets.setIamPolicy replaces the policy; the etag just read refuses it (412) if someone changed it meanwhile.
      const bindings = a['iamBindings'] as { role: string; members: string[] }[];
      // The agents see bindings without their conditions: writing their list back would drop them.
      if ((policy.bindings ?? []).some((b) => b.condition)) {
        throw new CloudProviderError('gcp', 'invalid', `The bucket ${bucket.name} has conditional IAM bindings; the adapter does not rewrite such a policy. Change it by hand.`);
      }
      await c.api.call({
        method: 'PUT',
        url: iamUrl(bucket.name),
        token: c.token,
        api: 'Cloud Storage buckets.setIamPolicy',
        body: { version: Math.max(policy.version ?? 1, 1), etag: policy.etag, bindings: bindings.filter((b) => b.members.length > 0) },
      });
    }
  } else {
    throw unsupported(`The GCP adapter cannot ${action.verb} a bucket; it can label and update one.`);
  }
  const after = await readBucket(c, action.resourceId);
  return bucketResource(project, after.bucket, after.policy);
}

export const bucketKind: KindAdapter = { list: listBuckets, get: getBucket, act: actBucket };
