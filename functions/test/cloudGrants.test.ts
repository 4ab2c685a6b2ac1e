import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  AWS_SESSION_POLICY_MAX_CHARS,
  awsGrant,
  awsSessionPolicy,
  describeScopes,
  gcpGrant,
  gcpRoleId,
  hclString,
  sessionPolicyForActions,
  shellQuote,
} from '../src/domain/cloud/grants.ts';
import { grantFor, scopeEntry } from '../src/domain/cloud/scopeTable.ts';
import { AppError } from '../src/domain/errors.ts';

/**
 * The grant generators (issue 24, "GCP" and "AWS"): the exact texts a customer runs for
 * idle-vm-reaper, structural checks for all ten agents, refusal of unsafe input, and session
 * policies that fit STS's limit and never allow an action of a scope not asked for.
 */

const agentsDir = path.resolve(import.meta.dirname, '..', '..', 'agents');
const agents = readdirSync(agentsDir).filter((d) => existsSync(path.join(agentsDir, d, 'agent.yaml')));
const scopesOf = (dir: string): string[] =>
  (parse(readFileSync(path.join(agentsDir, dir, 'agent.yaml'), 'utf8')) as { permissions: { scope: string }[] }).permissions.map((p) => p.scope);

const SA = 'ws-7f3a9c@am-platform.iam.gserviceaccount.com';
const BROKER = 'arn:aws:iam::111122223333:role/agent-marketplace-broker';
const EXTERNAL_ID = 'am-ws-7f3a9c';

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: { AWS: string };
  Condition?: Record<string, Record<string, string>>;
}
interface CfnTemplate {
  AWSTemplateFormatVersion: string;
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  Outputs: { RoleArn: { Value: unknown } };
}

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('gcpGrant: idle-vm-reaper on a project, exactly', () => {
  const g = gcpGrant({ serviceAccount: SA, target: { kind: 'project', id: 'acme-prod' }, agentId: 'idle-vm-reaper', scopes: ['vm.list', 'vm.stop'] });
  const PERMS = 'compute.instances.get,compute.instances.list,compute.instances.stop,compute.machineTypes.get,compute.zoneOperations.get,monitoring.timeSeries.list';
  const FLAGS = `--project=acme-prod --title='Agent Marketplace: idle-vm-reaper' --description='Least privilege for the agent idle-vm-reaper: vm.list, vm.stop' --permissions=${PERMS} --stage=GA --quiet`;

  it('derives a valid custom role id and its full name', () => {
    expect(g.roleId).toBe('agentMarketplace_idle_vm_reaper');
    expect(g.roleName).toBe('projects/acme-prod/roles/agentMarketplace_idle_vm_reaper');
    expect(g.permissions.join(',')).toBe(PERMS);
  });

  it('writes the gcloud commands', () => {
    expect(g.gcloud).toBe(
      [
        '# Note: Utilisation (CPU and network p95) comes from Cloud Monitoring.',
        '# Creates the custom role agentMarketplace_idle_vm_reaper, or sets its permissions if it exists already: safe to run again.',
        '# (A role deleted in the last 7 days must first be restored: gcloud iam roles undelete agentMarketplace_idle_vm_reaper --project=acme-prod)',
        'if gcloud iam roles describe agentMarketplace_idle_vm_reaper --project=acme-prod >/dev/null 2>&1; then',
        `  gcloud iam roles update agentMarketplace_idle_vm_reaper ${FLAGS}`,
        'else',
        `  gcloud iam roles create agentMarketplace_idle_vm_reaper ${FLAGS}`,
        'fi',
        "# Binds it to the workspace's service account (adding a binding that exists changes nothing).",
        'gcloud projects add-iam-policy-binding acme-prod --member=serviceAccount:ws-7f3a9c@am-platform.iam.gserviceaccount.com --role=projects/acme-prod/roles/agentMarketplace_idle_vm_reaper --condition=None --quiet',
        '',
      ].join('\n'),
    );
  });

  it('writes the Terraform', () => {
    expect(g.terraform).toBe(`# Note: Utilisation (CPU and network p95) comes from Cloud Monitoring.
resource "google_project_iam_custom_role" "agent_marketplace_idle_vm_reaper" {
  project     = "acme-prod"
  role_id     = "agentMarketplace_idle_vm_reaper"
  title       = "Agent Marketplace: idle-vm-reaper"
  description = "Least privilege for the agent idle-vm-reaper: vm.list, vm.stop"
  stage       = "GA"
  permissions = [
    "compute.instances.get",
    "compute.instances.list",
    "compute.instances.stop",
    "compute.machineTypes.get",
    "compute.zoneOperations.get",
    "monitoring.timeSeries.list",
  ]
}

resource "google_project_iam_member" "agent_marketplace_idle_vm_reaper" {
  project = "acme-prod"
  role    = google_project_iam_custom_role.agent_marketplace_idle_vm_reaper.name
  member  = "serviceAccount:ws-7f3a9c@am-platform.iam.gserviceaccount.com"
}
`);
  });
});

describe('gcpGrant: organisations, billing accounts, unsupported scopes', () => {
  it('uses the --organization forms and the organisation resources', () => {
    const g = gcpGrant({ serviceAccount: SA, target: { kind: 'organization', id: '123456789012' }, agentId: 'public-bucket-auditor', scopes: ['bucket.list', 'bucket.update'] });
    expect(g.roleName).toBe('organizations/123456789012/roles/agentMarketplace_public_bucket_auditor');
    expect(g.gcloud).toContain('gcloud iam roles create agentMarketplace_public_bucket_auditor --organization=123456789012 ');
    expect(g.gcloud).toContain(
      'gcloud organizations add-iam-policy-binding 123456789012 --member=serviceAccount:ws-7f3a9c@am-platform.iam.gserviceaccount.com --role=organizations/123456789012/roles/agentMarketplace_public_bucket_auditor --condition=None --quiet',
    );
    expect(g.gcloud).not.toContain('--project');
    expect(g.terraform).toContain('resource "google_organization_iam_custom_role" "agent_marketplace_public_bucket_auditor" {\n  org_id      = "123456789012"');
    expect(g.terraform).toContain('resource "google_organization_iam_member" "agent_marketplace_public_bucket_auditor" {\n  org_id  = "123456789012"\n  role    = google_organization_iam_custom_role.agent_marketplace_public_bucket_auditor.name');
    // An organisation target adds resourcemanager.projects.get: its projects are found with projects.search.
    expect(g.permissions).toEqual(['monitoring.timeSeries.list', 'resourcemanager.projects.get', 'storage.buckets.get', 'storage.buckets.getIamPolicy', 'storage.buckets.list', 'storage.buckets.setIamPolicy', 'storage.buckets.update']);
  });

  it("keeps budget permissions out of the project's role and says where they go; leaves budget.label out", () => {
    const g = gcpGrant({ serviceAccount: SA, target: { kind: 'project', id: 'acme-prod' }, agentId: 'budget-guard', scopes: scopesOf('budget-guard') });
    expect(g.permissions.some((p) => p.startsWith('billing.'))).toBe(false);
    expect(g.elsewhere.map((e) => e.scope)).toEqual(['budget.list']);
    expect(g.unsupported).toEqual(['budget.label']);
    expect(g.gcloud).toContain('# Note: budget.label cannot be granted on GCP and is left out.');
    expect(g.gcloud).toContain('# Note: budget.list needs billing.budgets.get, billing.budgets.list, resourcemanager.projects.get on the billing account (not the project)');
    expect(g.permissions).toEqual(expect.arrayContaining(['bigquery.jobs.create', 'compute.instances.stop']));
  });

  it('shortens a long agent id into a valid role id, deterministically', () => {
    const long = `a${'-very-long-agent-name'.repeat(2)}-with-more-words`; // 59 characters: 80 with the prefix
    expect(long.length).toBeLessThanOrEqual(63);
    const id = gcpRoleId(long);
    expect(id).toMatch(/^[a-zA-Z0-9_.]{3,64}$/);
    expect(id).toBe(gcpRoleId(long));
    expect(id).not.toBe(gcpRoleId(`${long}x`));
  });

  it('refuses unsafe or malformed input', () => {
    const ok = { serviceAccount: SA, target: { kind: 'project' as const, id: 'acme-prod' }, agentId: 'idle-vm-reaper', scopes: ['vm.list'] };
    expect(refusal(() => gcpGrant({ ...ok, serviceAccount: "ws'; rm -rf ~ #@x.iam.gserviceaccount.com" })).code).toBe('cloud_grant_input_invalid');
    expect(refusal(() => gcpGrant({ ...ok, serviceAccount: 'ws"x@am-platform.iam.gserviceaccount.com' })).message).toMatch(/not a service account email/);
    expect(refusal(() => gcpGrant({ ...ok, target: { kind: 'project', id: 'acme prod' } })).message).toMatch(/not a GCP project id/);
    expect(refusal(() => gcpGrant({ ...ok, target: { kind: 'organization', id: '12ab' } })).message).toMatch(/not a GCP organisation id/);
    expect(refusal(() => gcpGrant({ ...ok, agentId: 'Idle VM' })).message).toMatch(/not an agent id/);
    expect(refusal(() => gcpGrant({ ...ok, scopes: ['vm.list; echo'] })).message).toMatch(/not a scope/);
    expect(refusal(() => gcpGrant({ ...ok, scopes: [] })).message).toMatch(/At least one scope/);
    expect(refusal(() => gcpGrant({ ...ok, scopes: ['budget.label'] })).message).toMatch(/None of budget.label/);
  });
});

describe('awsGrant: idle-vm-reaper, exactly', () => {
  const a = awsGrant({ platformPrincipalArn: BROKER, externalId: EXTERNAL_ID, roleName: 'agent-marketplace', scopes: ['vm.list', 'vm.stop'] });

  it('writes the CloudFormation template', () => {
    expect(a.cloudformation).toBe(`AWSTemplateFormatVersion: "2010-09-09"
Description: "The role Agent Marketplace assumes, with the workspace's external id, to act for its agents: vm.list, vm.stop"
Resources:
  AgentMarketplaceRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: "agent-marketplace"
      MaxSessionDuration: 3600
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              AWS: "arn:aws:iam::111122223333:role/agent-marketplace-broker"
            Action: "sts:AssumeRole"
            Condition:
              StringEquals:
                "sts:ExternalId": "am-ws-7f3a9c"
      Policies:
        - PolicyName: agent-marketplace-scopes
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Sid: AgentScopes
                Effect: Allow
                Action:
                  - "cloudwatch:GetMetricData"
                  - "ec2:DescribeInstanceTypes"
                  - "ec2:DescribeInstances"
                  - "ec2:StopInstances"
                Resource: "*"
              - Sid: TestConnection
                Effect: Allow
                Action: "iam:SimulatePrincipalPolicy"
                Resource:
                  Fn::Sub: "arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/agent-marketplace"
Outputs:
  RoleArn:
    Description: Paste this into the connection form.
    Value:
      Fn::GetAtt: [AgentMarketplaceRole, Arn]
`);
  });

  it('writes the Terraform', () => {
    expect(a.terraform).toBe(`resource "aws_iam_role" "agent_marketplace" {
  name                 = "agent-marketplace"
  max_session_duration = 3600
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:role/agent-marketplace-broker" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "sts:ExternalId" = "am-ws-7f3a9c" } }
    }]
  })
}

resource "aws_iam_role_policy" "agent_marketplace" {
  name = "agent-marketplace-scopes"
  role = aws_iam_role.agent_marketplace.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "AgentScopes"
        Effect   = "Allow"
        Action   = [
          "cloudwatch:GetMetricData",
          "ec2:DescribeInstanceTypes",
          "ec2:DescribeInstances",
          "ec2:StopInstances",
        ]
        Resource = "*"
      },
      {
        Sid      = "TestConnection"
        Effect   = "Allow"
        Action   = "iam:SimulatePrincipalPolicy"
        Resource = aws_iam_role.agent_marketplace.arn
      },
    ]
  })
}

output "role_arn" {
  value = aws_iam_role.agent_marketplace.arn
}
`);
  });

  it('answers the trust policy as JSON of the right shape', () => {
    expect(JSON.parse(JSON.stringify(a.trustPolicy))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: BROKER }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID } } }],
    });
  });

  it('refuses unsafe or malformed input', () => {
    const ok = { platformPrincipalArn: BROKER, externalId: EXTERNAL_ID, roleName: 'agent-marketplace', scopes: ['vm.list'] };
    expect(refusal(() => awsGrant({ ...ok, externalId: 'am"ws\nx' })).code).toBe('cloud_grant_input_invalid');
    expect(refusal(() => awsGrant({ ...ok, externalId: 'x' })).message).toMatch(/external id/);
    expect(refusal(() => awsGrant({ ...ok, roleName: 'agent marketplace' })).message).toMatch(/not an IAM role name/);
    expect(refusal(() => awsGrant({ ...ok, platformPrincipalArn: 'arn:aws:iam::1111:role/x' })).message).toMatch(/not an IAM role or account ARN/);
    expect(refusal(() => awsGrant({ ...ok, platformPrincipalArn: `${BROKER}"}` })).message).toMatch(/not an IAM role or account ARN/);
  });
});

describe('every agent', () => {
  it.each(agents)('%s: GCP grant holds exactly its scopes’ permissions (less billing-account ones)', (agent) => {
    const scopes = scopesOf(agent);
    const g = gcpGrant({ serviceAccount: SA, target: { kind: 'project', id: 'acme-prod' }, agentId: agent, scopes });
    const expected = new Set(scopes.flatMap((s) => (scopeEntry(s)?.gcp?.grantOn ? [] : (scopeEntry(s)?.gcp?.permissions ?? []))));
    expect(new Set(g.permissions)).toEqual(expected);
    expect(g.roleId).toMatch(/^[a-zA-Z0-9_.]{3,64}$/);
    expect(g.gcloud).toContain(`--permissions=${g.permissions.join(',')} --stage=GA`);
    expect(g.gcloud).toContain(`--role=projects/acme-prod/roles/${g.roleId} --condition=None`);
    // Every permission line in the Terraform is one of the role's.
    const tfPerms = [...g.terraform.matchAll(/^ {4}"([a-zA-Z.]+)",$/gm)].map((m) => m[1]);
    expect(tfPerms).toEqual(g.permissions);
  });

  it.each(agents)('%s: the CloudFormation parses, trusts only the broker with the external id, allows exactly its actions', (agent) => {
    const scopes = scopesOf(agent);
    const a = awsGrant({ platformPrincipalArn: BROKER, externalId: EXTERNAL_ID, roleName: 'agent-marketplace', scopes });
    const t = parse(a.cloudformation) as CfnTemplate;
    expect(t.AWSTemplateFormatVersion).toBe('2010-09-09');
    const role = t.Resources.AgentMarketplaceRole!;
    expect(role.Type).toBe('AWS::IAM::Role');
    expect(role.Properties.MaxSessionDuration).toBe(3600);
    const trust = role.Properties.AssumeRolePolicyDocument as { Version: string; Statement: Statement[] };
    expect(trust).toEqual(a.trustPolicy);
    const [policy] = role.Properties.Policies as Array<{ PolicyName: string; PolicyDocument: { Version: string; Statement: Statement[] } }>;
    const [scoped, test] = policy!.PolicyDocument.Statement;
    expect(scoped).toEqual({ Sid: 'AgentScopes', Effect: 'Allow', Action: grantFor('aws', scopes).permissions, Resource: '*' });
    expect(test).toEqual({ Sid: 'TestConnection', Effect: 'Allow', Action: 'iam:SimulatePrincipalPolicy', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/agent-marketplace' } });
    expect(t.Outputs.RoleArn.Value).toEqual({ 'Fn::GetAtt': ['AgentMarketplaceRole', 'Arn'] });
    // The Terraform names the same actions.
    for (const action of a.actions) expect(a.terraform).toContain(`          "${action}",\n`);
    expect(a.terraform).toContain('max_session_duration = 3600');
  });

  it.each(agents)('%s: the session policy fits STS’s 2,048 characters and allows only its scopes’ actions', (agent) => {
    const scopes = scopesOf(agent);
    const json = awsSessionPolicy(scopes);
    expect(json.length).toBeLessThanOrEqual(AWS_SESSION_POLICY_MAX_CHARS);
    const doc = JSON.parse(json) as { Version: string; Statement: Statement[] };
    expect(doc.Version).toBe('2012-10-17');
    expect(doc.Statement).toHaveLength(1);
    expect(doc.Statement[0]).toMatchObject({ Effect: 'Allow', Resource: '*' });
    const actions = ([] as string[]).concat(doc.Statement[0]!.Action);
    expect(actions).toEqual(grantFor('aws', scopes).permissions);
    expect(actions).not.toContain('iam:SimulatePrincipalPolicy');
  });

  it.each(agents)('%s: describes each scope in the customer’s terms', (agent) => {
    const scopes = scopesOf(agent);
    for (const provider of ['gcp', 'aws'] as const) {
      const d = describeScopes(provider, scopes);
      expect(d.map((x) => x.scope)).toEqual(scopes.filter((s) => scopeEntry(s)?.[provider]));
      for (const x of d) expect(x.describe).toMatch(/^[A-Z]/);
    }
  });
});

describe('awsSessionPolicy', () => {
  it('never includes an action of a scope not asked for', () => {
    const vmOnly = JSON.parse(awsSessionPolicy(['vm.list'])) as { Statement: Statement[] };
    expect(vmOnly.Statement[0]!.Action).toEqual(['cloudwatch:GetMetricData', 'ec2:DescribeInstanceTypes', 'ec2:DescribeInstances']);
    const withStop = awsSessionPolicy(['vm.list', 'vm.stop']);
    expect(withStop).toContain('"ec2:StopInstances"');
    expect(awsSessionPolicy(['vm.list'])).not.toContain('StopInstances');
    // Two scopes of one kind: only what each asks.
    expect(awsSessionPolicy(['bucket.list'])).not.toContain('PutBucket');
  });

  it('adds iam:SimulatePrincipalPolicy only for the Test connection credential', () => {
    expect(awsSessionPolicy(['vm.list'], { testConnection: true })).toContain('"iam:SimulatePrincipalPolicy"');
  });

  it('is compact JSON', () => {
    expect(awsSessionPolicy(['logs.read'])).toBe('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:DescribeLogGroups","logs:FilterLogEvents"],"Resource":"*"}]}');
    expect(awsSessionPolicy(['billing.read'])).toBe('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ce:GetCostAndUsage","Resource":"*"}]}');
  });

  it('past 2,048 characters groups reads under the smallest safe wildcard, never writes', () => {
    const describes = Array.from({ length: 60 }, (_, i) => `ec2:DescribeThing${String.fromCharCode(65 + (i % 26))}${i}`);
    const s3 = Array.from({ length: 30 }, (_, i) => `s3:GetBucketSetting${i}`);
    const writes = ['ec2:StopInstances', 'ec2:CreateTags', 's3:PutBucketTagging'];
    const json = sessionPolicyForActions([...describes, ...s3, ...writes]);
    expect(json.length).toBeLessThanOrEqual(AWS_SESSION_POLICY_MAX_CHARS);
    const actions = (JSON.parse(json) as { Statement: Statement[] }).Statement[0]!.Action as string[];
    expect(actions).toEqual(['ec2:CreateTags', 'ec2:DescribeThing*', 'ec2:StopInstances', 's3:GetBucketSetting*', 's3:PutBucketTagging']);
  });

  it('refuses a wildcard that would sweep in a data read, and fails loudly when nothing safe fits', () => {
    // s3:Get* would include s3:GetObject: kept one by one, so too long, so refused.
    const gets = Array.from({ length: 90 }, (_, i) => `s3:Get${i % 2 ? 'Bucket' : 'Account'}Thing${i}`);
    const err = refusal(() => sessionPolicyForActions(gets));
    expect(err.code).toBe('cloud_session_policy_too_large');
    expect(err.message).toMatch(/AWS allows 2048/);
    // Writes are never wildcarded.
    const writes = Array.from({ length: 90 }, (_, i) => `ec2:CreateThingNumber${i}`);
    expect(refusal(() => sessionPolicyForActions(writes)).code).toBe('cloud_session_policy_too_large');
  });

  it('refuses malformed actions', () => {
    expect(refusal(() => sessionPolicyForActions(['ec2:*'])).message).toMatch(/not an IAM action/);
    expect(refusal(() => sessionPolicyForActions([])).message).toMatch(/at least one action/);
  });
});

describe('quoting', () => {
  it('single-quotes shell words that need it', () => {
    expect(shellQuote('acme-prod')).toBe('acme-prod');
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
  });
  it('escapes HCL interpolation', () => {
    expect(hclString('a${b}%{c}"')).toBe('"a$${b}%%{c}\\""');
  });
});
