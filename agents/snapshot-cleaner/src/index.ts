import type { AgentContext, CloudAction } from '@agent-marketplace/runner';
import { DEFAULTS, deletionOrder, planRetention, type Decision, type KeepReason, type RetentionPolicy } from './policy.ts';

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;

function numberInput(input: Record<string, unknown>, key: string, fallback: number): number {
  const v = input[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback;
}

function asOfInput(input: Record<string, unknown>): Date {
  const raw = input['asOf'];
  if (raw === undefined || raw === null || raw === '') return new Date();
  const d = new Date(String(raw));
  if (Number.isNaN(d.getTime())) throw new Error(`asOf must be an ISO date or date-time, got ${JSON.stringify(raw)}`);
  return d;
}

/** What the outputs say about one deletion (done, pending or failed). */
function record(d: Decision) {
  return {
    id: d.id,
    name: d.name,
    project: d.project,
    diskName: d.diskName,
    orphan: d.orphan,
    sizeGb: d.sizeGb,
    createdAt: d.createdAt,
    monthlyCostUsd: d.monthlyCostUsd,
    reason: d.reason,
  };
}

/** The one line approvers read for a proposed deletion (at most 300 characters). */
function approvalSummary(d: Decision): string {
  const source = d.orphan ? `orphan of deleted disk ${d.diskName}` : `disk ${d.diskName}`;
  const line = `Delete snapshot ${d.name} (${d.sizeGb} GB, ${d.ageDays} days old, ${source}), saving about $${d.monthlyCostUsd.toFixed(2)}/month`;
  return line.length <= 300 ? line : `${line.slice(0, 299)}…`;
}

/** Applies a snapshot retention policy and deletes what it does not keep (after an approval). */
export default async function run(ctx: AgentContext) {
  const input = ctx.input;
  const policy: RetentionPolicy = {
    asOf: asOfInput(input),
    keepLatestPerDisk: Math.floor(numberInput(input, 'keepLatestPerDisk', DEFAULTS.keepLatestPerDisk)),
    orphanKeepLatest: Math.floor(numberInput(input, 'orphanKeepLatest', DEFAULTS.orphanKeepLatest)),
    minAgeDays: numberInput(input, 'minAgeDays', DEFAULTS.minAgeDays),
    pricePerGbMonth: numberInput(input, 'pricePerGbMonth', DEFAULTS.pricePerGbMonth),
  };
  const dryRun = input['dryRun'] === true;
  const maxDeletes = Math.floor(numberInput(input, 'maxDeletes', 200));

  ctx.progress(5, 'Listing snapshots and disks');
  ctx.log.info('Listing snapshots and disks', { account: ctx.cloud.account, asOf: policy.asOf.toISOString() });
  const [snapshots, disks] = await Promise.all([ctx.cloud.list('snapshot'), ctx.cloud.list('disk')]);
  const storedGb = round1(snapshots.reduce((s, x) => s + (typeof x.attributes['sizeGb'] === 'number' ? x.attributes['sizeGb'] : 0), 0));
  ctx.log.info(`Loaded ${snapshots.length} snapshots (${storedGb} GB) of ${disks.length} disks`, {
    snapshots: snapshots.length,
    disks: disks.length,
    storedGb,
  });

  ctx.progress(25, 'Applying the retention policy');
  const plan = planRetention(snapshots, disks, policy);
  const orphans = plan.disks.filter((d) => d.orphan);
  for (const o of orphans) {
    ctx.log.warn(`Orphan snapshots: disk ${o.diskName} (${o.project}) no longer exists; ${o.snapshots} snapshot${o.snapshots === 1 ? '' : 's'} hold${o.snapshots === 1 ? 's' : ''} ${o.storedGb} GB`, {
      sourceDisk: o.sourceDisk,
      project: o.project,
      snapshots: o.snapshots,
      storedGb: o.storedGb,
      toDelete: o.toDelete,
    });
  }
  const candidates = deletionOrder(plan.decisions);
  const reclaimableGb = round1(candidates.reduce((s, d) => s + d.sizeGb, 0));
  const estimatedMonthlySavingsUsd = round2(reclaimableGb * policy.pricePerGbMonth);
  const keptBy: Record<KeepReason, number> = { 'retain-label': 0, 'not-ready': 0, 'younger-than-min-age': 0, 'newest-of-disk': 0 };
  for (const d of plan.decisions) for (const r of d.keptBecause) keptBy[r]++;
  ctx.log.info(`The policy keeps ${plan.decisions.length - candidates.length} snapshots and deletes ${candidates.length} (${reclaimableGb} GB)`, {
    keep: plan.decisions.length - candidates.length,
    delete: candidates.length,
    reclaimableGb,
    estimatedMonthlySavingsUsd,
    keptBy,
  });

  const deleted: ReturnType<typeof record>[] = [];
  const pendingApproval: (ReturnType<typeof record> & { action: string; approvalId: string })[] = [];
  const failed: { id: string; name: string; error: string }[] = [];
  const notAttempted: { id: string; name: string; why: string }[] = [];
  const attempt: Decision[] = [];
  for (const d of candidates) {
    if (dryRun) notAttempted.push({ id: d.id, name: d.name, why: 'dry run' });
    else if (attempt.length >= maxDeletes) notAttempted.push({ id: d.id, name: d.name, why: `maxDeletes (${maxDeletes}) reached` });
    else attempt.push(d);
  }
  if (dryRun) ctx.log.info('Dry run: reporting the plan without deleting anything.', { candidates: candidates.length });
  else if (notAttempted.length) ctx.log.warn(`maxDeletes is ${maxDeletes}: ${notAttempted.length} snapshots are left for a later run`, { maxDeletes });

  for (const [i, d] of attempt.entries()) {
    if (i % 10 === 0) ctx.progress(40 + Math.round((55 * i) / attempt.length), `Deleting snapshots (${i}/${attempt.length})`);
    const action: CloudAction = {
      kind: 'snapshot',
      id: d.id,
      verb: 'delete',
      reason: d.reason,
      summary: approvalSummary(d),
      impact: {
        monthlySavings: { amountMinor: Math.round(d.monthlyCostUsd * 100), currency: 'USD' },
        note: 'Snapshots are incremental: blocks a newer snapshot still needs move into it, so the real saving can be lower.',
      },
    };
    try {
      const result = await ctx.cloud.act(action);
      if (result.proposal) {
        // Proposed, not done: the run waits for the decision and the platform deletes the snapshot if approved.
        pendingApproval.push({ ...record(d), action: 'snapshot.delete', approvalId: result.proposal.id });
        ctx.log.info(`Proposed deleting snapshot ${d.name}: waiting for an approval`, {
          snapshot: d.name,
          project: d.project,
          action: 'snapshot.delete',
          approvalId: result.proposal.id,
          sizeGb: d.sizeGb,
          monthlyCostUsd: d.monthlyCostUsd,
        });
      } else {
        deleted.push(record(d));
        ctx.log.info(`Deleted snapshot ${d.name}`, { snapshot: d.name, project: d.project, disk: d.diskName, sizeGb: d.sizeGb, orphan: d.orphan });
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      failed.push({ id: d.id, name: d.name, error: message });
      ctx.log.error(`Could not delete snapshot ${d.name}: ${message}`, { snapshot: d.name, project: d.project });
    }
  }

  const summary = {
    snapshotsScanned: snapshots.length,
    disks: disks.length,
    storedGb,
    orphanSnapshots: orphans.reduce((s, o) => s + o.snapshots, 0),
    kept: plan.decisions.length - candidates.length,
    keptBy,
    candidates: candidates.length,
    deleted: deleted.length,
    pendingApproval: pendingApproval.length,
    failed: failed.length,
    reclaimableGb,
    estimatedMonthlySavingsUsd,
    savedMonthlyUsd: round2(deleted.reduce((s, d) => s + d.sizeGb, 0) * policy.pricePerGbMonth),
    /** What the proposed deletions would save once approved and applied by the platform. */
    pendingMonthlySavingsUsd: round2(pendingApproval.reduce((s, d) => s + d.sizeGb, 0) * policy.pricePerGbMonth),
    /** Priced per snapshot deleted. */
    billableUnits: deleted.length,
    policy: { ...policy, asOf: policy.asOf.toISOString(), dryRun, maxDeletes },
  };
  ctx.log.info(`Done: ${deleted.length} deleted, ${pendingApproval.length} proposed for approval`, {
    deleted: deleted.length,
    pendingApproval: pendingApproval.length,
    savedMonthlyUsd: summary.savedMonthlyUsd,
  });
  ctx.progress(100, 'Done');
  return {
    candidates: candidates.map((d) => ({ ...record(d), ageDays: d.ageDays, rank: d.rank })),
    orphans,
    disks: plan.disks,
    deleted,
    pendingApproval,
    failed,
    notAttempted,
    summary,
  };
}
