import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { AwsCall } from './context.js';

/**
 * EC2 utilisation from CloudWatch `GetMetricData` (AWS/EC2 CPUUtilization, NetworkIn, NetworkOut
 * per InstanceId): what the idle-vm-reaper and rightsizing agents judge by. Each metric is asked
 * as one `p95` per day over the lookback, so every instance costs three queries and a request
 * carries up to 500 of them (the API's limit). The max of the daily p95s bounds the lookback's
 * p95 from above (no day has more than 5% of its samples over it), so a VM is never called idle
 * on a smoothed figure; the number of days with a CPU datapoint is how much history there is.
 */

export const VM_LOOKBACK_DAYS = 14;
/** GetMetricData accepts at most 500 MetricDataQuery structures per request. */
export const METRIC_QUERIES_PER_REQUEST = 500;
const DAY_SECONDS = 86_400;
/** A runaway guard on NextToken pages of one request's results. */
const MAX_PAGES = 50;

export interface InstanceToMeasure {
  instanceId: string;
  /** Detailed monitoring publishes one sample a minute; basic monitoring one every five. */
  detailedMonitoring: boolean;
}

export interface VmUtilisation {
  cpuP95Percent: number;
  /** NetworkIn + NetworkOut p95, in bytes per second; null when EC2 published no network data. */
  networkBytesP95: number | null;
  /** Days of the lookback with CPU data. */
  metricsLookbackDays: number;
}

const METRICS = [
  ['cpu', 'CPUUtilization'],
  ['rx', 'NetworkIn'],
  ['tx', 'NetworkOut'],
] as const;

/** The lookback window: whole hours, ending at the last hour boundary (CloudWatch aligns day periods to it). */
export function lookbackWindow(now: Date): { start: Date; end: Date } {
  const end = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
  return { start: new Date(end.getTime() - VM_LOOKBACK_DAYS * DAY_SECONDS * 1000), end };
}

function queriesOf(batch: readonly InstanceToMeasure[]): MetricDataQuery[] {
  return batch.flatMap((vm, n) =>
    METRICS.map(([prefix, name]) => ({
      Id: `${prefix}${n}`,
      MetricStat: {
        Metric: { Namespace: 'AWS/EC2', MetricName: name, Dimensions: [{ Name: 'InstanceId', Value: vm.instanceId }] },
        Period: DAY_SECONDS,
        Stat: 'p95',
      },
      ReturnData: true,
    })),
  );
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Utilisation of `instances` in `region`, keyed by instance id; an instance without CPU data is absent. */
export async function vmUtilisation(call: AwsCall, region: string, instances: readonly InstanceToMeasure[]): Promise<Map<string, VmUtilisation>> {
  const out = new Map<string, VmUtilisation>();
  if (instances.length === 0) return out;
  const { CloudWatchClient, GetMetricDataCommand } = await import('@aws-sdk/client-cloudwatch');
  const client = new CloudWatchClient(call.config('monitoring', region));
  const { start, end } = lookbackWindow(call.now());
  const perRequest = Math.floor(METRIC_QUERIES_PER_REQUEST / METRICS.length);
  for (let i = 0; i < instances.length; i += perRequest) {
    const batch = instances.slice(i, i + perRequest);
    const values = new Map<string, number[]>();
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await call.run('cloudwatch:GetMetricData', region, () =>
        client.send(new GetMetricDataCommand({ MetricDataQueries: queriesOf(batch), StartTime: start, EndTime: end, ScanBy: 'TimestampAscending', ...(token ? { NextToken: token } : {}) })),
      );
      for (const r of res.MetricDataResults ?? []) if (r.Id) values.set(r.Id, [...(values.get(r.Id) ?? []), ...(r.Values ?? [])]);
      token = res.NextToken;
      if (!token) break;
    }
    batch.forEach((vm, n) => {
      const cpu = values.get(`cpu${n}`) ?? [];
      if (cpu.length === 0) return;
      const rx = values.get(`rx${n}`) ?? [];
      const tx = values.get(`tx${n}`) ?? [];
      // NetworkIn/Out samples are bytes per sample period: per second is that over 60 s or 300 s.
      const seconds = vm.detailedMonitoring ? 60 : 300;
      const bytes = rx.length === 0 && tx.length === 0 ? null : Math.round((Math.max(0, ...rx) + Math.max(0, ...tx)) / seconds);
      out.set(vm.instanceId, { cpuP95Percent: round1(Math.max(...cpu)), networkBytesP95: bytes, metricsLookbackDays: Math.min(VM_LOOKBACK_DAYS, cpu.length) });
    });
  }
  return out;
}
