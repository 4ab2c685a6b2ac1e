import type { AgentContext, CloudAction } from '@agent-marketplace/runner';
import { DEFAULTS, analyzeVms, stopReason, type IdleVm, type ReaperOptions } from './analyze.ts';

const round2 = (n: number) => Math.round(n * 100) / 100;

function numberInput(input: Record<string, unknown>, key: string, fallback: number): number {
  const v = input[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

function asOfInput(input: Record<string, unknown>): Date {
  const raw = input['asOf'];
  if (raw === undefined || raw === null || raw === '') return new Date();
  const d = new Date(String(raw));
  if (Number.isNaN(d.getTime())) throw new Error(`asOf must be an ISO date or date-time, got ${JSON.stringify(raw)}`);
  return d;
}

interface StopRecord {
  id: string;
  name: string;
  project: string;
  machineType: string;
  monthlySavingsUsd: number;
  reason: string;
}

/** Finds running VMs that nobody uses and stops them (each stop waits for a human approval). */
export default async function run(ctx: AgentContext) {
  const input = ctx.input;
  const options: ReaperOptions = {
    asOf: asOfInput(input),
    cpuThresholdPercent: numberInput(input, 'cpuThresholdPercent', DEFAULTS.cpuThresholdPercent),
    networkThresholdBytes: numberInput(input, 'networkThresholdBytes', DEFAULTS.networkThresholdBytes),
    minDaysSinceLogin: numberInput(input, 'minDaysSinceLogin', DEFAULTS.minDaysSinceLogin),
    minLookbackDays: numberInput(input, 'minLookbackDays', DEFAULTS.minLookbackDays),
    excludeProjects: Array.isArray(input['excludeProjects'])
      ? input['excludeProjects'].filter((p): p is string => typeof p === 'string')
      : DEFAULTS.excludeProjects,
  };
  const dryRun = input['dryRun'] === true;
  const maxStops = Math.max(0, Math.floor(numberInput(input, 'maxStops', 20)));

  ctx.progress(5, 'Listing VMs');
  ctx.log.info('Listing VMs', { account: ctx.cloud.account, asOf: options.asOf.toISOString() });
  const vms = await ctx.cloud.list('vm');
  ctx.log.info(`Loaded ${vms.length} VMs`, { vms: vms.length, running: vms.filter((v) => v.state === 'running').length });

  ctx.progress(30, 'Looking for idle VMs');
  const analysis = analyzeVms(vms, options);
  for (const vm of analysis.idle) {
    ctx.log.info(`${vm.project}/${vm.name} is idle: ${vm.evidence.join(', ')}`, {
      vm: vm.name,
      project: vm.project,
      machineType: vm.machineType,
      monthlySavingsUsd: vm.monthlySavingsUsd,
    });
  }
  for (const s of analysis.skipped) {
    ctx.log.info(`Skipping ${s.project}/${s.name}: ${s.detail}`, { vm: s.name, project: s.project, reason: s.reason });
  }
  const idleSavings = round2(analysis.idle.reduce((s, v) => s + v.monthlySavingsUsd, 0));
  ctx.log.info(
    analysis.idle.length ? `Found ${analysis.idle.length} idle VMs costing about $${idleSavings}/month` : 'No idle VMs found',
    { idle: analysis.idle.length, skipped: analysis.skipped.length, active: analysis.active.length, monthlySavingsUsd: idleSavings },
  );

  const stopped: StopRecord[] = [];
  const pendingApproval: (StopRecord & { action: string; approvalId: string })[] = [];
  const failed: { id: string; name: string; project: string; error: string }[] = [];
  const notAttempted: { id: string; name: string; project: string; why: string }[] = [];

  // What people refused to stop earlier (the platform keeps their decisions in task memory).
  const cooldownDays = Math.max(0, Math.floor(numberInput(input, 'rejectionCooldownDays', 30)));
  const rejected = await rejectedStops(ctx, options.asOf, cooldownDays);
  const toStop: IdleVm[] = [];
  for (const vm of analysis.idle) {
    const no = rejected.get(vm.id);
    if (no) notAttempted.push({ id: vm.id, name: vm.name, project: vm.project, why: `${no.by ?? 'a person'} rejected stopping it on ${no.rejectedAt.slice(0, 10)}${no.comment ? ` ("${no.comment}")` : ''}; not proposed again before ${no.until.slice(0, 10)}` });
    else if (dryRun) notAttempted.push({ id: vm.id, name: vm.name, project: vm.project, why: 'dry run' });
    else if (toStop.length >= maxStops) notAttempted.push({ id: vm.id, name: vm.name, project: vm.project, why: `maxStops (${maxStops}) reached` });
    else toStop.push(vm);
  }
  if (dryRun) ctx.log.info('Dry run: reporting idle VMs without stopping them.', { idle: analysis.idle.length });
  else if (notAttempted.length) ctx.log.warn(`maxStops is ${maxStops}: ${notAttempted.length} idle VMs are left for a later run`, { maxStops });

  for (const [i, vm] of toStop.entries()) {
    ctx.progress(40 + Math.round((50 * i) / toStop.length), `Stopping ${vm.name}`);
    const action: CloudAction = { kind: 'vm', id: vm.id, verb: 'stop', reason: stopReason(vm) };
    const record: StopRecord = {
      id: vm.id,
      name: vm.name,
      project: vm.project,
      machineType: vm.machineType,
      monthlySavingsUsd: vm.monthlySavingsUsd,
      reason: action.reason,
    };
    try {
      const result = await ctx.cloud.act({
        ...action,
        summary: `Stop idle VM ${vm.project}/${vm.name} (${vm.machineType}), saving about $${vm.monthlySavingsUsd}/month`,
        impact: { monthlySavings: { amountMinor: Math.round(vm.monthlySavingsUsd * 100), currency: 'USD' } },
      });
      if (result.proposal) {
        // Proposed, not done: the run waits for the decision and the platform stops the VM if approved.
        pendingApproval.push({ ...record, action: 'vm.stop', approvalId: result.proposal.id });
        ctx.log.info(`Proposed stopping ${vm.project}/${vm.name}: waiting for an approval`, {
          vm: vm.name,
          project: vm.project,
          action: 'vm.stop',
          approvalId: result.proposal.id,
          monthlySavingsUsd: vm.monthlySavingsUsd,
        });
      } else {
        stopped.push(record);
        ctx.log.info(`Stopped ${vm.project}/${vm.name}`, { vm: vm.name, project: vm.project, changed: result.changed, state: result.resource.state });
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      failed.push({ id: vm.id, name: vm.name, project: vm.project, error: message });
      ctx.log.error(`Could not stop ${vm.project}/${vm.name}: ${message}`, { vm: vm.name, project: vm.project });
    }
  }

  const summary = {
    vmsScanned: vms.length,
    running: vms.length - analysis.notRunning,
    idle: analysis.idle.length,
    active: analysis.active.length,
    skipped: analysis.skipped.length,
    stopped: stopped.length,
    pendingApproval: pendingApproval.length,
    failed: failed.length,
    idleMonthlyCostUsd: idleSavings,
    savedMonthlyUsd: round2(stopped.reduce((s, v) => s + v.monthlySavingsUsd, 0)),
    pendingMonthlySavingsUsd: round2(pendingApproval.reduce((s, v) => s + v.monthlySavingsUsd, 0)),
    options: { ...options, asOf: options.asOf.toISOString(), dryRun, maxStops },
  };
  ctx.log.info(`Done: ${stopped.length} stopped, ${pendingApproval.length} proposed for approval`, {
    stopped: stopped.length,
    pendingApproval: pendingApproval.length,
    savedMonthlyUsd: summary.savedMonthlyUsd,
    pendingMonthlySavingsUsd: summary.pendingMonthlySavingsUsd,
  });
  ctx.progress(100, 'Done');
  return { idle: analysis.idle, skipped: analysis.skipped, stopped, pendingApproval, failed, notAttempted, summary };
}

interface Rejection {
  resourceId: string;
  rejectedAt: string;
  by: string | null;
  comment: string;
  until: string;
}

/** Stops people rejected within the cooldown, by VM id, from task memory (`decisions/rejected/vm/...`). */
async function rejectedStops(ctx: AgentContext, asOf: Date, cooldownDays: number): Promise<Map<string, Rejection>> {
  const out = new Map<string, Rejection>();
  if (cooldownDays === 0) return out;
  let cursor: string | undefined;
  do {
    const page = await ctx.memory.task.list('decisions/rejected/vm/', { limit: 100, ...(cursor ? { cursor } : {}) });
    for (const { key } of page.items) {
      const item = await ctx.memory.task.get<{ resourceId: string; rejectedAt: string; by: string | null; comment: string }>(key);
      if (!item) continue;
      const until = new Date(Date.parse(item.value.rejectedAt) + cooldownDays * 86_400_000);
      if (until > asOf) out.set(item.value.resourceId, { ...item.value, until: until.toISOString() });
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  if (out.size) ctx.log.info(`${out.size} VMs a person refused to stop are left alone until their cooldown ends`, { rejected: out.size, cooldownDays });
  return out;
}
