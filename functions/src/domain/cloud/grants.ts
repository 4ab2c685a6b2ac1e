import { AgentId } from '@agent-marketplace/contract/manifest';
import { GcpOrganizationId, GcpProjectId, type GcpTarget } from '@agent-marketplace/contract/cloud';
import { AppError } from '../errors.js';
import { GCP_ORGANIZATION_BASE, grantFor, scopeEntry, type CloudProvider, type ScopeDescription } from './scopeTable.js';

/**
 * What a customer runs to grant an agent exactly its manifest's scopes (issue 24, "GCP" and "AWS"),
 * generated from the scope table: for GCP a custom role holding only the needed permissions,
 * bound to the workspace's service account (gcloud and Terraform); for AWS a role the platform
 * assumes with the workspace's external id (CloudFormation and Terraform), and the session policy
 * that narrows each run's credential. Every value that reaches a command or a template is
 * validated to a safe character set first and quoted anyway.
 */

const invalid = (message: string) => new AppError('invalid', 'cloud_grant_input_invalid', message);

// ---------------------------------------------------------------- quoting

/** A single-quoted POSIX shell word (a `'` inside becomes `'\''`). */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** An HCL string literal: JSON's escapes, plus `${` and `%{` escaped so nothing is interpolated. */
export function hclString(value: string): string {
  // Replacer functions: in a replacement string `$$` would itself mean one `$`.
  return JSON.stringify(value)
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{');
}

/** A YAML scalar: JSON strings are valid YAML double-quoted scalars. */
const yamlString = (value: string) => JSON.stringify(value);

// ---------------------------------------------------------------- validation

/** A service account email: only letters, digits, `.`, `-`, `_` and one `@`, so it is shell- and HCL-safe. */
const SERVICE_ACCOUNT = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
/** IAM principals the platform assumes roles from: a role (with path) or an account root. */
const PRINCIPAL_ARN = /^arn:aws(?:-us-gov|-cn)?:iam::\d{12}:(?:root|role\/[\w+=,.@/-]{1,512})$/;
/** sts:ExternalId's documented character set and length. */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
/** IAM role names: up to 64 of letters, digits and `+=,.@_-`. */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

function checkScopes(scopes: readonly string[]): void {
  if (scopes.length === 0) throw invalid('At least one scope is needed to generate a grant.');
  for (const s of scopes) if (!/^[a-z][a-z0-9]*(?:\.[a-z][a-z0-9]*)+$/.test(s)) throw invalid(`${JSON.stringify(s)} is not a scope such as vm.stop.`);
}

function parseGcpTarget(target: GcpTarget): GcpTarget {
  const ok = target.kind === 'project' ? GcpProjectId.safeParse(target.id).success : target.kind === 'organization' && GcpOrganizationId.safeParse(target.id).success;
  if (!ok) throw invalid(`${JSON.stringify(target.id)} is not a GCP ${target.kind === 'project' ? 'project id' : 'organisation id'}.`);
  return target;
}

// ---------------------------------------------------------------- GCP

export interface GcpGrantInput {
  /** The workspace's service account email. */
  serviceAccount: string;
  target: GcpTarget;
  agentId: string;
  scopes: readonly string[];
}

export interface GcpGrant {
  /** The custom role's id (`[a-zA-Z0-9_.]{3,64}`), derived from the agent id. */
  roleId: string;
  /** Its full name, as bindings refer to it: `projects/<id>/roles/<roleId>` or `organizations/<id>/roles/<roleId>`. */
  roleName: string;
  /** The permissions the custom role holds: sorted, unique. */
  permissions: string[];
  /** Permissions that cannot be held by a project or organisation role (budgets live on the billing account): granted separately, see `notes`. */
  elsewhere: ScopeDescription[];
  unsupported: string[];
  scopes: ScopeDescription[];
  /** Things the customer must know, one line each (also written into the commands as comments). */
  notes: string[];
  gcloud: string;
  terraform: string;
}

/** FNV-1a, 32 bits: a short deterministic suffix when an id must be shortened. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** The custom role id for an agent: `agentMarketplace_<agent_id>`, shortened with a hash past 64 characters. */
export function gcpRoleId(agentId: string): string {
  if (!AgentId.safeParse(agentId).success) throw invalid(`${JSON.stringify(agentId)} is not an agent id.`);
  const id = `agentMarketplace_${agentId.replace(/-/g, '_')}`;
  return id.length <= 64 ? id : `${id.slice(0, 55)}_${fnv1a(agentId)}`;
}

/** Terraform resource names: letters, digits, `_` and `-`. */
const tfName = (agentId: string) => `agent_marketplace_${agentId.replace(/-/g, '_')}`;

export function gcpGrant(input: GcpGrantInput): GcpGrant {
  const { serviceAccount, agentId, scopes } = input;
  if (!SERVICE_ACCOUNT.test(serviceAccount)) throw invalid(`${JSON.stringify(serviceAccount)} is not a service account email.`);
  const target = parseGcpTarget(input.target);
  const roleId = gcpRoleId(agentId);
  checkScopes(scopes);

  const grant = grantFor('gcp', scopes);
  const onBillingAccount = new Set(scopes.filter((s) => scopeEntry(s)?.gcp?.grantOn === 'billingAccount'));
  const inRole = grant.perScope.filter((p) => !onBillingAccount.has(p.scope));
  const elsewhere = grant.perScope.filter((p) => onBillingAccount.has(p.scope));
  const permissions = [...new Set([...inRole.flatMap((p) => p.permissions), ...(target.kind === 'organization' ? GCP_ORGANIZATION_BASE : [])])].sort();
  if (permissions.length === 0) throw invalid(`None of ${scopes.join(', ')} can be granted with a ${target.kind} role on GCP.`);

  const notes = [
    ...grant.unsupported.map((s) => `${s} cannot be granted on GCP and is left out.`),
    ...elsewhere.map((p) => `${p.scope} needs ${p.permissions.join(', ')} on the billing account (not the ${target.kind}): grant a role holding them there.`),
    ...[...new Set(inRole.flatMap((p) => (p.note ? [p.note] : [])))],
  ];

  const roleName = target.kind === 'project' ? `projects/${target.id}/roles/${roleId}` : `organizations/${target.id}/roles/${roleId}`;
  const member = `serviceAccount:${serviceAccount}`;
  const title = `Agent Marketplace: ${agentId}`;
  const description = `Least privilege for the agent ${agentId}: ${grant.perScope.map((p) => p.scope).join(', ')}`.slice(0, 256);
  const where = target.kind === 'project' ? `--project=${target.id}` : `--organization=${target.id}`;
  const roleFlags = `${where} --title=${shellQuote(title)} --description=${shellQuote(description)} --permissions=${permissions.join(',')} --stage=GA --quiet`;
  const bindCommand = target.kind === 'project' ? `gcloud projects add-iam-policy-binding ${target.id}` : `gcloud organizations add-iam-policy-binding ${target.id}`;

  const gcloud = [
    ...notes.map((n) => `# Note: ${n}`),
    `# Creates the custom role ${roleId}, or sets its permissions if it exists already: safe to run again.`,
    `# (A role deleted in the last 7 days must first be restored: gcloud iam roles undelete ${roleId} ${where})`,
    `if gcloud iam roles describe ${roleId} ${where} >/dev/null 2>&1; then`,
    `  gcloud iam roles update ${roleId} ${roleFlags}`,
    'else',
    `  gcloud iam roles create ${roleId} ${roleFlags}`,
    'fi',
    `# Binds it to the workspace's service account (adding a binding that exists changes nothing).`,
    `${bindCommand} --member=${member} --role=${roleName} --condition=None --quiet`,
    '',
  ].join('\n');

  const name = tfName(agentId);
  const [roleResource, memberResource, scopeKey, scopeValue] =
    target.kind === 'project'
      ? ['google_project_iam_custom_role', 'google_project_iam_member', 'project', target.id]
      : ['google_organization_iam_custom_role', 'google_organization_iam_member', 'org_id', target.id];
  const terraform = [
    ...notes.map((n) => `# Note: ${n}`),
    `resource "${roleResource}" "${name}" {`,
    `  ${scopeKey.padEnd(11)} = ${hclString(scopeValue)}`,
    `  role_id     = ${hclString(roleId)}`,
    `  title       = ${hclString(title)}`,
    `  description = ${hclString(description)}`,
    `  stage       = "GA"`,
    `  permissions = [`,
    ...permissions.map((p) => `    ${hclString(p)},`),
    `  ]`,
    `}`,
    '',
    `resource "${memberResource}" "${name}" {`,
    `  ${scopeKey.padEnd(7)} = ${hclString(scopeValue)}`,
    `  role    = ${roleResource}.${name}.name`,
    `  member  = ${hclString(member)}`,
    `}`,
    '',
  ].join('\n');

  return { roleId, roleName, permissions, elsewhere, unsupported: grant.unsupported, scopes: grant.perScope, notes, gcloud, terraform };
}

// ---------------------------------------------------------------- AWS

export interface AwsGrantInput {
  /** The platform's identity that assumes the role (its broker role). */
  platformPrincipalArn: string;
  /** The workspace's external id. */
  externalId: string;
  roleName: string;
  scopes: readonly string[];
}

export interface AwsPolicyDocument {
  Version: '2012-10-17';
  Statement: Array<{ Sid?: string; Effect: 'Allow'; Action: string | string[]; Resource?: string | Record<string, unknown>; Principal?: { AWS: string }; Condition?: Record<string, Record<string, string>> }>;
}

export interface AwsGrant {
  /** The actions of the scopes: sorted, unique (the role's policy adds iam:SimulatePrincipalPolicy on itself). */
  actions: string[];
  unsupported: string[];
  scopes: ScopeDescription[];
  notes: string[];
  /** The role's trust policy, as JSON. */
  trustPolicy: AwsPolicyDocument;
  cloudformation: string;
  terraform: string;
}

/** `Test connection` simulates the role's own policy: the one action outside the scopes. */
export const AWS_TEST_CONNECTION_ACTION = 'iam:SimulatePrincipalPolicy';
const POLICY_VERSION = '2012-10-17';
export const AWS_MAX_SESSION_SECONDS = 3600;

export function awsGrant(input: AwsGrantInput): AwsGrant {
  const { platformPrincipalArn, externalId, roleName, scopes } = input;
  if (!PRINCIPAL_ARN.test(platformPrincipalArn)) throw invalid(`${JSON.stringify(platformPrincipalArn)} is not an IAM role or account ARN.`);
  if (!EXTERNAL_ID.test(externalId)) throw invalid('The external id must be 2 to 1224 of letters, digits and +=,.@:/-_.');
  if (!ROLE_NAME.test(roleName)) throw invalid(`${JSON.stringify(roleName)} is not an IAM role name (up to 64 of letters, digits and +=,.@_-).`);
  checkScopes(scopes);

  const grant = grantFor('aws', scopes);
  if (grant.permissions.length === 0) throw invalid(`None of ${scopes.join(', ')} can be granted on AWS.`);
  const notes = [...grant.unsupported.map((s) => `${s} cannot be granted on AWS and is left out.`), ...new Set(grant.perScope.flatMap((p) => (p.note ? [p.note] : [])))];

  const trustPolicy: AwsPolicyDocument = {
    Version: POLICY_VERSION,
    Statement: [{ Effect: 'Allow', Principal: { AWS: platformPrincipalArn }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': externalId } } }],
  };
  const actions = grant.permissions;
  const logical = 'AgentMarketplaceRole';
  const selfArn = `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${roleName}`;

  const cloudformation = [
    ...notes.map((n) => `# Note: ${n}`),
    `AWSTemplateFormatVersion: "2010-09-09"`,
    `Description: ${yamlString(`The role Agent Marketplace assumes, with the workspace's external id, to act for its agents: ${grant.perScope.map((p) => p.scope).join(', ')}`)}`,
    `Resources:`,
    `  ${logical}:`,
    `    Type: AWS::IAM::Role`,
    `    Properties:`,
    `      RoleName: ${yamlString(roleName)}`,
    `      MaxSessionDuration: ${AWS_MAX_SESSION_SECONDS}`,
    `      AssumeRolePolicyDocument:`,
    `        Version: "${POLICY_VERSION}"`,
    `        Statement:`,
    `          - Effect: Allow`,
    `            Principal:`,
    `              AWS: ${yamlString(platformPrincipalArn)}`,
    `            Action: "sts:AssumeRole"`,
    `            Condition:`,
    `              StringEquals:`,
    `                "sts:ExternalId": ${yamlString(externalId)}`,
    `      Policies:`,
    `        - PolicyName: agent-marketplace-scopes`,
    `          PolicyDocument:`,
    `            Version: "${POLICY_VERSION}"`,
    `            Statement:`,
    `              - Sid: AgentScopes`,
    `                Effect: Allow`,
    `                Action:`,
    ...actions.map((a) => `                  - ${yamlString(a)}`),
    `                Resource: "*"`,
    `              - Sid: TestConnection`,
    `                Effect: Allow`,
    `                Action: ${yamlString(AWS_TEST_CONNECTION_ACTION)}`,
    `                Resource:`,
    `                  Fn::Sub: ${yamlString(selfArn)}`,
    `Outputs:`,
    `  RoleArn:`,
    `    Description: Paste this into the connection form.`,
    `    Value:`,
    `      Fn::GetAtt: [${logical}, Arn]`,
    '',
  ].join('\n');

  const name = 'agent_marketplace';
  const terraform = [
    ...notes.map((n) => `# Note: ${n}`),
    `resource "aws_iam_role" "${name}" {`,
    `  name                 = ${hclString(roleName)}`,
    `  max_session_duration = ${AWS_MAX_SESSION_SECONDS}`,
    `  assume_role_policy = jsonencode({`,
    `    Version = "${POLICY_VERSION}"`,
    `    Statement = [{`,
    `      Effect    = "Allow"`,
    `      Principal = { AWS = ${hclString(platformPrincipalArn)} }`,
    `      Action    = "sts:AssumeRole"`,
    `      Condition = { StringEquals = { "sts:ExternalId" = ${hclString(externalId)} } }`,
    `    }]`,
    `  })`,
    `}`,
    '',
    `resource "aws_iam_role_policy" "${name}" {`,
    `  name = "agent-marketplace-scopes"`,
    `  role = aws_iam_role.${name}.id`,
    `  policy = jsonencode({`,
    `    Version = "${POLICY_VERSION}"`,
    `    Statement = [`,
    `      {`,
    `        Sid      = "AgentScopes"`,
    `        Effect   = "Allow"`,
    `        Action   = [`,
    ...actions.map((a) => `          ${hclString(a)},`),
    `        ]`,
    `        Resource = "*"`,
    `      },`,
    `      {`,
    `        Sid      = "TestConnection"`,
    `        Effect   = "Allow"`,
    `        Action   = ${hclString(AWS_TEST_CONNECTION_ACTION)}`,
    `        Resource = aws_iam_role.${name}.arn`,
    `      },`,
    `    ]`,
    `  })`,
    `}`,
    '',
    `output "role_arn" {`,
    `  value = aws_iam_role.${name}.arn`,
    `}`,
    '',
  ].join('\n');

  return { actions, unsupported: grant.unsupported, scopes: grant.perScope, notes, trustPolicy, cloudformation, terraform };
}

// ---------------------------------------------------------------- session policy

/** STS AssumeRole: "The plaintext that you use for both inline and managed session policies can't exceed 2,048 characters." */
export const AWS_SESSION_POLICY_MAX_CHARS = 2048;

/** Read verbs whose wildcards stay reads (AWS access levels List and Read). */
const READ_VERBS = ['Describe', 'Get', 'List'];

/**
 * Reads of customers' data (not metadata) that a `Get*`-style wildcard could sweep in. A wildcard
 * matching one of these that is not itself needed is refused. Partial on purpose: the role's own
 * policy holds only the exact actions, so a session wildcard can never reach beyond the role.
 */
const DATA_READS = [
  's3:GetObject',
  's3:GetObjectVersion',
  'secretsmanager:GetSecretValue',
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParametersByPath',
  'logs:GetLogEvents',
  'logs:GetLogRecord',
  'ec2:GetPasswordData',
  'ec2:GetConsoleOutput',
  'ec2:GetConsoleScreenshot',
  'dynamodb:GetItem',
  'kinesis:GetRecords',
  'sqs:ReceiveMessage',
  'lambda:GetFunction',
  'codecommit:GetFile',
];

const compactJson = (actions: string[]) => JSON.stringify({ Version: POLICY_VERSION, Statement: [{ Effect: 'Allow', Action: actions.length === 1 ? actions[0] : actions, Resource: '*' }] });

function commonPrefix(xs: string[]): string {
  let p = xs[0] ?? '';
  for (const x of xs) while (!x.startsWith(p)) p = p.slice(0, -1);
  return p;
}

/**
 * The actions written with the smallest safe wildcards: per service and read verb, the longest
 * common prefix of the needed actions plus `*`, only for reads and only when it sweeps in no
 * listed data read that is not needed. Writes are always listed one by one.
 */
function compactActions(actions: string[]): string[] {
  const groups = new Map<string, string[]>();
  const kept: string[] = [];
  for (const a of actions) {
    const [service, name] = a.split(':') as [string, string];
    const verb = READ_VERBS.find((v) => name.startsWith(v));
    if (!verb) {
      kept.push(a);
      continue;
    }
    const key = `${service}:${verb}`;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  for (const group of groups.values()) {
    if (group.length < 2) {
      kept.push(...group);
      continue;
    }
    const prefix = commonPrefix(group);
    const sweeps = DATA_READS.some((d) => d.startsWith(prefix) && !group.includes(d));
    if (sweeps) kept.push(...group);
    else kept.push(`${prefix}*`);
  }
  return [...new Set(kept)].sort();
}

/**
 * The session policy for STS AssumeRole allowing exactly `actions`, compact JSON. Past AWS's
 * 2,048-character limit it groups reads under the smallest safe wildcards; if that is still too
 * long it throws rather than widen further (never a write wildcard).
 */
export function sessionPolicyForActions(actions: readonly string[]): string {
  const exact = [...new Set(actions)].sort();
  if (exact.length === 0) throw invalid('A session policy needs at least one action.');
  for (const a of exact) if (!/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(a)) throw invalid(`${JSON.stringify(a)} is not an IAM action such as ec2:StopInstances.`);
  const plain = compactJson(exact);
  if (plain.length <= AWS_SESSION_POLICY_MAX_CHARS) return plain;
  const compacted = compactJson(compactActions(exact));
  if (compacted.length <= AWS_SESSION_POLICY_MAX_CHARS) return compacted;
  throw new AppError(
    'unprocessable',
    'cloud_session_policy_too_large',
    `The session policy for ${exact.length} actions is ${compacted.length} characters even with read wildcards; AWS allows ${AWS_SESSION_POLICY_MAX_CHARS}. Split the agent's scopes.`,
  );
}

/**
 * The session policy for a run of an agent with these consented scopes. `testConnection` adds
 * iam:SimulatePrincipalPolicy, for the credential "Test connection" mints (never a run's).
 */
export function awsSessionPolicy(scopes: readonly string[], options: { testConnection?: boolean } = {}): string {
  const grant = grantFor('aws', scopes);
  const actions = options.testConnection ? [...grant.permissions, AWS_TEST_CONNECTION_ACTION] : grant.permissions;
  if (actions.length === 0) throw invalid(`None of ${scopes.join(', ')} can be granted on AWS.`);
  return sessionPolicyForActions(actions);
}

// ---------------------------------------------------------------- manifest viewer

/** What the agent will be able to do with these scopes, in the customer's own terms. */
export function describeScopes(provider: CloudProvider, scopes: readonly string[]): ScopeDescription[] {
  return grantFor(provider, scopes).perScope;
}
