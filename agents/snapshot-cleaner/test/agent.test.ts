import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAgentForTest } from '../../../runner/src/testing.ts';

const agentDir = path.resolve(import.meta.dirname, '..');
const asOf = '2026-11-20T00:00:00Z';

interface Candidate { id: string; name: string; diskName: string; orphan: boolean; sizeGb: number; monthlyCostUsd: number; reason: string }
interface Orphan { diskName: string; snapshots: number; kept: number; toDelete: number }
interface Summary {
  snapshotsScanned: number;
  orphanSnapshots: number;
  kept: number;
  keptBy: Record<string, number>;
  candidates: number;
  deleted: number;
  pendingApproval: number;
  reclaimableGb: number;
  estimatedMonthlySavingsUsd: number;
  savedMonthlyUsd: number;
  pendingMonthlySavingsUsd: number;
  billableUnits: number;
}

describe('snapshot-cleaner on its sandbox account', () => {
  it('plans the deletions, flags orphans, and proposes every deletion for approval without deleting anything', async () => {
    const run = await runAgentForTest(agentDir, { input: { asOf } });
    const summary = run.outputs['summary'] as Summary;
    expect(summary).toMatchObject({
      snapshotsScanned: 108,
      orphanSnapshots: 13,
      kept: 59,
      candidates: 49,
      deleted: 0,
      pendingApproval: 49,
      reclaimableGb: 4154.7,
      estimatedMonthlySavingsUsd: 108.02,
      savedMonthlyUsd: 0,
      pendingMonthlySavingsUsd: 108.02,
      billableUnits: 0,
    });
    expect(summary.keptBy).toEqual({ 'retain-label': 4, 'not-ready': 1, 'younger-than-min-age': 48, 'newest-of-disk': 34 });

    const orphans = Object.fromEntries((run.outputs['orphans'] as Orphan[]).map((o) => [o.diskName, [o.snapshots, o.kept, o.toDelete]]));
    expect(orphans).toEqual({
      'ci-cache-disk-7': [5, 1, 4],
      'legacy-mysql-data': [4, 2, 2],
      'sandbox-old-boot': [3, 1, 2],
      'tmp-debug-disk': [1, 1, 0],
    });

    const pending = run.outputs['pendingApproval'] as (Candidate & { action: string; approvalId: string })[];
    expect(pending).toHaveLength(49);
    expect(pending[0]).toMatchObject({ name: 'legacy-mysql-data-monthly-20251105-cad0', orphan: true, action: 'snapshot.delete', approvalId: 'proposal-1' });
    expect(pending[0]!.reason).toContain('deleted disk legacy-mysql-data (orphan)');
    expect(new Set(pending.map((p) => p.approvalId)).size).toBe(49);
    expect(run.outputs['deleted']).toEqual([]);
    expect(run.outputs['failed']).toEqual([]);
    // Every deletion is proposed to the platform, with the line approvers read and its saving; none is applied.
    expect(run.store.applied).toEqual([]);
    expect(run.store.proposed).toHaveLength(49);
    expect(run.store.proposed.every((a) => a.kind === 'snapshot' && a.verb === 'delete')).toBe(true);
    const first = run.store.proposed[0]!;
    expect(first.id).toBe(pending[0]!.id);
    expect(first.reason).toBe(pending[0]!.reason);
    expect(first.summary).toMatch(/^Delete snapshot legacy-mysql-data-monthly-20251105-cad0 \(\d+(\.\d+)? GB, \d+ days old, orphan of deleted disk legacy-mysql-data\), saving about \$\d+\.\d\d\/month$/);
    expect(run.store.proposed.every((a) => a.summary!.length <= 300)).toBe(true);
    const cents = run.store.proposed.map((a) => a.impact!.monthlySavings!);
    expect(cents.every((m) => m.currency === 'USD' && Number.isInteger(m.amountMinor) && m.amountMinor >= 0)).toBe(true);
    expect(cents[0]!.amountMinor).toBe(Math.round(pending[0]!.monthlyCostUsd * 100));
    expect(cents.reduce((s, m) => s + m.amountMinor, 0) / 100).toBeCloseTo(108.02, 0);
    expect(run.logs.filter((l) => l.msg.startsWith('Proposed deleting snapshot '))).toHaveLength(49);
    expect(run.logs.map((l) => l.msg)).toContain('Proposed deleting snapshot legacy-mysql-data-monthly-20251105-cad0: waiting for an approval');
    expect(run.logs.some((l) => l.level === 'error' || l.msg.includes('needs an approval'))).toBe(false);
    expect(run.logs.filter((l) => l.level === 'warn').map((l) => l.msg)).toContain(
      'Orphan snapshots: disk legacy-mysql-data (acme-dev) no longer exists; 4 snapshots hold 662.4 GB',
    );
    expect(run.progress.at(-1)).toEqual({ percent: 100, message: 'Done' });
  });

  it('never deletes retained, in-progress, young or newest snapshots', async () => {
    const run = await runAgentForTest(agentDir, { input: { asOf } });
    const names = (run.outputs['candidates'] as Candidate[]).map((c) => c.name);
    expect(names).not.toContain('legacy-mysql-final-dump-2025');
    expect(names).not.toContain('orders-db-data-daily-20261120-inprogress');
    expect(names).not.toContain('jenkins-home-before-migration');
    expect(names).not.toContain('tmp-debug-disk-coredump');
    expect(names).toContain('before-jenkins-2-401-upgrade');
    expect(names.filter((n) => n.startsWith('orders-db-data-daily'))).toEqual([]);
  });

  it('honours its policy inputs, maxDeletes and dryRun', async () => {
    const lenient = await runAgentForTest(agentDir, { input: { asOf, keepLatestPerDisk: 10, minAgeDays: 90, orphanKeepLatest: 0 } });
    const lenientNames = (lenient.outputs['candidates'] as Candidate[]).map((c) => c.name);
    // Ten per disk and 90 days protect every existing disk; with orphanKeepLatest 0 old orphan chains go entirely.
    expect(lenientNames).toContain('sandbox-old-boot-final-2');
    expect(lenientNames).not.toContain('before-jenkins-2-401-upgrade');
    expect((lenient.outputs['candidates'] as Candidate[]).every((c) => c.orphan)).toBe(true);
    expect((lenient.outputs['summary'] as Summary).candidates).toBe(6);

    const priced = await runAgentForTest(agentDir, { input: { asOf, pricePerGbMonth: 0.05 } });
    expect((priced.outputs['summary'] as Summary).estimatedMonthlySavingsUsd).toBeCloseTo(4154.7 * 0.05, 0);

    const capped = await runAgentForTest(agentDir, { input: { asOf, maxDeletes: 5 }, approved: ['snapshot.delete'] });
    expect(capped.store.applied).toHaveLength(5);
    expect((capped.outputs['notAttempted'] as unknown[]).length).toBe(44);

    const cappedGated = await runAgentForTest(agentDir, { input: { asOf, maxDeletes: 5 } });
    expect(cappedGated.store.proposed).toHaveLength(5);
    expect(cappedGated.store.applied).toEqual([]);

    const dry = await runAgentForTest(agentDir, { input: { asOf, dryRun: true } });
    expect(dry.store.proposed).toEqual([]);
    expect(dry.store.applied).toEqual([]);
    expect(dry.outputs['pendingApproval']).toEqual([]);
    expect((dry.outputs['summary'] as Summary).candidates).toBe(49);
  });

  it('deletes the candidates once approved, oldest first, and the next run finds nothing more to delete', async () => {
    const first = await runAgentForTest(agentDir, { input: { asOf }, approved: ['snapshot.delete'] });
    const summary = first.outputs['summary'] as Summary;
    expect(summary).toMatchObject({ deleted: 49, pendingApproval: 0, billableUnits: 49 });
    expect(summary.savedMonthlyUsd).toBe(summary.estimatedMonthlySavingsUsd);
    expect(first.store.applied).toHaveLength(49);
    expect(first.store.proposed).toEqual([]);
    expect(first.store.applied.every((a) => a.action.verb === 'delete' && a.override.deleted === true)).toBe(true);
    expect(first.store.applied[0]!.action.reason).toMatch(/^Retention policy: 379 days old/);

    const second = await runAgentForTest(agentDir, { input: { asOf }, approved: ['snapshot.delete'], store: first.store });
    expect(second.outputs['summary']).toMatchObject({ snapshotsScanned: 59, candidates: 0, deleted: 0, orphanSnapshots: 5 });
    expect(second.store.applied).toHaveLength(49);
  });

  it('rejects an unreadable asOf instead of guessing', async () => {
    await expect(runAgentForTest(agentDir, { input: { asOf: 'not-a-date' } })).rejects.toThrow(/asOf/);
  });
});
