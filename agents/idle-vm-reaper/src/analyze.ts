/** Pure idle-VM analysis: no I/O, so it is tested directly. */
import type { Resource } from '@agent-marketplace/runner';

export interface ReaperOptions {
  /** The moment "days since last login" is measured from. */
  asOf: Date;
  /** A VM whose CPU p95 is at or above this (percent) is in use. */
  cpuThresholdPercent: number;
  /** A VM whose network p95 is at or above this (bytes per second, in + out) is in use. */
  networkThresholdBytes: number;
  /** A login within this many days means someone still uses the VM. */
  minDaysSinceLogin: number;
  /** Metrics covering fewer days than this are not enough to call a VM idle. */
  minLookbackDays: number;
  /** Projects never touched, whatever their VMs look like. */
  excludeProjects: string[];
}

export const DEFAULTS: Omit<ReaperOptions, 'asOf'> = {
  cpuThresholdPercent: 5,
  networkThresholdBytes: 50_000,
  minDaysSinceLogin: 14,
  minLookbackDays: 7,
  excludeProjects: [],
};

/** The label that protects a VM from this agent, and its value. */
export const KEEP_ALIVE_LABEL = 'keep-alive';

/** Hours in an average month (365 × 24 / 12), the usual basis of cloud monthly estimates. */
export const HOURS_PER_MONTH = 730;

export interface VmFacts {
  id: string;
  name: string;
  project: string;
  region: string;
  zone: string | null;
  machineType: string;
  vcpus: number | null;
  hourlyCostUsd: number;
  cpuP95Percent: number | null;
  networkBytesP95: number | null;
  lookbackDays: number | null;
  lastLoginAt: string | null;
  /** Whole days since the last login; null when nobody ever logged in. */
  daysSinceLogin: number | null;
  managedBy: string | null;
  owner: string | null;
}

export interface IdleVm extends VmFacts {
  monthlySavingsUsd: number;
  /** Human-readable evidence, one line per signal. */
  evidence: string[];
}

export type SkipReason = 'keep-alive-label' | 'excluded-project' | 'managed-by-group' | 'insufficient-metrics';

export interface SkippedVm {
  id: string;
  name: string;
  project: string;
  reason: SkipReason;
  detail: string;
  /** What stopping it would have saved, when it looked idle. */
  monthlySavingsUsd: number;
}

export interface ActiveVm {
  id: string;
  name: string;
  project: string;
  /** Which signals show use: cpu, network, login. */
  signals: ('cpu' | 'network' | 'login')[];
}

export interface Analysis {
  idle: IdleVm[];
  skipped: SkippedVm[];
  active: ActiveVm[];
  /** VMs that are already stopped or terminated. */
  notRunning: number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const DAY_MS = 86_400_000;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

export function monthlyCost(hourlyCostUsd: number): number {
  return round2(hourlyCostUsd * HOURS_PER_MONTH);
}

/** "3.1 KB/s", "2.4 MB/s": for evidence lines people read. */
export function formatRate(bytesPerSecond: number): string {
  if (bytesPerSecond >= 1_000_000) return `${round2(bytesPerSecond / 1_000_000)} MB/s`;
  if (bytesPerSecond >= 1_000) return `${round2(bytesPerSecond / 1_000)} KB/s`;
  return `${bytesPerSecond} B/s`;
}

/** The facts this agent relies on, read defensively from a VM resource. */
export function vmFacts(vm: Resource, asOf: Date): VmFacts {
  const a = vm.attributes;
  const lastLoginAt = str(a['lastLoginAt']);
  const loginMs = lastLoginAt ? Date.parse(lastLoginAt) : NaN;
  return {
    id: vm.id,
    name: vm.name,
    project: vm.project,
    region: vm.region,
    zone: str(a['zone']),
    machineType: str(a['machineType']) ?? 'unknown',
    vcpus: num(a['vcpus']),
    hourlyCostUsd: num(a['hourlyCostUsd']) ?? 0,
    cpuP95Percent: num(a['cpuP95Percent']),
    networkBytesP95: num(a['networkBytesP95']),
    lookbackDays: num(a['metricsLookbackDays']),
    lastLoginAt,
    daysSinceLogin: Number.isNaN(loginMs) ? null : Math.max(0, Math.floor((asOf.getTime() - loginMs) / DAY_MS)),
    managedBy: str(a['managedBy']),
    owner: vm.labels['owner'] ?? null,
  };
}

/**
 * Sorts every VM into idle (stop candidates), skipped (idle-looking but protected, managed or
 * without enough data) and active. Idle means all three signals are quiet: CPU p95, network p95
 * and interactive logins. Idle VMs come most expensive first.
 */
export function analyzeVms(vms: readonly Resource[], options: ReaperOptions): Analysis {
  const out: Analysis = { idle: [], skipped: [], active: [], notRunning: 0 };
  const excluded = new Set(options.excludeProjects);
  for (const vm of vms) {
    if (vm.kind !== 'vm') continue;
    if (vm.state !== 'running') {
      out.notRunning++;
      continue;
    }
    const f = vmFacts(vm, options.asOf);
    const savings = monthlyCost(f.hourlyCostUsd);
    if (f.cpuP95Percent === null || f.networkBytesP95 === null || f.lookbackDays === null || f.lookbackDays < options.minLookbackDays) {
      out.skipped.push({
        id: f.id,
        name: f.name,
        project: f.project,
        reason: 'insufficient-metrics',
        detail: `metrics cover ${f.lookbackDays ?? 0} day(s); at least ${options.minLookbackDays} are needed`,
        monthlySavingsUsd: 0,
      });
      continue;
    }
    const signals: ActiveVm['signals'] = [];
    if (f.cpuP95Percent >= options.cpuThresholdPercent) signals.push('cpu');
    if (f.networkBytesP95 >= options.networkThresholdBytes) signals.push('network');
    if (f.daysSinceLogin !== null && f.daysSinceLogin < options.minDaysSinceLogin) signals.push('login');
    if (signals.length > 0) {
      out.active.push({ id: f.id, name: f.name, project: f.project, signals });
      continue;
    }
    const protection = protectionOf(vm, f, excluded);
    if (protection) {
      out.skipped.push({ id: f.id, name: f.name, project: f.project, ...protection, monthlySavingsUsd: savings });
      continue;
    }
    out.idle.push({
      ...f,
      monthlySavingsUsd: savings,
      evidence: [
        `CPU p95 ${f.cpuP95Percent}% < ${options.cpuThresholdPercent}% over ${f.lookbackDays} days`,
        `network p95 ${formatRate(f.networkBytesP95)} < ${formatRate(options.networkThresholdBytes)}`,
        f.daysSinceLogin === null ? 'no interactive login on record' : `last login ${f.daysSinceLogin} days ago`,
      ],
    });
  }
  out.idle.sort((a, b) => b.monthlySavingsUsd - a.monthlySavingsUsd || a.name.localeCompare(b.name));
  out.skipped.sort((a, b) => b.monthlySavingsUsd - a.monthlySavingsUsd || a.name.localeCompare(b.name));
  return out;
}

function protectionOf(vm: Resource, f: VmFacts, excluded: ReadonlySet<string>): { reason: SkipReason; detail: string } | null {
  if (vm.labels[KEEP_ALIVE_LABEL] === 'true') return { reason: 'keep-alive-label', detail: `labelled ${KEEP_ALIVE_LABEL}: "true"` };
  if (excluded.has(f.project)) return { reason: 'excluded-project', detail: `project ${f.project} is excluded by the run's input` };
  // A group manager recreates a stopped member, so stopping it saves nothing: resize the group instead.
  if (f.managedBy) return { reason: 'managed-by-group', detail: `managed by ${f.managedBy}; resize the group instead` };
  return null;
}

/** The `reason` kept with the stop action. */
export function stopReason(vm: IdleVm): string {
  return `Idle VM: ${vm.evidence.join('; ')}. Stopping saves about $${vm.monthlySavingsUsd}/month of compute (disks are still billed).`;
}
