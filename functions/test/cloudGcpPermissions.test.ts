import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GcpCloud } from '../src/adapters/cloud/gcp/gcpCloud.ts';
import { apiMethodOf, type ApiMethod } from '../src/adapters/cloud/gcp/permissions.ts';
import { recordedFetch, type RecordedRequest, type RecordedRoute } from '../src/adapters/cloud/gcp/recordedFetch.ts';
import type { CloudActionRequest, CloudCredential, ConnectionTarget } from '../src/app/cloud/ports.ts';
import { GCP_ORGANIZATION_BASE, grantFor, scopeEntry } from '../src/domain/cloud/scopeTable.ts';

/**
 * The scope table against the calls the adapter really makes. A customer grants exactly the
 * table's permissions for an agent's scopes, and a run's token carries exactly its OAuth
 * scopes: a call outside them is PERMISSION_DENIED (or ACCESS_TOKEN_SCOPE_INSUFFICIENT) on a
 * real project, which the stand-in (granting everything) never shows. For each scope the ten
 * agents declare, the platform's calls for it (a listing, a dataset, or the get-then-act of a
 * write) run against recorded answers; each request is mapped to its Google method
 * (permissions.ts), and its permissions and OAuth scopes must be in that scope's row.
 */

const PLATFORM_TOKEN = 'ya29.platform';
const RUN_TOKEN = 'ya29.run';
const NOW = new Date('2026-11-20T12:00:00Z');
const PROJECT: ConnectionTarget = { provider: 'gcp', target: { kind: 'project', id: 'acme-prod' }, serviceAccount: 'ws-w1@am-platform.iam.gserviceaccount.com', billingExportTable: 'acme-billing.billing.gcp_billing_export_v1_01A2B3' };
const ORG: ConnectionTarget = { ...PROJECT, target: { kind: 'organization', id: '123456789012' } };
const CRED: CloudCredential = { provider: 'gcp', gcp: { accessToken: RUN_TOKEN }, expiresAt: new Date('2026-11-20T12:15:00Z'), secrets: [RUN_TOKEN] };

const C = 'https://compute.googleapis.com/compute/v1/projects/acme-prod';
const ZONE = `${C}/zones/us-central1-a`;
const S = 'https://storage.googleapis.com/storage/v1/b';
const CM = 'https://certificatemanager.googleapis.com/v1/projects/acme-prod/locations/global';
const CRM = 'https://cloudresourcemanager.googleapis.com/v3';
const BQ = 'https://bigquery.googleapis.com/bigquery/v2/projects/acme-prod/queries';

const INSTANCE = {
  id: '4471200007919023757',
  name: 'web-1',
  zone: ZONE,
  machineType: `${ZONE}/machineTypes/n2-standard-4`,
  status: 'RUNNING',
  labels: { env: 'prod' },
  labelFingerprint: 'a1=',
  creationTimestamp: '2026-01-04T00:00:00.000-07:00',
  disks: [{ boot: true, diskSizeGb: '50', licenses: ['https://www.googleapis.com/compute/v1/projects/debian-cloud/global/licenses/debian-12-bookworm'] }],
};
const DISK = { id: '77', name: 'data-1', zone: ZONE, sizeGb: '200', type: `${ZONE}/diskTypes/pd-balanced`, status: 'READY', users: [], labels: {}, labelFingerprint: 'b2=' };
const SNAPSHOT = { id: '88', name: 'snap-1', status: 'READY', sourceDisk: `${ZONE}/disks/data-1`, diskSizeGb: '200', storageBytes: '1073741824', labels: {}, labelFingerprint: 'c3=' };
const BUCKET = { name: 'acme-www', location: 'US', iamConfiguration: { uniformBucketLevelAccess: { enabled: true }, publicAccessPrevention: 'inherited' } };
const BUCKET_POLICY = { version: 1, etag: 'CAE=', bindings: [{ role: 'roles/storage.objectViewer', members: ['allUsers'] }] };
const CERT = { name: 'projects/acme-prod/locations/global/certificates/www', createTime: '2026-01-01T00:00:00Z', expireTime: '2027-01-01T00:00:00Z', sanDnsnames: ['www.acme.test'], labels: {} };
const CLUSTER = { name: 'gke-prod', location: 'us-central1', endpoint: '34.1.2.3', status: 'RUNNING', masterAuth: { clusterCaCertificate: '' } };
const DEPLOYMENT = {
  metadata: { name: 'api', namespace: 'shop' },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'api', resources: { requests: { cpu: '500m', memory: '512Mi' } } }] } } },
};
const PROJECT_POLICY = { bindings: [{ role: 'roles/viewer', members: ['user:ana@acme.test'] }, { role: 'projects/acme-prod/roles/auditor', members: ['group:audit@acme.test'] }] };
const running = (name: string) => ({ name, status: 'RUNNING' });

/** A realistic project: every method the adapter calls, answered as Google documents it. */
const ROUTES: RecordedRoute[] = [
  // Compute Engine
  { method: 'GET', url: /\/aggregated\/instances\?/, body: { items: { 'zones/us-central1-a': { instances: [INSTANCE] } } } },
  { method: 'GET', url: `${ZONE}/machineTypes/n2-standard-4`, body: { name: 'n2-standard-4', guestCpus: 4, memoryMb: 16384 } },
  { method: 'GET', url: `${ZONE}/instances/web-1`, body: INSTANCE },
  { method: 'POST', url: /\/instances\/web-1\/(stop|start|setLabels)$/, body: running('op-z') },
  { method: 'POST', url: `${ZONE}/operations/op-z/wait`, body: { name: 'op-z', status: 'DONE' } },
  { method: 'GET', url: /\/aggregated\/disks\?/, body: { items: { 'zones/us-central1-a': { disks: [DISK] } } } },
  { method: 'GET', url: `${ZONE}/disks/data-1`, body: DISK },
  { method: 'POST', url: `${ZONE}/disks/data-1/setLabels`, body: running('op-z') },
  { method: 'GET', url: /\/global\/snapshots\?/, body: { items: [SNAPSHOT] } },
  { method: 'GET', url: `${C}/global/snapshots/snap-1`, body: SNAPSHOT },
  { method: 'DELETE', url: `${C}/global/snapshots/snap-1`, body: running('op-g') },
  { method: 'POST', url: `${C}/global/operations/op-g/wait`, body: { name: 'op-g', status: 'DONE' } },
  // Cloud Monitoring: VM CPU answers a point; the other metrics are answered empty.
  {
    method: 'GET',
    url: /^https:\/\/monitoring\.googleapis\.com\/v3\/projects\/acme-prod\/timeSeries\?/,
    body: (r: RecordedRequest) =>
      r.url.includes('cpu%2Futilization') ? { timeSeries: [{ resource: { labels: { instance_id: INSTANCE.id } }, points: [{ value: { doubleValue: 0.02 } }] }] } : {},
  },
  // The price catalog, with the platform's token.
  { method: 'GET', url: /^https:\/\/cloudbilling\.googleapis\.com\/v1\/services\/[^/]+\/skus\?/, body: { skus: [] } },
  // Cloud Storage
  { method: 'GET', url: `${S}?project=acme-prod&maxResults=1000`, body: { items: [BUCKET] } },
  { method: 'GET', url: `${S}/acme-www`, body: BUCKET },
  { method: 'GET', url: `${S}/acme-www/iam?optionsRequestedPolicyVersion=3`, body: BUCKET_POLICY },
  { method: 'PATCH', url: `${S}/acme-www`, body: BUCKET },
  { method: 'PUT', url: `${S}/acme-www/iam`, body: BUCKET_POLICY },
  // Resource Manager and IAM
  { method: 'POST', url: `${CRM}/projects/acme-prod:getIamPolicy`, body: PROJECT_POLICY },
  { method: 'POST', url: `${CRM}/organizations/123456789012:getIamPolicy`, body: { bindings: [] } },
  { method: 'GET', url: /projects:search\?/, body: { projects: [{ projectId: 'acme-prod', state: 'ACTIVE' }] } },
  { method: 'GET', url: `${CRM}/projects/301234567890`, body: { projectId: 'acme-prod' } },
  { method: 'GET', url: 'https://iam.googleapis.com/v1/roles/viewer', body: { name: 'roles/viewer', includedPermissions: ['compute.instances.list'] } },
  { method: 'GET', url: 'https://iam.googleapis.com/v1/projects/acme-prod/roles/auditor', body: { name: 'projects/acme-prod/roles/auditor', includedPermissions: ['logging.logEntries.list'] } },
  {
    method: 'GET',
    url: /recommender\.googleapis\.com\/v1\/projects\/acme-prod\/locations\/global\/insightTypes\/google\.iam\.policy\.Insight\/insights/,
    body: { insights: [{ content: { member: 'user:ana@acme.test', role: 'roles/viewer', exercisedPermissions: [{ permission: 'compute.instances.list' }] }, lastRefreshTime: '2026-11-19T00:00:00Z' }] },
  },
  // Certificate Manager
  { method: 'GET', url: 'https://certificatemanager.googleapis.com/v1/projects/acme-prod/locations/-/certificates', body: { certificates: [CERT] } },
  {
    method: 'GET',
    url: 'https://certificatemanager.googleapis.com/v1/projects/acme-prod/locations/-/certificateMaps',
    body: { certificateMaps: [{ name: 'projects/acme-prod/locations/global/certificateMaps/www', gclbTargets: [{ targetHttpsProxy: 'projects/acme-prod/global/targetHttpsProxies/www' }] }] },
  },
  { method: 'GET', url: `${CM}/certificateMaps/www/certificateMapEntries`, body: { certificateMapEntries: [{ certificates: [CERT.name] }] } },
  { method: 'GET', url: `${CM}/certificates/www`, body: CERT },
  { method: 'PATCH', url: `${CM}/certificates/www?updateMask=labels`, body: { name: 'projects/acme-prod/locations/global/operations/op-c', done: false } },
  { method: 'GET', url: `${CM}/operations/op-c`, body: { name: 'projects/acme-prod/locations/global/operations/op-c', done: true } },
  // Budgets
  { method: 'GET', url: 'https://cloudbilling.googleapis.com/v1/projects/acme-prod/billingInfo', body: { billingAccountName: 'billingAccounts/0A1B2C-3D4E5F-6A7B8C' } },
  { method: 'GET', url: 'https://billingbudgets.googleapis.com/v1/billingAccounts/0A1B2C-3D4E5F-6A7B8C/budgets', body: { budgets: [{ name: 'billingAccounts/0A1B2C-3D4E5F-6A7B8C/budgets/b1', budgetFilter: { projects: ['projects/301234567890'] } }] } },
  // GKE and the cluster's Kubernetes API
  { method: 'GET', url: 'https://container.googleapis.com/v1/projects/acme-prod/locations/-/clusters', body: { clusters: [CLUSTER] } },
  { method: 'GET', url: 'https://container.googleapis.com/v1/projects/acme-prod/locations/us-central1/clusters/gke-prod', body: CLUSTER },
  { method: 'GET', url: 'https://34.1.2.3/apis/apps/v1/deployments?limit=500', body: { items: [DEPLOYMENT], metadata: {} } },
  { method: 'GET', url: 'https://34.1.2.3/apis/apps/v1/namespaces/shop/deployments/api', body: DEPLOYMENT },
  { method: 'PATCH', url: 'https://34.1.2.3/apis/apps/v1/namespaces/shop/deployments/api', body: DEPLOYMENT },
  // BigQuery: the job is not complete at first, then one page.
  { method: 'POST', url: BQ, body: { jobComplete: false, jobReference: { projectId: 'acme-prod', jobId: 'job_1', location: 'US' } } },
  { method: 'GET', url: /\/queries\/job_1\?/, body: { jobComplete: true, schema: { fields: [{ name: 'cost', type: 'FLOAT' }] }, rows: [{ f: [{ v: '1.5' }] }] } },
  // Cloud Logging
  { method: 'POST', url: 'https://logging.googleapis.com/v2/entries:list', body: { entries: [{ timestamp: '2026-11-20T11:00:00Z', severity: 'ERROR', textPayload: 'boom' }] } },
];

const IDS: Record<string, string> = {
  vm: 'projects/acme-prod/zones/us-central1-a/instances/web-1',
  disk: 'projects/acme-prod/zones/us-central1-a/disks/data-1',
  snapshot: 'projects/acme-prod/global/snapshots/snap-1',
  bucket: 'projects/acme-prod/buckets/acme-www',
  certificate: 'projects/acme-prod/locations/global/certificates/www',
  'k8s.workload': 'projects/acme-prod/locations/us-central1/clusters/gke-prod/namespaces/shop/deployments/api',
  budget: 'billingAccounts/0A1B2C-3D4E5F-6A7B8C/budgets/b1',
};
const PARAMS: Record<string, Record<string, unknown>> = {
  label: { labels: { 'cost-center': 'cc-1' } },
  update: { attributes: { publicAccessPrevention: 'enforced', iamBindings: [], containers: [{ name: 'api', requests: { cpuMillicores: 250, memoryMiB: 256 } }] } },
};
const DATASETS = new Set(['billing', 'logs', 'iam.roles', 'iam.usage', 'metrics']);

function world() {
  const rec = recordedFetch(ROUTES);
  const cloud = new GcpCloud({ platformToken: async () => PLATFORM_TOKEN, fetch: rec.fetch, clusterFetch: () => rec.fetch, now: () => NOW, sleep: async () => {}, onWarning: () => {} });
  return { cloud, rec };
}

/** What the platform calls for a scope: a listing, a dataset, or the get an action is judged by and the action. */
async function callsFor(scope: string, target: ConnectionTarget = PROJECT): Promise<RecordedRequest[]> {
  const { cloud, rec } = world();
  const dot = scope.lastIndexOf('.');
  const [subject, verb] = [scope.slice(0, dot), scope.slice(dot + 1)];
  if (verb === 'read' && DATASETS.has(subject)) await cloud.dataset(target, CRED, subject, {});
  else if (verb === 'list') await cloud.list(target, CRED, subject, {});
  else if (verb === 'get') await cloud.get(target, CRED, subject, IDS[subject]!);
  else {
    await cloud.get(target, CRED, subject, IDS[subject]!);
    await cloud.act(target, CRED, { kind: subject, verb: verb as CloudActionRequest['verb'], resourceId: IDS[subject]!, params: PARAMS[verb] ?? {} });
  }
  expect(rec.unmatched.map((r) => `${r.method} ${r.url}`)).toEqual([]);
  return rec.requests;
}

function methodsOf(requests: RecordedRequest[]): { method: ApiMethod; request: RecordedRequest }[] {
  const unknown = requests.filter((r) => !apiMethodOf(r.method, r.url)).map((r) => `${r.method} ${r.url}`);
  expect(unknown, 'requests permissions.ts does not know').toEqual([]);
  return requests.map((request) => ({ request, method: apiMethodOf(request.method, request.url)! }));
}

/** The scopes the ten agents declare, from their manifests. */
const AGENTS = readdirSync(new URL('../../agents/', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => {
    const manifest = parse(readFileSync(new URL(`../../agents/${d.name}/agent.yaml`, import.meta.url), 'utf8')) as { id: string; permissions?: { scope: string }[] };
    return { id: manifest.id, scopes: (manifest.permissions ?? []).map((p) => p.scope) };
  });
const SCOPES = [...new Set(AGENTS.flatMap((a) => a.scopes))].sort();
const supported = (scope: string) => grantFor('gcp', [scope]).unsupported.length === 0;

/** The OAuth scopes a method accepts that the token minted for `grant` carries. */
const tokenCovers = (m: ApiMethod, oauthScopes: readonly string[]) => m.oauthScopes.some((s) => oauthScopes.includes(s));

describe('the scope table covers every call the adapter makes', () => {
  it('reads the ten agents’ scopes', () => {
    expect(AGENTS).toHaveLength(10);
    expect(SCOPES.length).toBeGreaterThan(15);
  });

  it.each(SCOPES.filter(supported))('%s: every permission the calls need is in its row', async (scope) => {
    const calls = methodsOf(await callsFor(scope)).filter((c) => !c.method.platformToken);
    const granted = new Set(grantFor('gcp', [scope]).permissions);
    const missing = [...new Set(calls.flatMap((c) => c.method.permissions.filter((p) => !granted.has(p)).map((p) => `${p} (${c.method.id})`)))];
    expect(missing).toEqual([]);
  });

  it.each(SCOPES.filter(supported))('%s: its OAuth scopes let the token call every method', async (scope) => {
    const calls = methodsOf(await callsFor(scope)).filter((c) => !c.method.platformToken);
    const { oauthScopes } = grantFor('gcp', [scope]);
    const refused = [...new Set(calls.filter((c) => !tokenCovers(c.method, oauthScopes)).map((c) => `${c.method.id} (accepts ${c.method.oauthScopes.join(' ')})`))];
    expect(refused).toEqual([]);
  });

  it.each(AGENTS.map((a) => [a.id, a.scopes] as const))('%s: the token minted for all its scopes together still calls every method', async (_id, scopes) => {
    // The table narrows a set of OAuth scopes (one covering another is dropped): the narrowed set must still be accepted.
    const { oauthScopes } = grantFor('gcp', scopes);
    const refused = new Set<string>();
    for (const scope of scopes.filter(supported)) {
      for (const c of methodsOf(await callsFor(scope))) if (!c.method.platformToken && !tokenCovers(c.method, oauthScopes)) refused.add(`${c.method.id} (${scope})`);
    }
    expect([...refused]).toEqual([]);
  });

  it('every call is made with the run’s token except the price catalog, made with the platform’s', async () => {
    for (const scope of SCOPES.filter((s) => s !== 'budget.label')) {
      for (const { method, request } of methodsOf(await callsFor(scope))) {
        expect([method.id, request.headers['authorization']]).toEqual([method.id, `Bearer ${method.platformToken ? PLATFORM_TOKEN : RUN_TOKEN}`]);
      }
    }
  });

  it('budgets: budget.label is unsupported on GCP; budget.list is granted on the billing account, and reading it also takes the project’s resourcemanager.projects.get', async () => {
    expect(supported('budget.label')).toBe(false);
    await expect(callsFor('budget.label')).rejects.toMatchObject({ reason: 'unsupported' });
    expect(scopeEntry('budget.list')?.gcp?.grantOn).toBe('billingAccount');
    const needs = [...new Set(methodsOf(await callsFor('budget.list')).flatMap((c) => c.method.permissions))].sort();
    expect(needs).toEqual(['billing.budgets.list', 'resourcemanager.projects.get']);
  });

  it('on an organisation target, listing its projects (projects.search) needs resourcemanager.projects.get', async () => {
    const calls = methodsOf(await callsFor('vm.list', ORG));
    expect(calls[0]!.method.id).toBe('cloudresourcemanager.projects.search');
    const granted = new Set([...grantFor('gcp', ['vm.list']).permissions, ...GCP_ORGANIZATION_BASE]);
    expect(calls.flatMap((c) => c.method.permissions).filter((p) => !granted.has(p))).toEqual([]);
  });
});
