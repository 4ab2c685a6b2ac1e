import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GcpCloud } from '../src/adapters/cloud/gcp/gcpCloud.ts';
import type { GcpWarning } from '../src/adapters/cloud/gcp/context.ts';
import { recordedFetch, type RecordedRequest, type RecordedRoute } from '../src/adapters/cloud/gcp/recordedFetch.ts';
import { CloudProviderError, type CloudCredential, type ConnectionTarget } from '../src/app/cloud/ports.ts';

/**
 * Request shapes of the GCP adapter against Google's documented REST formats, and the
 * normalisation of recorded (hand-written, after the documented response shapes) answers into
 * the attributes the agents read.
 */

const PLATFORM_TOKEN = 'ya29.platform-token';
const RUN_TOKEN = 'ya29.run-token-abc';
const NOW = new Date('2026-11-20T12:00:00Z');
const TARGET: ConnectionTarget = { provider: 'gcp', target: { kind: 'project', id: 'acme-prod' }, serviceAccount: 'ws-w1@am-platform.iam.gserviceaccount.com', billingExportTable: 'acme-billing.billing.gcp_billing_export_v1_01A2B3' };
const CRED: CloudCredential = { provider: 'gcp', gcp: { accessToken: RUN_TOKEN }, expiresAt: new Date('2026-11-20T12:15:00Z'), secrets: [RUN_TOKEN] };
const C = 'https://compute.googleapis.com/compute/v1/projects/acme-prod';
const PEM = readFileSync(new URL('./fixtures/gcp/www-cert.pem', import.meta.url), 'utf8');

function setup(routes: RecordedRoute[]) {
  const rec = recordedFetch(routes);
  const warnings: GcpWarning[] = [];
  const sleeps: number[] = [];
  const cloud = new GcpCloud({
    platformToken: async () => PLATFORM_TOKEN,
    fetch: rec.fetch,
    now: () => NOW,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    onWarning: (w) => warnings.push(w),
  });
  return { cloud, rec, warnings, sleeps };
}
const q = (url: string) => Object.fromEntries(new URL(url).searchParams);
const path = (url: string) => new URL(url).origin + new URL(url).pathname;
const bearer = (t: string) => `Bearer ${t}`;

/** Cloud Monitoring answers: one p95 point per instance. */
const series = (points: Record<string, { doubleValue?: number; int64Value?: string }>) => ({
  timeSeries: Object.entries(points).map(([id, value]) => ({
    metric: { type: 'x' },
    resource: { type: 'gce_instance', labels: { project_id: 'acme-prod', instance_id: id, zone: 'us-central1-a' } },
    points: [{ interval: { startTime: '2026-11-06T12:00:00Z', endTime: '2026-11-20T12:00:00Z' }, value }],
  })),
});
const MONITORING: RecordedRoute[] = [
  { method: 'GET', url: /monitoring\.googleapis\.com\/v3\/projects\/acme-prod\/timeSeries\?filter=metric\.type\+%3D\+%22compute\.googleapis\.com%2Finstance%2Fcpu/, body: series({ '4471200007919023757': { doubleValue: 0.462 }, '99': { doubleValue: 0.01 } }) },
  { method: 'GET', url: /timeSeries\?filter=[^&]*received_bytes_count/, body: series({ '4471200007919023757': { int64Value: '300000000' } }) },
  { method: 'GET', url: /timeSeries\?filter=[^&]*sent_bytes_count/, body: series({ '4471200007919023757': { int64Value: '204000000' } }) },
];
const INSTANCE = {
  kind: 'compute#instance',
  id: '4471200007919023757',
  name: 'web-frontend-01',
  zone: 'https://www.googleapis.com/compute/v1/projects/acme-prod/zones/us-central1-a',
  machineType: 'https://www.googleapis.com/compute/v1/projects/acme-prod/zones/us-central1-a/machineTypes/n2-standard-4',
  status: 'RUNNING',
  labels: { env: 'prod', team: 'web' },
  labelFingerprint: '42WmSpB8rSM=',
  creationTimestamp: '2026-05-04T00:00:00.000-07:00',
  disks: [{ boot: true, diskSizeGb: '50', source: `${C}/zones/us-central1-a/disks/web-frontend-01` }],
  metadata: { items: [{ key: 'enable-oslogin', value: 'TRUE' }] },
};
const OP_DONE = { kind: 'compute#operation', name: 'operation-1', status: 'DONE' };

describe('mint and permissions', () => {
  it('mints with generateAccessToken as the platform: the grant scopes, 900s', async () => {
    const { cloud, rec } = setup([
      { method: 'POST', url: 'https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/ws-w1%40am-platform.iam.gserviceaccount.com:generateAccessToken', body: { accessToken: RUN_TOKEN, expireTime: '2026-11-20T12:15:00Z' } },
    ]);
    const cred = await cloud.mint(TARGET, { scopes: ['vm.list'], gcp: { oauthScopes: ['https://www.googleapis.com/auth/compute.readonly'] }, aws: { actions: [] } }, { runId: 'r1', wsId: 'w1' });
    expect(cred).toEqual({ provider: 'gcp', gcp: { accessToken: RUN_TOKEN }, expiresAt: new Date('2026-11-20T12:15:00Z'), secrets: [RUN_TOKEN] });
    expect(rec.requests).toHaveLength(1);
    expect(rec.requests[0]!.method).toBe('POST');
    expect(rec.requests[0]!.headers['authorization']).toBe(bearer(PLATFORM_TOKEN));
    expect(rec.requests[0]!.headers['content-type']).toBe('application/json');
    expect(rec.requests[0]!.body).toEqual({ scope: ['https://www.googleapis.com/auth/compute.readonly'], lifetime: '900s' });
  });

  it('says plainly when the platform may not impersonate the workspace account', async () => {
    const { cloud } = setup([
      { method: 'POST', url: /generateAccessToken$/, status: 403, body: { error: { code: 403, status: 'PERMISSION_DENIED', message: "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist)." } } },
    ]);
    const err = await cloud.mint(TARGET, { scopes: [], gcp: { oauthScopes: ['https://www.googleapis.com/auth/cloud-platform'] }, aws: { actions: [] } }, { runId: 'r', wsId: 'w' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudProviderError);
    expect(err).toMatchObject({ reason: 'permission_denied', permissions: ['iam.serviceAccounts.getAccessToken'] });
    expect((err as Error).message).toContain('may not impersonate the workspace\'s service account ws-w1@am-platform.iam.gserviceaccount.com');
  });

  it('tests permissions in chunks of 100 with the run token; answers the missing ones in input order', async () => {
    const permissions = Array.from({ length: 230 }, (_, i) => `compute.p${String(i).padStart(3, '0')}.get`);
    const lacking = new Set([permissions[5]!, permissions[150]!, permissions[229]!]);
    const { cloud, rec } = setup([
      {
        method: 'POST',
        url: 'https://cloudresourcemanager.googleapis.com/v3/projects/acme-prod:testIamPermissions',
        body: (r: RecordedRequest) => {
          const asked = (r.body as { permissions: string[] }).permissions.filter((p) => !lacking.has(p));
          return asked.length ? { permissions: asked } : {};
        },
      },
    ]);
    const missing = await cloud.missingPermissions(TARGET, CRED, [permissions[229]!, ...permissions]);
    expect(missing).toEqual([permissions[229], permissions[5], permissions[150]]);
    expect(rec.requests.map((r) => (r.body as { permissions: string[] }).permissions.length)).toEqual([100, 100, 30]);
    expect(rec.requests.every((r) => r.headers['authorization'] === bearer(RUN_TOKEN))).toBe(true);
  });

  it('asks the organisation for an organisation target', async () => {
    const { cloud, rec } = setup([{ method: 'POST', url: 'https://cloudresourcemanager.googleapis.com/v3/organizations/123456789:testIamPermissions', body: {} }]);
    expect(await cloud.missingPermissions({ ...TARGET, target: { kind: 'organization', id: '123456789' } }, CRED, ['a.b.c'])).toEqual(['a.b.c']);
    expect(rec.unmatched).toEqual([]);
  });
});

describe('organisation target', () => {
  const ORG: ConnectionTarget = { ...TARGET, target: { kind: 'organization', id: '123456789012' } };

  it("lists every active project with projects.search (paged), once per call, and each project's resources", async () => {
    const { cloud, rec } = setup([
      { method: 'GET', url: 'https://cloudresourcemanager.googleapis.com/v3/projects:search?query=state%3AACTIVE', body: { projects: [{ projectId: 'acme-prod', state: 'ACTIVE' }], nextPageToken: 'n2' } },
      { method: 'GET', url: 'https://cloudresourcemanager.googleapis.com/v3/projects:search?query=state%3AACTIVE&pageToken=n2', body: { projects: [{ projectId: 'acme-data', state: 'ACTIVE' }] } },
      { method: 'GET', url: /\/projects\/acme-prod\/global\/snapshots\?/, body: { items: [{ name: 'prod-snap', status: 'READY' }] } },
      { method: 'GET', url: /\/projects\/acme-data\/global\/snapshots\?/, body: { items: [{ name: 'data-snap', status: 'READY' }] } },
    ]);
    const all = await cloud.list(ORG, CRED, 'snapshot', {});
    expect(all.map((r) => r.id)).toEqual(['projects/acme-prod/global/snapshots/prod-snap', 'projects/acme-data/global/snapshots/data-snap']);
    const one = await cloud.list(ORG, CRED, 'snapshot', { project: 'acme-data' });
    expect(one.map((r) => r.project)).toEqual(['acme-data']);
    expect(rec.requests.every((r) => r.headers['authorization'] === bearer(RUN_TOKEN))).toBe(true);
    expect(rec.unmatched).toEqual([]);
  });

  it('reads the organisation policy as well as each project’s for iam.binding', async () => {
    const { cloud } = setup([
      { method: 'GET', url: /projects:search/, body: { projects: [{ projectId: 'acme-prod' }] } },
      { method: 'POST', url: 'https://cloudresourcemanager.googleapis.com/v3/organizations/123456789012:getIamPolicy', body: { bindings: [{ role: 'roles/owner', members: ['user:root@acme.test'] }] } },
      { method: 'POST', url: 'https://cloudresourcemanager.googleapis.com/v3/projects/acme-prod:getIamPolicy', body: { bindings: [{ role: 'roles/viewer', members: ['user:ana@acme.test'] }] } },
    ]);
    const bindings = await cloud.list(ORG, CRED, 'iam.binding', {});
    expect(bindings.map((b) => `${b.project} ${b.attributes['role']}`)).toEqual(['organizations/123456789012 roles/owner', 'acme-prod roles/viewer']);
  });
});

describe('vm', () => {
  it('lists across zones with utilisation from Cloud Monitoring, as idle-vm-reaper reads it', async () => {
    const { cloud, rec } = setup([
      {
        method: 'GET',
        url: `${C}/aggregated/instances?maxResults=500&returnPartialSuccess=true`,
        body: { kind: 'compute#instanceAggregatedList', items: { 'zones/us-central1-a': { instances: [INSTANCE] }, 'zones/europe-west1-b': { warning: { code: 'NO_RESULTS_ON_PAGE', message: 'There are no results for scope' } } } },
      },
      { method: 'GET', url: `${C}/zones/us-central1-a/machineTypes/n2-standard-4`, body: { kind: 'compute#machineType', name: 'n2-standard-4', guestCpus: 4, memoryMb: 16384 } },
      ...MONITORING,
    ]);
    const vms = await cloud.list(TARGET, CRED, 'vm', {});
    expect(vms).toEqual([
      {
        kind: 'vm',
        id: 'projects/acme-prod/zones/us-central1-a/instances/web-frontend-01',
        name: 'web-frontend-01',
        project: 'acme-prod',
        region: 'us-central1',
        state: 'running',
        labels: { env: 'prod', team: 'web' },
        attributes: { machineType: 'n2-standard-4', zone: 'us-central1-a', vcpus: 4, memoryGb: 16, bootDiskGb: 50, cpuP95Percent: 46.2, networkBytesP95: 8_400_000, metricsLookbackDays: 14 },
        createdAt: '2026-05-04T07:00:00.000Z',
      },
    ]);
    expect(rec.unmatched).toEqual([]);
    const cpu = rec.requests.find((r) => r.url.includes('cpu%2Futilization'))!;
    expect(q(cpu.url)).toEqual({
      filter: 'metric.type = "compute.googleapis.com/instance/cpu/utilization" AND resource.type = "gce_instance"',
      'interval.startTime': '2026-11-06T12:00:00.000Z',
      'interval.endTime': '2026-11-20T12:00:00.000Z',
      'aggregation.alignmentPeriod': '1209600s',
      'aggregation.perSeriesAligner': 'ALIGN_PERCENTILE_95',
      view: 'FULL',
    });
    expect(rec.requests.every((r) => r.headers['authorization'] === bearer(RUN_TOKEN) && r.method === 'GET')).toBe(true);
  });

  it('stops a VM and waits for the zone operation', async () => {
    const { cloud, rec } = setup([
      { method: 'GET', url: `${C}/zones/us-central1-a/instances/web-frontend-01`, times: 1, body: INSTANCE },
      { method: 'POST', url: `${C}/zones/us-central1-a/instances/web-frontend-01/stop`, body: { kind: 'compute#operation', name: 'operation-stop-1', status: 'RUNNING' } },
      { method: 'POST', url: `${C}/zones/us-central1-a/operations/operation-stop-1/wait`, body: { ...OP_DONE, name: 'operation-stop-1' } },
      { method: 'GET', url: `${C}/zones/us-central1-a/instances/web-frontend-01`, body: { ...INSTANCE, status: 'TERMINATED' } },
      { method: 'GET', url: `${C}/zones/us-central1-a/machineTypes/n2-standard-4`, body: { guestCpus: 4, memoryMb: 16384 } },
    ]);
    const after = await cloud.act(TARGET, CRED, { kind: 'vm', verb: 'stop', resourceId: 'projects/acme-prod/zones/us-central1-a/instances/web-frontend-01', params: {} });
    expect(after.state).toBe('stopped');
    expect(rec.requests.map((r) => `${r.method} ${path(r.url)}`)).toEqual([
      `GET ${C}/zones/us-central1-a/instances/web-frontend-01`,
      `POST ${C}/zones/us-central1-a/instances/web-frontend-01/stop`,
      `POST ${C}/zones/us-central1-a/operations/operation-stop-1/wait`,
      `GET ${C}/zones/us-central1-a/instances/web-frontend-01`,
      `GET ${C}/zones/us-central1-a/machineTypes/n2-standard-4`,
    ]);
    expect(rec.requests[1]!.body).toBeUndefined();
  });

  it('labels a VM with setLabels: the merged map and the fingerprint of a fresh get', async () => {
    const { cloud, rec } = setup([
      { method: 'GET', url: `${C}/zones/us-central1-a/instances/web-frontend-01`, times: 1, body: INSTANCE },
      { method: 'POST', url: `${C}/zones/us-central1-a/instances/web-frontend-01/setLabels`, body: OP_DONE },
      { method: 'GET', url: `${C}/zones/us-central1-a/instances/web-frontend-01`, body: { ...INSTANCE, labels: { env: 'prod', team: 'web', 'cost-center': 'cc-1042' } } },
      { method: 'GET', url: /machineTypes/, body: { guestCpus: 4, memoryMb: 16384 } },
    ]);
    const after = await cloud.act(TARGET, CRED, { kind: 'vm', verb: 'label', resourceId: 'projects/acme-prod/zones/us-central1-a/instances/web-frontend-01', params: { labels: { 'cost-center': 'cc-1042' } } });
    expect(rec.requests[1]!.body).toEqual({ labels: { env: 'prod', team: 'web', 'cost-center': 'cc-1042' }, labelFingerprint: '42WmSpB8rSM=' });
    expect(after.labels['cost-center']).toBe('cc-1042');
  });

  it('refuses verbs it does not perform as unsupported, and malformed ids as invalid', async () => {
    const { cloud, rec } = setup([{ method: 'GET', url: /instances/, body: INSTANCE }]);
    await expect(cloud.act(TARGET, CRED, { kind: 'vm', verb: 'delete', resourceId: 'projects/acme-prod/zones/us-central1-a/instances/web-frontend-01', params: {} })).rejects.toMatchObject({ reason: 'unsupported' });
    await expect(cloud.act(TARGET, CRED, { kind: 'vm', verb: 'stop', resourceId: '4471200007919023757', params: {} })).rejects.toMatchObject({ reason: 'invalid' });
    await expect(cloud.list(TARGET, CRED, 'queue', {})).rejects.toMatchObject({ reason: 'unsupported' });
    expect(rec.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });
});

describe('disk and snapshot', () => {
  it('normalises disks and snapshots so snapshot-cleaner can match a snapshot to its disk', async () => {
    const { cloud } = setup([
      {
        method: 'GET',
        url: `${C}/aggregated/disks?maxResults=500&returnPartialSuccess=true`,
        body: {
          items: {
            'zones/us-central1-a': {
              disks: [
                {
                  id: '6120000000829348951',
                  name: 'orders-db-data',
                  zone: 'https://www.googleapis.com/compute/v1/projects/acme-prod/zones/us-central1-a',
                  sizeGb: '500',
                  type: 'https://www.googleapis.com/compute/v1/projects/acme-prod/zones/us-central1-a/diskTypes/pd-ssd',
                  status: 'READY',
                  users: ['https://www.googleapis.com/compute/v1/projects/acme-prod/zones/us-central1-a/instances/orders-postgres-primary'],
                  labels: { env: 'prod' },
                  creationTimestamp: '2025-10-16T03:00:00.000-07:00',
                },
              ],
            },
          },
        },
      },
      {
        method: 'GET',
        url: `${C}/global/snapshots?maxResults=500`,
        body: {
          items: [
            {
              id: '7340000000480061753',
              name: 'orders-db-data-daily-20261120-72f7',
              status: 'READY',
              sourceDisk: 'https://www.googleapis.com/compute/v1/projects/acme-prod/zones/us-central1-a/disks/orders-db-data',
              diskSizeGb: '500',
              storageBytes: String(13 * 2 ** 30),
              storageLocations: ['us'],
              labels: { schedule: 'orders-daily' },
              creationTimestamp: '2026-11-19T19:16:00.000-08:00',
              sourceSnapshotSchedulePolicy: 'https://www.googleapis.com/compute/v1/projects/acme-prod/regions/us-central1/resourcePolicies/orders-daily',
            },
          ],
        },
      },
    ]);
    const [disk] = await cloud.list(TARGET, CRED, 'disk', {});
    const [snap] = await cloud.list(TARGET, CRED, 'snapshot', {});
    expect(disk).toMatchObject({ id: 'projects/acme-prod/zones/us-central1-a/disks/orders-db-data', state: 'in-use', region: 'us-central1', attributes: { selfLink: 'projects/acme-prod/zones/us-central1-a/disks/orders-db-data', zone: 'us-central1-a', sizeGb: 500, type: 'pd-ssd', attachedTo: 'orders-postgres-primary' } });
    expect(snap).toEqual({
      kind: 'snapshot',
      id: 'projects/acme-prod/global/snapshots/orders-db-data-daily-20261120-72f7',
      name: 'orders-db-data-daily-20261120-72f7',
      project: 'acme-prod',
      region: 'us-central1',
      state: 'ready',
      labels: { schedule: 'orders-daily' },
      attributes: { sourceDisk: 'projects/acme-prod/zones/us-central1-a/disks/orders-db-data', sizeGb: 13, diskSizeGb: 500, createdAt: '2026-11-20T03:16:00.000Z', storageLocation: 'us', createdBy: 'schedule' },
      createdAt: '2026-11-20T03:16:00.000Z',
    });
    expect(snap!.attributes['sourceDisk']).toBe(disk!.attributes['selfLink']);
  });

  it('deletes a snapshot and waits for the global operation', async () => {
    const url = `${C}/global/snapshots/old-snap`;
    const { cloud, rec } = setup([
      { method: 'GET', url, body: { name: 'old-snap', status: 'READY', storageLocations: ['us'] } },
      { method: 'DELETE', url, body: { name: 'operation-del', status: 'PENDING' } },
      { method: 'POST', url: `${C}/global/operations/operation-del/wait`, body: { name: 'operation-del', status: 'DONE' } },
    ]);
    const after = await cloud.act(TARGET, CRED, { kind: 'snapshot', verb: 'delete', resourceId: 'projects/acme-prod/global/snapshots/old-snap', params: {} });
    expect(after.state).toBe('deleted');
    expect(rec.requests.map((r) => r.method)).toEqual(['GET', 'DELETE', 'POST']);
  });

  it('labels a disk with disks.setLabels and its fingerprint', async () => {
    const disk = { name: 'd1', zone: 'zones/us-central1-a', status: 'READY', labels: { env: 'prod' }, labelFingerprint: 'fp==' };
    const { cloud, rec } = setup([
      { method: 'GET', url: `${C}/zones/us-central1-a/disks/d1`, body: disk },
      { method: 'POST', url: `${C}/zones/us-central1-a/disks/d1/setLabels`, body: OP_DONE },
    ]);
    await cloud.act(TARGET, CRED, { kind: 'disk', verb: 'label', resourceId: 'projects/acme-prod/zones/us-central1-a/disks/d1', params: { labels: { owner: 'team-web' } } });
    expect(rec.requests[1]!.body).toEqual({ labels: { env: 'prod', owner: 'team-web' }, labelFingerprint: 'fp==' });
  });
});

describe('bucket', () => {
  const S = 'https://storage.googleapis.com/storage/v1';
  const BUCKET = {
    kind: 'storage#bucket',
    name: 'acme-www-static',
    location: 'US',
    locationType: 'multi-region',
    storageClass: 'STANDARD',
    labels: { 'data-classification': 'public', website: 'true' },
    timeCreated: '2023-02-14T10:22:00.000Z',
    versioning: { enabled: false },
    website: { mainPageSuffix: 'index.html', notFoundPage: '404.html' },
    iamConfiguration: { uniformBucketLevelAccess: { enabled: true }, publicAccessPrevention: 'inherited' },
  };
  const POLICY = { version: 1, etag: 'CAE=', bindings: [{ role: 'roles/storage.objectViewer', members: ['allUsers'] }, { role: 'roles/storage.legacyBucketOwner', members: ['projectOwner:acme-prod'] }] };

  it('lists buckets with their IAM policy as public-bucket-auditor reads them', async () => {
    const sized = (v: Record<string, unknown>) => ({
      timeSeries: [{ resource: { type: 'gcs_bucket', labels: { project_id: 'acme-prod', bucket_name: 'acme-www-static' } }, points: [{ interval: { endTime: '2026-11-20T12:00:00Z' }, value: v }] }],
    });
    const { cloud, rec, warnings } = setup([
      { method: 'GET', url: `${S}/b?project=acme-prod&maxResults=1000`, body: { kind: 'storage#buckets', items: [BUCKET] } },
      { method: 'GET', url: `${S}/b/acme-www-static/iam?optionsRequestedPolicyVersion=3`, body: POLICY },
      { method: 'GET', url: /timeSeries\?aggregation\.groupByFields=resource\.label\.bucket_name&filter=[^&]*storage%2Fobject_count/, body: sized({ int64Value: '18234' }) },
      { method: 'GET', url: /timeSeries\?aggregation\.groupByFields=resource\.label\.bucket_name&filter=[^&]*storage%2Ftotal_bytes/, body: sized({ doubleValue: 2_468_000_000 }) },
    ]);
    const [b] = await cloud.list(TARGET, CRED, 'bucket', {});
    const sizeQuery = q(rec.requests.find((r) => r.url.includes('object_count'))!.url);
    expect(sizeQuery).toMatchObject({
      'aggregation.perSeriesAligner': 'ALIGN_NEXT_OLDER',
      'aggregation.crossSeriesReducer': 'REDUCE_SUM',
      'aggregation.alignmentPeriod': '259200s',
      'interval.startTime': '2026-11-17T12:00:00.000Z',
      'interval.endTime': '2026-11-20T12:00:00.000Z',
    });
    expect(warnings).toEqual([]);
    expect(b).toEqual({
      kind: 'bucket',
      id: 'projects/acme-prod/buckets/acme-www-static',
      name: 'acme-www-static',
      project: 'acme-prod',
      region: 'US',
      state: 'active',
      labels: { 'data-classification': 'public', website: 'true' },
      attributes: {
        location: 'US',
        locationType: 'multi-region',
        storageClass: 'STANDARD',
        iamBindings: [
          { role: 'roles/storage.objectViewer', members: ['allUsers'] },
          { role: 'roles/storage.legacyBucketOwner', members: ['projectOwner:acme-prod'] },
        ],
        publicAccessPrevention: 'inherited',
        uniformBucketLevelAccess: true,
        versioning: false,
        objectCount: 18234,
        sizeGb: 2.47,
        website: { mainPageSuffix: 'index.html', notFoundPage: '404.html' },
      },
      createdAt: '2023-02-14T10:22:00.000Z',
    });
    expect(rec.unmatched).toEqual([]);
  });

  it('lists buckets without sizes, and says so, when Cloud Monitoring refuses', async () => {
    const denied = { error: { code: 403, status: 'PERMISSION_DENIED', message: "Permission 'monitoring.timeSeries.list' denied", details: [] } };
    const { cloud, warnings } = setup([
      { method: 'GET', url: `${S}/b?project=acme-prod&maxResults=1000`, body: { kind: 'storage#buckets', items: [BUCKET] } },
      { method: 'GET', url: `${S}/b/acme-www-static/iam?optionsRequestedPolicyVersion=3`, body: POLICY },
      { method: 'GET', url: /monitoring\.googleapis\.com/, status: 403, body: denied },
    ]);
    const [b] = await cloud.list(TARGET, CRED, 'bucket', {});
    expect(b!.attributes).not.toHaveProperty('objectCount');
    expect(b!.attributes).not.toHaveProperty('sizeGb');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ api: 'Cloud Monitoring timeSeries.list', scope: 'projects/acme-prod', code: 'permission_denied' });
  });

  it('an expired token while reading sizes fails the listing (the platform mints again)', async () => {
    const { cloud } = setup([
      { method: 'GET', url: `${S}/b?project=acme-prod&maxResults=1000`, body: { kind: 'storage#buckets', items: [BUCKET] } },
      { method: 'GET', url: /monitoring\.googleapis\.com/, status: 401, body: { error: { code: 401, status: 'UNAUTHENTICATED', message: 'expired' } } },
    ]);
    await expect(cloud.list(TARGET, CRED, 'bucket', {})).rejects.toMatchObject({ reason: 'unauthenticated' });
  });

  it('update patches publicAccessPrevention, then sets the IAM policy with its etag', async () => {
    const { cloud, rec } = setup([
      { method: 'GET', url: `${S}/b/acme-www-static`, body: BUCKET },
      { method: 'GET', url: /\/iam\?optionsRequestedPolicyVersion=3$/, body: POLICY },
      { method: 'PATCH', url: `${S}/b/acme-www-static`, body: BUCKET },
      { method: 'PUT', url: `${S}/b/acme-www-static/iam`, body: POLICY },
    ]);
    await cloud.act(TARGET, CRED, {
      kind: 'bucket',
      verb: 'update',
      resourceId: 'projects/acme-prod/buckets/acme-www-static',
      params: { attributes: { publicAccessPrevention: 'enforced', iamBindings: [{ role: 'roles/storage.objectViewer', members: [] }, { role: 'roles/storage.legacyBucketOwner', members: ['projectOwner:acme-prod'] }] } },
    });
    const patch = rec.requests.find((r) => r.method === 'PATCH')!;
    const put = rec.requests.find((r) => r.method === 'PUT')!;
    expect(patch.body).toEqual({ iamConfiguration: { publicAccessPrevention: 'enforced' } });
    expect(put.body).toEqual({ version: 1, etag: 'CAE=', bindings: [{ role: 'roles/storage.legacyBucketOwner', members: ['projectOwner:acme-prod'] }] });
    expect(rec.requests.indexOf(patch)).toBeLessThan(rec.requests.indexOf(put));
  });

  it('labels with a merge patch of labels', async () => {
    const { cloud, rec } = setup([
      { method: 'GET', url: `${S}/b/acme-www-static`, body: BUCKET },
      { method: 'GET', url: /\/iam\?/, body: POLICY },
      { method: 'PATCH', url: `${S}/b/acme-www-static`, body: BUCKET },
    ]);
    await cloud.act(TARGET, CRED, { kind: 'bucket', verb: 'label', resourceId: 'projects/acme-prod/buckets/acme-www-static', params: { labels: { owner: 'team-web' } } });
    expect(rec.requests.find((r) => r.method === 'PATCH')!.body).toEqual({ labels: { owner: 'team-web' } });
  });
});

describe('iam', () => {
  const POLICY_ROUTE: RecordedRoute = {
    method: 'POST',
    url: 'https://cloudresourcemanager.googleapis.com/v3/projects/acme-prod:getIamPolicy',
    body: { version: 1, etag: 'BwX=', bindings: [{ role: 'roles/bigquery.admin', members: ['serviceAccount:etl@acme-prod.iam.gserviceaccount.com', 'group:analysts@acme-corp.io'] }, { role: 'projects/acme-prod/roles/deployer', members: ['user:ana@acme-corp.io'] }] },
  };

  it('lists one binding per role and member from getIamPolicy (version 3)', async () => {
    const { cloud, rec } = setup([POLICY_ROUTE]);
    const bindings = await cloud.list(TARGET, CRED, 'iam.binding', {});
    expect(rec.requests[0]!.body).toEqual({ options: { requestedPolicyVersion: 3 } });
    expect(bindings.map((b) => b.id)).toEqual([
      'projects/acme-prod/roles/bigquery.admin/serviceAccount:etl@acme-prod.iam.gserviceaccount.com',
      'projects/acme-prod/roles/bigquery.admin/group:analysts@acme-corp.io',
      'projects/acme-prod/projects/acme-prod/roles/deployer/user:ana@acme-corp.io',
    ]);
    expect(bindings[0]).toMatchObject({ kind: 'iam.binding', project: 'acme-prod', region: 'global', attributes: { role: 'roles/bigquery.admin', member: 'serviceAccount:etl@acme-prod.iam.gserviceaccount.com', project: 'acme-prod' } });
  });

  it('reads the roles bound (roles.get) and permission usage (Recommender insights)', async () => {
    const { cloud, rec } = setup([
      POLICY_ROUTE,
      { method: 'GET', url: 'https://iam.googleapis.com/v1/roles/bigquery.admin', body: { name: 'roles/bigquery.admin', title: 'BigQuery Admin', stage: 'GA', includedPermissions: ['bigquery.datasets.get', 'bigquery.jobs.create'] } },
      { method: 'GET', url: 'https://iam.googleapis.com/v1/projects/acme-prod/roles/deployer', body: { name: 'projects/acme-prod/roles/deployer', title: 'Deployer', stage: 'BETA', includedPermissions: ['run.services.update'] } },
      {
        method: 'GET',
        url: 'https://recommender.googleapis.com/v1/projects/acme-prod/locations/global/insightTypes/google.iam.policy.Insight/insights?pageSize=1000',
        body: {
          insights: [
            {
              name: 'projects/123/locations/global/insightTypes/google.iam.policy.Insight/insights/abc',
              insightSubtype: 'PERMISSIONS_USAGE',
              lastRefreshTime: '2026-11-19T07:00:00Z',
              observationPeriod: '7776000s',
              content: { role: 'roles/bigquery.admin', member: 'group:analysts@acme-corp.io', exercisedPermissions: [{ permission: 'bigquery.datasets.get' }], inferredPermissions: [], currentTotalPermissionsCount: '2' },
            },
          ],
        },
      },
    ]);
    expect(await cloud.dataset(TARGET, CRED, 'iam.roles', {})).toEqual([
      { role: 'projects/acme-prod/roles/deployer', title: 'Deployer', stage: 'BETA', basic: false, permissions: ['run.services.update'] },
      { role: 'roles/bigquery.admin', title: 'BigQuery Admin', stage: 'GA', basic: false, permissions: ['bigquery.datasets.get', 'bigquery.jobs.create'] },
    ]);
    expect(await cloud.dataset(TARGET, CRED, 'iam.usage', {})).toEqual([
      { member: 'group:analysts@acme-corp.io', project: 'acme-prod', permission: 'bigquery.datasets.get', service: 'bigquery.googleapis.com', lastUsed: '2026-11-19T07:00:00.000Z' },
    ]);
    expect(rec.unmatched).toEqual([]);
  });
});

describe('certificate', () => {
  const CM = 'https://certificatemanager.googleapis.com/v1';
  const NAME = 'projects/acme-prod/locations/global/certificates/www-acme-corp-io';
  const CERT = {
    name: NAME,
    createTime: '2026-10-15T06:12:00Z',
    labels: { env: 'prod', 'expiry-status': 'ok' },
    sanDnsnames: ['acme-corp.io', 'www.acme-corp.io'],
    pemCertificate: PEM,
    expireTime: '2027-01-13T07:12:00Z',
    managed: { domains: ['acme-corp.io', 'www.acme-corp.io'], state: 'ACTIVE' },
  };
  const MAPS: RecordedRoute[] = [
    { method: 'GET', url: `${CM}/projects/acme-prod/locations/-/certificateMaps`, body: { certificateMaps: [{ name: 'projects/acme-prod/locations/global/certificateMaps/www', gclbTargets: [{ targetHttpsProxy: 'projects/acme-prod/global/targetHttpsProxies/lb-www-prod' }] }] } },
    { method: 'GET', url: `${CM}/projects/acme-prod/locations/global/certificateMaps/www/certificateMapEntries`, body: { certificateMapEntries: [{ name: 'e1', certificates: [NAME] }] } },
  ];

  it('lists certificates with the PEM facts and the proxies that serve them', async () => {
    const { cloud } = setup([{ method: 'GET', url: `${CM}/projects/acme-prod/locations/-/certificates`, body: { certificates: [CERT] } }, ...MAPS]);
    const [c] = await cloud.list(TARGET, CRED, 'certificate', {});
    const x = new X509Certificate(PEM);
    expect(c).toEqual({
      kind: 'certificate',
      id: NAME,
      name: 'www-acme-corp-io',
      project: 'acme-prod',
      region: 'global',
      state: 'active',
      labels: { env: 'prod', 'expiry-status': 'ok' },
      attributes: {
        domains: ['acme-corp.io', 'www.acme-corp.io'],
        notAfter: '2027-01-13T07:12:00.000Z',
        autoRenew: true,
        managedBy: 'certificate-manager',
        attachedTo: ['lb-www-prod'],
        issuer: 'Google Trust Services WE1',
        notBefore: new Date(x.validFrom).toISOString(),
        serialNumber: x.serialNumber,
        keyAlgorithm: 'ECDSA',
        keySize: 256,
      },
      createdAt: '2026-10-15T06:12:00.000Z',
    });
  });

  it('labels with patch?updateMask=labels and waits for the operation', async () => {
    const { cloud, rec, sleeps } = setup([
      { method: 'GET', url: `${CM}/${NAME}`, body: CERT },
      { method: 'PATCH', url: `${CM}/${NAME}?updateMask=labels`, body: { name: 'projects/acme-prod/locations/global/operations/op-1', done: false } },
      { method: 'GET', url: `${CM}/projects/acme-prod/locations/global/operations/op-1`, body: { name: 'projects/acme-prod/locations/global/operations/op-1', done: true, response: {} } },
      ...MAPS,
    ]);
    await cloud.act(TARGET, CRED, { kind: 'certificate', verb: 'label', resourceId: NAME, params: { labels: { 'expiry-status': 'warning' } } });
    expect(rec.requests.find((r) => r.method === 'PATCH')!.body).toEqual({ labels: { env: 'prod', 'expiry-status': 'warning' } });
    expect(sleeps).toEqual([500]);
    expect(rec.unmatched).toEqual([]);
  });
});

describe('budget', () => {
  it('finds the billing account, lists its budgets and resolves project numbers', async () => {
    const { cloud } = setup([
      { method: 'GET', url: 'https://cloudbilling.googleapis.com/v1/projects/acme-prod/billingInfo', body: { name: 'projects/acme-prod/billingInfo', projectId: 'acme-prod', billingAccountName: 'billingAccounts/01A2B3-C4D5E6-F7A8B9', billingEnabled: true } },
      {
        method: 'GET',
        url: 'https://billingbudgets.googleapis.com/v1/billingAccounts/01A2B3-C4D5E6-F7A8B9/budgets',
        body: {
          budgets: [
            {
              name: 'billingAccounts/01A2B3-C4D5E6-F7A8B9/budgets/7d1c0e2a',
              displayName: 'acme-prod monthly',
              budgetFilter: { projects: ['projects/123456789012'], calendarPeriod: 'MONTH', creditTypesTreatment: 'INCLUDE_ALL_CREDITS' },
              amount: { specifiedAmount: { currencyCode: 'USD', units: '42000', nanos: 500000000 } },
              thresholdRules: [{ thresholdPercent: 0.5, spendBasis: 'CURRENT_SPEND' }, { thresholdPercent: 0.9 }, { thresholdPercent: 1 }],
              etag: 'e1',
            },
          ],
        },
      },
      { method: 'GET', url: 'https://cloudresourcemanager.googleapis.com/v3/projects/123456789012', body: { name: 'projects/123456789012', projectId: 'acme-prod', state: 'ACTIVE' } },
    ]);
    const [b] = await cloud.list(TARGET, CRED, 'budget', {});
    expect(b).toEqual({
      kind: 'budget',
      id: 'billingAccounts/01A2B3-C4D5E6-F7A8B9/budgets/7d1c0e2a',
      name: 'acme-prod monthly',
      project: 'acme-prod',
      region: 'global',
      state: 'active',
      labels: {},
      attributes: { amountUsd: 42000.5, currency: 'USD', period: 'month', project: 'acme-prod', projects: ['acme-prod'], thresholds: [0.5, 0.9, 1], billingAccount: 'billingAccounts/01A2B3-C4D5E6-F7A8B9' },
    });
    await expect(cloud.act(TARGET, CRED, { kind: 'budget', verb: 'label', resourceId: b!.id, params: { labels: { 'budget-state': 'ok' } } })).rejects.toMatchObject({
      reason: 'unsupported',
      message: expect.stringContaining('budgets have no labels'),
    });
  });
});

/** Cloud Monitoring's grouped k8s_container series: 100 five-minute steps, the first nine days before NOW. */
function usageRoutes(o: { memory?: boolean; extraOwner?: string } = {}): RecordedRoute[] {
  const labels = { project_id: 'acme-prod', location: 'us-central1', cluster_name: 'gke-prod', namespace_name: 'checkout', container_name: 'checkout-api' };
  const steps = (value: (i: number) => Record<string, unknown>) =>
    Array.from({ length: 100 }, (_, k) => {
      const i = 100 - k; // newest first, as Monitoring answers
      const start = new Date(NOW.getTime() - 9.5 * 86_400_000 + i * 300_000);
      return { interval: { startTime: start.toISOString(), endTime: new Date(start.getTime() + 300_000).toISOString() }, value: value(i) };
    });
  const series = (value: (i: number) => Record<string, unknown>) => ({
    timeSeries: [
      { resource: { type: 'k8s_container', labels }, metadata: { systemLabels: { top_level_controller_name: 'checkout-api', top_level_controller_type: 'Deployment' } }, points: steps(value) },
      ...(o.extraOwner
        ? [{ resource: { type: 'k8s_container', labels }, metadata: { systemLabels: { top_level_controller_name: 'checkout-api', top_level_controller_type: o.extraOwner } }, points: steps(() => ({ doubleValue: 99 })) }]
        : []),
    ],
  });
  return [
    { method: 'GET', url: /timeSeries\?aggregation\.groupByFields=[^?]*core_usage_time/, body: series((i) => ({ doubleValue: i / 100 })) },
    { method: 'GET', url: /timeSeries\?aggregation\.groupByFields=[^?]*used_bytes/, body: o.memory === false ? {} : series((i) => ({ int64Value: String(i * 10 * 2 ** 20) })) },
  ];
}

describe('k8s.workload', () => {
  const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
  const CLUSTERS: RecordedRoute = {
    method: 'GET',
    url: 'https://container.googleapis.com/v1/projects/acme-prod/locations/-/clusters',
    body: { clusters: [{ name: 'gke-prod', location: 'us-central1', endpoint: '34.1.2.3', status: 'RUNNING', masterAuth: { clusterCaCertificate: CA } }] },
  };
  const DEPLOYMENT = {
    metadata: { name: 'checkout-api', namespace: 'checkout', labels: { app: 'checkout-api' }, creationTimestamp: '2025-03-14T09:12:00Z' },
    spec: { replicas: 6, template: { spec: { containers: [{ name: 'checkout-api', resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2000m', memory: '2048Mi' } } }] } } },
  };

  it("lists Deployments from each cluster's API, trusting the cluster CA, with the run token", async () => {
    const cas: string[] = [];
    const kube = recordedFetch([{ method: 'GET', url: 'https://34.1.2.3/apis/apps/v1/deployments?limit=500', body: { kind: 'DeploymentList', items: [DEPLOYMENT], metadata: {} } }]);
    const rec = recordedFetch([CLUSTERS, ...usageRoutes()]);
    const cloud = new GcpCloud({ platformToken: async () => PLATFORM_TOKEN, fetch: rec.fetch, now: () => NOW, clusterFetch: (ca) => (cas.push(ca), kube.fetch) });
    const [w] = await cloud.list(TARGET, CRED, 'k8s.workload', {});
    expect(rec.unmatched).toEqual([]);
    expect(cas).toEqual(['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n']);
    expect(kube.requests[0]!.headers['authorization']).toBe(bearer(RUN_TOKEN));
    expect(w).toEqual({
      kind: 'k8s.workload',
      id: 'projects/acme-prod/locations/us-central1/clusters/gke-prod/namespaces/checkout/deployments/checkout-api',
      name: 'checkout-api',
      project: 'acme-prod',
      region: 'us-central1',
      state: 'running',
      labels: { app: 'checkout-api' },
      attributes: {
        cluster: 'gke-prod',
        namespace: 'checkout',
        kind: 'Deployment',
        replicas: 6,
        containers: [
          {
            name: 'checkout-api',
            requests: { cpuMillicores: 1000, memoryMiB: 2048 },
            limits: { cpuMillicores: 2000, memoryMiB: 2048 },
            // 100 five-minute steps 1..100 (×10m cores, ×10 MiB): p95 is the 95th, p99 the 99th, max the 100th.
            usage: { cpuP95Millicores: 950, memoryP99MiB: 990, memoryMaxMiB: 1000 },
          },
        ],
        usageWindowDays: 9,
      },
      createdAt: '2025-03-14T09:12:00.000Z',
    });
  });

  it('reads usage per Deployment container: rate of CPU seconds and non-evictable memory, busiest replica per step', async () => {
    const rec = recordedFetch([CLUSTERS, ...usageRoutes()]);
    const kube = recordedFetch([{ method: 'GET', url: 'https://34.1.2.3/apis/apps/v1/deployments?limit=500', body: { items: [DEPLOYMENT], metadata: {} } }]);
    const cloud = new GcpCloud({ platformToken: async () => PLATFORM_TOKEN, fetch: rec.fetch, now: () => NOW, clusterFetch: () => kube.fetch });
    await cloud.list(TARGET, CRED, 'k8s.workload', {});
    const [cpu, mem] = ['core_usage_time', 'used_bytes'].map((m) => rec.requests.find((r) => r.url.includes(m))!);
    const groupBy = new URL(cpu!.url).searchParams.getAll('aggregation.groupByFields');
    expect(groupBy).toEqual([
      'resource.label.location',
      'resource.label.cluster_name',
      'resource.label.namespace_name',
      'resource.label.container_name',
      'metadata.system_labels.top_level_controller_name',
      'metadata.system_labels.top_level_controller_type',
    ]);
    expect(q(cpu!.url)).toMatchObject({
      filter: 'metric.type = "kubernetes.io/container/cpu/core_usage_time" AND resource.type = "k8s_container"',
      'aggregation.perSeriesAligner': 'ALIGN_RATE',
      'aggregation.crossSeriesReducer': 'REDUCE_MAX',
      'aggregation.alignmentPeriod': '300s',
      'interval.startTime': '2026-11-06T12:00:00.000Z',
      'interval.endTime': '2026-11-20T12:00:00.000Z',
    });
    expect(q(mem!.url)['filter']).toBe('metric.type = "kubernetes.io/container/memory/used_bytes" AND resource.type = "k8s_container" AND metric.labels.memory_type = "non-evictable"');
    expect(q(mem!.url)['aggregation.perSeriesAligner']).toBe('ALIGN_MAX');
    expect(cpu!.headers['authorization']).toBe(bearer(RUN_TOKEN));
  });

  it('leaves usage null for a container without both metrics, and ignores pods no Deployment owns', async () => {
    const rec = recordedFetch([CLUSTERS, ...usageRoutes({ memory: false, extraOwner: 'StatefulSet' })]);
    const kube = recordedFetch([{ method: 'GET', url: 'https://34.1.2.3/apis/apps/v1/deployments?limit=500', body: { items: [DEPLOYMENT], metadata: {} } }]);
    const cloud = new GcpCloud({ platformToken: async () => PLATFORM_TOKEN, fetch: rec.fetch, now: () => NOW, clusterFetch: () => kube.fetch });
    const [w] = await cloud.list(TARGET, CRED, 'k8s.workload', {});
    expect((w!.attributes['containers'] as { usage: unknown }[])[0]!.usage).toBeNull();
    expect(w!.attributes).not.toHaveProperty('usageWindowDays');
  });

  it('gets one Deployment with clusters.get and deployments.get, without usage (an approval compares two gets)', async () => {
    const rec = recordedFetch([{ method: 'GET', url: 'https://container.googleapis.com/v1/projects/acme-prod/locations/us-central1/clusters/gke-prod', body: (CLUSTERS.body as { clusters: unknown[] }).clusters[0] }]);
    const kube = recordedFetch([
      { method: 'GET', url: 'https://34.1.2.3/apis/apps/v1/namespaces/checkout/deployments/checkout-api', body: DEPLOYMENT },
      { method: 'GET', url: 'https://34.1.2.3/apis/apps/v1/namespaces/checkout/deployments/gone', status: 404, body: { kind: 'Status', code: 404, reason: 'NotFound' } },
    ]);
    const cloud = new GcpCloud({ platformToken: async () => PLATFORM_TOKEN, fetch: rec.fetch, clusterFetch: () => kube.fetch });
    const id = 'projects/acme-prod/locations/us-central1/clusters/gke-prod/namespaces/checkout/deployments/checkout-api';
    const w = await cloud.get(TARGET, CRED, 'k8s.workload', id);
    expect(w!.id).toBe(id);
    expect((w!.attributes['containers'] as { usage: unknown }[])[0]!.usage).toBeNull();
    expect(await cloud.get(TARGET, CRED, 'k8s.workload', id.replace('checkout-api', 'gone'))).toBeNull();
    expect(rec.requests.some((r) => r.url.includes('monitoring'))).toBe(false);
  });

  it('updates requests and limits with a strategic merge patch (apiRoot: the stand-in serves the cluster)', async () => {
    const rec = recordedFetch([
      { method: 'GET', url: 'http://stand-in:9000/container.googleapis.com/v1/projects/acme-prod/locations/us-central1/clusters/gke-prod', body: (CLUSTERS.body as { clusters: unknown[] }).clusters[0] },
      { method: 'PATCH', url: 'http://stand-in:9000/34.1.2.3/apis/apps/v1/namespaces/checkout/deployments/checkout-api', body: DEPLOYMENT },
    ]);
    const cloud = new GcpCloud({ platformToken: async () => PLATFORM_TOKEN, fetch: rec.fetch, apiRoot: 'http://stand-in:9000/' });
    await cloud.act(TARGET, CRED, {
      kind: 'k8s.workload',
      verb: 'update',
      resourceId: 'projects/acme-prod/locations/us-central1/clusters/gke-prod/namespaces/checkout/deployments/checkout-api',
      params: { attributes: { containers: [{ name: 'checkout-api', requests: { cpuMillicores: 250, memoryMiB: 768 }, limits: { memoryMiB: 1024 } }] } },
    });
    const patch = rec.requests[1]!;
    expect(patch.headers['content-type']).toBe('application/strategic-merge-patch+json');
    expect(patch.body).toEqual({ spec: { template: { spec: { containers: [{ name: 'checkout-api', resources: { requests: { cpu: '250m', memory: '768Mi' }, limits: { memory: '1024Mi' } } }] } } } });
    expect(rec.unmatched).toEqual([]);
  });
});

describe('datasets', () => {
  it('billing: a parameterised jobs.query on the export table, then getQueryResults pages', async () => {
    const schema = { fields: ['date', 'project', 'service', 'sku'].map((name) => ({ name, type: 'STRING' })).concat([{ name: 'cost', type: 'FLOAT' }, { name: 'currency', type: 'STRING' }]) };
    const row = (d: string, cost: string) => ({ f: [{ v: d }, { v: 'acme-prod' }, { v: 'Compute Engine' }, { v: 'N2 Instance Core running in Americas' }, { v: cost }, { v: 'USD' }] });
    const BQ = 'https://bigquery.googleapis.com/bigquery/v2/projects/acme-prod/queries';
    const { cloud, rec } = setup([
      { method: 'POST', url: BQ, body: { kind: 'bigquery#queryResponse', jobComplete: true, schema, rows: [row('2026-10-01', '185.55')], pageToken: 'p2', totalRows: '2', jobReference: { projectId: 'acme-prod', jobId: 'job_1', location: 'US' } } },
      { method: 'GET', url: `${BQ}/job_1?pageToken=p2&location=US&maxResults=10000&timeoutMs=30000`, body: { jobComplete: true, schema, rows: [row('2026-10-02', '190')], jobReference: { projectId: 'acme-prod', jobId: 'job_1', location: 'US' } } },
    ]);
    const rows = await cloud.dataset(TARGET, CRED, 'billing', { since: new Date('2026-10-01T00:00:00Z') });
    expect(rows).toEqual([
      { date: '2026-10-01', project: 'acme-prod', service: 'Compute Engine', sku: 'N2 Instance Core running in Americas', cost: 185.55, currency: 'USD' },
      { date: '2026-10-02', project: 'acme-prod', service: 'Compute Engine', sku: 'N2 Instance Core running in Americas', cost: 190, currency: 'USD' },
    ]);
    const body = rec.requests[0]!.body as { query: string; useLegacySql: boolean; parameterMode: string; queryParameters: unknown[] };
    expect(body.useLegacySql).toBe(false);
    expect(body.parameterMode).toBe('NAMED');
    expect(body.query).toContain('FROM `acme-billing.billing.gcp_billing_export_v1_01A2B3`');
    expect(body.query).toContain('project.id = @project');
    expect(body.query).not.toContain('2026-10-01');
    expect(body.queryParameters).toEqual([
      { name: 'since', parameterType: { type: 'DATE' }, parameterValue: { value: '2026-10-01' } },
      { name: 'limit', parameterType: { type: 'INT64' }, parameterValue: { value: '20000' } },
      { name: 'project', parameterType: { type: 'STRING' }, parameterValue: { value: 'acme-prod' } },
    ]);
  });

  it('billing: a job not complete in time is polled with getQueryResults (no pageToken) until it is, then paged', async () => {
    const schema = { fields: [{ name: 'date', type: 'STRING' }, { name: 'cost', type: 'FLOAT' }] };
    const job = { projectId: 'acme-prod', jobId: 'job_slow', location: 'EU' };
    const BQ = 'https://bigquery.googleapis.com/bigquery/v2/projects/acme-prod/queries';
    const { cloud, rec } = setup([
      // jobs.query answers before the job is done: no schema, no rows, only the job to wait for.
      { method: 'POST', url: BQ, body: { kind: 'bigquery#queryResponse', jobComplete: false, jobReference: job } },
      { method: 'GET', url: `${BQ}/job_slow?location=EU&maxResults=10000&timeoutMs=30000`, times: 1, body: { jobComplete: false, jobReference: job } },
      { method: 'GET', url: `${BQ}/job_slow?location=EU&maxResults=10000&timeoutMs=30000`, times: 1, body: { jobComplete: true, schema, rows: [{ f: [{ v: '2026-10-01' }, { v: '1.25' }] }], pageToken: 'p2', jobReference: job } },
      { method: 'GET', url: `${BQ}/job_slow?pageToken=p2&location=EU&maxResults=10000&timeoutMs=30000`, body: { jobComplete: true, schema, rows: [{ f: [{ v: '2026-10-02' }, { v: '2' }] }] } },
    ]);
    const rows = await cloud.dataset(TARGET, CRED, 'billing', { since: new Date('2026-10-01T00:00:00Z') });
    expect(rows).toEqual([
      { date: '2026-10-01', cost: 1.25 },
      { date: '2026-10-02', cost: 2 },
    ]);
    expect(rec.requests.map((r) => `${r.method} ${r.url.replace(BQ, '')}`)).toEqual([
      'POST ',
      'GET /job_slow?location=EU&maxResults=10000&timeoutMs=30000',
      'GET /job_slow?location=EU&maxResults=10000&timeoutMs=30000',
      'GET /job_slow?pageToken=p2&location=EU&maxResults=10000&timeoutMs=30000',
    ]);
    expect(rec.unmatched).toEqual([]);
  });

  it('billing: a job that never completes stops after maxPages polls', async () => {
    const job = { projectId: 'acme-prod', jobId: 'job_stuck', location: 'US' };
    const rec = recordedFetch([
      { method: 'POST', url: 'https://bigquery.googleapis.com/bigquery/v2/projects/acme-prod/queries', body: { jobComplete: false, jobReference: job } },
      { method: 'GET', url: /\/queries\/job_stuck\?/, body: { jobComplete: false, jobReference: job } },
    ]);
    const cloud = new GcpCloud({ platformToken: async () => PLATFORM_TOKEN, fetch: rec.fetch, now: () => NOW, maxPages: 3 });
    await expect(cloud.dataset(TARGET, CRED, 'billing', {})).rejects.toMatchObject({ reason: 'unavailable', message: expect.stringContaining('did not complete') });
    expect(rec.requests).toHaveLength(4);
  });

  it('billing without an export table is a clear invalid error', async () => {
    const { cloud } = setup([]);
    await expect(cloud.dataset({ ...TARGET, billingExportTable: null }, CRED, 'billing', {})).rejects.toMatchObject({ reason: 'invalid', message: expect.stringContaining('billingExportTable') });
  });

  it('logs: entries:list with a time filter, pageToken in the body, rows as log-error-clusterer reads them', async () => {
    const entry = (i: number) => ({
      logName: 'projects/acme-prod/logs/stderr',
      resource: { type: 'k8s_container', labels: { project_id: 'acme-prod', cluster_name: 'gke-prod', namespace_name: 'checkout', pod_name: `checkout-api-${i}`, container_name: 'checkout-api', location: 'us-central1' } },
      timestamp: '2026-11-20T09:01:40.225123Z',
      severity: 'ERROR',
      jsonPayload: { message: `PUT /api/v1/users/${i} 500` },
      trace: 'projects/acme-prod/traces/b68d',
    });
    const { cloud, rec } = setup([
      { method: 'POST', url: 'https://logging.googleapis.com/v2/entries:list', times: 1, body: { entries: [entry(1)], nextPageToken: 'n2' } },
      { method: 'POST', url: 'https://logging.googleapis.com/v2/entries:list', body: { entries: [{ ...entry(2), jsonPayload: undefined, textPayload: 'boom', trace: undefined }] } },
    ]);
    const rows = await cloud.dataset(TARGET, CRED, 'logs', {});
    expect(rows).toEqual([
      { timestamp: '2026-11-20T09:01:40.225Z', severity: 'ERROR', service: 'checkout-api', resource: 'k8s_container/gke-prod/checkout/checkout-api-1', message: 'PUT /api/v1/users/1 500', trace: 'projects/acme-prod/traces/b68d' },
      { timestamp: '2026-11-20T09:01:40.225Z', severity: 'ERROR', service: 'checkout-api', resource: 'k8s_container/gke-prod/checkout/checkout-api-2', message: 'boom' },
    ]);
    expect(rec.requests[0]!.body).toEqual({ resourceNames: ['projects/acme-prod'], filter: 'timestamp >= "2026-11-18T12:00:00.000Z"', orderBy: 'timestamp desc', pageSize: 1000 });
    expect(rec.requests[1]!.body).toMatchObject({ pageToken: 'n2' });
  });

  it('an unknown dataset is unsupported', async () => {
    await expect(setup([]).cloud.dataset(TARGET, CRED, 'metrics', {})).rejects.toMatchObject({ reason: 'unsupported' });
  });
});
