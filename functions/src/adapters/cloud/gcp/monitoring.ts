import type { GcpCall } from './context.js';
import { num } from './context.js';

/**
 * VM utilisation from Cloud Monitoring (`projects.timeSeries.list`, monitoring/v3): one request
 * per metric and project covers every instance, keyed by `resource.labels.instance_id`.
 * The whole lookback is one alignment period with `ALIGN_PERCENTILE_95`, so each series has one
 * point: the 95th percentile of its samples (CPU utilisation is a 0..1 gauge sampled each
 * minute; the network byte counts are per-minute deltas).
 */

export const VM_LOOKBACK_DAYS = 14;
const CPU = 'compute.googleapis.com/instance/cpu/utilization';
const RECEIVED = 'compute.googleapis.com/instance/network/received_bytes_count';
const SENT = 'compute.googleapis.com/instance/network/sent_bytes_count';
/** The sample period of the network deltas: a per-minute delta over 60 is bytes per second. */
const SAMPLE_SECONDS = 60;

interface TimeSeries {
  resource?: { labels?: Record<string, string> };
  points?: { value?: { doubleValue?: number; int64Value?: string } }[];
}

export interface VmUtilisation {
  cpuP95Percent: number;
  networkBytesP95: number | null;
}

async function p95ByInstance(c: GcpCall, project: string, metric: string): Promise<Map<string, number>> {
  const end = c.now();
  const start = new Date(end.getTime() - VM_LOOKBACK_DAYS * 86_400_000);
  const out = new Map<string, number>();
  const series = await c.api.listAll<TimeSeries>(
    {
      method: 'GET',
      url: `https://monitoring.googleapis.com/v3/projects/${project}/timeSeries`,
      token: c.token,
      api: 'Cloud Monitoring timeSeries.list',
      query: {
        filter: `metric.type = "${metric}" AND resource.type = "gce_instance"`,
        'interval.startTime': start.toISOString(),
        'interval.endTime': end.toISOString(),
        'aggregation.alignmentPeriod': `${VM_LOOKBACK_DAYS * 86_400}s`,
        'aggregation.perSeriesAligner': 'ALIGN_PERCENTILE_95',
        view: 'FULL',
      },
    },
    'timeSeries',
  );
  for (const s of series) {
    const id = s.resource?.labels?.['instance_id'];
    const v = s.points?.[0]?.value;
    const value = num(v?.doubleValue ?? v?.int64Value);
    if (id && value !== undefined) out.set(id, Math.max(out.get(id) ?? 0, value));
  }
  return out;
}

/** Utilisation of every instance of the project with data; an instance without CPU data is absent. */
export async function vmUtilisation(c: GcpCall, project: string): Promise<Map<string, VmUtilisation>> {
  const [cpu, received, sent] = await Promise.all([p95ByInstance(c, project, CPU), p95ByInstance(c, project, RECEIVED), p95ByInstance(c, project, SENT)]);
  const out = new Map<string, VmUtilisation>();
  for (const [id, utilisation] of cpu) {
    const rx = received.get(id);
    const tx = sent.get(id);
    // Both directions count as activity; the sum of the two p95s bounds the p95 of their sum from above.
    const bytes = rx === undefined && tx === undefined ? null : Math.round(((rx ?? 0) + (tx ?? 0)) / SAMPLE_SECONDS);
    out.set(id, { cpuP95Percent: Math.round(utilisation * 1000) / 10, networkBytesP95: bytes });
  }
  return out;
}
