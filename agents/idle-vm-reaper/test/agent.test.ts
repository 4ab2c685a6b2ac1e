import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAgentForTest } from '../../../runner/src/testing.ts';
import { InMemoryMemory } from '../../../runner/src/memory.ts';

const agentDir = path.resolve(import.meta.dirname, '..');
const asOf = '2026-11-20T00:00:00Z';

interface Idle { name: string; project: string; monthlySavingsUsd: number }
interface Pending { id: string; name: string; action: string; reason: string }
interface Skipped { name: string; reason: string }
interface Summary {
  vmsScanned: number;
  running: number;
  idle: number;
  skipped: number;
  stopped: number;
  pendingApproval: number;
  idleMonthlyCostUsd: number;
  savedMonthlyUsd: number;
  pendingMonthlySavingsUsd: number;
}

describe('idle-vm-reaper on its sandbox account', () => {
  it('finds the idle VMs, most expensive first, and leaves every stop pending approval', async () => {
    const run = await runAgentForTest(agentDir, { input: { asOf } });
    const idle = run.outputs['idle'] as Idle[];
    const pending = run.outputs['pendingApproval'] as Pending[];
    const summary = run.outputs['summary'] as Summary;

    expect(idle.map((v) => v.name)).toEqual([
      'gpu-train-a100-02',
      'inference-l4-canary',
      'staging-load-gen-01',
      'staging-load-gen-02',
      'staging-load-gen-03',
      'notebook-carol-t4',
      'data-science-rstudio',
      'dev-jenkins-old',
      'sandbox-chen',
      'sandbox-alice',
      'metabase-old',
      'legacy-ftp-gateway',
    ]);
    expect(idle[0]).toMatchObject({ project: 'acme-ml', monthlySavingsUsd: 2681.29 });
    expect(pending.map((p) => p.name)).toEqual(idle.map((v) => v.name));
    expect(pending[0]).toMatchObject({ action: 'vm.stop' });
    expect(pending[0]!.reason).toContain('CPU p95 0.4% < 5%');
    expect(run.outputs['stopped']).toEqual([]);
    expect(run.store.applied).toEqual([]);
    expect(summary).toMatchObject({ vmsScanned: 39, running: 37, idle: 12, skipped: 5, stopped: 0, pendingApproval: 12, savedMonthlyUsd: 0 });
    expect(summary.pendingMonthlySavingsUsd).toBe(summary.idleMonthlyCostUsd);
    expect(summary.idleMonthlyCostUsd).toBeGreaterThan(6000);

    // Each stop is proposed to the platform (with what it saves), not done.
    expect(run.store.proposed.map((a) => a.id)).toEqual(pending.map((p) => p.id));
    expect(run.store.proposed[0]).toMatchObject({ verb: 'stop', impact: { monthlySavings: { amountMinor: 268129, currency: 'USD' } } });
    expect(run.store.proposed[0]!.summary).toContain('gpu-train-a100-02');
    expect(run.logs.map((l) => l.msg)).toContain('Proposed stopping acme-ml/gpu-train-a100-02: waiting for an approval');
    expect(run.progress.at(-1)).toEqual({ percent: 100, message: 'Done' });
  });

  it('never proposes keep-alive, managed or too-new VMs, and says why', async () => {
    const run = await runAgentForTest(agentDir, { input: { asOf } });
    const skipped = Object.fromEntries((run.outputs['skipped'] as Skipped[]).map((s) => [s.name, s.reason]));
    expect(skipped).toEqual({
      'prod-dr-standby-01': 'keep-alive-label',
      'staging-db-replica': 'keep-alive-label',
      'gke-dev-pool-1-7f3c9a-x2kq': 'managed-by-group',
      'gke-dev-pool-1-7f3c9a-m81z': 'managed-by-group',
      'dev-feature-flags-poc': 'insufficient-metrics',
    });
    const proposed = (run.outputs['pendingApproval'] as Pending[]).map((p) => p.name);
    for (const busy of ['bastion-prod', 'sandbox-bob', 'vpn-relay-dev', 'etl-worker-nightly-01', 'old-test-runner']) {
      expect(proposed).not.toContain(busy);
    }
  });

  it('honours excluded projects, thresholds, maxStops and dryRun', async () => {
    const excluded = await runAgentForTest(agentDir, { input: { asOf, excludeProjects: ['acme-prod', 'acme-ml'] } });
    const names = (excluded.outputs['idle'] as Idle[]).map((v) => v.name);
    expect(names).not.toContain('legacy-ftp-gateway');
    expect(names).not.toContain('gpu-train-a100-02');
    expect((excluded.outputs['skipped'] as Skipped[]).filter((s) => s.reason === 'excluded-project').map((s) => s.name).sort()).toEqual([
      'gpu-train-a100-02',
      'inference-l4-canary',
      'legacy-ftp-gateway',
      'notebook-carol-t4',
    ]);

    const strict = await runAgentForTest(agentDir, { input: { asOf, cpuThresholdPercent: 1, networkThresholdBytes: 5000, minDaysSinceLogin: 30 } });
    // The A100 box (login 23 days ago) and the busier sandboxes no longer qualify.
    expect((strict.outputs['idle'] as Idle[]).map((v) => v.name).sort()).toEqual([
      'legacy-ftp-gateway',
      'sandbox-alice',
      'staging-load-gen-01',
      'staging-load-gen-02',
      'staging-load-gen-03',
    ]);

    const capped = await runAgentForTest(agentDir, { input: { asOf, maxStops: 2 } });
    expect((capped.outputs['pendingApproval'] as Pending[]).map((p) => p.name)).toEqual(['gpu-train-a100-02', 'inference-l4-canary']);
    expect((capped.outputs['notAttempted'] as unknown[]).length).toBe(10);

    const dry = await runAgentForTest(agentDir, { input: { asOf, dryRun: true }, approved: ['vm.stop'] });
    expect(dry.outputs['pendingApproval']).toEqual([]);
    expect(dry.outputs['stopped']).toEqual([]);
    expect(dry.store.applied).toEqual([]);
    expect((dry.outputs['summary'] as Summary).idle).toBe(12);
  });

  it('stops the idle VMs once approved, and the next run no longer reports them', async () => {
    const first = await runAgentForTest(agentDir, { input: { asOf }, approved: ['vm.stop'] });
    expect((first.outputs['stopped'] as unknown[]).length).toBe(12);
    expect(first.outputs['pendingApproval']).toEqual([]);
    expect(first.store.applied).toHaveLength(12);
    expect(first.store.applied[0]!.action).toMatchObject({ kind: 'vm', verb: 'stop' });
    expect(first.store.applied[0]!.action.reason).toMatch(/^Idle VM: /);
    expect(first.store.applied.every((a) => a.override.state === 'stopped')).toBe(true);
    expect((first.outputs['summary'] as Summary).savedMonthlyUsd).toBe((first.outputs['summary'] as Summary).idleMonthlyCostUsd);

    const second = await runAgentForTest(agentDir, { input: { asOf }, approved: ['vm.stop'], store: first.store });
    expect(second.outputs['idle']).toEqual([]);
    expect(second.outputs['stopped']).toEqual([]);
    expect(second.outputs['summary']).toMatchObject({ vmsScanned: 39, running: 25, idle: 0 });
    expect(second.store.applied).toHaveLength(12);
    expect(second.logs.map((l) => l.msg)).toContain('No idle VMs found');
  });

  it('leaves alone, for the cooldown, a VM a person refused to stop (the platform keeps the decision in task memory)', async () => {
    const first = await runAgentForTest(agentDir, { input: { asOf } });
    const proposed = (first.outputs['pendingApproval'] as { id: string; name: string }[])[0]!;
    const memory = new InMemoryMemory(['task']);
    const rejectedAt = new Date(Date.parse(asOf) - 5 * 86_400_000).toISOString();
    await memory.task.put(`decisions/rejected/vm/${proposed.id}`, { action: 'vm.stop', resourceId: proposed.id, rejectedAt, by: 'Ana', comment: 'batch host', runId: 'r0', approvalId: 'a0' });
    const next = await runAgentForTest(agentDir, { input: { asOf }, memory });
    const pending = (next.outputs['pendingApproval'] as { id: string }[]).map((p) => p.id);
    expect(pending).not.toContain(proposed.id);
    expect(next.outputs['notAttempted']).toContainEqual(expect.objectContaining({ id: proposed.id, why: expect.stringContaining('Ana rejected stopping it') }));
    // Past the cooldown (or with it off), it is proposed again.
    const later = await runAgentForTest(agentDir, { input: { asOf, rejectionCooldownDays: 3 }, memory });
    expect((later.outputs['pendingApproval'] as { id: string }[]).map((p) => p.id)).toContain(proposed.id);
  });

  it('rejects an unreadable asOf instead of guessing', async () => {
    await expect(runAgentForTest(agentDir, { input: { asOf: 'last tuesday' } })).rejects.toThrow(/asOf/);
  });
});
