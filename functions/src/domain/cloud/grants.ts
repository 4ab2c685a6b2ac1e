import { stringify } from 'yaml';
import type { GcpTarget } from '@agent-marketplace/contract/cloud';
import { AppError } from '../errors.js';
import { grantFor } from './scopeTable.js';

/**
 * What a customer runs to grant an agent exactly its manifest's scopes, and the AWS session
 * policy a run's credential is narrowed by. Every value put into a command or a template is
 * checked against a strict pattern first, so nothing can break out of its quotes.
 */

const SERVICE_ACCOUNT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/;
const PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const ORGANIZATION = /^\d{1,20}$/;
const AGENT = /^[a-z][a-z0-9-]{1,62}$/;
const PERMISSION = /^[a-z][a-zA-Z0-9]*(\.[a-zA-Z0-9]+){2,}$/;
const AWS_ACTION = /^[a-z0-9-]+:[A-Za-z0-9*]+$/;
const ROLE_ARN = /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,128}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

function check(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new AppError('invalid', 'grant_input_invalid', `Cannot write a grant for ${what} ${JSON.stringify(value)}.`);
  return value;
}

/** A custom role id (`[a-zA-Z0-9_.]{3,64}`) from an agent id. */
export const gcpRoleId = (agentId: string) => `agentMarketplace_${check(agentId, AGENT, 'the agent id').replaceAll('-', '_')}`.slice(0, 64);

export interface GcpGrantInput {
  serviceAccount: string;
  target: GcpTarget;
  agentId: string;
  scopes: readonly string[];
}

export function gcpGrant(input: GcpGrantInput): { roleId: string; permissions: string[]; unsupported: string[]; gcloud: string; terraform: string } {
  const sa = check(input.serviceAccount, SERVICE_ACCOUNT, 'the service account');
  const id = check(input.target.id, input.target.kind === 'project' ? PROJECT : ORGANIZATION, `the ${input.target.kind}`);
  const roleId = gcpRoleId(input.agentId);
  const { permissions, unsupported } = grantFor('gcp', input.scopes);
  for (const p of permissions) check(p, PERMISSION, 'the permission');
  const title = `Agent Marketplace: ${input.agentId}`;
  const project = input.target.kind === 'project';
  const roleName = project ? `projects/${id}/roles/${roleId}` : `organizations/${id}/roles/${roleId}`;
  const where = project ? `--project=${id}` : `--organization=${id}`;
  const gcloud = [
    `# Lets Agent Marketplace (service account ${sa}) do exactly what ${input.agentId} declares, and nothing else.`,
    `# A role that exists already (an upgrade): run the same first command with "update" instead of "create".`,
    `gcloud iam roles create ${roleId} ${where} --title='${title}' --stage=GA --permissions=${permissions.join(',')}`,
    project
      ? `gcloud projects add-iam-policy-binding ${id} --member=serviceAccount:${sa} --role=${roleName} --condition=None`
      : `gcloud organizations add-iam-policy-binding ${id} --member=serviceAccount:${sa} --role=${roleName} --condition=None`,
    '',
  ].join('\n');
  const name = roleId.toLowerCase().replaceAll('.', '_');
  const list = permissions.map((p) => `    "${p}",`).join('\n');
  // The project and organisation resources differ only in their names and the id's attribute.
  const [kind, key] = project ? ['project', 'project'] : ['organization', 'org_id'];
  const terraform = [
    `resource "google_${kind}_iam_custom_role" "${name}" {`,
    `  ${key.padEnd(11)} = "${id}"`,
    `  role_id     = "${roleId}"`,
    `  title       = "${title}"`,
    `  permissions = [`,
    list,
    `  ]`,
    `}`,
    ``,
    `resource "google_${kind}_iam_member" "${name}" {`,
    `  ${key.padEnd(7)} = "${id}"`,
    `  role    = google_${kind}_iam_custom_role.${name}.name`,
    `  member  = "serviceAccount:${sa}"`,
    `}`,
    ``,
  ].join('\n');
  return { roleId, permissions, unsupported, gcloud, terraform };
}

export interface AwsGrantInput {
  platformPrincipalArn: string;
  externalId: string;
  roleName: string;
  scopes: readonly string[];
}

const POLICY_VERSION = '2012-10-17';

/**
 * A role the platform's broker assumes only with the workspace's external id, allowed exactly
 * the scopes' actions, plus simulating its own policy ("Test connection").
 */
export function awsGrant(input: AwsGrantInput): { actions: string[]; unsupported: string[]; cloudformation: string; terraform: string } {
  const principal = check(input.platformPrincipalArn, ROLE_ARN, 'the platform principal');
  const externalId = check(input.externalId, EXTERNAL_ID, 'the external id');
  const roleName = check(input.roleName, ROLE_NAME, 'the role name');
  const { permissions: actions, unsupported } = grantFor('aws', input.scopes);
  for (const a of actions) check(a, AWS_ACTION, 'the action');
  const trust = {
    Version: POLICY_VERSION,
    Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': externalId } } }],
  };
  const scopesStatement = { Sid: 'AgentScopes', Effect: 'Allow', Action: actions, Resource: '*' };
  const cloudformation = stringify({
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `Lets Agent Marketplace do exactly what the agent declares (${input.scopes.join(', ')}), with this workspace's external id.`,
    Resources: {
      AgentMarketplaceRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: roleName,
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: trust,
          Policies: [
            {
              PolicyName: 'agent-marketplace-scopes',
              PolicyDocument: {
                Version: POLICY_VERSION,
                Statement: [
                  scopesStatement,
                  { Sid: 'TestConnection', Effect: 'Allow', Action: 'iam:SimulatePrincipalPolicy', Resource: { 'Fn::Sub': `arn:aws:iam::\${AWS::AccountId}:role/${roleName}` } },
                ],
              },
            },
          ],
        },
      },
    },
    Outputs: { RoleArn: { Description: 'Paste this into the connection', Value: { 'Fn::GetAtt': ['AgentMarketplaceRole', 'Arn'] } } },
  });
  const name = `agent_marketplace_${roleName.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
  const policy = { Version: POLICY_VERSION, Statement: [scopesStatement, { Sid: 'TestConnection', Effect: 'Allow', Action: 'iam:SimulatePrincipalPolicy', Resource: '${aws_iam_role.' + name + '.arn}' }] };
  // jsonencode of a JSON literal: HCL reads JSON objects as object constructors.
  const hcl = (v: unknown) => JSON.stringify(v, null, 2).replace(/"\$\{(aws_iam_role\.[a-z0-9_]+\.arn)\}"/g, '$1').split('\n').join('\n  ');
  const terraform = [
    `resource "aws_iam_role" "${name}" {`,
    `  name                 = "${roleName}"`,
    `  max_session_duration = 3600`,
    `  assume_role_policy   = jsonencode(${hcl(trust)})`,
    `}`,
    ``,
    `resource "aws_iam_role_policy" "${name}" {`,
    `  name   = "agent-marketplace-scopes"`,
    `  role   = aws_iam_role.${name}.id`,
    `  policy = jsonencode(${hcl(policy)})`,
    `}`,
    ``,
    `output "role_arn" {`,
    `  value = aws_iam_role.${name}.arn`,
    `}`,
    ``,
  ].join('\n');
  return { actions, unsupported, cloudformation, terraform };
}
