import type { CloudListFilter, CloudResource } from '@agent-marketplace/contract/cloud';
import type { CloudActionRequest } from '../../../app/cloud/ports.js';
import type { GcpCall, KindAdapter } from './context.js';
import { applyFilter, computePath, isoTime, lastSegment, num, parseId, regionOfZone, unsupported } from './context.js';
import { vmUtilisation, VM_LOOKBACK_DAYS, type VmUtilisation } from './monitoring.js';
import { waitForComputeOperation, type ComputeOperation } from './operations.js';

/**
 * Compute Engine (compute/v1 REST): VMs, disks and snapshots. Ids are the resources' own paths
 * (`projects/{p}/zones/{z}/instances/{name}`, `.../disks/{name}`, `projects/{p}/global/snapshots/{name}`):
 * an action needs the project, zone and name, and a path says all three.
 */

const COMPUTE = 'https://compute.googleapis.com/compute/v1';
const GIB = 2 ** 30;

interface Instance {
  id?: string;
  name: string;
  zone?: string;
  machineType?: string;
  status?: string;
  labels?: Record<string, string>;
  labelFingerprint?: string;
  creationTimestamp?: string;
  disks?: { boot?: boolean; diskSizeGb?: string; licenses?: string[] }[];
  metadata?: { items?: { key: string; value?: string }[] };
}

interface Disk {
  id?: string;
  name: string;
  zone?: string;
  sizeGb?: string;
  type?: string;
  status?: string;
  users?: string[];
  labels?: Record<string, string>;
  labelFingerprint?: string;
  creationTimestamp?: string;
}

interface Snapshot {
  id?: string;
  name: string;
  status?: string;
  sourceDisk?: string;
  diskSizeGb?: string;
  storageBytes?: string;
  storageLocations?: string[];
  labels?: Record<string, string>;
  labelFingerprint?: string;
  creationTimestamp?: string;
  autoCreated?: boolean;
  sourceSnapshotSchedulePolicy?: string;
}

interface ScopedList<T> {
  items?: Record<string, { warning?: { code?: string; message?: string } } & Record<string, T[] | unknown>>;
  nextPageToken?: string;
  unreachables?: string[];
  warning?: { code?: string; message?: string };
}

/**
 * `aggregatedList` of a collection across every zone of a project, with `returnPartialSuccess`:
 * a zone that cannot be read answers a warning in its place (and is listed in `unreachables`);
 * the rest is kept and the warning reported. `NO_RESULTS_ON_PAGE` only says a zone is empty.
 */
async function aggregated<T>(c: GcpCall, project: string, collection: 'instances' | 'disks', what: string): Promise<{ zone: string; item: T }[]> {
  const out: { zone: string; item: T }[] = [];
  const api = `Compute Engine ${collection}.aggregatedList`;
  for await (const page of c.api.pages<ScopedList<T> & Record<string, unknown>>({
    method: 'GET',
    url: `${COMPUTE}/projects/${project}/aggregated/${collection}`,
    token: c.token,
    api,
    query: { maxResults: 500, returnPartialSuccess: true },
  })) {
    for (const [scope, scoped] of Object.entries(page.items ?? {})) {
      const items = scoped[collection];
      if (Array.isArray(items)) for (const item of items as T[]) out.push({ zone: lastSegment(scope), item });
      const w = scoped.warning;
      if (w && w.code !== 'NO_RESULTS_ON_PAGE' && !Array.isArray(items)) c.warn({ api, scope: `projects/${project}/${scope}`, code: w.code ?? 'WARNING', message: `${what}: ${w.message ?? 'not listed'}` });
    }
    for (const u of page.unreachables ?? []) c.warn({ api, scope: `projects/${project}/${u}`, code: 'UNREACHABLE', message: `${what} in ${u} could not be listed; the rest are kept.` });
  }
  return out;
}

const STATES: Record<string, string> = { RUNNING: 'running', TERMINATED: 'stopped', STOPPED: 'stopped', STOPPING: 'stopping', SUSPENDED: 'suspended', PROVISIONING: 'starting', STAGING: 'starting' };

/** vCPUs and memory of a machine type: parsed from a custom type's name, else `machineTypes.get` (once per zone and type). */
async function machineShape(c: GcpCall, project: string, zone: string, type: string, cache: Map<string, Promise<{ vcpus?: number; memoryGb?: number }>>) {
  const custom = /(?:^|-)custom-(\d+)-(\d+)(?:-ext)?$/.exec(type);
  if (custom) return { vcpus: Number(custom[1]), memoryGb: Math.round((Number(custom[2]) / 1024) * 10) / 10 };
  const key = `${zone}/${type}`;
  let shape = cache.get(key);
  if (!shape) {
    shape = c.api
      .call<{ guestCpus?: number; memoryMb?: number }>({ method: 'GET', url: `${COMPUTE}/projects/${project}/zones/${zone}/machineTypes/${type}`, token: c.token, api: 'Compute Engine machineTypes.get' })
      .then((m) => ({ vcpus: m.guestCpus, memoryGb: m.memoryMb === undefined ? undefined : Math.round((m.memoryMb / 1024) * 10) / 10 }));
    cache.set(key, shape);
  }
  return shape;
}

function vmResource(project: string, zone: string, i: Instance, shape: { vcpus?: number; memoryGb?: number }, usage: VmUtilisation | undefined, now: Date): CloudResource {
  const createdAt = isoTime(i.creationTimestamp);
  const attributes: Record<string, unknown> = { machineType: lastSegment(i.machineType), zone };
  if (shape.vcpus !== undefined) attributes['vcpus'] = shape.vcpus;
  if (shape.memoryGb !== undefined) attributes['memoryGb'] = shape.memoryGb;
  const bootDisk = i.disks?.find((d) => d.boot);
  const boot = num(bootDisk?.diskSizeGb);
  if (boot !== undefined) attributes['bootDiskGb'] = boot;
  // The boot disk's image licence names the OS (`.../debian-cloud/global/licenses/debian-12-bookworm`); a custom image may carry none.
  const license = lastSegment(bootDisk?.licenses?.[0]);
  if (license) attributes['os'] = license;
  // A managed instance group marks its instances with the `created-by` metadata key.
  const createdBy = i.metadata?.items?.find((m) => m.key === 'created-by')?.value;
  if (createdBy) attributes['managedBy'] = createdBy;
  if (usage) {
    attributes['cpuP95Percent'] = usage.cpuP95Percent;
    attributes['networkBytesP95'] = usage.networkBytesP95;
    const ageDays = createdAt ? Math.floor((now.getTime() - Date.parse(createdAt)) / 86_400_000) : VM_LOOKBACK_DAYS;
    attributes['metricsLookbackDays'] = Math.max(0, Math.min(VM_LOOKBACK_DAYS, ageDays));
  }
  return {
    kind: 'vm',
    id: `projects/${project}/zones/${zone}/instances/${i.name}`,
    name: i.name,
    project,
    region: regionOfZone(zone),
    state: STATES[i.status ?? ''] ?? (i.status ?? 'unknown').toLowerCase(),
    labels: i.labels ?? {},
    attributes,
    ...(createdAt ? { createdAt } : {}),
  };
}

async function listVms(c: GcpCall, filter: CloudListFilter): Promise<CloudResource[]> {
  const out: CloudResource[] = [];
  const shapes = new Map<string, Promise<{ vcpus?: number; memoryGb?: number }>>();
  for (const project of await c.projects(filter)) {
    const [found, usage] = await Promise.all([aggregated<Instance>(c, project, 'instances', 'VMs'), vmUtilisation(c, project)]);
    for (const { zone, item } of found) {
      const shape = await machineShape(c, project, zone, lastSegment(item.machineType), shapes);
      out.push(vmResource(project, zone, item, shape, item.id ? usage.get(item.id) : undefined, c.now()));
    }
  }
  return applyFilter(out, filter);
}

const VM_ID = /^projects\/([a-z][a-z0-9-]{4,28}[a-z0-9])\/zones\/([a-z0-9-]+)\/instances\/([a-z]([-a-z0-9]{0,61}[a-z0-9])?)$/;
const DISK_ID = /^projects\/([a-z][a-z0-9-]{4,28}[a-z0-9])\/zones\/([a-z0-9-]+)\/disks\/([a-z]([-a-z0-9]{0,61}[a-z0-9])?)$/;
const SNAPSHOT_ID = /^projects\/([a-z][a-z0-9-]{4,28}[a-z0-9])\/global\/snapshots\/([a-z]([-a-z0-9]{0,61}[a-z0-9])?)$/;

async function fetchInstance(c: GcpCall, id: string): Promise<{ project: string; zone: string; instance: Instance }> {
  const [, project, zone, name] = parseId('vm', id, VM_ID, 'projects/my-project/zones/us-central1-a/instances/web-1');
  const instance = await c.api.call<Instance>({ method: 'GET', url: `${COMPUTE}/projects/${project}/zones/${zone}/instances/${name}`, token: c.token, api: 'Compute Engine instances.get' });
  return { project: project!, zone: zone!, instance };
}

async function getVm(c: GcpCall, id: string): Promise<CloudResource | null> {
  try {
    const { project, zone, instance } = await fetchInstance(c, id);
    const shape = await machineShape(c, project, zone, lastSegment(instance.machineType), new Map());
    return vmResource(project, zone, instance, shape, undefined, c.now());
  } catch (e) {
    if ((e as { reason?: string }).reason === 'not_found') return null;
    throw e;
  }
}

async function actVm(c: GcpCall, action: CloudActionRequest): Promise<CloudResource> {
  const { project, zone, instance } = await fetchInstance(c, action.resourceId);
  const base = `${COMPUTE}/projects/${project}/zones/${zone}/instances/${instance.name}`;
  let op: ComputeOperation;
  if (action.verb === 'stop' || action.verb === 'start') {
    // instances.stop / instances.start: POST with no body, answer an Operation.
    op = await c.api.call<ComputeOperation>({ method: 'POST', url: `${base}/${action.verb}`, token: c.token, api: `Compute Engine instances.${action.verb}` });
  } else if (action.verb === 'label') {
    // instances.setLabels replaces the whole map, guarded by the fingerprint of the labels just read.
    op = await c.api.call<ComputeOperation>({
      method: 'POST',
      url: `${base}/setLabels`,
      token: c.token,
      api: 'Compute Engine instances.setLabels',
      body: { labels: { ...instance.labels, ...action.params.labels }, labelFingerprint: instance.labelFingerprint },
    });
  } else {
    throw unsupported(`The GCP adapter cannot ${action.verb} a vm; it can stop, start and label one.`);
  }
  await waitForComputeOperation(c.api, c.token, { project, zone }, op, `instances.${action.verb === 'label' ? 'setLabels' : action.verb} of ${instance.name}`);
  const after = await getVm(c, action.resourceId);
  if (!after) throw unsupported(`The vm ${action.resourceId} is gone after the action.`);
  return after;
}

function diskResource(project: string, zone: string, d: Disk): CloudResource {
  const createdAt = isoTime(d.creationTimestamp);
  const users = (d.users ?? []).map(lastSegment);
  const attributes: Record<string, unknown> = { selfLink: `projects/${project}/zones/${zone}/disks/${d.name}`, zone, type: lastSegment(d.type) };
  const size = num(d.sizeGb);
  if (size !== undefined) attributes['sizeGb'] = size;
  if (users.length) attributes['attachedTo'] = users[0];
  if (users.length > 1) attributes['attachedToAll'] = users;
  const status = (d.status ?? 'unknown').toLowerCase();
  return {
    kind: 'disk',
    id: `projects/${project}/zones/${zone}/disks/${d.name}`,
    name: d.name,
    project,
    region: regionOfZone(zone),
    state: status === 'ready' ? (users.length ? 'in-use' : 'available') : status,
    labels: d.labels ?? {},
    attributes,
    ...(createdAt ? { createdAt } : {}),
  };
}

async function listDisks(c: GcpCall, filter: CloudListFilter): Promise<CloudResource[]> {
  const out: CloudResource[] = [];
  for (const project of await c.projects(filter)) {
    for (const { zone, item } of await aggregated<Disk>(c, project, 'disks', 'Disks')) out.push(diskResource(project, zone, item));
  }
  return applyFilter(out, filter);
}

async function fetchDisk(c: GcpCall, id: string) {
  const [, project, zone, name] = parseId('disk', id, DISK_ID, 'projects/my-project/zones/us-central1-a/disks/data-1');
  const disk = await c.api.call<Disk>({ method: 'GET', url: `${COMPUTE}/projects/${project}/zones/${zone}/disks/${name}`, token: c.token, api: 'Compute Engine disks.get' });
  return { project: project!, zone: zone!, disk };
}

/** `get` without null on not_found would fail an approval on a deleted resource with an error instead of "gone". */
async function orNull<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (e) {
    if ((e as { reason?: string }).reason === 'not_found') return null;
    throw e;
  }
}

const getDisk = (c: GcpCall, id: string) =>
  orNull(async () => {
    const { project, zone, disk } = await fetchDisk(c, id);
    return diskResource(project, zone, disk);
  });

async function actDisk(c: GcpCall, action: CloudActionRequest): Promise<CloudResource> {
  if (action.verb !== 'label') throw unsupported(`The GCP adapter cannot ${action.verb} a disk; it can label one.`);
  const { project, zone, disk } = await fetchDisk(c, action.resourceId);
  // disks.setLabels (ZoneSetLabelsRequest): the whole map and the fingerprint just read.
  const op = await c.api.call<ComputeOperation>({
    method: 'POST',
    url: `${COMPUTE}/projects/${project}/zones/${zone}/disks/${disk.name}/setLabels`,
    token: c.token,
    api: 'Compute Engine disks.setLabels',
    body: { labels: { ...disk.labels, ...action.params.labels }, labelFingerprint: disk.labelFingerprint },
  });
  await waitForComputeOperation(c.api, c.token, { project, zone }, op, `disks.setLabels of ${disk.name}`);
  return diskResource(project, zone, (await fetchDisk(c, action.resourceId)).disk);
}

function snapshotResource(project: string, s: Snapshot): CloudResource {
  const createdAt = isoTime(s.creationTimestamp);
  const sourceDisk = computePath(s.sourceDisk);
  const sourceZone = /\/zones\/([a-z0-9-]+)\//.exec(sourceDisk)?.[1];
  const attributes: Record<string, unknown> = {
    sourceDisk,
    storageLocation: s.storageLocations?.[0] ?? null,
    createdBy: s.sourceSnapshotSchedulePolicy || s.autoCreated ? 'schedule' : 'manual',
  };
  const stored = num(s.storageBytes);
  if (stored !== undefined) attributes['sizeGb'] = Math.round((stored / GIB) * 10) / 10;
  const diskSize = num(s.diskSizeGb);
  if (diskSize !== undefined) attributes['diskSizeGb'] = diskSize;
  if (createdAt) attributes['createdAt'] = createdAt;
  return {
    kind: 'snapshot',
    id: `projects/${project}/global/snapshots/${s.name}`,
    name: s.name,
    project,
    region: sourceZone ? regionOfZone(sourceZone) : (s.storageLocations?.[0] ?? 'global'),
    state: (s.status ?? 'unknown').toLowerCase(),
    labels: s.labels ?? {},
    attributes,
    ...(createdAt ? { createdAt } : {}),
  };
}

async function listSnapshots(c: GcpCall, filter: CloudListFilter): Promise<CloudResource[]> {
  const out: CloudResource[] = [];
  for (const project of await c.projects(filter)) {
    const items = await c.api.listAll<Snapshot>(
      { method: 'GET', url: `${COMPUTE}/projects/${project}/global/snapshots`, token: c.token, api: 'Compute Engine snapshots.list', query: { maxResults: 500 } },
      'items',
    );
    out.push(...items.map((s) => snapshotResource(project, s)));
  }
  return applyFilter(out, filter);
}

const getSnapshot = (c: GcpCall, id: string) =>
  orNull(async () => {
    const [, project, name] = parseId('snapshot', id, SNAPSHOT_ID, 'projects/my-project/global/snapshots/disk-1-20260101');
    const s = await c.api.call<Snapshot>({ method: 'GET', url: `${COMPUTE}/projects/${project}/global/snapshots/${name}`, token: c.token, api: 'Compute Engine snapshots.get' });
    return snapshotResource(project!, s);
  });

async function actSnapshot(c: GcpCall, action: CloudActionRequest): Promise<CloudResource> {
  const [, project, name] = parseId('snapshot', action.resourceId, SNAPSHOT_ID, 'projects/my-project/global/snapshots/disk-1-20260101');
  const url = `${COMPUTE}/projects/${project}/global/snapshots/${name}`;
  const snapshot = await c.api.call<Snapshot>({ method: 'GET', url, token: c.token, api: 'Compute Engine snapshots.get' });
  if (action.verb === 'delete') {
    const op = await c.api.call<ComputeOperation>({ method: 'DELETE', url, token: c.token, api: 'Compute Engine snapshots.delete' });
    await waitForComputeOperation(c.api, c.token, { project: project! }, op, `snapshots.delete of ${name}`);
    return { ...snapshotResource(project!, snapshot), state: 'deleted' };
  }
  if (action.verb === 'label') {
    // snapshots.setLabels (GlobalSetLabelsRequest).
    const op = await c.api.call<ComputeOperation>({
      method: 'POST',
      url: `${url}/setLabels`,
      token: c.token,
      api: 'Compute Engine snapshots.setLabels',
      body: { labels: { ...snapshot.labels, ...action.params.labels }, labelFingerprint: snapshot.labelFingerprint },
    });
    await waitForComputeOperation(c.api, c.token, { project: project! }, op, `snapshots.setLabels of ${name}`);
    return snapshotResource(project!, await c.api.call<Snapshot>({ method: 'GET', url, token: c.token, api: 'Compute Engine snapshots.get' }));
  }
  throw unsupported(`The GCP adapter cannot ${action.verb} a snapshot; it can delete and label one.`);
}

export const vmKind: KindAdapter = { list: listVms, get: getVm, act: actVm };
export const diskKind: KindAdapter = { list: listDisks, get: getDisk, act: actDisk };
export const snapshotKind: KindAdapter = { list: listSnapshots, get: getSnapshot, act: actSnapshot };
