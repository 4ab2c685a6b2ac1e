import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAgentForTest } from '../../../runner/src/testing.ts';

const agentDir = path.resolve(import.meta.dirname, '..');

interface Rec {
  id: string;
  name: string;
  namespace: string;
  status: string;
  action: string;
  monthlySavingsUsd: number;
  containers: { name: string; recommended: { requests: { cpuMillicores: number; memoryMiB: number } } }[];
}
type Summary = Record<string, number>;

describe('k8s-rightsizer on its sandbox GKE fleet', () => {
  it('recommends without changing anything by default, and excludes kube-system', async () => {
    const run = await runAgentForTest(agentDir);
    const recs = run.outputs['recommendations'] as Rec[];
    const summary = run.outputs['summary'] as Summary;
    expect(summary).toMatchObject({ workloads: 33, inScope: 31, skipped: 2, rightSized: 2, toChange: 27, oomRisks: 2, applied: 0, pendingApproval: 0 });
    expect(recs.some((r) => r.namespace === 'kube-system')).toBe(false);
    expect(summary['netMonthlySavingsUsd']).toBeGreaterThan(800);
    expect(summary['grossMonthlySavingsUsd']! - summary['monthlyIncreaseUsd']!).toBeCloseTo(summary['netMonthlySavingsUsd']!, 1);
    expect(recs.filter((r) => r.status === 'change').every((r) => r.action === 'recommended')).toBe(true);
    expect(run.store.applied).toEqual([]);
    expect(run.store.proposed).toEqual([]);
    expect(run.outputs['pendingApproval']).toEqual([]);
    expect(run.logs.filter((l) => l.level === 'warn' && l.msg.startsWith('OOM risk'))).toHaveLength(2);
    expect(run.progress.at(-1)).toEqual({ percent: 100, message: 'Done' });
  });

  it('with apply, every update is proposed for approval and nothing changes', async () => {
    const run = await runAgentForTest(agentDir, { input: { apply: true } });
    const pending = run.outputs['pendingApproval'] as { id: string; reason: string; changes: string[]; monthlySavingsUsd: number; approvalId: string }[];
    expect(pending).toHaveLength(27);
    expect(run.store.applied).toEqual([]);
    expect(run.outputs['applied']).toEqual([]);
    expect(run.outputs['failed']).toEqual([]);
    expect(pending.find((p) => p.id.endsWith('/payments/deployment/payments-api'))!.changes).toContain('payments-api memory limit 512Mi → 704Mi');
    expect(pending[0]!.reason).toMatch(/^Right-size checkout\/checkout-api from 14-day usage/);
    expect(pending.map((p) => p.approvalId)).toEqual(pending.map((_, i) => `proposal-${i + 1}`));

    // Each update is proposed to the platform with the requests it would set, the line approvers read and its saving.
    expect(run.store.proposed.map((a) => `${a.kind}.${a.verb} ${a.id}`)).toEqual(pending.map((p) => `k8s.workload.update ${p.id}`));
    const checkout = run.store.proposed[0]!;
    expect(checkout.reason).toBe(pending[0]!.reason);
    expect((checkout.params!.attributes!['containers'] as unknown[])[0]).toMatchObject({ name: 'checkout-api', requests: { cpuMillicores: 225, memoryMiB: 832 } });
    expect(checkout.summary).toMatch(/^Right-size checkout\/checkout-api \(gke-prod-us-central1\), (saving|costing) about \$\d+\.\d\d\/month( more)?: checkout-api /);
    expect(run.store.proposed.every((a) => a.summary!.length <= 300 && a.impact?.note)).toBe(true);
    for (const [i, p] of pending.entries()) {
      const savings = run.store.proposed[i]!.impact!.monthlySavings;
      // A saving is in integer cents; an update that costs more (starved containers) carries none.
      if (p.monthlySavingsUsd > 0) expect(savings).toEqual({ amountMinor: Math.round(p.monthlySavingsUsd * 100), currency: 'USD' });
      else expect(savings).toBeUndefined();
    }
    expect(pending.some((p) => p.monthlySavingsUsd < 0)).toBe(true);

    expect(run.logs.filter((l) => l.level === 'info' && /^Proposed updating .+: waiting for an approval$/.test(l.msg))).toHaveLength(27);
    expect(run.logs.some((l) => l.level === 'error' || l.msg.includes('is waiting for approval'))).toBe(false);
    expect((run.outputs['recommendations'] as Rec[]).filter((r) => r.action === 'pending-approval')).toHaveLength(27);
  });

  it('once approved, the updates are applied, and a second run finds the fleet right-sized', async () => {
    const first = await runAgentForTest(agentDir, { input: { apply: true }, approved: ['k8s.workload.update'] });
    expect(first.outputs['pendingApproval']).toEqual([]);
    expect(first.store.applied).toHaveLength(27);
    expect(first.store.proposed).toEqual([]);
    const checkout = first.store.applied.find((a) => a.action.id === 'gke-prod-us-central1/checkout/deployment/checkout-api')!;
    expect(checkout.action).toMatchObject({ kind: 'k8s.workload', verb: 'update' });
    // The action carries the new requests only; the sandbox keeps the rest (usage, replicas) from the fixture.
    const containers = checkout.override.attributes!['containers'] as { name: string; requests: unknown; usage: unknown }[];
    expect(containers[0]).toMatchObject({ name: 'checkout-api', requests: { cpuMillicores: 225, memoryMiB: 832 } });
    expect(containers[0]).not.toHaveProperty('usage');
    const [workload] = (await first.ctx.cloud.list('k8s.workload')).filter((r) => r.id === checkout.action.id);
    expect((workload!.attributes['containers'] as { usage: unknown }[])[0]!.usage).toMatchObject({ cpuP95Millicores: 180 });
    expect(workload!.attributes['replicas']).toBe(6);

    const second = await runAgentForTest(agentDir, { store: first.store, input: { apply: true }, approved: ['k8s.workload.update'] });
    expect(second.outputs['summary']).toMatchObject({ toChange: 0, rightSized: 29, oomRisks: 0, applied: 0, netMonthlySavingsUsd: 0 });
    expect(second.store.applied).toHaveLength(27);
  });

  it('honours its inputs: scope filters and prices', async () => {
    const staging = await runAgentForTest(agentDir, { input: { clusters: ['gke-staging-europe-west1'] } });
    expect((staging.outputs['summary'] as Summary)['inScope']).toBe(8);
    const all = await runAgentForTest(agentDir, { input: { excludeNamespaces: [] } });
    expect((all.outputs['summary'] as Summary)['inScope']).toBe(33);

    const base = await runAgentForTest(agentDir, { input: { namespaces: ['orders'] } });
    const dear = await runAgentForTest(agentDir, { input: { namespaces: ['orders'], vcpuHourUsd: 0.063222, gibHourUsd: 0.008474 } });
    const b = (base.outputs['summary'] as Summary)['netMonthlySavingsUsd']!;
    expect((dear.outputs['summary'] as Summary)['netMonthlySavingsUsd']).toBeCloseTo(2 * b, 1);

    const roomy = await runAgentForTest(agentDir, { input: { namespaces: ['orders'], cpuHeadroom: 2 } });
    const api = (r: typeof roomy) => (r.outputs['recommendations'] as Rec[]).find((x) => x.name === 'orders-api')!.containers[0]!.recommended.requests;
    expect(api(base).cpuMillicores).toBe(300);
    expect(api(roomy).cpuMillicores).toBe(500);
  });
});
