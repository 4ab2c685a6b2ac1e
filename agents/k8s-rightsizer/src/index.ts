import type { AgentContext, CloudAction, Resource } from '@agent-marketplace/runner';
import {
  DEFAULTS,
  formatUsd,
  recommendWorkload,
  updatedContainers,
  type RightsizeOptions,
  type WorkloadAttributes,
  type WorkloadResult,
} from './rightsize.ts';

const KIND = 'k8s.workload';

const num = (v: unknown, fallback: number, min: number, max: number) =>
  typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : fallback;
const strings = (v: unknown, fallback: string[]) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : fallback);

export interface RunOptions extends RightsizeOptions {
  apply: boolean;
  clusters: string[];
  namespaces: string[];
  excludeNamespaces: string[];
}

/** Reads the input defensively: the platform validated it, but a default is never assumed present. */
export function readOptions(input: Record<string, unknown>): RunOptions {
  return {
    apply: input['apply'] === true,
    clusters: strings(input['clusters'], []),
    namespaces: strings(input['namespaces'], []),
    excludeNamespaces: strings(input['excludeNamespaces'], ['kube-system']),
    cpuHeadroom: num(input['cpuHeadroom'], DEFAULTS.cpuHeadroom, 1, 5),
    memoryHeadroom: num(input['memoryHeadroom'], DEFAULTS.memoryHeadroom, 1, 5),
    memorySafety: num(input['memorySafety'], DEFAULTS.memorySafety, 1, 3),
    minCpuMillicores: num(input['minCpuMillicores'], DEFAULTS.minCpuMillicores, 1, 64_000),
    minMemoryMiB: num(input['minMemoryMiB'], DEFAULTS.minMemoryMiB, 4, 1_048_576),
    tolerance: num(input['tolerance'], DEFAULTS.tolerance, 0, 0.9),
    vcpuHourUsd: num(input['vcpuHourUsd'], DEFAULTS.vcpuHourUsd, 0, 100),
    gibHourUsd: num(input['gibHourUsd'], DEFAULTS.gibHourUsd, 0, 100),
    hoursPerMonth: num(input['hoursPerMonth'], DEFAULTS.hoursPerMonth, 1, 744),
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

interface ActionRecord {
  id: string;
  name: string;
  cluster: string;
  namespace: string;
  changes: string[];
  monthlySavingsUsd: number;
  reason: string;
  /** The platform's proposal, when the update waits for a person's approval. */
  approvalId?: string;
}

/** The one line approvers read for a proposed update (at most 300 characters), and its expected impact. */
function approvalText(w: WorkloadResult, changes: string[]): { summary: string; impact: NonNullable<CloudAction['impact']> } {
  const money =
    w.monthlySavingsUsd > 0
      ? `saving about ${formatUsd(w.monthlySavingsUsd)}/month`
      : w.monthlySavingsUsd < 0
        ? `costing about ${formatUsd(-w.monthlySavingsUsd)}/month more`
        : 'no cost change';
  const line = `Right-size ${w.namespace}/${w.name} (${w.cluster}), ${money}: ${changes.join('; ')}`;
  const oom = w.flags.some((f) => f.code === 'oom-risk') ? ' It also removes an OOM risk (a memory limit below the observed maximum).' : '';
  const note =
    (w.monthlySavingsUsd < 0
      ? 'Raises requests to fit observed usage, so the containers are not starved or OOM-killed.'
      : 'Brings requests in line with observed usage, with headroom.') +
    `${oom} Applying it rolls the workload's ${w.replicas} pod${w.replicas === 1 ? '' : 's'}.`;
  return {
    summary: line.length <= 300 ? line : `${line.slice(0, 299)}…`,
    impact: w.monthlySavingsUsd > 0 ? { monthlySavings: { amountMinor: Math.round(w.monthlySavingsUsd * 100), currency: 'USD' }, note } : { note },
  };
}

/** Recommends CPU and memory requests for every workload from its observed usage; applies them on request. */
export default async function run(ctx: AgentContext) {
  const options = readOptions(ctx.input);
  ctx.log.info('Listing Kubernetes workloads', { account: ctx.cloud.account, apply: options.apply });
  ctx.progress(10, 'Listing workloads');
  const all = await ctx.cloud.list(KIND);
  const workloads = all.filter((r) => {
    const a = r.attributes as Partial<WorkloadAttributes>;
    if (options.clusters.length && !options.clusters.includes(String(a.cluster))) return false;
    if (options.namespaces.length && !options.namespaces.includes(String(a.namespace))) return false;
    return !options.excludeNamespaces.includes(String(a.namespace));
  });
  ctx.log.info(`Found ${all.length} workloads, ${workloads.length} in scope`, {
    workloads: all.length,
    inScope: workloads.length,
    clusters: options.clusters,
    namespaces: options.namespaces,
    excludeNamespaces: options.excludeNamespaces,
  });

  ctx.progress(30, 'Computing recommendations');
  const results = workloads.map((r) => recommendWorkload({ id: r.id, name: r.name, project: r.project, attributes: r.attributes as WorkloadAttributes }, options));
  for (const w of results) {
    for (const f of w.flags.filter((x) => x.code === 'oom-risk')) ctx.log.warn(`OOM risk in ${w.namespace}/${w.name}: ${f.message}`, { workload: w.id, container: f.container });
    if (w.status === 'change') {
      ctx.log.info(`${w.namespace}/${w.name}: ${w.containers.flatMap((c) => c.changes.map((x) => `${c.name} ${x}`)).join('; ')}`, {
        workload: w.id,
        monthlySavingsUsd: w.monthlySavingsUsd,
        cpuMillicoresFreed: w.cpuMillicoresFreed,
        memoryMiBFreed: w.memoryMiBFreed,
      });
    } else if (w.status === 'skipped') {
      ctx.log.info(`Skipped ${w.namespace}/${w.name}: ${w.skipReason}`, { workload: w.id });
    }
  }

  const toChange = results.filter((w) => w.status === 'change');
  const applied: ActionRecord[] = [];
  const pendingApproval: ActionRecord[] = [];
  const failed: (ActionRecord & { error: string })[] = [];
  const actions = new Map<string, 'applied' | 'pending-approval' | 'failed'>();
  if (!options.apply) {
    if (toChange.length) ctx.log.info(`apply is off: ${toChange.length} workloads have recommendations and nothing was changed`, { workloads: toChange.length });
  } else {
    ctx.progress(60, 'Updating workloads');
    const byId = new Map<string, Resource>(workloads.map((r) => [r.id, r]));
    for (const [i, w] of toChange.entries()) {
      const resource = byId.get(w.id)!;
      const changes = w.containers.flatMap((c) => c.changes.map((x) => `${c.name} ${x}`));
      const days = (resource.attributes as { usageWindowDays?: unknown }).usageWindowDays;
      const basis = typeof days === 'number' ? `${days}-day usage` : 'observed usage';
      const reason = `Right-size ${w.namespace}/${w.name} from ${basis} (cpu p95 × ${options.cpuHeadroom}, memory p99 × ${options.memoryHeadroom}, never below max × ${options.memorySafety}): ${changes.join('; ')}; ${formatUsd(w.monthlySavingsUsd)}/month`;
      const record: ActionRecord = { id: w.id, name: w.name, cluster: w.cluster, namespace: w.namespace, changes, monthlySavingsUsd: w.monthlySavingsUsd, reason };
      try {
        // Only what the update sets: each container's requests and limits (the platform merges by name).
        const containers = updatedContainers((resource.attributes as WorkloadAttributes).containers, w).map(({ name, requests, limits }) => ({
          name,
          ...(requests ? { requests } : {}),
          ...(limits ? { limits } : {}),
        }));
        const result = await ctx.cloud.act({ kind: KIND, id: w.id, verb: 'update', params: { attributes: { containers } }, reason, ...approvalText(w, changes) });
        if (result.proposal) {
          // Proposed, not done: the run waits for the decision and the platform updates the workload if approved.
          pendingApproval.push({ ...record, approvalId: result.proposal.id });
          actions.set(w.id, 'pending-approval');
          ctx.log.info(`Proposed updating ${w.namespace}/${w.name}: waiting for an approval`, {
            workload: w.id,
            action: `${KIND}.update`,
            approvalId: result.proposal.id,
            changes,
            monthlySavingsUsd: w.monthlySavingsUsd,
          });
        } else {
          applied.push(record);
          actions.set(w.id, 'applied');
          ctx.log.info(`Updated ${w.namespace}/${w.name}`, { workload: w.id, changes, monthlySavingsUsd: w.monthlySavingsUsd });
        }
      } catch (err) {
        failed.push({ ...record, error: (err as Error).message });
        actions.set(w.id, 'failed');
        ctx.log.error(`Could not update ${w.namespace}/${w.name}: ${(err as Error).message}`, { workload: w.id });
      }
      ctx.progress(60 + Math.round((35 * (i + 1)) / toChange.length), `Updated ${i + 1} of ${toChange.length}`);
    }
  }

  const sum = (xs: readonly WorkloadResult[], f: (w: WorkloadResult) => number) => xs.reduce((s, w) => s + f(w), 0);
  const flags = results.flatMap((w) => w.flags.map((f) => ({ ...f, workload: w.id })));
  const countFlag = (code: string) => flags.filter((f) => f.code === code).length;
  const summary = {
    workloads: all.length,
    inScope: workloads.length,
    analysed: results.filter((w) => w.status !== 'skipped').length,
    skipped: results.filter((w) => w.status === 'skipped').length,
    rightSized: results.filter((w) => w.status === 'right-sized').length,
    toChange: toChange.length,
    netMonthlySavingsUsd: round2(sum(toChange, (w) => w.monthlySavingsUsd)),
    grossMonthlySavingsUsd: round2(sum(toChange, (w) => Math.max(0, w.monthlySavingsUsd))),
    monthlyIncreaseUsd: round2(sum(toChange, (w) => Math.max(0, -w.monthlySavingsUsd))),
    cpuCoresFreed: round2(sum(toChange, (w) => w.cpuMillicoresFreed) / 1000),
    memoryGiBFreed: round2(sum(toChange, (w) => w.memoryMiBFreed) / 1024),
    oomRisks: countFlag('oom-risk'),
    missingMemoryLimits: countFlag('missing-memory-limit'),
    missingCpuLimits: countFlag('missing-cpu-limit'),
    applied: applied.length,
    pendingApproval: pendingApproval.length,
    failed: failed.length,
    options,
  };
  ctx.log.info(
    `${toChange.length} of ${summary.analysed} workloads need new requests: ${formatUsd(summary.netMonthlySavingsUsd)}/month net, ${summary.oomRisks} OOM risks`,
    { ...summary, options: undefined },
  );
  ctx.progress(100, 'Done');
  return {
    recommendations: results.map((w) => ({ ...w, action: actions.get(w.id) ?? (w.status === 'change' ? 'recommended' : 'none') })),
    flags,
    applied,
    pendingApproval,
    failed,
    summary,
  };
}
