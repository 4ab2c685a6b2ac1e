/**
 * Pure right-sizing of Kubernetes container requests from observed usage. No I/O, so it is
 * tested directly.
 */
export interface Quantities {
  cpuMillicores?: number;
  memoryMiB?: number;
}

export interface Usage {
  cpuP95Millicores: number;
  memoryP99MiB: number;
  memoryMaxMiB: number;
}

export interface ContainerSpec {
  name: string;
  requests?: Quantities;
  limits?: Quantities;
  usage?: Usage;
  [extra: string]: unknown;
}

export interface WorkloadAttributes {
  cluster: string;
  namespace: string;
  kind: string;
  replicas: number;
  containers: ContainerSpec[];
  [extra: string]: unknown;
}

export interface WorkloadRef {
  id: string;
  name: string;
  project: string;
  attributes: WorkloadAttributes;
}

export interface RightsizeOptions {
  /** CPU request = p95 usage × this. */
  cpuHeadroom: number;
  /** Memory request = p99 usage × this... */
  memoryHeadroom: number;
  /** ...and never below the maximum observed × this. */
  memorySafety: number;
  minCpuMillicores: number;
  minMemoryMiB: number;
  /** Keep a current request within this relative distance of the recommendation (no churn). */
  tolerance: number;
  vcpuHourUsd: number;
  gibHourUsd: number;
  hoursPerMonth: number;
}

export const DEFAULTS: RightsizeOptions = {
  cpuHeadroom: 1.2,
  memoryHeadroom: 1.15,
  memorySafety: 1.1,
  minCpuMillicores: 10,
  minMemoryMiB: 32,
  tolerance: 0.1,
  // On-demand N2 prices in us-central1, per vCPU-hour and GiB-hour.
  vcpuHourUsd: 0.031611,
  gibHourUsd: 0.004237,
  hoursPerMonth: 730,
};

export type FlagCode = 'missing-cpu-limit' | 'missing-memory-limit' | 'oom-risk' | 'cpu-throttling-risk' | 'no-usage-data';

export interface Flag {
  code: FlagCode;
  container: string;
  message: string;
}

export interface ContainerResult {
  name: string;
  current: { requests: Quantities; limits: Quantities };
  recommended: { requests: Quantities; limits: Quantities };
  usage: Usage | null;
  changed: boolean;
  /** Human-readable changes, e.g. "cpu request 1000m → 225m". */
  changes: string[];
  /** Per month, for all replicas; negative when the container needs more. */
  monthlySavingsUsd: number;
}

export type WorkloadStatus = 'change' | 'right-sized' | 'skipped';

export interface WorkloadResult {
  id: string;
  name: string;
  project: string;
  cluster: string;
  namespace: string;
  kind: string;
  replicas: number;
  status: WorkloadStatus;
  skipReason?: string;
  containers: ContainerResult[];
  flags: Flag[];
  /** Over all replicas: positive frees capacity. */
  cpuMillicoresFreed: number;
  memoryMiBFreed: number;
  monthlySavingsUsd: number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const ceilTo = (n: number, step: number) => Math.ceil(n / step - 1e-9) * step;

/** Rounds a CPU amount up to a sane step: 5m up to 100m, 25m up to 1 core, then 100m. */
export function roundCpu(millicores: number): number {
  if (millicores <= 100) return ceilTo(millicores, 5);
  if (millicores <= 1000) return ceilTo(millicores, 25);
  return ceilTo(millicores, 100);
}

/** Rounds memory up to a sane step: 16Mi up to 256Mi, 64Mi up to 2Gi, then 256Mi. */
export function roundMemory(mib: number): number {
  if (mib <= 256) return ceilTo(mib, 16);
  if (mib <= 2048) return ceilTo(mib, 64);
  return ceilTo(mib, 256);
}

const validNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function usageOf(c: ContainerSpec): Usage | null {
  const u = c.usage;
  if (!u || !validNum(u.cpuP95Millicores) || !validNum(u.memoryP99MiB) || !validNum(u.memoryMaxMiB)) return null;
  return u;
}

function clean(q: Quantities | undefined): Quantities {
  const out: Quantities = {};
  if (validNum(q?.cpuMillicores)) out.cpuMillicores = q.cpuMillicores;
  if (validNum(q?.memoryMiB)) out.memoryMiB = q.memoryMiB;
  return out;
}

const within = (current: number | undefined, target: number, tolerance: number) =>
  current !== undefined && current > 0 && Math.abs(target - current) / current <= tolerance;

/** Monthly cost of requests (per replica) at the given prices. */
export function monthlyCost(q: Quantities, o: Pick<RightsizeOptions, 'vcpuHourUsd' | 'gibHourUsd' | 'hoursPerMonth'>): number {
  return (((q.cpuMillicores ?? 0) / 1000) * o.vcpuHourUsd + ((q.memoryMiB ?? 0) / 1024) * o.gibHourUsd) * o.hoursPerMonth;
}

/** Flags about a container's current spec, independent of the recommendation. */
export function containerFlags(c: ContainerSpec): Flag[] {
  const flags: Flag[] = [];
  const limits = clean(c.limits);
  const usage = usageOf(c);
  if (limits.memoryMiB === undefined) {
    flags.push({ code: 'missing-memory-limit', container: c.name, message: `${c.name} has no memory limit: one leaking pod can starve its node.` });
  }
  if (limits.cpuMillicores === undefined) {
    flags.push({ code: 'missing-cpu-limit', container: c.name, message: `${c.name} has no CPU limit.` });
  }
  if (!usage) {
    flags.push({ code: 'no-usage-data', container: c.name, message: `${c.name} has no usage history yet; left as is.` });
    return flags;
  }
  if (limits.memoryMiB !== undefined && limits.memoryMiB < usage.memoryMaxMiB) {
    flags.push({
      code: 'oom-risk',
      container: c.name,
      message: `${c.name}'s memory limit ${limits.memoryMiB}Mi is below its observed maximum ${usage.memoryMaxMiB}Mi: it is being or will be OOM-killed.`,
    });
  }
  if (limits.cpuMillicores !== undefined && usage.cpuP95Millicores >= 0.9 * limits.cpuMillicores) {
    flags.push({
      code: 'cpu-throttling-risk',
      container: c.name,
      message: `${c.name}'s p95 CPU ${usage.cpuP95Millicores}m is within 10% of its limit ${limits.cpuMillicores}m: expect throttling.`,
    });
  }
  return flags;
}

export function recommendContainer(c: ContainerSpec, replicas: number, o: RightsizeOptions): ContainerResult {
  const requests = clean(c.requests);
  const limits = clean(c.limits);
  const usage = usageOf(c);
  const current = { requests, limits };
  if (!usage) return { name: c.name, current, recommended: current, usage: null, changed: false, changes: [], monthlySavingsUsd: 0 };

  let cpu = roundCpu(Math.max(o.minCpuMillicores, usage.cpuP95Millicores * o.cpuHeadroom));
  if (within(requests.cpuMillicores, cpu, o.tolerance)) cpu = requests.cpuMillicores!;

  const memFloor = usage.memoryMaxMiB * o.memorySafety;
  let mem = roundMemory(Math.max(o.minMemoryMiB, usage.memoryP99MiB * o.memoryHeadroom, memFloor));
  if (within(requests.memoryMiB, mem, o.tolerance) && requests.memoryMiB! >= memFloor) mem = requests.memoryMiB!;

  // A request above its limit is an invalid pod spec: raise such a limit to the new request.
  const newLimits: Quantities = { ...limits };
  if (limits.cpuMillicores !== undefined && limits.cpuMillicores < cpu) newLimits.cpuMillicores = cpu;
  if (limits.memoryMiB !== undefined && limits.memoryMiB < mem) newLimits.memoryMiB = mem;
  const recommended = { requests: { cpuMillicores: cpu, memoryMiB: mem }, limits: newLimits };

  const changes: string[] = [];
  const describe = (what: string, from: number | undefined, to: number | undefined, unit: string) => {
    if (from !== to) changes.push(`${what} ${from === undefined ? 'unset' : `${from}${unit}`} → ${to}${unit}`);
  };
  describe('cpu request', requests.cpuMillicores, cpu, 'm');
  describe('memory request', requests.memoryMiB, mem, 'Mi');
  describe('cpu limit', limits.cpuMillicores, newLimits.cpuMillicores, 'm');
  describe('memory limit', limits.memoryMiB, newLimits.memoryMiB, 'Mi');

  const savings = (monthlyCost(requests, o) - monthlyCost(recommended.requests, o)) * replicas;
  return { name: c.name, current, recommended, usage, changed: changes.length > 0, changes, monthlySavingsUsd: round2(savings) };
}

export function recommendWorkload(w: WorkloadRef, o: RightsizeOptions = DEFAULTS): WorkloadResult {
  const a = w.attributes;
  const replicas = validNum(a.replicas) ? a.replicas : 0;
  const containers = (Array.isArray(a.containers) ? a.containers : []).map((c) => recommendContainer(c, replicas, o));
  const flags = (Array.isArray(a.containers) ? a.containers : []).flatMap(containerFlags);
  const base = {
    id: w.id,
    name: w.name,
    project: w.project,
    cluster: String(a.cluster ?? ''),
    namespace: String(a.namespace ?? ''),
    kind: String(a.kind ?? ''),
    replicas,
    containers,
    flags,
  };
  let skipReason: string | undefined;
  if (containers.length === 0) skipReason = 'no containers';
  else if (replicas === 0) skipReason = 'scaled to zero';
  else if (containers.every((c) => c.usage === null)) skipReason = 'no usage data yet';
  if (skipReason) {
    return { ...base, status: 'skipped', skipReason, containers: containers.map((c) => ({ ...c, recommended: c.current, changed: false, changes: [], monthlySavingsUsd: 0 })), cpuMillicoresFreed: 0, memoryMiBFreed: 0, monthlySavingsUsd: 0 };
  }
  const freed = (pick: (q: Quantities) => number | undefined) =>
    containers.reduce((s, c) => s + ((pick(c.current.requests) ?? 0) - (pick(c.recommended.requests) ?? 0)) * replicas, 0);
  return {
    ...base,
    status: containers.some((c) => c.changed) ? 'change' : 'right-sized',
    cpuMillicoresFreed: freed((q) => q.cpuMillicores),
    memoryMiBFreed: freed((q) => q.memoryMiB),
    monthlySavingsUsd: round2(containers.reduce((s, c) => s + c.monthlySavingsUsd, 0)),
  };
}

/** The workload's containers with the recommended requests and limits, everything else kept. */
export function updatedContainers(original: readonly ContainerSpec[], result: WorkloadResult): ContainerSpec[] {
  return original.map((c) => {
    const r = result.containers.find((x) => x.name === c.name);
    if (!r || !r.changed) return c;
    const next: ContainerSpec = { ...c, requests: { ...c.requests, ...r.recommended.requests } };
    if (c.limits || Object.keys(r.recommended.limits).length) next.limits = { ...c.limits, ...r.recommended.limits };
    return next;
  });
}

export function formatUsd(n: number): string {
  return `${n < 0 ? '-' : ''}$${Math.abs(n).toFixed(2)}`;
}
