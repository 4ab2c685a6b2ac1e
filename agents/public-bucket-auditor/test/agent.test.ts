import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAgentForTest } from '../../../runner/src/testing.ts';

const agentDir = path.resolve(import.meta.dirname, '..');

interface Finding {
  bucket: string;
  id: string;
  severity: string;
  status: string;
}
interface Action {
  bucket: string;
  id: string;
  action: string;
  reason: string;
  approvalId?: string;
}

describe('public-bucket-auditor on its sandbox account', () => {
  it('reports the exposed buckets and proposes every fix for approval without changing anything', async () => {
    const run = await runAgentForTest(agentDir);
    const findings = run.outputs['findings'] as Finding[];
    const pending = run.outputs['pendingApproval'] as Action[];
    expect(findings).toHaveLength(16);
    expect(findings[0]).toMatchObject({ severity: 'critical', status: 'pending-approval' });
    expect(pending).toHaveLength(12);
    expect(pending.every((p) => p.action === 'bucket.update' && p.reason.length > 20)).toBe(true);
    expect(pending.map((p) => p.approvalId)).toEqual(pending.map((_, i) => `proposal-${i + 1}`));
    expect(run.outputs['remediated']).toEqual([]);
    expect(run.outputs['failed']).toEqual([]);
    // Each fix is proposed to the platform with the line approvers read; nothing is applied.
    expect(run.store.applied).toEqual([]);
    expect(run.store.proposed.map((a) => `${a.kind}.${a.verb} ${a.id}`)).toEqual(pending.map((p) => `bucket.update ${p.id}`));
    expect(run.store.proposed.every((a) => a.summary!.length <= 300 && a.impact?.note && !a.impact.monthlySavings)).toBe(true);
    const scratch = run.store.proposed.find((a) => a.id === 'projects/acme-dev/buckets/acme-dev-scratch')!;
    expect(scratch.summary).toMatch(/^Close public \w+ access to \w+ bucket acme-dev\/acme-dev-scratch: remove allUsers .+, enforce public access prevention$/);
    expect(scratch.params).toEqual({ attributes: expect.objectContaining({ publicAccessPrevention: 'enforced' }) });
    const site = run.store.proposed.find((a) => a.id === 'projects/acme-prod/buckets/acme-marketing-site')!;
    expect(site.summary).toMatch(/; the website keeps public object read$/);
    expect(site.impact!.note).toMatch(/^Intended website: it keeps serving its \d+ objects publicly/);
    expect(findings.filter((f) => f.severity === 'low').every((f) => f.status === 'open')).toBe(true);
    expect(run.outputs['summary']).toMatchObject({
      buckets: 32,
      exposed: 16,
      bySeverity: { critical: 8, high: 4, medium: 1, low: 3, info: 0 },
      intendedPublic: 3,
      blocked: 1,
      pendingApproval: 12,
      text: null,
    });
    expect(run.logs.filter((l) => l.level === 'info').map((l) => l.msg)).toContain('Proposed closing public access to acme-dev-scratch: waiting for an approval (bucket.update)');
    expect(run.logs.filter((l) => l.msg.startsWith('Proposed closing public access'))).toHaveLength(12);
    expect(run.logs.some((l) => l.level === 'error' || l.msg.includes('needs approval'))).toBe(false);
    expect(run.logs.filter((l) => l.msg === 'No language model is configured: skipping the written summary.')).toHaveLength(1);
    expect(run.progress.at(-1)).toEqual({ percent: 100, message: 'Done' });
  });

  it('applies the fixes once approved, and a later run sees the buckets closed', async () => {
    const first = await runAgentForTest(agentDir, { approved: ['bucket.update'] });
    expect(first.outputs['pendingApproval']).toEqual([]);
    expect((first.outputs['remediated'] as Action[]).length).toBe(12);
    expect(first.store.applied).toHaveLength(12);
    expect(first.store.proposed).toEqual([]);

    const scratch = await first.ctx.cloud.get('bucket', 'projects/acme-dev/buckets/acme-dev-scratch');
    expect(scratch?.attributes['publicAccessPrevention']).toBe('enforced');
    expect(JSON.stringify(scratch?.attributes['iamBindings'])).not.toContain('allUsers');
    const site = await first.ctx.cloud.get('bucket', 'projects/acme-prod/buckets/acme-marketing-site');
    expect(site?.attributes['publicAccessPrevention']).toBe('inherited');

    const second = await runAgentForTest(agentDir, { store: first.store });
    const left = (second.outputs['findings'] as Finding[]).map((f) => `${f.severity} ${f.bucket}`);
    expect(left).toEqual(['medium acme-docs-site', 'low acme-prod-cdn-assets', 'low acme-data-public-datasets', 'low acme-prod-public-downloads']);
    // The marketing site lost its public write grant but still serves: now an intended website.
    expect((second.outputs['intendedPublic'] as Finding[]).map((w) => w.bucket)).toContain('acme-marketing-site');
    expect(second.outputs['pendingApproval']).toEqual([]);
    expect(second.store.applied).toHaveLength(12);
  });

  it('honours its inputs: report only, a project filter and a lower remediation threshold', async () => {
    const off = await runAgentForTest(agentDir, { input: { remediate: false } });
    expect(off.outputs['pendingApproval']).toEqual([]);
    expect((off.outputs['findings'] as Finding[]).every((f) => f.status === 'open')).toBe(true);

    const data = await runAgentForTest(agentDir, { input: { projects: ['acme-data'], remediateMinSeverity: 'low' } });
    expect((data.outputs['findings'] as Finding[]).map((f) => f.bucket)).toEqual(['acme-data-analyst-share', 'acme-data-bq-exports', 'acme-data-public-datasets']);
    expect((data.outputs['pendingApproval'] as Action[]).length).toBe(3);
    expect(data.store.proposed).toHaveLength(3);
    expect(data.store.applied).toEqual([]);
  });

  it('writes a summary when a model is configured', async () => {
    const prompts: string[] = [];
    const run = await runAgentForTest(agentDir, {
      llm: { model: 'test-model', complete: async (p) => (prompts.push(p), 'Eight buckets are critically exposed; twelve fixes await approval.') },
    });
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toContain('acme-prod-uploads-incoming');
    expect((run.outputs['summary'] as { text: string }).text).toBe('Eight buckets are critically exposed; twelve fixes await approval.');
    expect(run.logs.map((l) => l.msg)).not.toContain('No language model is configured: skipping the written summary.');
  });
});
