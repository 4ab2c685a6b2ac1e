import type { GcpCall } from './context.js';
import { listTimeSeries, percentile, pointValue, type TimeSeries } from './monitoring.js';

/**
 * Observed container usage of GKE Deployments from Cloud Monitoring's Kubernetes metrics, as
 * k8s-rightsizer reads it (`containers[].usage`: cpuP95Millicores, memoryP99MiB, memoryMaxMiB).
 * One query per metric and project: 5-minute steps over the lookback, each step the busiest
 * replica's value (REDUCE_MAX across the pods of a Deployment's container), because a request
 * is per replica and must fit the busiest one. Percentiles are then taken over the steps.
 */

export const K8S_LOOKBACK_DAYS = 14;
const STEP_SECONDS = 300;
const MIB = 2 ** 20;
const DAY_MS = 86_400_000;
const GROUP_BY = [
  'resource.label.location',
  'resource.label.cluster_name',
  'resource.label.namespace_name',
  'resource.label.container_name',
  'metadata.system_labels.top_level_controller_name',
  'metadata.system_labels.top_level_controller_type',
];

export interface ContainerUsage {
  cpuP95Millicores: number;
  memoryP99MiB: number;
  memoryMaxMiB: number;
}

/** `location/cluster/namespace/deployment/container`. */
export const usageKey = (location: string, cluster: string, namespace: string, deployment: string, container: string) => [location, cluster, namespace, deployment, container].join('/');

interface Steps {
  values: number[];
  /** The earliest step seen, for how many days the usage covers. */
  firstMs: number;
}

function byContainer(series: TimeSeries[]): Map<string, Steps> {
  const out = new Map<string, Steps>();
  for (const s of series) {
    const r = s.resource?.labels ?? {};
    const sys = s.metadata?.systemLabels ?? {};
    // Only Deployments' pods: the rightsizer changes Deployments, and a bare pod has no owner to patch.
    if (sys['top_level_controller_type'] !== 'Deployment') continue;
    const controller = sys['top_level_controller_name'];
    if (typeof controller !== 'string' || !r['location'] || !r['cluster_name'] || !r['namespace_name'] || !r['container_name']) continue;
    const key = usageKey(r['location'], r['cluster_name'], r['namespace_name'], controller, r['container_name']);
    const steps = out.get(key) ?? { values: [], firstMs: Infinity };
    for (const p of s.points ?? []) {
      const v = pointValue(p);
      if (v === undefined) continue;
      steps.values.push(v);
      const at = Date.parse(p.interval?.startTime ?? p.interval?.endTime ?? '');
      if (!Number.isNaN(at)) steps.firstMs = Math.min(steps.firstMs, at);
    }
    out.set(key, steps);
  }
  return out;
}

/** Usage of every Deployment container of the project with both CPU and memory data, and the days each covers. */
export async function workloadUsage(c: GcpCall, project: string): Promise<Map<string, ContainerUsage & { days: number }>> {
  const common = { lookbackSeconds: K8S_LOOKBACK_DAYS * 86_400, alignmentSeconds: STEP_SECONDS, reducer: 'REDUCE_MAX', groupBy: GROUP_BY };
  const [cpu, memory] = await Promise.all([
    // CPU seconds used, a cumulative counter: its rate is cores in use.
    listTimeSeries(c, project, { ...common, filter: 'metric.type = "kubernetes.io/container/cpu/core_usage_time" AND resource.type = "k8s_container"', aligner: 'ALIGN_RATE' }),
    // Non-evictable memory is the working set the kernel cannot reclaim: what an OOM kill counts.
    listTimeSeries(c, project, {
      ...common,
      filter: 'metric.type = "kubernetes.io/container/memory/used_bytes" AND resource.type = "k8s_container" AND metric.labels.memory_type = "non-evictable"',
      aligner: 'ALIGN_MAX',
    }),
  ]);
  const cores = byContainer(cpu);
  const bytes = byContainer(memory);
  const now = c.now().getTime();
  const out = new Map<string, ContainerUsage & { days: number }>();
  for (const [key, c95] of cores) {
    const mem = bytes.get(key);
    const cpuP95 = percentile(c95.values, 95);
    const memP99 = mem && percentile(mem.values, 99);
    if (cpuP95 === undefined || memP99 === undefined || !mem) continue;
    const first = Math.min(c95.firstMs, mem.firstMs);
    const days = Number.isFinite(first) ? Math.min(K8S_LOOKBACK_DAYS, Math.max(0, Math.floor((now - first) / DAY_MS))) : 0;
    out.set(key, {
      cpuP95Millicores: Math.round(cpuP95 * 1000),
      memoryP99MiB: Math.round(memP99 / MIB),
      memoryMaxMiB: Math.round(Math.max(...mem.values) / MIB),
      days,
    });
  }
  return out;
}
