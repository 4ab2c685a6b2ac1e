import type { GcpCall } from './context.js';
import { num } from './context.js';

/**
 * Cloud Monitoring (`projects.timeSeries.list`, monitoring/v3): one request per metric and
 * project covers every resource of a kind. VM utilisation makes the whole lookback one
 * alignment period with `ALIGN_PERCENTILE_95`, so each series has one point: the 95th
 * percentile of its samples (CPU utilisation is a 0..1 gauge sampled each minute; the network
 * byte counts are per-minute deltas).
 */

export const VM_LOOKBACK_DAYS = 14;
const CPU = 'compute.googleapis.com/instance/cpu/utilization';
const RECEIVED = 'compute.googleapis.com/instance/network/received_bytes_count';
const SENT = 'compute.googleapis.com/instance/network/sent_bytes_count';
/** The sample period of the network deltas: a per-minute delta over 60 is bytes per second. */
const SAMPLE_SECONDS = 60;

export interface TimeSeries {
  resource?: { labels?: Record<string, string> };
  metric?: { labels?: Record<string, string> };
  metadata?: { systemLabels?: Record<string, unknown> };
  points?: { interval?: { startTime?: string; endTime?: string }; value?: { doubleValue?: number; int64Value?: string } }[];
}

export interface SeriesQuery {
  filter: string;
  lookbackSeconds: number;
  alignmentSeconds: number;
  aligner: string;
  reducer?: string;
  groupBy?: string[];
}

/** Every series of a query over the last `lookbackSeconds`, all pages. */
export function listTimeSeries(c: GcpCall, project: string, q: SeriesQuery): Promise<TimeSeries[]> {
  const end = c.now();
  const start = new Date(end.getTime() - q.lookbackSeconds * 1000);
  // `aggregation.groupByFields` repeats, which the query record cannot say: it goes in the URL itself.
  const groupBy = (q.groupBy ?? []).map((f) => `aggregation.groupByFields=${encodeURIComponent(f)}`).join('&');
  return c.api.listAll<TimeSeries>(
    {
      method: 'GET',
      url: `https://monitoring.googleapis.com/v3/projects/${project}/timeSeries${groupBy ? `?${groupBy}` : ''}`,
      token: c.token,
      api: 'Cloud Monitoring timeSeries.list',
      query: {
        filter: q.filter,
        'interval.startTime': start.toISOString(),
        'interval.endTime': end.toISOString(),
        'aggregation.alignmentPeriod': `${q.alignmentSeconds}s`,
        'aggregation.perSeriesAligner': q.aligner,
        'aggregation.crossSeriesReducer': q.reducer,
        view: 'FULL',
      },
    },
    'timeSeries',
  );
}

/** A point's value, whichever of the typed fields holds it. */
export const pointValue = (p: NonNullable<TimeSeries['points']>[number] | undefined): number | undefined => num(p?.value?.doubleValue ?? p?.value?.int64Value);

async function p95ByInstance(c: GcpCall, project: string, metric: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const series = await listTimeSeries(c, project, {
    filter: `metric.type = "${metric}" AND resource.type = "gce_instance"`,
    lookbackSeconds: VM_LOOKBACK_DAYS * 86_400,
    alignmentSeconds: VM_LOOKBACK_DAYS * 86_400,
    aligner: 'ALIGN_PERCENTILE_95',
  });
  for (const s of series) {
    const id = s.resource?.labels?.['instance_id'];
    const value = pointValue(s.points?.[0]);
    if (id && value !== undefined) out.set(id, Math.max(out.get(id) ?? 0, value));
  }
  return out;
}

export interface VmUtilisation {
  cpuP95Percent: number;
  networkBytesP95: number | null;
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

/** The nearest-rank percentile of unsorted values (none: undefined). */
export function percentile(values: number[], p: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
