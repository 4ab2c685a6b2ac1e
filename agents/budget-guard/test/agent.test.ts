import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAgentForTest } from '../../../runner/src/testing.ts';

const agentDir = path.resolve(import.meta.dirname, '..');
const asOf = '2026-11-18';

interface Budget { name: string; state: string; previousState: string | null; spentUsd: number; crossed: number[]; forecastToCross: number[]; forecast: { usedPct: number } }
interface Proposal { vmId: string; name: string; project: string; hourlyCostUsd: number; avoidedUsd: number; neededForTarget: boolean; reason: string; action?: string; approvalId?: string }
interface Summary { budgets: number; over: number; atRisk: number; ok: number; labelsChanged: number; stopsProposed: number; stopped: number; pendingApproval: number; text: string | null }

const byName = <T extends { name: string }>(xs: T[]) => Object.fromEntries(xs.map((x) => [x.name, x]));

describe('budget-guard on its sandbox account', () => {
  it('forecasts every monthly budget, labels their state and proposes the VM stops for approval', async () => {
    const run = await runAgentForTest(agentDir, { input: { asOf } });
    const budgets = byName(run.outputs['budgets'] as Budget[]);
    expect(Object.fromEntries(Object.entries(budgets).map(([n, b]) => [n, b.state]))).toEqual({
      'acme-prod monthly': 'ok',
      'acme-staging monthly': 'at-risk',
      'acme-dev monthly': 'over',
      'acme-data monthly': 'at-risk',
      'acme-ml monthly': 'ok',
    });
    expect(budgets['acme-staging monthly']).toMatchObject({ spentUsd: 4110.76, crossed: [0.5], forecastToCross: [0.9, 1], forecast: { usedPct: 139.3 } });
    expect(budgets['acme-dev monthly']).toMatchObject({ crossed: [0.5, 0.9, 1], forecastToCross: [] });

    // The label is not gated: it really changed the sandbox, and only where the state changed.
    expect(run.outputs['labelled']).toEqual([
      expect.objectContaining({ name: 'acme-staging monthly', from: null, to: 'at-risk' }),
      expect.objectContaining({ name: 'acme-dev monthly', from: 'at-risk', to: 'over' }),
      expect.objectContaining({ name: 'acme-data monthly', from: null, to: 'at-risk' }),
      expect.objectContaining({ name: 'acme-ml monthly', from: 'at-risk', to: 'ok' }),
    ]);
    expect(run.store.applied.map((a) => [a.action.verb, a.override.labels?.['budget-state']])).toEqual([
      ['label', 'at-risk'],
      ['label', 'over'],
      ['label', 'at-risk'],
      ['label', 'ok'],
    ]);
    // The recorded change is the label set; the budget's other labels stay as they were.
    expect(run.store.applied[1]!.override.labels).toEqual({ 'budget-state': 'over' });
    const [budget] = (await run.ctx.cloud.list('budget')).filter((b) => b.id === run.store.applied[1]!.action.id);
    expect(budget!.labels).toMatchObject({ owner: 'platform', 'budget-state': 'over' });
    expect(run.store.applied[1]!.action.reason).toContain('spent $2529.77 of $2400 (105.4%) by 2026-11-18');

    // The stops are gated: proposed to the platform, pending, not applied.
    const pending = run.outputs['pendingApproval'] as Proposal[];
    expect(pending.map((p) => `${p.project}/${p.name}`)).toEqual([
      'acme-staging/staging-load-gen-01',
      'acme-staging/staging-load-gen-02',
      'acme-staging/staging-load-gen-03',
      'acme-staging/staging-kafka-01',
      'acme-staging/staging-api-01',
      'acme-staging/staging-web-01',
      'acme-dev/dev-gpu-experiments',
      'acme-dev/dev-jenkins-old',
      'acme-dev/sandbox-chen',
      'acme-dev/sandbox-alice',
      'acme-dev/sandbox-bob',
    ]);
    expect(pending.every((p) => p.action === 'vm.stop')).toBe(true);
    expect(pending.map((p) => p.approvalId)).toEqual(pending.map((_, i) => `proposal-${i + 1}`));
    expect(run.store.proposed.map((a) => `${a.kind}.${a.verb} ${a.id}`)).toEqual(pending.map((p) => `vm.stop ${p.vmId}`));
    const [firstStop] = run.store.proposed;
    expect(firstStop!.reason).toBe(pending[0]!.reason);
    expect(firstStop!.summary).toMatch(/^Stop non-production VM acme-staging\/staging-load-gen-01 \(.+, env=staging\): acme-staging monthly is forecast at 139\.3%; avoids about \$[\d.]+ in the 12 days left, \$[\d.]+\/month while stopped$/);
    expect(firstStop!.impact).toEqual({
      monthlySavings: { amountMinor: Math.round(pending[0]!.hourlyCostUsd * 730 * 100), currency: 'USD' },
      note: expect.stringContaining('Still needed to bring the budget back under its target.'),
    });
    expect(run.store.proposed.every((a) => a.summary!.length <= 300 && Number.isInteger(a.impact!.monthlySavings!.amountMinor))).toBe(true);
    expect(run.store.proposed[3]!.impact!.note).toContain('Not needed to reach the target');
    expect(pending.filter((p) => p.project === 'acme-staging').map((p) => p.neededForTarget)).toEqual([true, true, true, false, false, false]);
    expect(run.outputs['stopped']).toEqual([]);
    expect(run.store.applied.some((a) => a.action.kind === 'vm')).toBe(false);

    expect(run.outputs['unbudgeted']).toEqual([{ project: 'acme-sandbox-42', spentUsd: 199 }]);
    expect((run.outputs['skippedBudgets'] as { name: string }[]).map((b) => b.name)).toEqual(['shared networking quarterly']);
    expect(run.outputs['summary']).toMatchObject({ budgets: 5, over: 1, atRisk: 2, ok: 2, labelsChanged: 4, stopsProposed: 11, pendingApproval: 11, text: null });
    expect(run.outputs['failed']).toEqual([]);
    expect(run.logs.filter((l) => l.level === 'info').map((l) => l.msg)).toContain('Proposed stopping acme-staging/staging-load-gen-01: waiting for an approval');
    expect(run.logs.filter((l) => l.msg.startsWith('Proposed stopping '))).toHaveLength(11);
    expect(run.logs.some((l) => l.level === 'error' || l.msg.includes('needs an approval'))).toBe(false);
    expect(run.progress.at(-1)).toEqual({ percent: 100, message: 'Done' });
  });

  it('never proposes production, keep-alive, managed or unlabelled VMs, nor VMs of budgets under 120%', async () => {
    const run = await runAgentForTest(agentDir, { input: { asOf } });
    const names = (run.outputs['pendingApproval'] as Proposal[]).map((p) => p.name);
    for (const n of ['prod-readonly-mirror', 'staging-db-replica', 'gke-dev-pool-1-7f3c9a-x2kq', 'dev-mystery-box', 'staging-old-batch', 'data-science-rstudio']) {
      expect(names).not.toContain(n);
    }
    const unlabelled = await runAgentForTest(agentDir, { input: { asOf, stopUnlabelledVms: true } });
    expect((unlabelled.outputs['pendingApproval'] as Proposal[]).map((p) => p.name)).toContain('dev-mystery-box');
  });

  it('honours the forecast method, ratios and proposeStops', async () => {
    const runRate = await runAgentForTest(agentDir, { input: { asOf, forecastMethod: 'run-rate' } });
    // On run-rate staging is at 114%: at risk, but under the 120% that calls for stops.
    expect(byName(runRate.outputs['budgets'] as Budget[])['acme-staging monthly']?.forecast.usedPct).toBe(114.2);
    expect((runRate.outputs['pendingApproval'] as Proposal[]).every((p) => p.project === 'acme-dev')).toBe(true);

    const cautious = await runAgentForTest(agentDir, { input: { asOf, atRiskRatio: 0.8, stopAboveRatio: 2 } });
    expect(cautious.outputs['summary']).toMatchObject({ over: 1, atRisk: 3, ok: 1, stopsProposed: 0 });

    const labelsOnly = await runAgentForTest(agentDir, { input: { asOf, proposeStops: false }, approved: ['vm.stop'] });
    expect(labelsOnly.outputs['summary']).toMatchObject({ labelsChanged: 4, stopsProposed: 0, stopped: 0 });
    expect(labelsOnly.store.applied.every((a) => a.action.kind === 'budget')).toBe(true);
  });

  it('stops the VMs once approved, and the next run changes nothing more', async () => {
    const first = await runAgentForTest(agentDir, { input: { asOf }, approved: ['vm.stop'] });
    expect((first.outputs['stopped'] as Proposal[]).length).toBe(11);
    expect(first.outputs['pendingApproval']).toEqual([]);
    expect(first.store.proposed).toEqual([]);
    const stops = first.store.applied.filter((a) => a.action.kind === 'vm');
    expect(stops).toHaveLength(11);
    expect(stops.every((a) => a.action.verb === 'stop' && a.override.state === 'stopped')).toBe(true);
    expect(stops[0]!.action.reason).toContain('Stopping non-production VM staging-load-gen-01 (env=staging)');

    const second = await runAgentForTest(agentDir, { input: { asOf }, approved: ['vm.stop'], store: first.store });
    expect(second.outputs['labelled']).toEqual([]);
    expect(second.outputs['stopped']).toEqual([]);
    expect(second.outputs['summary']).toMatchObject({ labelsChanged: 0, stopsProposed: 0, over: 1, atRisk: 2 });
    expect(second.store.applied).toHaveLength(first.store.applied.length);
    expect(byName(second.outputs['budgets'] as Budget[])['acme-dev monthly']?.previousState).toBe('over');
  });

  it('skips the summary without a model, and writes one for the finance channel with a model', async () => {
    const without = await runAgentForTest(agentDir, { input: { asOf } });
    expect(without.logs.filter((l) => l.msg.includes('language model'))).toEqual([
      expect.objectContaining({ level: 'info', msg: 'No language model is configured: skipping the finance-channel summary.' }),
    ]);

    const prompts: string[] = [];
    const withModel = await runAgentForTest(agentDir, {
      input: { asOf },
      llm: { model: 'test-model', complete: async (p) => (prompts.push(p), 'acme-dev is over budget; acme-staging is at risk.') },
    });
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toContain('acme-staging monthly');
    expect(prompts[0]).toContain('11 VM stops');
    expect((withModel.outputs['summary'] as Summary).text).toBe('acme-dev is over budget; acme-staging is at risk.');
  });
});
