/**
 * Every Google API method the GCP adapter calls, the IAM permissions the caller needs for it and
 * the OAuth scopes Google accepts for it (any one of them), so a test can check the scope table
 * (domain/cloud/scopeTable.ts) against the calls the adapter really makes. Data, not code.
 *
 * `checked`: 'doc' when Google's reference page for the method (or the service's discovery
 * document) was read for this table (2026-12-03); 'memory' when it was not found there and is
 * written from Google's naming conventions: those are the ones to verify on a real project.
 */

const G = 'https://www.googleapis.com/auth/';
const PLATFORM = `${G}cloud-platform`;
const PLATFORM_READ = `${G}cloud-platform.read-only`;
const COMPUTE_READ = [`${G}compute.readonly`, `${G}compute`, PLATFORM];
const COMPUTE_WRITE = [`${G}compute`, PLATFORM];
const STORAGE_READ = [`${G}devstorage.read_only`, `${G}devstorage.read_write`, `${G}devstorage.full_control`, PLATFORM_READ, PLATFORM];
const RESOURCE_MANAGER_READ = [PLATFORM_READ, PLATFORM];
const BILLING_READ = [`${G}cloud-billing.readonly`, `${G}cloud-billing`, PLATFORM];

export interface ApiMethod {
  /** Google's method id (`compute.instances.aggregatedList`); Kubernetes calls are `kubernetes.*`. */
  id: string;
  http: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Matches the URL the adapter calls (Google's, before any `apiRoot`), query string included. */
  url: RegExp;
  /** IAM permissions needed, on the target project or organisation unless `note` says otherwise. */
  permissions: readonly string[];
  /** OAuth scopes Google accepts for the method: a token needs one of them. */
  oauthScopes: readonly string[];
  /** Made with the platform's own token, not the run's: the customer grants nothing for it. */
  platformToken?: true;
  checked: 'doc' | 'memory';
  note?: string;
}

const C = String.raw`^https://compute\.googleapis\.com/compute/v1/projects/[^/]+`;
const CRM = String.raw`^https://cloudresourcemanager\.googleapis\.com/v3/`;
const CM = String.raw`^https://certificatemanager\.googleapis\.com/v1/projects/[^/]+/locations/[^/]+`;
const S = String.raw`^https://storage\.googleapis\.com/storage/v1/b`;
const KUBE = String.raw`^https://[^/]+/apis/apps/v1`;
const m = (id: string, http: ApiMethod['http'], url: string, permissions: string[], oauthScopes: string[], checked: ApiMethod['checked'], extra: Partial<ApiMethod> = {}): ApiMethod => ({
  id,
  http,
  url: new RegExp(url),
  permissions,
  oauthScopes,
  checked,
  ...extra,
});

export const API_METHODS: readonly ApiMethod[] = [
  // The platform's own calls around a run.
  m('iamcredentials.projects.serviceAccounts.generateAccessToken', 'POST', String.raw`^https://iamcredentials\.googleapis\.com/v1/projects/-/serviceAccounts/[^/]+:generateAccessToken$`, ['iam.serviceAccounts.getAccessToken'], [PLATFORM], 'doc', {
    platformToken: true,
    note: "On the workspace's service account, held by the platform (roles/iam.serviceAccountTokenCreator).",
  }),
  m('cloudbilling.services.skus.list', 'GET', String.raw`^https://cloudbilling\.googleapis\.com/v1/services/[^/]+/skus(\?|$)`, [], BILLING_READ, 'memory', {
    platformToken: true,
    note: 'The public price catalog: no IAM permission; the Cloud Billing API enabled on the platform project.',
  }),
  m('cloudresourcemanager.projects.testIamPermissions', 'POST', `${CRM}(projects|organizations)/[^/:]+:testIamPermissions$`, [], RESOURCE_MANAGER_READ, 'memory', { note: 'Needs no permission: it answers which of the asked ones the caller holds.' }),

  // Compute Engine.
  m('compute.instances.aggregatedList', 'GET', `${C}/aggregated/instances(\\?|$)`, ['compute.instances.list'], COMPUTE_READ, 'doc'),
  m('compute.instances.get', 'GET', `${C}/zones/[^/]+/instances/[^/?]+$`, ['compute.instances.get'], COMPUTE_READ, 'doc'),
  m('compute.machineTypes.get', 'GET', `${C}/zones/[^/]+/machineTypes/[^/?]+$`, ['compute.machineTypes.get'], COMPUTE_READ, 'memory'),
  m('compute.instances.stop', 'POST', `${C}/zones/[^/]+/instances/[^/]+/stop$`, ['compute.instances.stop'], COMPUTE_WRITE, 'memory'),
  m('compute.instances.start', 'POST', `${C}/zones/[^/]+/instances/[^/]+/start$`, ['compute.instances.start'], COMPUTE_WRITE, 'memory'),
  m('compute.instances.setLabels', 'POST', `${C}/zones/[^/]+/instances/[^/]+/setLabels$`, ['compute.instances.setLabels'], COMPUTE_WRITE, 'memory'),
  m('compute.zoneOperations.wait', 'POST', `${C}/zones/[^/]+/operations/[^/]+/wait$`, ['compute.zoneOperations.get'], COMPUTE_READ, 'doc', { note: 'zoneOperations.get documents compute.zoneOperations.get; wait is assumed the same.' }),
  m('compute.globalOperations.wait', 'POST', `${C}/global/operations/[^/]+/wait$`, ['compute.globalOperations.get'], COMPUTE_READ, 'memory'),
  m('compute.disks.aggregatedList', 'GET', `${C}/aggregated/disks(\\?|$)`, ['compute.disks.list'], COMPUTE_READ, 'memory'),
  m('compute.disks.get', 'GET', `${C}/zones/[^/]+/disks/[^/?]+$`, ['compute.disks.get'], COMPUTE_READ, 'memory'),
  m('compute.disks.setLabels', 'POST', `${C}/zones/[^/]+/disks/[^/]+/setLabels$`, ['compute.disks.setLabels'], COMPUTE_WRITE, 'memory'),
  m('compute.snapshots.list', 'GET', `${C}/global/snapshots(\\?|$)`, ['compute.snapshots.list'], COMPUTE_READ, 'memory'),
  m('compute.snapshots.get', 'GET', `${C}/global/snapshots/[^/?]+$`, ['compute.snapshots.get'], COMPUTE_READ, 'memory'),
  m('compute.snapshots.delete', 'DELETE', `${C}/global/snapshots/[^/?]+$`, ['compute.snapshots.delete'], COMPUTE_WRITE, 'memory'),
  m('compute.snapshots.setLabels', 'POST', `${C}/global/snapshots/[^/]+/setLabels$`, ['compute.snapshots.setLabels'], COMPUTE_WRITE, 'memory'),

  // Cloud Monitoring: no cloud-platform.read-only scope exists for it.
  m('monitoring.projects.timeSeries.list', 'GET', String.raw`^https://monitoring\.googleapis\.com/v3/projects/[^/]+/timeSeries(\?|$)`, ['monitoring.timeSeries.list'], [`${G}monitoring.read`, `${G}monitoring`, PLATFORM], 'doc'),

  // Cloud Storage (JSON API); scopes from the storage/v1 discovery document.
  m('storage.buckets.list', 'GET', `${S}\\?`, ['storage.buckets.list'], STORAGE_READ, 'doc'),
  m('storage.buckets.get', 'GET', `${S}/[^/?]+$`, ['storage.buckets.get'], STORAGE_READ, 'doc'),
  m('storage.buckets.getIamPolicy', 'GET', `${S}/[^/?]+/iam(\\?|$)`, ['storage.buckets.getIamPolicy'], STORAGE_READ, 'doc'),
  m('storage.buckets.patch', 'PATCH', `${S}/[^/?]+$`, ['storage.buckets.update'], [`${G}devstorage.full_control`, PLATFORM], 'doc', { note: 'Changing iamConfiguration needs full_control.' }),
  m('storage.buckets.setIamPolicy', 'PUT', `${S}/[^/?]+/iam$`, ['storage.buckets.setIamPolicy'], [`${G}devstorage.read_write`, `${G}devstorage.full_control`, PLATFORM], 'doc'),

  // Resource Manager v3.
  m('cloudresourcemanager.projects.getIamPolicy', 'POST', `${CRM}projects/[^/:]+:getIamPolicy$`, ['resourcemanager.projects.getIamPolicy'], RESOURCE_MANAGER_READ, 'memory'),
  m('cloudresourcemanager.organizations.getIamPolicy', 'POST', `${CRM}organizations/[^/:]+:getIamPolicy$`, ['resourcemanager.organizations.getIamPolicy'], RESOURCE_MANAGER_READ, 'memory'),
  m('cloudresourcemanager.projects.search', 'GET', `${CRM}projects:search`, ['resourcemanager.projects.get'], RESOURCE_MANAGER_READ, 'memory', {
    note: 'Answers only the projects the caller holds resourcemanager.projects.get on: an organisation target needs it on every project.',
  }),
  m('cloudresourcemanager.projects.get', 'GET', `${CRM}projects/[^/:?]+$`, ['resourcemanager.projects.get'], RESOURCE_MANAGER_READ, 'memory'),

  // IAM roles: a predefined role is readable by anyone signed in; a custom one needs iam.roles.get.
  m('iam.roles.get', 'GET', String.raw`^https://iam\.googleapis\.com/v1/roles/[^/?]+$`, [], [PLATFORM], 'doc'),
  m('iam.projects.roles.get', 'GET', String.raw`^https://iam\.googleapis\.com/v1/(projects|organizations)/[^/]+/roles/[^/?]+$`, ['iam.roles.get'], [PLATFORM], 'doc'),

  // Recommender's IAM policy insights (permission usage).
  m('recommender.projects.locations.insightTypes.insights.list', 'GET', String.raw`^https://recommender\.googleapis\.com/v1/projects/[^/]+/locations/global/insightTypes/google\.iam\.policy\.Insight/insights(\?|$)`, ['recommender.iamPolicyInsights.list'], [PLATFORM], 'doc', {
    note: 'Permission from the policy insights page; the cloud-platform-only scope from memory.',
  }),

  // Certificate Manager: cloud-platform is its only scope.
  m('certificatemanager.projects.locations.certificates.list', 'GET', `${CM}/certificates(\\?|$)`, ['certificatemanager.certs.list'], [PLATFORM], 'doc'),
  m('certificatemanager.projects.locations.certificates.get', 'GET', `${CM}/certificates/[^/?]+$`, ['certificatemanager.certs.get'], [PLATFORM], 'doc'),
  m('certificatemanager.projects.locations.certificates.patch', 'PATCH', `${CM}/certificates/[^/?]+\\?`, ['certificatemanager.certs.update'], [PLATFORM], 'doc'),
  m('certificatemanager.projects.locations.certificateMaps.list', 'GET', `${CM}/certificateMaps(\\?|$)`, ['certificatemanager.certmaps.list'], [PLATFORM], 'doc'),
  m('certificatemanager.projects.locations.certificateMaps.certificateMapEntries.list', 'GET', `${CM}/certificateMaps/[^/]+/certificateMapEntries(\\?|$)`, ['certificatemanager.certmapentries.list'], [PLATFORM], 'doc'),
  m('certificatemanager.projects.locations.operations.get', 'GET', `${CM}/operations/[^/?]+$`, ['certificatemanager.operations.get'], [PLATFORM], 'memory'),

  // Budgets: on the billing account, which a project connection does not cover.
  m('cloudbilling.projects.getBillingInfo', 'GET', String.raw`^https://cloudbilling\.googleapis\.com/v1/projects/[^/]+/billingInfo$`, ['resourcemanager.projects.get'], BILLING_READ, 'doc'),
  m('billingbudgets.billingAccounts.budgets.list', 'GET', String.raw`^https://billingbudgets\.googleapis\.com/v1/billingAccounts/[^/]+/budgets(\?|$)`, ['billing.budgets.list'], [`${G}cloud-billing`, PLATFORM], 'memory', {
    note: 'On the billing account, not the project.',
  }),

  // GKE and each cluster's Kubernetes API (GKE maps the container.* permissions to Kubernetes verbs).
  m('container.projects.locations.clusters.list', 'GET', String.raw`^https://container\.googleapis\.com/v1/projects/[^/]+/locations/-/clusters$`, ['container.clusters.list'], [PLATFORM], 'doc'),
  m('container.projects.locations.clusters.get', 'GET', String.raw`^https://container\.googleapis\.com/v1/projects/[^/]+/locations/[^/-][^/]*/clusters/[^/?]+$`, ['container.clusters.get'], [PLATFORM], 'doc'),
  m('kubernetes.deployments.list', 'GET', `${KUBE}/deployments(\\?|$)`, ['container.deployments.list'], [PLATFORM], 'memory', { note: 'And the cluster RBAC must allow it.' }),
  m('kubernetes.deployments.get', 'GET', `${KUBE}/namespaces/[^/]+/deployments/[^/?]+$`, ['container.deployments.get'], [PLATFORM], 'memory'),
  m('kubernetes.deployments.patch', 'PATCH', `${KUBE}/namespaces/[^/]+/deployments/[^/?]+$`, ['container.deployments.update'], [PLATFORM], 'memory'),

  // BigQuery: the job runs in the connection's project; tables.getData is on the export table.
  m('bigquery.jobs.query', 'POST', String.raw`^https://bigquery\.googleapis\.com/bigquery/v2/projects/[^/]+/queries$`, ['bigquery.jobs.create', 'bigquery.tables.getData'], [`${G}bigquery`, PLATFORM_READ, PLATFORM], 'doc'),
  m('bigquery.jobs.getQueryResults', 'GET', String.raw`^https://bigquery\.googleapis\.com/bigquery/v2/projects/[^/]+/queries/[^/?]+`, ['bigquery.jobs.create', 'bigquery.tables.getData'], [`${G}bigquery`, PLATFORM_READ, PLATFORM], 'doc', {
    note: 'For the job creator Google documents jobs.create + tables.getData instead of jobs.get.',
  }),

  // Cloud Logging.
  m('logging.entries.list', 'POST', String.raw`^https://logging\.googleapis\.com/v2/entries:list$`, ['logging.logEntries.list'], [`${G}logging.read`, `${G}logging.admin`, PLATFORM_READ, PLATFORM], 'memory'),
];

/** The method a request is, or undefined when the table does not know it (a test should fail then). */
export function apiMethodOf(http: string, url: string): ApiMethod | undefined {
  return API_METHODS.find((x) => x.http === http.toUpperCase() && x.url.test(url));
}
