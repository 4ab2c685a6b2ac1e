/**
 * The one scope table (issue 24): each manifest scope (`vm.list`, `vm.stop`, `bucket.update`, ...)
 * mapped to the provider permissions an adapter needs to serve it, with the attributes the agents
 * read (docs: agents/*\/fixtures/cloud.json) in mind. Data, not code: the grant generators
 * (grants.ts), the credential narrowing (OAuth scopes, session policy) and "Test connection" all
 * read it, so a permission is named in exactly one place.
 *
 * What was checked, and where (2026-12-02, against the providers' published reference pages):
 * - GCP permission names: Compute `compute.instances.*`, `compute.disks.*`, `compute.snapshots.*`,
 *   `compute.zoneOperations.get`; Storage `buckets.patch` needs `storage.buckets.update`, plus
 *   `storage.buckets.setIamPolicy` to change public access prevention or ACLs and
 *   `storage.buckets.getIamPolicy` to read them (storage/docs/json_api/v1/buckets/patch);
 *   Certificate Manager `certificatemanager.certs.list|get|update`, `certmaps.list`,
 *   `certmapentries.list` (certificate-manager/docs/permissions); GKE `container.clusters.list|get`
 *   (kubernetes-engine/docs/reference/api-permissions); Recommender policy insights
 *   `recommender.iamPolicyInsights.list|get` (policy-intelligence/docs/policy-insights); Billing
 *   Budgets `billing.budgets.list` on the billing account (billing/docs/reference/budget/rest);
 *   BigQuery `bigquery.jobs.create` to run a query (bigquery/docs/jobs-overview).
 * - GCP OAuth scopes: GKE's API takes only `cloud-platform`, and the Kubernetes API of a GKE cluster
 *   also needs `userinfo.email` on the token (kubernetes-engine/docs/how-to/api-server-authentication);
 *   BigQuery reads take `bigquery.readonly`; Storage IAM reads take `devstorage.read_only`.
 * - AWS action names: Budgets `budgets:ViewBudget`, `budgets:ListTagsForResource` (Read),
 *   `budgets:TagResource` (Tagging) (service-authorization list_awsbudgetservice); the session
 *   policy's 2,048-character plaintext limit (STS AssumeRole `Policy`).
 * Not checked against a page, taken from the providers' well-known naming (the API operation
 * name): the EC2, S3, ACM, EKS, IAM, Cost Explorer, CloudWatch and CloudWatch Logs actions below.
 *
 * Kinds and verbs follow the runner's interface (runner/src/cloud/types.ts): `<kind>.list|get`
 * for reads of a resource kind, `<dataset>.read` for a dataset, `<kind>.<verb>` for an action.
 * A write scope carries the few reads its action needs (a fresh get for a label fingerprint, the
 * operation it waits on, the resource it answers after), never its sibling's whole listing.
 */

export type CloudProvider = 'gcp' | 'aws';
export type ScopeAccess = 'read' | 'write';

export interface GcpScopeGrant {
  /** Exact IAM permission names (`service.resource.verb`). */
  permissions: readonly string[];
  /** The narrowest OAuth scopes covering the APIs it calls. */
  oauthScopes: readonly string[];
  /** What it lets the agent do, in the customer's own terms. */
  describe: string;
  /** Set when a read scope needs a non-read-only OAuth scope: why (the API offers no read-only one). */
  broadOauthBecause?: string;
  /** Anything the customer must know to grant it (where it is granted, what else must be on). */
  note?: string;
  /** Where the permissions must be granted when not on the project or organisation (budgets: the billing account). */
  grantOn?: 'billingAccount';
}

export interface AwsScopeGrant {
  /** Exact IAM actions (`service:Action`). */
  actions: readonly string[];
  describe: string;
  note?: string;
}

export interface ScopeEntry {
  scope: string;
  kind: string;
  verb: string;
  access: ScopeAccess;
  /** null: the provider has no equivalent; `unsupportedBecause` says why. */
  gcp: GcpScopeGrant | null;
  aws: AwsScopeGrant | null;
  unsupportedBecause?: Partial<Record<CloudProvider, string>>;
}

const AUTH = 'https://www.googleapis.com/auth/';
export const OAUTH = {
  cloudPlatform: `${AUTH}cloud-platform`,
  cloudPlatformReadOnly: `${AUTH}cloud-platform.read-only`,
  compute: `${AUTH}compute`,
  computeReadOnly: `${AUTH}compute.readonly`,
  storageFull: `${AUTH}devstorage.full_control`,
  storageReadWrite: `${AUTH}devstorage.read_write`,
  storageReadOnly: `${AUTH}devstorage.read_only`,
  logsRead: `${AUTH}logging.read`,
  monitoringRead: `${AUTH}monitoring.read`,
  bigqueryReadOnly: `${AUTH}bigquery.readonly`,
  billingReadOnly: `${AUTH}cloud-billing.readonly`,
  billing: `${AUTH}cloud-billing`,
  userinfoEmail: `${AUTH}userinfo.email`,
} as const;

/**
 * Which OAuth scope grants everything another does: a write scope subsumes its read-only sibling,
 * and `cloud-platform` every Google Cloud scope. Read-only scopes are not merged into
 * `cloud-platform.read-only`, since not every API method accepts it.
 */
export const OAUTH_SUBSUMES: Readonly<Record<string, readonly string[]>> = {
  [OAUTH.cloudPlatform]: Object.values(OAUTH).filter((s) => s !== OAUTH.cloudPlatform && s !== OAUTH.userinfoEmail),
  [OAUTH.compute]: [OAUTH.computeReadOnly],
  [OAUTH.storageFull]: [OAUTH.storageReadWrite, OAUTH.storageReadOnly],
  [OAUTH.storageReadWrite]: [OAUTH.storageReadOnly],
  [OAUTH.billing]: [OAUTH.billingReadOnly],
};

/** The OAuth scopes that only read. */
export const READ_ONLY_OAUTH: ReadonlySet<string> = new Set([
  OAUTH.cloudPlatformReadOnly,
  OAUTH.computeReadOnly,
  OAUTH.storageReadOnly,
  OAUTH.logsRead,
  OAUTH.monitoringRead,
  OAUTH.bigqueryReadOnly,
  OAUTH.billingReadOnly,
  OAUTH.userinfoEmail,
]);

const GKE_OAUTH = 'The GKE and Kubernetes APIs accept only the cloud-platform scope (and userinfo.email for the cluster API); IAM still limits the token to the permissions listed.';
const GOOGLE_ONLY_CLOUD_PLATFORM = (api: string) => `The ${api} accepts only the cloud-platform scope; IAM still limits the token to the permissions listed.`;

// GCP pieces reused by several entries.
// The GCP adapter does not read last logins (Cloud Logging): no logging permission is asked for them.
const VM_READ_EXTRAS = ['compute.machineTypes.get', 'monitoring.timeSeries.list'];
const VM_READ_OAUTH = [OAUTH.computeReadOnly, OAUTH.monitoringRead];
const VM_READ_NOTE = 'Utilisation (CPU and network p95) comes from Cloud Monitoring.';
const ZONE_OP = 'compute.zoneOperations.get';
const BUCKET_READ = ['storage.buckets.getIamPolicy', 'monitoring.timeSeries.list'];
const BUCKET_READ_OAUTH = [OAUTH.storageReadOnly, OAUTH.monitoringRead];
const CERT_READ = [
  'certificatemanager.certs.list',
  'certificatemanager.certs.get',
  'certificatemanager.certmaps.list',
  'certificatemanager.certmapentries.list',
  'compute.sslCertificates.list',
  'compute.targetHttpsProxies.list',
  'compute.targetSslProxies.list',
];
const K8S_READ = ['container.clusters.list', 'container.clusters.get', 'container.deployments.list', 'container.deployments.get', 'container.statefulSets.list', 'container.statefulSets.get', 'monitoring.timeSeries.list'];
const BUDGET_NOTE = 'Budgets live on the billing account: grant this on the billing account (gcloud billing accounts add-iam-policy-binding), not on the project.';

// AWS pieces reused by several entries.
const EC2_INSTANCE_READ = ['ec2:DescribeInstances', 'ec2:DescribeInstanceTypes', 'cloudwatch:GetMetricData'];
// Exactly what the AWS adapter reads of a bucket (adapters/cloud/aws/s3.ts); it reads no policy document, versioning, website or size.
const S3_BUCKET_READ = ['s3:ListAllMyBuckets', 's3:GetBucketLocation', 's3:GetBucketPublicAccessBlock', 's3:GetBucketPolicyStatus', 's3:GetBucketTagging', 's3:GetBucketOwnershipControls'];
// The roles and their policies, as the AWS adapter walks them (adapters/cloud/aws/iam.ts).
const IAM_ROLE_LIST = ['iam:ListRoles', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies'];
const IAM_POLICY_READ = ['iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:GetRolePolicy'];
const ACM_READ = ['acm:ListCertificates', 'acm:DescribeCertificate', 'acm:ListTagsForCertificate'];
const EKS_NOTE = 'Inside the cluster the role also needs an EKS access entry (or aws-auth mapping) with a Kubernetes RBAC role on Deployments and StatefulSets; IAM alone does not reach the Kubernetes API.';
// The AWS adapter reads no Container Insights usage yet: no CloudWatch action is asked for it.
const EKS_READ = ['eks:ListClusters', 'eks:DescribeCluster'];

type EntryInit = Omit<ScopeEntry, 'kind' | 'verb'>;
function entry(e: EntryInit): ScopeEntry {
  const dot = e.scope.lastIndexOf('.');
  return { ...e, kind: e.scope.slice(0, dot), verb: e.scope.slice(dot + 1) };
}

/**
 * What an organisation target adds to every grant: the adapters find the organisation's projects
 * with `projects.search`, which answers only the projects the caller may `get`.
 */
export const GCP_ORGANIZATION_BASE: readonly string[] = ['resourcemanager.projects.get'];

export const SCOPE_TABLE: readonly ScopeEntry[] = [
  // ---- VMs
  entry({
    scope: 'vm.list',
    access: 'read',
    gcp: { permissions: ['compute.instances.list', ...VM_READ_EXTRAS], oauthScopes: VM_READ_OAUTH, describe: 'List Compute Engine VM instances with their machine types and CPU and network utilisation', note: VM_READ_NOTE },
    aws: { actions: EC2_INSTANCE_READ, describe: 'List EC2 instances with their instance types and CloudWatch CPU and network metrics' },
  }),
  entry({
    scope: 'vm.get',
    access: 'read',
    gcp: { permissions: ['compute.instances.get', ...VM_READ_EXTRAS], oauthScopes: VM_READ_OAUTH, describe: 'Read one Compute Engine VM instance with its utilisation', note: VM_READ_NOTE },
    aws: { actions: EC2_INSTANCE_READ, describe: 'Read one EC2 instance with its CloudWatch metrics' },
  }),
  entry({
    scope: 'vm.stop',
    access: 'write',
    gcp: { permissions: ['compute.instances.stop', 'compute.instances.get', 'compute.machineTypes.get', ZONE_OP], oauthScopes: [OAUTH.compute], describe: 'Stop Compute Engine VM instances (disks are kept; the VM can be started again)' },
    aws: { actions: ['ec2:StopInstances', 'ec2:DescribeInstances'], describe: 'Stop EC2 instances (EBS volumes are kept; the instance can be started again)' },
  }),
  entry({
    scope: 'vm.start',
    access: 'write',
    gcp: { permissions: ['compute.instances.start', 'compute.instances.get', 'compute.machineTypes.get', ZONE_OP], oauthScopes: [OAUTH.compute], describe: 'Start stopped Compute Engine VM instances' },
    aws: { actions: ['ec2:StartInstances', 'ec2:DescribeInstances'], describe: 'Start stopped EC2 instances' },
  }),
  entry({
    scope: 'vm.delete',
    access: 'write',
    gcp: { permissions: ['compute.instances.delete', 'compute.instances.get', ZONE_OP], oauthScopes: [OAUTH.compute], describe: 'Delete Compute Engine VM instances' },
    aws: { actions: ['ec2:TerminateInstances', 'ec2:DescribeInstances'], describe: 'Terminate EC2 instances' },
  }),
  entry({
    scope: 'vm.label',
    access: 'write',
    gcp: { permissions: ['compute.instances.setLabels', 'compute.instances.get', 'compute.machineTypes.get', ZONE_OP], oauthScopes: [OAUTH.compute], describe: 'Set labels on Compute Engine VM instances' },
    aws: { actions: ['ec2:CreateTags', 'ec2:DescribeInstances'], describe: 'Add or change tags on EC2 instances' },
  }),

  // ---- Disks
  entry({
    scope: 'disk.list',
    access: 'read',
    gcp: { permissions: ['compute.disks.list'], oauthScopes: [OAUTH.computeReadOnly], describe: 'List persistent disks, their size, type and the VMs they are attached to' },
    aws: { actions: ['ec2:DescribeVolumes'], describe: 'List EBS volumes, their size, type and attachments' },
  }),
  entry({
    scope: 'disk.get',
    access: 'read',
    gcp: { permissions: ['compute.disks.get'], oauthScopes: [OAUTH.computeReadOnly], describe: 'Read one persistent disk' },
    aws: { actions: ['ec2:DescribeVolumes'], describe: 'Read one EBS volume' },
  }),
  entry({
    scope: 'disk.label',
    access: 'write',
    gcp: { permissions: ['compute.disks.setLabels', 'compute.disks.get', ZONE_OP, 'compute.regionOperations.get'], oauthScopes: [OAUTH.compute], describe: 'Set labels on persistent disks' },
    aws: { actions: ['ec2:CreateTags', 'ec2:DescribeVolumes'], describe: 'Add or change tags on EBS volumes' },
  }),
  entry({
    scope: 'disk.delete',
    access: 'write',
    gcp: { permissions: ['compute.disks.delete', 'compute.disks.get', ZONE_OP, 'compute.regionOperations.get'], oauthScopes: [OAUTH.compute], describe: 'Delete persistent disks (their data is lost unless snapshotted)' },
    aws: { actions: ['ec2:DeleteVolume', 'ec2:DescribeVolumes'], describe: 'Delete EBS volumes (their data is lost unless snapshotted)' },
  }),

  // ---- Snapshots
  entry({
    scope: 'snapshot.list',
    access: 'read',
    gcp: { permissions: ['compute.snapshots.list'], oauthScopes: [OAUTH.computeReadOnly], describe: 'List disk snapshots, their size, source disk and age' },
    aws: { actions: ['ec2:DescribeSnapshots'], describe: 'List EBS snapshots owned by the account' },
  }),
  entry({
    scope: 'snapshot.get',
    access: 'read',
    gcp: { permissions: ['compute.snapshots.get'], oauthScopes: [OAUTH.computeReadOnly], describe: 'Read one disk snapshot' },
    aws: { actions: ['ec2:DescribeSnapshots'], describe: 'Read one EBS snapshot' },
  }),
  entry({
    scope: 'snapshot.delete',
    access: 'write',
    gcp: { permissions: ['compute.snapshots.delete', 'compute.snapshots.get', 'compute.globalOperations.get'], oauthScopes: [OAUTH.compute], describe: 'Delete disk snapshots' },
    aws: { actions: ['ec2:DeleteSnapshot', 'ec2:DescribeSnapshots'], describe: 'Delete EBS snapshots' },
  }),
  entry({
    scope: 'snapshot.label',
    access: 'write',
    gcp: { permissions: ['compute.snapshots.setLabels', 'compute.snapshots.get', 'compute.globalOperations.get'], oauthScopes: [OAUTH.compute], describe: 'Set labels on disk snapshots' },
    aws: { actions: ['ec2:CreateTags', 'ec2:DescribeSnapshots'], describe: 'Add or change tags on EBS snapshots' },
  }),

  // ---- Buckets
  entry({
    scope: 'bucket.list',
    access: 'read',
    gcp: { permissions: ['storage.buckets.list', ...BUCKET_READ], oauthScopes: BUCKET_READ_OAUTH, describe: 'List Cloud Storage buckets with their access settings, IAM bindings and size (never the objects inside)' },
    aws: { actions: S3_BUCKET_READ, describe: 'List S3 buckets with their public access block, policy status, tags and size (never the objects inside)' },
  }),
  entry({
    scope: 'bucket.get',
    access: 'read',
    gcp: { permissions: ['storage.buckets.get', ...BUCKET_READ], oauthScopes: BUCKET_READ_OAUTH, describe: 'Read one Cloud Storage bucket with its access settings and IAM bindings' },
    aws: { actions: S3_BUCKET_READ.filter((a) => a !== 's3:ListAllMyBuckets'), describe: 'Read one S3 bucket with its public access block, policy status and tags' },
  }),
  entry({
    scope: 'bucket.update',
    access: 'write',
    gcp: {
      permissions: ['storage.buckets.update', 'storage.buckets.get', 'storage.buckets.getIamPolicy', 'storage.buckets.setIamPolicy'],
      oauthScopes: [OAUTH.storageFull],
      describe: "Change a Cloud Storage bucket's public access prevention and IAM bindings",
    },
    aws: {
      // The change, then the bucket read back as the agent sees it.
      actions: ['s3:PutBucketPublicAccessBlock', ...S3_BUCKET_READ.filter((a) => a !== 's3:ListAllMyBuckets')],
      describe: "Turn on an S3 bucket's public access block",
      note: 'S3 has no IAM bindings on a bucket: only the public access block can be changed (a bucket policy is never rewritten).',
    },
  }),
  entry({
    scope: 'bucket.label',
    access: 'write',
    // buckets.patch accepts devstorage.full_control (or cloud-platform), not read_write.
    gcp: { permissions: ['storage.buckets.update', 'storage.buckets.get', 'storage.buckets.getIamPolicy'], oauthScopes: [OAUTH.storageFull], describe: 'Set labels on Cloud Storage buckets' },
    aws: { actions: ['s3:PutBucketTagging', ...S3_BUCKET_READ.filter((a) => a !== 's3:ListAllMyBuckets')], describe: 'Add or change tags on S3 buckets (existing tags are kept)' },
  }),
  entry({
    scope: 'bucket.delete',
    access: 'write',
    gcp: { permissions: ['storage.buckets.delete'], oauthScopes: [OAUTH.storageReadWrite], describe: 'Delete empty Cloud Storage buckets' },
    aws: { actions: ['s3:DeleteBucket'], describe: 'Delete empty S3 buckets' },
  }),

  // ---- Certificates
  entry({
    scope: 'certificate.list',
    access: 'read',
    gcp: {
      permissions: CERT_READ,
      oauthScopes: [OAUTH.cloudPlatform],
      describe: 'List TLS certificates (Certificate Manager and self-managed) with their domains, validity, key and the load balancers serving them',
      broadOauthBecause: GOOGLE_ONLY_CLOUD_PLATFORM('Certificate Manager API'),
    },
    aws: { actions: ACM_READ, describe: 'List ACM certificates with their domains, validity, key, renewal status, tags and the resources using them' },
  }),
  entry({
    scope: 'certificate.get',
    access: 'read',
    gcp: {
      permissions: ['certificatemanager.certs.get', 'certificatemanager.certmapentries.list', 'compute.sslCertificates.get'],
      oauthScopes: [OAUTH.cloudPlatform],
      describe: 'Read one TLS certificate',
      broadOauthBecause: GOOGLE_ONLY_CLOUD_PLATFORM('Certificate Manager API'),
    },
    aws: { actions: ['acm:DescribeCertificate', 'acm:ListTagsForCertificate'], describe: 'Read one ACM certificate' },
  }),
  entry({
    scope: 'certificate.label',
    access: 'write',
    gcp: {
      permissions: ['certificatemanager.certs.update', 'certificatemanager.certs.get', 'certificatemanager.certmaps.list', 'certificatemanager.certmapentries.list', 'certificatemanager.operations.get'],
      oauthScopes: [OAUTH.cloudPlatform],
      describe: 'Set labels on Certificate Manager certificates (labels change nothing that is served)',
      note: 'Self-managed Compute Engine SSL certificates carry no labels and are left as they are.',
    },
    aws: { actions: ['acm:AddTagsToCertificate', 'acm:DescribeCertificate', 'acm:ListTagsForCertificate'], describe: 'Add or change tags on ACM certificates (tags change nothing that is served)' },
  }),

  // ---- Budgets
  entry({
    scope: 'budget.list',
    access: 'read',
    gcp: {
      // The adapter also reads the project's billing account and the budgets' projects (resourcemanager.projects.get).
      permissions: ['billing.budgets.list', 'billing.budgets.get', 'resourcemanager.projects.get'],
      oauthScopes: [OAUTH.billing, OAUTH.cloudPlatformReadOnly],
      broadOauthBecause: 'The Billing Budgets API accepts only cloud-billing or cloud-platform (no read-only scope); IAM still limits the token to the permissions listed.',
      describe: 'List Cloud Billing budgets with their amounts, thresholds and projects',
      note: `${BUDGET_NOTE} Reading them also takes resourcemanager.projects.get on the project (any project viewer role has it).`,
      grantOn: 'billingAccount',
    },
    aws: { actions: ['budgets:ViewBudget', 'budgets:ListTagsForResource'], describe: 'List AWS Budgets with their amounts, notifications and tags' },
  }),
  entry({
    scope: 'budget.get',
    access: 'read',
    gcp: { permissions: ['billing.budgets.get'], oauthScopes: [OAUTH.billingReadOnly], describe: 'Read one Cloud Billing budget', note: BUDGET_NOTE, grantOn: 'billingAccount' },
    aws: { actions: ['budgets:ViewBudget', 'budgets:ListTagsForResource'], describe: 'Read one AWS budget' },
  }),
  entry({
    scope: 'budget.label',
    access: 'write',
    gcp: null,
    aws: { actions: ['budgets:TagResource', 'budgets:ViewBudget', 'budgets:ListTagsForResource'], describe: 'Add or change tags on AWS Budgets (tags change no amount or alert)' },
    unsupportedBecause: { gcp: 'Cloud Billing budgets have no labels: the Budget API has no field to write them to.' },
  }),

  // ---- IAM
  entry({
    scope: 'iam.binding.list',
    access: 'read',
    gcp: {
      permissions: ['resourcemanager.projects.getIamPolicy', 'logging.logEntries.list'],
      oauthScopes: [OAUTH.cloudPlatformReadOnly, OAUTH.logsRead],
      describe: "Read the project's IAM bindings (who holds which role) and when each was granted",
      note: 'When a binding was granted and by whom comes from the Admin Activity audit log (SetIamPolicy entries).',
    },
    aws: {
      actions: IAM_ROLE_LIST,
      describe: 'List IAM roles with the policies attached to each',
    },
  }),
  entry({
    scope: 'iam.roles.read',
    access: 'read',
    gcp: {
      permissions: ['iam.roles.get', 'iam.roles.list', 'resourcemanager.projects.getIamPolicy'],
      oauthScopes: [OAUTH.cloudPlatform],
      describe: 'Read the IAM role catalogue: which permissions each predefined and custom role grants',
      broadOauthBecause: GOOGLE_ONLY_CLOUD_PLATFORM('IAM API'),
    },
    aws: { actions: [...IAM_ROLE_LIST, ...IAM_POLICY_READ], describe: "Read the policies of the account's roles and the actions each allows" },
  }),
  entry({
    scope: 'iam.usage.read',
    access: 'read',
    gcp: {
      permissions: ['recommender.iamPolicyInsights.list', 'recommender.iamPolicyInsights.get'],
      oauthScopes: [OAUTH.cloudPlatform],
      describe: 'Read which permissions each member actually used recently (IAM policy insights)',
      broadOauthBecause: GOOGLE_ONLY_CLOUD_PLATFORM('Recommender API'),
      note: 'Policy insights need the Recommender API enabled and Security Command Center Premium or Enterprise on the project or organisation.',
    },
    aws: {
      actions: ['iam:GenerateServiceLastAccessedDetails', 'iam:GetServiceLastAccessedDetails', ...IAM_ROLE_LIST, ...IAM_POLICY_READ],
      describe: 'Read when each role last used each AWS service (IAM last-accessed data), in its policies’ own action patterns',
    },
  }),

  // ---- Kubernetes
  entry({
    scope: 'k8s.workload.list',
    access: 'read',
    gcp: {
      permissions: K8S_READ,
      oauthScopes: [OAUTH.cloudPlatform, OAUTH.userinfoEmail],
      describe: 'List GKE Deployments and StatefulSets with their containers’ requests, limits and observed usage',
      broadOauthBecause: GKE_OAUTH,
    },
    aws: { actions: EKS_READ, describe: 'List EKS clusters and their Deployments and StatefulSets', note: EKS_NOTE },
  }),
  entry({
    scope: 'k8s.workload.get',
    access: 'read',
    gcp: {
      permissions: ['container.clusters.get', 'container.deployments.get', 'container.statefulSets.get', 'monitoring.timeSeries.list'],
      oauthScopes: [OAUTH.cloudPlatform, OAUTH.userinfoEmail],
      describe: 'Read one GKE Deployment or StatefulSet',
      broadOauthBecause: GKE_OAUTH,
    },
    aws: { actions: EKS_READ.filter((a) => a !== 'eks:ListClusters'), describe: 'Read one EKS Deployment or StatefulSet', note: EKS_NOTE },
  }),
  entry({
    scope: 'k8s.workload.update',
    access: 'write',
    gcp: {
      permissions: ['container.clusters.get', 'container.deployments.get', 'container.deployments.update', 'container.statefulSets.get', 'container.statefulSets.update'],
      oauthScopes: [OAUTH.cloudPlatform, OAUTH.userinfoEmail],
      describe: "Change the CPU and memory requests and limits of GKE Deployments' and StatefulSets' containers",
    },
    aws: { actions: ['eks:DescribeCluster'], describe: "Change the CPU and memory requests and limits of EKS Deployments' and StatefulSets' containers", note: EKS_NOTE },
  }),

  // ---- Datasets
  entry({
    scope: 'billing.read',
    access: 'read',
    gcp: {
      permissions: ['bigquery.jobs.create', 'bigquery.tables.getData'],
      // jobs.query and getQueryResults do not accept bigquery.readonly (their discovery documents).
      oauthScopes: [OAUTH.cloudPlatformReadOnly],
      describe: 'Query the Cloud Billing export in BigQuery for daily cost per project and service',
      note: 'bigquery.jobs.create is used on the connected project; bigquery.tables.getData on the dataset holding the billing export, if it lives elsewhere.',
    },
    aws: { actions: ['ce:GetCostAndUsage'], describe: 'Read daily cost per account and service from Cost Explorer' },
  }),
  entry({
    scope: 'logs.read',
    access: 'read',
    gcp: { permissions: ['logging.logEntries.list'], oauthScopes: [OAUTH.logsRead], describe: 'Read log entries from Cloud Logging' },
    aws: { actions: ['logs:DescribeLogGroups', 'logs:FilterLogEvents'], describe: 'Read log events from CloudWatch Logs' },
  }),
  entry({
    scope: 'metrics.read',
    access: 'read',
    gcp: { permissions: ['monitoring.timeSeries.list'], oauthScopes: [OAUTH.monitoringRead], describe: 'Read metrics from Cloud Monitoring' },
    aws: { actions: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics'], describe: 'Read metrics from CloudWatch' },
  }),
];

const BY_SCOPE: ReadonlyMap<string, ScopeEntry> = new Map(SCOPE_TABLE.map((e) => [e.scope, e]));

/** The table's entry for a manifest scope, or null when the table does not know it. */
export function scopeEntry(scope: string): ScopeEntry | null {
  return BY_SCOPE.get(scope) ?? null;
}

/** Why `scope` cannot be granted on `provider`, or null when it can. */
export function unsupportedReason(provider: CloudProvider, scope: string): string | null {
  const e = scopeEntry(scope);
  if (!e) return `${scope} is not in the platform's scope table, so no ${provider === 'gcp' ? 'GCP permission' : 'AWS action'} backs it.`;
  if (e[provider]) return null;
  return e.unsupportedBecause?.[provider] ?? `${scope} has no ${provider.toUpperCase()} equivalent.`;
}

export interface ScopeDescription {
  scope: string;
  describe: string;
  permissions: string[];
  note?: string;
}

export interface ScopeGrant {
  /** GCP permissions or AWS actions of every supported scope: sorted, unique. */
  permissions: string[];
  /** GCP: the narrowest OAuth scopes covering them all. AWS: empty. */
  oauthScopes: string[];
  /** Scopes asked for that the provider cannot back (unknown, or no equivalent), in the order asked. */
  unsupported: string[];
  /** Each supported scope, in the order asked, in the customer's own terms. */
  perScope: ScopeDescription[];
}

const sortedUnique = (xs: Iterable<string>) => [...new Set(xs)].sort();

/** The fewest OAuth scopes with the same reach: drops every scope another one present subsumes. */
export function narrowestOauthScopes(scopes: Iterable<string>): string[] {
  const all = new Set(scopes);
  return sortedUnique([...all].filter((s) => ![...all].some((other) => other !== s && OAUTH_SUBSUMES[other]?.includes(s))));
}

/** What granting `scopes` on `provider` takes. */
export function grantFor(provider: CloudProvider, scopes: readonly string[]): ScopeGrant {
  const unsupported: string[] = [];
  const perScope: ScopeDescription[] = [];
  const oauth: string[] = [];
  for (const scope of new Set(scopes)) {
    const spec = scopeEntry(scope)?.[provider];
    if (!spec) {
      unsupported.push(scope);
      continue;
    }
    const permissions = 'permissions' in spec ? spec.permissions : spec.actions;
    if ('oauthScopes' in spec) oauth.push(...spec.oauthScopes);
    perScope.push({ scope, describe: spec.describe, permissions: sortedUnique(permissions), ...(spec.note ? { note: spec.note } : {}) });
  }
  return {
    permissions: sortedUnique(perScope.flatMap((p) => p.permissions)),
    oauthScopes: provider === 'gcp' ? narrowestOauthScopes(oauth) : [],
    unsupported,
    perScope,
  };
}
