import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAgentForTest } from '../../../runner/src/testing.ts';

const agentDir = path.resolve(import.meta.dirname, '..');
const asOf = '2026-11-20T00:00:00Z';

interface Finding {
  project: string;
  member: string;
  role: string;
  severity: string;
  flags: { flag: string }[];
}

describe('iam-least-privilege-auditor on its sandbox account', () => {
  it('reviews every binding read-only and reports findings, member recommendations and a summary', async () => {
    const run = await runAgentForTest(agentDir, { input: { asOf } });
    const findings = run.outputs['findings'] as Finding[];
    expect(findings[0]).toMatchObject({ severity: 'critical' });
    expect(run.outputs['summary']).toMatchObject({
      asOf: '2026-11-20T00:00:00.000Z',
      lookbackDays: 90,
      bindings: 54,
      analysed: 51,
      findings: 39,
      skippedServiceAgents: 3,
      bySeverity: { critical: 3, high: 9, medium: 13, low: 10, info: 4 },
      byFlag: { 'basic-role-on-service-account': 9, 'public-member': 2, 'unused-binding': 8, 'recently-granted': 1, 'excess-permissions': 28 },
      membersWithRecommendation: 28,
      explanation: null,
    });
    expect((run.outputs['members'] as unknown[]).length).toBe(28);
    // Read-only: nothing in the sandbox changed.
    expect(run.store.applied).toEqual([]);
    expect(JSON.stringify(run.outputs).length).toBeLessThan(200_000);
    const warn = run.logs.filter((l) => l.level === 'warn').map((l) => l.msg);
    expect(warn).toContain(
      'CRITICAL: serviceAccount:terraform@acme-prod.iam.gserviceaccount.com has roles/owner in acme-prod: basic-role-on-service-account, excess-permissions',
    );
    expect(run.logs.filter((l) => l.msg === 'No language model is configured: skipping the plain-language explanation.')).toHaveLength(1);
    expect(run.progress.at(-1)).toEqual({ percent: 100, message: 'Done' });
  });

  it('honours its inputs: project filter and look-back window', async () => {
    const data = await runAgentForTest(agentDir, { input: { asOf, projects: ['acme-data'] } });
    const findings = data.outputs['findings'] as Finding[];
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.project === 'acme-data')).toBe(true);
    expect(data.outputs['summary']).toMatchObject({ bindings: 13, skippedServiceAgents: 1 });

    const long = await runAgentForTest(agentDir, { input: { asOf, lookbackDays: 250 } });
    const unused = (long.outputs['findings'] as Finding[]).filter((f) => f.flags.some((x) => x.flag === 'unused-binding'));
    expect(unused.map((f) => f.member)).not.toContain('serviceAccount:legacy-batch@acme-prod.iam.gserviceaccount.com');
  });

  it('defaults asOf to now when it is not given', async () => {
    const run = await runAgentForTest(agentDir);
    const at = Date.parse((run.outputs['summary'] as { asOf: string }).asOf);
    expect(Math.abs(Date.now() - at)).toBeLessThan(60_000);
  });

  it('explains the serious findings in plain language when a model is configured', async () => {
    const prompts: string[] = [];
    const run = await runAgentForTest(agentDir, {
      input: { asOf },
      llm: { model: 'test-model', complete: async (p) => (prompts.push(p), 'The terraform service account owns acme-prod; give it narrower roles.') },
    });
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toContain('terraform@acme-prod');
    expect(prompts[0]).not.toContain('oncall-bot');
    expect((run.outputs['summary'] as { explanation: string }).explanation).toBe('The terraform service account owns acme-prod; give it narrower roles.');
    expect(run.logs.map((l) => l.msg)).not.toContain('No language model is configured: skipping the plain-language explanation.');
  });
});
