import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { awsGrant, gcpGrant } from '../src/domain/cloud/grants.ts';
import { SESSION_POLICY_MAX_CHARS, sessionPolicyFor } from '../src/adapters/cloud/aws/sessionPolicy.ts';
import { grantFor } from '../src/domain/cloud/scopeTable.ts';

const SA = 'am-ws-0123456789abcdef0123@demo-agent-marketplace.iam.gserviceaccount.com';
const PRINCIPAL = 'arn:aws:iam::111122223333:role/agent-marketplace-broker';
const agentsDir = path.resolve(import.meta.dirname, '../../agents');
const manifests = readdirSync(agentsDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => parse(readFileSync(path.join(agentsDir, d.name, 'agent.yaml'), 'utf8')) as { id: string; permissions: { scope: string }[] });

describe('grants a customer runs', () => {
  it('GCP: a custom role with exactly the permissions, bound to the workspace service account (gcloud and Terraform)', () => {
    const g = gcpGrant({ serviceAccount: SA, target: { kind: 'project', id: 'acme-prod' }, agentId: 'idle-vm-reaper', scopes: ['vm.list', 'vm.stop'] });
    expect(g.gcloud).toBe(
      [
        `# Lets Agent Marketplace (service account ${SA}) do exactly what idle-vm-reaper declares, and nothing else.`,
        '# A role that exists already (an upgrade): run the same first command with "update" instead of "create".',
        "gcloud iam roles create agentMarketplace_idle_vm_reaper --project=acme-prod --title='Agent Marketplace: idle-vm-reaper' --stage=GA --permissions=compute.instances.get,compute.instances.list,compute.instances.stop,monitoring.timeSeries.list",
        `gcloud projects add-iam-policy-binding acme-prod --member=serviceAccount:${SA} --role=projects/acme-prod/roles/agentMarketplace_idle_vm_reaper --condition=None`,
        '',
      ].join('\n'),
    );
    expect(g.terraform).toContain('resource "google_project_iam_custom_role" "agentmarketplace_idle_vm_reaper" {\n  project     = "acme-prod"\n  role_id     = "agentMarketplace_idle_vm_reaper"');
    expect(g.terraform).toContain(`member  = "serviceAccount:${SA}"`);
    const org = gcpGrant({ serviceAccount: SA, target: { kind: 'organization', id: '123456789' }, agentId: 'idle-vm-reaper', scopes: ['vm.list'] });
    expect(org.gcloud).toContain('gcloud iam roles create agentMarketplace_idle_vm_reaper --organization=123456789');
    expect(org.gcloud).toContain('gcloud organizations add-iam-policy-binding 123456789');
    expect(org.terraform).toContain('resource "google_organization_iam_member"');
  });

  it('AWS: a role trusting the platform only with the external id, allowed exactly the actions, able to simulate its own policy', () => {
    const g = awsGrant({ platformPrincipalArn: PRINCIPAL, externalId: 'am-abc_DEF-123', roleName: 'agent-marketplace-idle-vm-reaper', scopes: ['vm.list', 'vm.stop'] });
    const template = parse(g.cloudformation) as { Resources: { AgentMarketplaceRole: { Properties: Record<string, any> } }; Outputs: Record<string, unknown> };
    const role = template.Resources.AgentMarketplaceRole.Properties;
    expect(role['AssumeRolePolicyDocument'].Statement).toEqual([
      { Effect: 'Allow', Principal: { AWS: PRINCIPAL }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'am-abc_DEF-123' } } },
    ]);
    expect(role['MaxSessionDuration']).toBe(3600);
    const [scopes, test] = role['Policies'][0].PolicyDocument.Statement;
    expect(scopes.Action).toEqual(['cloudwatch:GetMetricData', 'ec2:DescribeInstances', 'ec2:StopInstances']);
    expect(test).toMatchObject({ Action: 'iam:SimulatePrincipalPolicy', Resource: { 'Fn::Sub': 'arn:aws:iam::${AWS::AccountId}:role/agent-marketplace-idle-vm-reaper' } });
    expect(template.Outputs['RoleArn']).toBeDefined();
    expect(g.terraform).toContain('resource "aws_iam_role" "agent_marketplace_agent_marketplace_idle_vm_reaper"');
    expect(g.terraform).toContain('"sts:ExternalId": "am-abc_DEF-123"');
    expect(g.terraform).toContain('"Resource": aws_iam_role.agent_marketplace_agent_marketplace_idle_vm_reaper.arn');
  });

  it('refuses input that would break out of a command or a template', () => {
    expect(() => gcpGrant({ serviceAccount: "x'@evil.iam.gserviceaccount.com", target: { kind: 'project', id: 'acme-prod' }, agentId: 'a-b', scopes: [] })).toThrow(/service account/);
    expect(() => gcpGrant({ serviceAccount: SA, target: { kind: 'project', id: 'acme prod; rm -rf /' }, agentId: 'a-b', scopes: [] })).toThrow(/project/);
    expect(() => gcpGrant({ serviceAccount: SA, target: { kind: 'organization', id: 'org-1' }, agentId: 'a-b', scopes: [] })).toThrow(/organization/);
    expect(() => awsGrant({ platformPrincipalArn: PRINCIPAL, externalId: 'ok"}', roleName: 'r', scopes: [] })).toThrow(/external id/);
    expect(() => awsGrant({ platformPrincipalArn: 'arn:aws:iam::1:role/x', externalId: 'am-1', roleName: 'r', scopes: [] })).toThrow(/principal/);
  });

  it("every agent's session policy fits AWS's limit and allows exactly its scopes' actions", () => {
    for (const m of manifests) {
      const scopes = m.permissions.map((p) => p.scope);
      const actions = grantFor('aws', scopes).permissions;
      const policy = sessionPolicyFor(actions);
      expect(policy.length, m.id).toBeLessThanOrEqual(SESSION_POLICY_MAX_CHARS);
      expect(JSON.parse(policy)).toEqual({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: [...actions].sort(), Resource: '*' }] });
    }
    // Nothing beyond what is asked: the reaper's policy has no action of a scope it did not ask for.
    const reaper = JSON.parse(sessionPolicyFor(grantFor('aws', ['vm.list']).permissions)) as { Statement: { Action: string[] }[] };
    expect(reaper.Statement[0]!.Action).not.toContain('ec2:StopInstances');
    expect(() => sessionPolicyFor(Array.from({ length: 120 }, (_, i) => `ec2:DescribeSomethingNumber${i}`))).toThrow(/AWS accepts at most 2048/);
  });
});
