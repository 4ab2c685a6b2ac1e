import type { CloudProviderId } from '@agent-marketplace/contract/cloud';

/**
 * The one scope table (docs/cloud-connections.md "Scopes"): each manifest scope and what it
 * takes on each provider, in the provider's own terms. Data, not code: the grant generators,
 * the credential's narrowing (GCP OAuth scopes, AWS session policy), "Test connection" and the
 * manifest viewer all read it. Permission and action names follow Google's IAM permissions
 * reference and AWS's Service Authorization Reference (names as published, checked 2026-12-02
 * against the stored docs where the search found them; the rest from those references' naming).
 *
 * `vm.list` also reads CPU utilisation (Cloud Monitoring, CloudWatch): the idle and rightsizing
 * agents judge by it. GCP budgets live on the Cloud Billing account, which a project or
 * organisation connection does not cover: `budget.*` is unsupported on GCP for now.
 */

export interface ProviderGrant {
  /** GCP IAM permissions (`service.resource.verb`) or AWS IAM actions (`service:Action`). */
  permissions: readonly string[];
  /** What the agent can do with it, in the provider's terms. */
  describe: string;
}

export interface GcpGrant extends ProviderGrant {
  /** The OAuth scopes a token needs for it: read-only ones where the API has them. */
  oauthScopes: readonly string[];
}

export interface ScopeEntry {
  scope: string;
  access: 'read' | 'write';
  /** Null: the provider has no equivalent (`unsupportedReason` says why). */
  gcp: GcpGrant | null;
  aws: ProviderGrant | null;
  unsupportedReason?: { gcp?: string; aws?: string };
}

const G = 'https://www.googleapis.com/auth/';
const OAUTH = {
  computeRead: `${G}compute.readonly`,
  compute: `${G}compute`,
  storageRead: `${G}devstorage.read_only`,
  storageFull: `${G}devstorage.full_control`,
  platformRead: `${G}cloud-platform.read-only`,
  platform: `${G}cloud-platform`,
  loggingRead: `${G}logging.read`,
  monitoringRead: `${G}monitoring.read`,
  bigquery: `${G}bigquery`,
} as const;

/** A write scope covers its read-only sibling; `cloud-platform` covers every other. */
const SUBSUMES: Readonly<Record<string, readonly string[]>> = {
  [OAUTH.compute]: [OAUTH.computeRead],
  [OAUTH.storageFull]: [OAUTH.storageRead],
  [OAUTH.platform]: Object.values(OAUTH).filter((s) => s !== OAUTH.platform),
  [OAUTH.platformRead]: [OAUTH.computeRead, OAUTH.storageRead, OAUTH.loggingRead, OAUTH.monitoringRead],
};

const gcp = (permissions: string[], oauthScopes: string[], describe: string): GcpGrant => ({ permissions, oauthScopes, describe });
const aws = (permissions: string[], describe: string): ProviderGrant => ({ permissions, describe });
const BUDGETS_ON_GCP = 'GCP budgets belong to the Cloud Billing account, which a project or organisation connection does not cover.';

export const SCOPE_TABLE: readonly ScopeEntry[] = [
  // Compute Engine VMs / EC2 instances
  {
    scope: 'vm.list',
    access: 'read',
    gcp: gcp(['compute.instances.list', 'monitoring.timeSeries.list'], [OAUTH.computeRead, OAUTH.monitoringRead], 'List Compute Engine VM instances and read their CPU utilisation from Cloud Monitoring'),
    aws: aws(['ec2:DescribeInstances', 'cloudwatch:GetMetricData'], 'Describe EC2 instances and read their CPU utilisation from CloudWatch'),
  },
  { scope: 'vm.get', access: 'read', gcp: gcp(['compute.instances.get'], [OAUTH.computeRead], 'Read one Compute Engine VM instance'), aws: aws(['ec2:DescribeInstances'], 'Describe one EC2 instance') },
  { scope: 'vm.stop', access: 'write', gcp: gcp(['compute.instances.get', 'compute.instances.stop'], [OAUTH.compute], 'Stop Compute Engine VM instances'), aws: aws(['ec2:DescribeInstances', 'ec2:StopInstances'], 'Stop EC2 instances') },
  { scope: 'vm.start', access: 'write', gcp: gcp(['compute.instances.get', 'compute.instances.start'], [OAUTH.compute], 'Start Compute Engine VM instances'), aws: aws(['ec2:DescribeInstances', 'ec2:StartInstances'], 'Start EC2 instances') },
  { scope: 'vm.delete', access: 'write', gcp: gcp(['compute.instances.get', 'compute.instances.delete'], [OAUTH.compute], 'Delete Compute Engine VM instances'), aws: aws(['ec2:DescribeInstances', 'ec2:TerminateInstances'], 'Terminate EC2 instances') },
  { scope: 'vm.label', access: 'write', gcp: gcp(['compute.instances.get', 'compute.instances.setLabels'], [OAUTH.compute], 'Set labels on Compute Engine VM instances'), aws: aws(['ec2:DescribeInstances', 'ec2:CreateTags'], 'Add tags to EC2 instances') },
  // Persistent disks / EBS volumes
  { scope: 'disk.list', access: 'read', gcp: gcp(['compute.disks.list'], [OAUTH.computeRead], 'List Compute Engine persistent disks'), aws: aws(['ec2:DescribeVolumes'], 'Describe EBS volumes') },
  { scope: 'disk.get', access: 'read', gcp: gcp(['compute.disks.get'], [OAUTH.computeRead], 'Read one persistent disk'), aws: aws(['ec2:DescribeVolumes'], 'Describe one EBS volume') },
  { scope: 'disk.label', access: 'write', gcp: gcp(['compute.disks.get', 'compute.disks.setLabels'], [OAUTH.compute], 'Set labels on persistent disks'), aws: aws(['ec2:DescribeVolumes', 'ec2:CreateTags'], 'Add tags to EBS volumes') },
  { scope: 'disk.delete', access: 'write', gcp: gcp(['compute.disks.get', 'compute.disks.delete'], [OAUTH.compute], 'Delete persistent disks'), aws: aws(['ec2:DescribeVolumes', 'ec2:DeleteVolume'], 'Delete EBS volumes') },
  // Snapshots
  { scope: 'snapshot.list', access: 'read', gcp: gcp(['compute.snapshots.list'], [OAUTH.computeRead], 'List Compute Engine disk snapshots'), aws: aws(['ec2:DescribeSnapshots'], 'Describe EBS snapshots the account owns') },
  { scope: 'snapshot.get', access: 'read', gcp: gcp(['compute.snapshots.get'], [OAUTH.computeRead], 'Read one disk snapshot'), aws: aws(['ec2:DescribeSnapshots'], 'Describe one EBS snapshot') },
  { scope: 'snapshot.delete', access: 'write', gcp: gcp(['compute.snapshots.get', 'compute.snapshots.delete'], [OAUTH.compute], 'Delete disk snapshots'), aws: aws(['ec2:DescribeSnapshots', 'ec2:DeleteSnapshot'], 'Delete EBS snapshots') },
  { scope: 'snapshot.label', access: 'write', gcp: gcp(['compute.snapshots.get', 'compute.snapshots.setLabels'], [OAUTH.compute], 'Set labels on disk snapshots'), aws: aws(['ec2:DescribeSnapshots', 'ec2:CreateTags'], 'Add tags to EBS snapshots') },
  // Buckets
  {
    scope: 'bucket.list',
    access: 'read',
    gcp: gcp(['storage.buckets.list', 'storage.buckets.getIamPolicy'], [OAUTH.storageRead], 'List Cloud Storage buckets with their access settings and IAM policies'),
    aws: aws(['s3:ListAllMyBuckets', 's3:GetBucketLocation', 's3:GetBucketPublicAccessBlock', 's3:GetBucketPolicyStatus', 's3:GetBucketTagging'], 'List S3 buckets with their public access settings and tags'),
  },
  {
    scope: 'bucket.get',
    access: 'read',
    gcp: gcp(['storage.buckets.get', 'storage.buckets.getIamPolicy'], [OAUTH.storageRead], 'Read one Cloud Storage bucket and its IAM policy'),
    aws: aws(['s3:GetBucketLocation', 's3:GetBucketPublicAccessBlock', 's3:GetBucketPolicyStatus', 's3:GetBucketTagging'], 'Read one S3 bucket’s public access settings and tags'),
  },
  {
    scope: 'bucket.update',
    access: 'write',
    gcp: gcp(['storage.buckets.get', 'storage.buckets.update', 'storage.buckets.getIamPolicy', 'storage.buckets.setIamPolicy'], [OAUTH.storageFull], 'Change Cloud Storage buckets’ public access prevention and IAM policies'),
    aws: aws(['s3:GetBucketPublicAccessBlock', 's3:PutBucketPublicAccessBlock'], 'Turn on S3 Block Public Access for buckets'),
  },
  {
    scope: 'bucket.label',
    access: 'write',
    gcp: gcp(['storage.buckets.get', 'storage.buckets.update'], [OAUTH.storageFull], 'Set labels on Cloud Storage buckets'),
    aws: aws(['s3:GetBucketTagging', 's3:PutBucketTagging'], 'Set tags on S3 buckets (existing tags kept)'),
  },
  // TLS certificates
  {
    scope: 'certificate.list',
    access: 'read',
    gcp: gcp(['certificatemanager.certs.list'], [OAUTH.platformRead], 'List Certificate Manager certificates and their expiry'),
    aws: aws(['acm:ListCertificates', 'acm:DescribeCertificate', 'acm:ListTagsForCertificate'], 'List ACM certificates and their expiry'),
  },
  { scope: 'certificate.label', access: 'write', gcp: gcp(['certificatemanager.certs.get', 'certificatemanager.certs.update'], [OAUTH.platform], 'Set labels on Certificate Manager certificates'), aws: aws(['acm:AddTagsToCertificate'], 'Add tags to ACM certificates') },
  // Budgets
  { scope: 'budget.list', access: 'read', gcp: null, aws: aws(['budgets:ViewBudget'], 'Read AWS Budgets and their spend'), unsupportedReason: { gcp: BUDGETS_ON_GCP } },
  { scope: 'budget.label', access: 'write', gcp: null, aws: aws(['budgets:TagResource'], 'Tag AWS Budgets'), unsupportedReason: { gcp: BUDGETS_ON_GCP } },
  // Datasets
  { scope: 'billing.read', access: 'read', gcp: gcp(['bigquery.jobs.create', 'bigquery.tables.getData'], [OAUTH.bigquery], 'Query the Cloud Billing export table in BigQuery'), aws: aws(['ce:GetCostAndUsage'], 'Read daily cost by service from Cost Explorer') },
  { scope: 'logs.read', access: 'read', gcp: gcp(['logging.logEntries.list'], [OAUTH.loggingRead], 'Read log entries from Cloud Logging'), aws: aws(['logs:DescribeLogGroups', 'logs:FilterLogEvents'], 'Read log events from CloudWatch Logs') },
  { scope: 'metrics.read', access: 'read', gcp: gcp(['monitoring.timeSeries.list'], [OAUTH.monitoringRead], 'Read Cloud Monitoring time series'), aws: aws(['cloudwatch:GetMetricData'], 'Read CloudWatch metrics') },
  // IAM
  {
    scope: 'iam.binding.list',
    access: 'read',
    gcp: gcp(['resourcemanager.projects.getIamPolicy'], [OAUTH.platformRead], 'Read the project’s IAM policy (who holds which role)'),
    aws: aws(['iam:ListRoles', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies'], 'List IAM roles and the policies attached to them'),
  },
  { scope: 'iam.roles.read', access: 'read', gcp: gcp(['iam.roles.get'], [OAUTH.platformRead], 'Read IAM role definitions (their permissions)'), aws: aws(['iam:GetPolicy', 'iam:GetPolicyVersion'], 'Read IAM policy documents') },
  {
    scope: 'iam.usage.read',
    access: 'read',
    gcp: gcp(['policyanalyzer.serviceAccountLastAuthenticationActivities.query'], [OAUTH.platformRead], 'Read when service accounts last authenticated (Policy Analyzer)'),
    aws: aws(['iam:GenerateServiceLastAccessedDetails', 'iam:GetServiceLastAccessedDetails'], 'Read which services IAM roles last used (access advisor)'),
  },
  // Kubernetes workloads: the cluster's own RBAC must also allow the workload calls.
  {
    scope: 'k8s.workload.list',
    access: 'read',
    gcp: gcp(['container.clusters.list', 'container.clusters.get', 'container.deployments.list'], [OAUTH.platformRead], 'List GKE clusters and their Deployments'),
    aws: aws(['eks:ListClusters', 'eks:DescribeCluster'], 'List EKS clusters (the cluster’s RBAC must let the role list Deployments)'),
  },
  {
    scope: 'k8s.workload.update',
    access: 'write',
    gcp: gcp(['container.clusters.get', 'container.deployments.get', 'container.deployments.update'], [OAUTH.platform], 'Change GKE Deployments’ container resource requests and limits'),
    aws: aws(['eks:DescribeCluster'], 'Reach EKS clusters (the cluster’s RBAC must let the role patch Deployments)'),
  },
];

const BY_SCOPE = new Map(SCOPE_TABLE.map((e) => [e.scope, e]));

export function scopeEntry(scope: string): ScopeEntry | null {
  return BY_SCOPE.get(scope) ?? null;
}

export function providerGrantOf(entry: ScopeEntry, provider: CloudProviderId): ProviderGrant | GcpGrant | null {
  return provider === 'gcp' ? entry.gcp : entry.aws;
}

/** The narrowest set of OAuth scopes covering `wanted`: one a broader member covers is dropped. */
export function narrowestOauthScopes(wanted: Iterable<string>): string[] {
  const set = new Set(wanted);
  for (const s of [...set]) for (const covered of SUBSUMES[s] ?? []) if (covered !== s) set.delete(covered);
  return [...set].sort();
}

export interface ScopesGrant {
  /** Every provider permission the scopes need, sorted, once each. */
  permissions: string[];
  /** GCP: the OAuth scopes a token for them needs (empty for AWS). */
  oauthScopes: string[];
  /** Scopes the provider cannot back (unknown to the table, or no equivalent there). */
  unsupported: string[];
  perScope: { scope: string; describe: string; permissions: string[] }[];
}

/** What `scopes` take on `provider`. */
export function grantFor(provider: CloudProviderId, scopes: readonly string[]): ScopesGrant {
  const permissions = new Set<string>();
  const oauth = new Set<string>();
  const unsupported: string[] = [];
  const perScope: ScopesGrant['perScope'] = [];
  for (const scope of [...new Set(scopes)]) {
    const entry = scopeEntry(scope);
    const grant = entry ? providerGrantOf(entry, provider) : null;
    if (!grant) {
      unsupported.push(scope);
      continue;
    }
    for (const p of grant.permissions) permissions.add(p);
    if (provider === 'gcp') for (const o of (grant as GcpGrant).oauthScopes) oauth.add(o);
    perScope.push({ scope, describe: grant.describe, permissions: [...grant.permissions] });
  }
  return { permissions: [...permissions].sort(), oauthScopes: narrowestOauthScopes(oauth), unsupported, perScope };
}
