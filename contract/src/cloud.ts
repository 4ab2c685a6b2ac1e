import { z } from 'zod';
import { Timestamp } from './common.js';

/**
 * A customer's cloud, connected to a workspace (docs/cloud-connections.md): a GCP project or
 * organisation, or an AWS account. The platform acts on it with a short-lived credential minted
 * per run for exactly the scopes the install's manifest declares and its owner consented to.
 */

export const CloudProviderId = z.enum(['gcp', 'aws']);
export type CloudProviderId = z.infer<typeof CloudProviderId>;

/** A GCP project id (6–30 characters) or a numeric organisation id. */
export const GcpProjectId = z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a GCP project id: 6 to 30 lowercase letters, digits and hyphens, starting with a letter');
export const GcpOrganizationId = z.string().regex(/^\d{1,20}$/, 'a numeric GCP organisation id');
export const AwsAccountId = z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id');
/** An IAM role's ARN in the commercial partition, e.g. arn:aws:iam::123456789012:role/agent-marketplace. */
export const AwsRoleArn = z.string().regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,128}$/, 'an IAM role ARN such as arn:aws:iam::123456789012:role/agent-marketplace');
export const AwsRegion = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region such as us-east-1');

const Name = z.string().trim().min(1).max(80);

export const GcpTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('project'), id: GcpProjectId }).strict(),
  z.object({ kind: z.literal('organization'), id: GcpOrganizationId }).strict(),
]);
export type GcpTarget = z.infer<typeof GcpTarget>;

export const CreateConnectionIn = z
  .discriminatedUnion('provider', [
    z
      .object({
        provider: z.literal('gcp'),
        name: Name,
        target: GcpTarget,
        /** Where the billing export lives (for agents that read `billing.read`): `project.dataset.table`. */
        billingExportTable: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]\.\w{1,1024}\.[\w$*-]{1,1024}$/, 'project.dataset.table').optional(),
      })
      .strict(),
    z
      .object({
        provider: z.literal('aws'),
        name: Name,
        /** The role the customer created from the generated template; its account is the connection's account. */
        roleArn: AwsRoleArn,
        /** Must be the workspace's own external id (`GET .../connections/aws-external-id`); anything else is refused. */
        externalId: z.string().min(2).max(1224),
        regions: z.array(AwsRegion).min(1).max(30).default(['us-east-1']),
      })
      .strict(),
  ])
  .meta({ id: 'CreateCloudConnection' });
export type CreateConnection = z.input<typeof CreateConnectionIn>;

/** One manifest scope and the provider permissions it needs that the connection does not hold. */
export const MissingGrant = z.object({ scope: z.string(), permissions: z.array(z.string()) }).meta({ id: 'MissingCloudGrant' });

export const ConnectionVerification = z
  .object({
    at: Timestamp,
    /** The scopes checked (the consented scopes of the installs on this connection, or those asked for). */
    scopes: z.array(z.string()),
    ok: z.boolean(),
    missing: z.array(MissingGrant),
    /** Scopes whose permissions are granted elsewhere and cannot be checked here (GCP budgets: the Cloud Billing account). */
    unchecked: z.array(z.object({ scope: z.string(), reason: z.string() })).default([]),
    /** Set when the provider could not be asked (unreachable, throttled, the credential refused). */
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .meta({ id: 'CloudConnectionVerification' });
export type ConnectionVerification = z.output<typeof ConnectionVerification>;

export const ConnectionOut = z
  .object({
    id: z.string(),
    name: z.string(),
    provider: CloudProviderId,
    /** The account the platform acts on: the GCP project or organisation, the AWS account id. */
    account: z.string(),
    gcp: z
      .object({
        target: GcpTarget,
        /** The workspace's own service account: the customer grants it roles on the target. */
        serviceAccount: z.string(),
        billingExportTable: z.string().nullable(),
      })
      .nullable(),
    aws: z.object({ roleArn: z.string(), externalId: z.string(), regions: z.array(z.string()) }).nullable(),
    createdAt: Timestamp,
    createdBy: z.string(),
    /** The last "Test connection", or the last early check of a run. */
    verification: ConnectionVerification.nullable(),
  })
  .meta({ id: 'CloudConnection' });
export type Connection = z.output<typeof ConnectionOut>;

/**
 * What a customer runs to grant an agent exactly its manifest's scopes: for GCP, `gcloud`
 * commands and the equivalent Terraform (a custom role with only the needed permissions, bound
 * to the workspace's service account); for AWS, a CloudFormation template and the equivalent
 * Terraform (a role the platform assumes with the workspace's external id).
 */
export const CloudGrantOut = z
  .object({
    provider: CloudProviderId,
    scopes: z.array(
      z.object({
        scope: z.string(),
        /** What the agent can do with it, in the provider's own terms. */
        describe: z.string(),
        permissions: z.array(z.string()),
      }),
    ),
    /** Scopes no provider permission backs (unknown to the scope table): the agent cannot use them on this provider. */
    unsupported: z.array(z.string()),
    gcloud: z.string().nullable(),
    cloudformation: z.string().nullable(),
    terraform: z.string(),
  })
  .meta({ id: 'CloudGrant' });
export type CloudGrant = z.output<typeof CloudGrantOut>;

/**
 * A resource in a customer's cloud as agents see it, whatever the provider: the sandbox's
 * fixtures and the GCP and AWS adapters produce the same shape (the attributes each kind
 * carries are listed in docs/cloud-connections.md "Resource kinds").
 */
export const CloudResource = z
  .object({
    kind: z.string(),
    id: z.string(),
    name: z.string(),
    project: z.string(),
    region: z.string(),
    state: z.string(),
    labels: z.record(z.string(), z.string()),
    attributes: z.record(z.string(), z.unknown()),
    createdAt: z.string().optional(),
  })
  .meta({ id: 'CloudResource' });
export type CloudResource = z.output<typeof CloudResource>;

export const CloudListFilter = z
  .object({
    project: z.string().max(200).optional(),
    region: z.string().max(100).optional(),
    state: z.string().max(40).optional(),
    labels: z.record(z.string().max(63), z.string().max(63)).optional(),
  })
  .strict();
export type CloudListFilter = z.infer<typeof CloudListFilter>;

/**
 * Whether a resource matches a list filter: every field given (a non-empty value) and every label
 * equal. One rule for the sandbox, the platform's own check of a connected cloud's answer, and
 * the AWS adapter, so an agent sees the same resources whichever cloud answers.
 */
export function matchesCloudFilter(r: Pick<CloudResource, 'project' | 'region' | 'state' | 'labels'>, filter: CloudListFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.project && r.project !== filter.project) return false;
  if (filter.region && r.region !== filter.region) return false;
  if (filter.state && r.state !== filter.state) return false;
  for (const [k, v] of Object.entries(filter.labels ?? {})) if (r.labels[k] !== v) return false;
  return true;
}

/** What a workspace gives its customers to grant to: shown by the wizard before any connection exists. */
export const CloudIdentityOut = z
  .object({
    gcp: z.object({
      /** The workspace's own service account (one per workspace, in the platform's project). */
      serviceAccount: z.string(),
    }),
    aws: z.object({
      /** The platform's principal the customer's role trusts. */
      platformPrincipalArn: z.string(),
      /** The workspace's external id: the role's trust policy requires it, so no other workspace can assume the role. */
      externalId: z.string(),
    }),
  })
  .meta({ id: 'CloudIdentity' });
export type CloudIdentity = z.output<typeof CloudIdentityOut>;

export const TestConnectionIn = z
  .object({
    /** Check these scopes; by default the consented scopes of every install on the connection. */
    scopes: z.array(z.string().max(100)).max(100).optional(),
  })
  .strict()
  .meta({ id: 'TestCloudConnection' });

export const SetInstallConnectionIn = z
  .object({
    /** The connection the install acts on; null: the sandbox (local) or none. */
    connectionId: z.string().regex(/^[A-Za-z0-9]{1,64}$/).nullable(),
  })
  .strict()
  .meta({ id: 'SetInstallConnection' });

export const CloudGrantQuery = z
  .object({
    /** Which provider's grant; by default the connection's. */
    provider: CloudProviderId.optional(),
    /** The grant for this connection of the workspace (one the install is about to act on); by default the install's own. */
    connectionId: z.string().min(1).max(64).optional(),
  })
  .strict();

// The runner API's cloud calls: intent only; the platform checks and performs them (docs/cloud-connections.md).
const CloudKind = z.string().regex(/^[a-z][a-z0-9.]{0,40}$/, 'a resource kind such as vm or k8s.workload');
export const CloudListIn = z.object({ kind: CloudKind, filter: CloudListFilter.default({}) }).strict().meta({ id: 'CloudListQuery' });
export const CloudGetIn = z.object({ kind: CloudKind, id: z.string().min(1).max(400) }).strict().meta({ id: 'CloudGetQuery' });
export const CloudDatasetIn = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9.]{0,40}$/, 'a dataset name such as billing or iam.usage'),
    since: z.iso.datetime().optional(),
    limit: z.number().int().min(1).max(10_000).optional(),
  })
  .strict()
  .meta({ id: 'CloudDatasetQuery' });
export const CloudListOut = z.object({ items: z.array(CloudResource) }).meta({ id: 'CloudResources' });
export const CloudGetOut = z.object({ resource: CloudResource.nullable() }).meta({ id: 'CloudResourceFound' });
export const CloudDatasetOut = z.object({ rows: z.array(z.record(z.string(), z.unknown())) }).meta({ id: 'CloudDatasetRows' });
export const CloudActionOut = z
  .object({
    ok: z.literal(true),
    changed: z.boolean(),
    /** The resource after the action (as it is now, when proposed). */
    resource: CloudResource.nullable(),
    proposal: z.object({ id: z.string(), state: z.string() }).optional(),
  })
  .meta({ id: 'CloudActionResult' });

/** One provider's reading of a manifest's scopes: what the agent will be able to do, in the provider's own terms. */
const ProviderPermissions = z.object({
  scopes: z.array(z.object({ scope: z.string(), describe: z.string(), permissions: z.array(z.string()) })),
  /** Scopes this provider cannot back. */
  unsupported: z.array(z.string()),
});
export const AgentCloudPermissionsOut = z.object({ gcp: ProviderPermissions, aws: ProviderPermissions }).meta({ id: 'AgentCloudPermissions' });
export type AgentCloudPermissions = z.output<typeof AgentCloudPermissionsOut>;
