import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAgentForTest } from '../../../runner/src/testing.ts';

const agentDir = path.resolve(import.meta.dirname, '..');
type Summary = Record<string, unknown> & { violations: number; fixed: number; open: number; needsHuman: number };
interface Fix {
  kind: string;
  id: string;
  name: string;
  labels: Record<string, string>;
  reason: string;
  status: string;
}

describe('tag-compliance-enforcer on its sandbox organisation', () => {
  it('labels what it can infer, really changing the sandbox, and lists the rest for a person', async () => {
    const run = await runAgentForTest(agentDir);
    const summary = run.outputs['summary'] as Summary;
    expect(summary).toMatchObject({ resources: 39, compliant: 12, nonCompliant: 27, violations: 45, fixed: 21, open: 24, needsHuman: 24, resourcesLabelled: 17, policySource: 'default' });
    expect(summary['byLabel']).toEqual({
      owner: { missing: 9, invalid: 0, fixed: 0, needsHuman: 9 },
      'cost-center': { missing: 15, invalid: 3, fixed: 9, needsHuman: 9 },
      env: { missing: 14, invalid: 4, fixed: 12, needsHuman: 6 },
    });
    const fixes = run.outputs['fixes'] as Fix[];
    expect(fixes.every((f) => f.status === 'applied')).toBe(true);
    expect(run.store.applied).toHaveLength(17);
    expect(run.store.applied.map((a) => a.action.verb)).toEqual(Array(17).fill('label'));

    const vm = await run.ctx.cloud.get('vm', 'projects/acme-prod/zones/us-central1-a/instances/api-server-1');
    expect(vm!.labels).toEqual({ owner: 'team-api', 'cost-center': 'cc-1042', env: 'prod' });
    const bucket = await run.ctx.cloud.get('bucket', 'projects/acme-prod/buckets/acme-prod-access-logs');
    expect(bucket!.labels).toEqual({ 'cost-center': 'cc-1042', env: 'prod' });
    expect(fixes.find((f) => f.name === 'api-server-1')!.reason).toBe('Label policy: set env=prod (was "production") from project acme-prod');

    const needsHuman = run.outputs['needsHuman'] as { name: string; label: string }[];
    expect(needsHuman.filter((n) => n.label === 'owner').map((n) => n.name)).toContain('batch-runner');
    expect(run.logs.filter((l) => l.msg.startsWith('Labelled '))).toHaveLength(17);
    expect(run.logs.some((l) => l.level === 'warn' && l.msg.startsWith('vm bastion: env=dev'))).toBe(true);
    expect(run.outputs['pendingApproval']).toEqual([]);
    expect(run.progress.at(-1)).toEqual({ percent: 100, message: 'Done' });
  });

  it('a second run on the same sandbox finds fewer violations and nothing left to fix', async () => {
    const first = await runAgentForTest(agentDir);
    const second = await runAgentForTest(agentDir, { store: first.store });
    const a = first.outputs['summary'] as Summary;
    const b = second.outputs['summary'] as Summary;
    expect(b.violations).toBeLessThan(a.violations);
    expect(b).toMatchObject({ violations: 24, fixed: 0, needsHuman: 24, compliant: 21 });
    expect(a['compliantAfter']).toBe(21);
    expect(second.outputs['fixes']).toEqual([]);
    expect(second.store.applied).toHaveLength(17);
  });

  it('in a dry run, reports the fixes and changes nothing', async () => {
    const run = await runAgentForTest(agentDir, { input: { dryRun: true } });
    expect(run.store.applied).toEqual([]);
    expect((run.outputs['fixes'] as Fix[]).map((f) => f.status)).toEqual(Array(17).fill('dry-run'));
    expect(run.outputs['summary']).toMatchObject({ violations: 45, fixed: 0, open: 45, needsHuman: 24, dryRun: true });
  });

  it('takes the policy from the install config, and the run input over it', async () => {
    const config = { policy: { required: ['owner'] } };
    const cfg = await runAgentForTest(agentDir, { config, input: { dryRun: true } });
    // Only owner is required now (9 missing), but present env (4) and cost-center (3) values must still be valid.
    expect(cfg.outputs['summary']).toMatchObject({ policySource: 'config', violations: 16 });
    const inp = await runAgentForTest(agentDir, { config, input: { dryRun: true, policy: { required: ['env'], patterns: {} } } });
    // Only env is required, and cost-center has no pattern any more: 14 missing and 4 invalid env values.
    expect(inp.outputs['summary']).toMatchObject({ policySource: 'input', violations: 18 });
    await expect(runAgentForTest(agentDir, { input: { policy: { patterns: { owner: '([' } } } })).rejects.toThrow(/not a valid regular expression/);
  });

  it('honours minEvidence, kinds and projects', async () => {
    const lenient = await runAgentForTest(agentDir, { input: { dryRun: true, minEvidence: 1 } });
    expect((lenient.outputs['summary'] as Summary).fixed + (lenient.outputs['summary'] as Summary).open).toBe(45);
    expect((lenient.outputs['fixes'] as Fix[]).find((f) => f.name === 'payments-api-2')!.labels).toEqual({ 'cost-center': 'cc-2200' });

    const buckets = await runAgentForTest(agentDir, { input: { kinds: ['bucket'], projects: ['acme-prod'] } });
    expect(buckets.outputs['summary']).toMatchObject({ resources: 3, resourcesLabelled: 2 });
    expect(buckets.store.applied.every((a) => a.action.kind === 'bucket')).toBe(true);
  });

  it('proposes a gated label fix for approval instead of applying it, and counts it as open', async () => {
    const run = await runAgentForTest(agentDir, { gated: ['bucket.label'] });
    const fixes = run.outputs['fixes'] as (Fix & { approvalId?: string })[];
    const bucketFixes = fixes.filter((f) => f.kind === 'bucket');
    expect(bucketFixes.length).toBeGreaterThan(0);
    expect(bucketFixes.every((f) => f.status === 'pending-approval' && /^proposal-\d+$/.test(f.approvalId ?? ''))).toBe(true);
    expect(fixes.filter((f) => f.kind !== 'bucket').every((f) => f.status === 'applied' && f.approvalId === undefined)).toBe(true);
    expect(run.outputs['pendingApproval']).toEqual(bucketFixes);

    // The bucket labels are proposed to the platform, not applied; the other kinds are labelled as before.
    expect(run.store.proposed.map((a) => `${a.kind}.${a.verb} ${a.id}`)).toEqual(bucketFixes.map((f) => `bucket.label ${f.id}`));
    expect(run.store.applied.some((a) => a.action.kind === 'bucket')).toBe(false);
    expect(run.store.applied).toHaveLength(fixes.length - bucketFixes.length);
    const logs = (await run.ctx.cloud.get('bucket', 'projects/acme-prod/buckets/acme-prod-access-logs'))!;
    expect(logs.labels).not.toHaveProperty('env');
    const proposal = run.store.proposed.find((a) => a.id === 'projects/acme-prod/buckets/acme-prod-access-logs')!;
    expect(proposal.params).toEqual({ labels: { 'cost-center': 'cc-1042', env: 'prod' } });
    expect(proposal.summary).toBe('Label policy: set cost-center=cc-1042, env=prod on bucket acme-prod/acme-prod-access-logs, inferred from its project');
    expect(run.store.proposed.every((a) => a.summary!.length <= 300)).toBe(true);

    const summary = run.outputs['summary'] as Summary;
    expect(summary).toMatchObject({ pendingApproval: bucketFixes.length, failed: 0, resourcesLabelled: fixes.length - bucketFixes.length });
    expect(summary.fixed).toBeLessThan(21);
    expect(summary.fixed + summary.open).toBe(45);
    expect(run.logs.filter((l) => l.level === 'info' && /^Proposed labelling bucket .+: waiting for an approval$/.test(l.msg))).toHaveLength(bucketFixes.length);
    expect(run.logs.some((l) => l.level === 'error')).toBe(false);
  });
});
