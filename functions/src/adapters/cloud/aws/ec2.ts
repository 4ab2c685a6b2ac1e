import type { _InstanceType, Instance, Snapshot, Volume } from '@aws-sdk/client-ec2';
import type { CloudResource } from '@agent-marketplace/contract/cloud';
import type { CloudActionRequest } from '../../../app/cloud/ports.js';
import { CloudProviderError } from '../../../app/cloud/ports.js';
import { vmUtilisation, type VmUtilisation } from './cloudwatch.js';
import { allPages, invalid, iso, labelsOf, notFound, regionOf, unsupported, type AwsCall, type InstanceShape } from './context.js';

/**
 * EC2 instances (`vm`), EBS volumes (`disk`) and EBS snapshots (`snapshot`), over the EC2 query
 * API (DescribeInstances, DescribeVolumes, DescribeSnapshots: NextToken pagination, at most 1,000
 * per page). Ids are ARNs, so an action finds its region: `arn:aws:ec2:<region>:<account>:instance/i-…`,
 * `…:volume/vol-…`, and `arn:aws:ec2:<region>::snapshot/snap-…` (snapshot ARNs name no account).
 * AWS tags are the labels.
 */

const ec2 = () => import('@aws-sdk/client-ec2');

const tagValue = (tags: Instance['Tags'], key: string) => tags?.find((t) => t.Key === key)?.Value;

export const instanceArn = (region: string, account: string, id: string) => `arn:aws:ec2:${region}:${account}:instance/${id}`;
export const volumeArn = (region: string, account: string, id: string) => `arn:aws:ec2:${region}:${account}:volume/${id}`;
export const snapshotArn = (region: string, id: string) => `arn:aws:ec2:${region}::snapshot/${id}`;

export function vmOf(i: Instance, region: string, account: string, shape: InstanceShape = {}, usage?: VmUtilisation): CloudResource {
  const id = i.InstanceId ?? '';
  const asg = tagValue(i.Tags, 'aws:autoscaling:groupName');
  const cores = i.CpuOptions?.CoreCount;
  const threads = i.CpuOptions?.ThreadsPerCore ?? 1;
  return {
    kind: 'vm',
    id: instanceArn(region, account, id),
    name: tagValue(i.Tags, 'Name') ?? id,
    project: account,
    region,
    state: i.State?.Name ?? 'unknown',
    labels: labelsOf(i.Tags),
    attributes: {
      instanceId: id,
      machineType: i.InstanceType ?? 'unknown',
      // The instance's own CPU options first: they reflect a customised core count.
      ...(cores ? { vcpus: cores * threads } : shape.vcpus !== undefined ? { vcpus: shape.vcpus } : {}),
      ...(shape.memoryGb !== undefined ? { memoryGb: shape.memoryGb } : {}),
      ...(usage ? { cpuP95Percent: usage.cpuP95Percent, networkBytesP95: usage.networkBytesP95, metricsLookbackDays: usage.metricsLookbackDays } : {}),
      zone: i.Placement?.AvailabilityZone ?? null,
      os: i.PlatformDetails ?? null,
      // An Auto Scaling group replaces what is stopped: agents skip VMs a group manages.
      ...(asg ? { managedBy: `autoscaling-group/${asg}` } : {}),
      ...(i.LaunchTime ? { launchedAt: i.LaunchTime.toISOString() } : {}),
      rootDeviceType: i.RootDeviceType ?? null,
      privateIp: i.PrivateIpAddress ?? null,
    },
    // EC2 keeps the last launch, not the creation: the closest it has.
    ...(i.LaunchTime ? { createdAt: i.LaunchTime.toISOString() } : {}),
  };
}

export function diskOf(v: Volume, region: string, account: string): CloudResource {
  const id = v.VolumeId ?? '';
  const arn = volumeArn(region, account, id);
  return {
    kind: 'disk',
    id: arn,
    name: tagValue(v.Tags, 'Name') ?? id,
    project: account,
    region,
    state: v.State ?? 'unknown',
    labels: labelsOf(v.Tags),
    attributes: {
      volumeId: id,
      // What a snapshot's sourceDisk names (snapshot-cleaner matches the two).
      selfLink: arn,
      zone: v.AvailabilityZone ?? null,
      sizeGb: v.Size ?? 0,
      type: v.VolumeType ?? null,
      attachedTo: v.Attachments?.[0]?.InstanceId ?? null,
      encrypted: v.Encrypted ?? false,
    },
    ...(v.CreateTime ? { createdAt: v.CreateTime.toISOString() } : {}),
  };
}

/** EBS snapshot states in the platform's terms: `completed` is `ready`. */
const SNAPSHOT_STATE: Record<string, string> = { completed: 'ready', pending: 'creating', error: 'failed' };

export function snapshotOf(s: Snapshot, region: string, account: string): CloudResource {
  const id = s.SnapshotId ?? '';
  const fullBytes = s.FullSnapshotSizeInBytes;
  return {
    kind: 'snapshot',
    id: snapshotArn(region, id),
    name: tagValue(s.Tags, 'Name') ?? id,
    project: s.OwnerId ?? account,
    region,
    state: SNAPSHOT_STATE[s.State ?? ''] ?? s.State ?? 'unknown',
    labels: labelsOf(s.Tags),
    attributes: {
      snapshotId: id,
      // The volume's ARN, as disks are named; a copied snapshot's vol-ffffffff names no disk.
      sourceDisk: s.VolumeId ? volumeArn(region, account, s.VolumeId) : null,
      // The full size when EBS reports it, else the source volume's size (an upper bound).
      sizeGb: typeof fullBytes === 'number' ? Math.round((fullBytes / 1e9) * 100) / 100 : (s.VolumeSize ?? 0),
      volumeSizeGb: s.VolumeSize ?? 0,
      createdAt: iso(s.StartTime) ?? null,
      storageLocation: region,
      storageTier: s.StorageTier ?? 'standard',
      description: s.Description ?? '',
    },
    ...(s.StartTime ? { createdAt: s.StartTime.toISOString() } : {}),
  };
}

/** DescribeInstanceTypes answers at most 100 types per request. */
const TYPES_PER_REQUEST = 100;

/**
 * vCPUs and memory of `types` in `region`, each asked once per adapter (instance types do not
 * change). Without ec2:DescribeInstanceTypes (vm scopes need not include it) the shapes are
 * unknown rather than the listing failing: the instance's CpuOptions still give its vCPUs.
 */
async function shapesOf(call: AwsCall, region: string, types: string[]): Promise<Map<string, InstanceShape>> {
  const cache = call.caches.instanceTypes;
  const key = (t: string) => `${region}/${t}`;
  const missing = [...new Set(types)].filter((t) => !cache.has(key(t)));
  for (let i = 0; i < missing.length; i += TYPES_PER_REQUEST) {
    const chunk = missing.slice(i, i + TYPES_PER_REQUEST);
    const asked = (async () => {
      const { EC2Client, DescribeInstanceTypesCommand } = await ec2();
      const client = new EC2Client(call.config('ec2', region));
      const found = new Map<string, InstanceShape>();
      await allPages(async (token) => {
        const out = await call.run('ec2:DescribeInstanceTypes', region, () =>
          client.send(new DescribeInstanceTypesCommand({ InstanceTypes: chunk as _InstanceType[], ...(token ? { NextToken: token } : {}) })),
        );
        for (const t of out.InstanceTypes ?? []) {
          const mib = t.MemoryInfo?.SizeInMiB;
          if (t.InstanceType) found.set(t.InstanceType, { vcpus: t.VCpuInfo?.DefaultVCpus, memoryGb: mib === undefined ? undefined : Math.round((mib / 1024) * 10) / 10 });
        }
        return { items: [], next: out.NextToken };
      }, 10);
      return found;
    })();
    for (const t of chunk) {
      const shape = asked.then((m) => m.get(t) ?? {});
      cache.set(key(t), shape);
      // A failure is not kept: the next listing asks again.
      shape.catch(() => cache.delete(key(t)));
    }
  }
  const out = new Map<string, InstanceShape>();
  for (const t of new Set(types)) {
    try {
      out.set(t, await (cache.get(key(t)) as Promise<InstanceShape>));
    } catch (err) {
      if (!(err instanceof CloudProviderError && err.reason === 'permission_denied')) throw err;
      out.set(t, {});
    }
  }
  return out;
}

/** What a description adds to DescribeInstances: utilisation (lists) and instance shapes (not for actions, whose grants lack DescribeInstanceTypes). */
interface Extras {
  usage: boolean;
  shapes: boolean;
}

async function describeInstances(call: AwsCall, region: string, ids: string[] | undefined, extras: Extras): Promise<CloudResource[]> {
  const { EC2Client, DescribeInstancesCommand } = await ec2();
  const client = new EC2Client(call.config('ec2', region));
  const all = await allPages(async (token) => {
    const out = await call.run('ec2:DescribeInstances', region, () =>
      client.send(new DescribeInstancesCommand(ids ? { InstanceIds: ids } : { MaxResults: 1000, ...(token ? { NextToken: token } : {}) })),
    );
    return { items: (out.Reservations ?? []).flatMap((r) => r.Instances ?? []), next: out.NextToken };
  });
  const instances = all.filter((i) => i.State?.Name !== 'terminated');
  // Only running instances are measured: the agents judge nothing else by utilisation.
  const measured = extras.usage ? instances.filter((i) => i.State?.Name === 'running' && i.InstanceId) : [];
  const [shapes, usage] = await Promise.all([
    extras.shapes ? shapesOf(call, region, instances.flatMap((i) => (i.InstanceType ? [i.InstanceType] : []))) : new Map<string, InstanceShape>(),
    vmUtilisation(call, region, measured.map((i) => ({ instanceId: i.InstanceId as string, detailedMonitoring: i.Monitoring?.State === 'enabled' }))),
  ]);
  return instances.map((i) => vmOf(i, region, call.account, shapes.get(i.InstanceType ?? '') ?? {}, usage.get(i.InstanceId ?? '')));
}

async function describeVolumes(call: AwsCall, region: string, ids?: string[]): Promise<CloudResource[]> {
  const { EC2Client, DescribeVolumesCommand } = await ec2();
  const client = new EC2Client(call.config('ec2', region));
  const volumes = await allPages(async (token) => {
    const out = await call.run('ec2:DescribeVolumes', region, () =>
      client.send(new DescribeVolumesCommand(ids ? { VolumeIds: ids } : { MaxResults: 1000, ...(token ? { NextToken: token } : {}) })),
    );
    return { items: out.Volumes ?? [], next: out.NextToken };
  });
  return volumes.map((v) => diskOf(v, region, call.account));
}

async function describeSnapshots(call: AwsCall, region: string, ids?: string[]): Promise<CloudResource[]> {
  const { EC2Client, DescribeSnapshotsCommand } = await ec2();
  const client = new EC2Client(call.config('ec2', region));
  const snapshots = await allPages(async (token) => {
    // OwnerIds self: only the account's own snapshots, never public or shared ones.
    const out = await call.run('ec2:DescribeSnapshots', region, () =>
      client.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], ...(ids ? { SnapshotIds: ids } : { MaxResults: 1000, ...(token ? { NextToken: token } : {}) }) })),
    );
    return { items: out.Snapshots ?? [], next: out.NextToken };
  });
  return snapshots.map((s) => snapshotOf(s, region, call.account));
}

/** "Not found" answers for a described id: EC2 says InvalidInstanceID.NotFound, which maps to not_found. */
async function one(kind: string, id: string, read: () => Promise<CloudResource[]>): Promise<CloudResource | null> {
  try {
    return (await read())[0] ?? null;
  } catch (err) {
    if ((err as { reason?: string }).reason === 'not_found') return null;
    throw err;
  }
}

const TYPES = { vm: 'instance', disk: 'volume', snapshot: 'snapshot' } as const;
type Ec2Kind = keyof typeof TYPES;

export const ec2Kinds = {
  list(call: AwsCall, kind: Ec2Kind, region: string): Promise<CloudResource[]> {
    if (kind === 'vm') return describeInstances(call, region, undefined, { usage: true, shapes: true });
    if (kind === 'disk') return describeVolumes(call, region);
    return describeSnapshots(call, region);
  },

  get(call: AwsCall, kind: Ec2Kind, id: string, extras: Extras = { usage: false, shapes: true }): Promise<CloudResource | null> {
    let where: { region: string; resourceId: string };
    try {
      where = regionOf(call, kind, id, { service: 'ec2', type: TYPES[kind] });
    } catch {
      return Promise.resolve(null);
    }
    const ids = [where.resourceId];
    if (kind === 'vm') return one(kind, id, () => describeInstances(call, where.region, ids, extras));
    if (kind === 'disk') return one(kind, id, () => describeVolumes(call, where.region, ids));
    return one(kind, id, () => describeSnapshots(call, where.region, ids));
  },

  async act(call: AwsCall, kind: Ec2Kind, action: CloudActionRequest): Promise<CloudResource> {
    const { region, resourceId } = regionOf(call, kind, action.resourceId, { service: 'ec2', type: TYPES[kind] });
    // An action reads the instance without its shape: the scope's grant has no DescribeInstanceTypes to spend.
    const bare = { usage: false, shapes: false };
    const before = await ec2Kinds.get(call, kind, action.resourceId, bare);
    if (!before) throw notFound(kind, action.resourceId);
    const m = await ec2();
    const client = new m.EC2Client(call.config('ec2', region));
    switch (`${kind}.${action.verb}`) {
      case 'vm.stop':
        await call.run('ec2:StopInstances', region, () => client.send(new m.StopInstancesCommand({ InstanceIds: [resourceId] })));
        break;
      case 'vm.start':
        await call.run('ec2:StartInstances', region, () => client.send(new m.StartInstancesCommand({ InstanceIds: [resourceId] })));
        break;
      case 'vm.label':
      case 'disk.label':
      case 'snapshot.label': {
        const labels = action.params.labels ?? {};
        const keys = Object.keys(labels);
        if (keys.length === 0) throw invalid('A label action needs at least one label.');
        if (keys.some((k) => k.startsWith('aws:'))) throw invalid('Tags starting with aws: are reserved for AWS.');
        await call.run('ec2:CreateTags', region, () => client.send(new m.CreateTagsCommand({ Resources: [resourceId], Tags: keys.map((k) => ({ Key: k, Value: labels[k] })) })));
        break;
      }
      case 'snapshot.delete':
        await call.run('ec2:DeleteSnapshot', region, () => client.send(new m.DeleteSnapshotCommand({ SnapshotId: resourceId })));
        return { ...before, state: 'deleted' };
      default:
        throw unsupported(kind, action.verb);
    }
    return (await ec2Kinds.get(call, kind, action.resourceId, bare)) ?? before;
  },
};
