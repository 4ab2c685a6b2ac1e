import { describe, expect, it } from 'vitest';
import { ec2Error, type RecordedReply, type RecordedRequest } from '../src/adapters/cloud/aws/recordedHandler.ts';
import { cloudWith, credential, describeInstancesXml, instanceTypesXml, metricDataJson, target, unexpected, type InstanceSpec } from './cloudAwsSupport.ts';

/**
 * VM utilisation over CloudWatch GetMetricData and instance shapes over DescribeInstanceTypes:
 * the requests as the SDK serialises them, and the attributes the idle-vm-reaper reads.
 */

const oneRegion = { ...target, regions: ['us-east-1'] };

interface Query {
  Id: string;
  MetricStat: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] }; Period: number; Stat: string };
  ReturnData: boolean;
}
const queriesOf = (r: RecordedRequest) => (r.json as { MetricDataQueries: Query[] }).MetricDataQueries;

/** Daily p95 values of each instance, answered for whatever queries a request carries. */
function metricsFor(series: Record<string, { cpu: number[]; rx?: number[]; tx?: number[] }>) {
  return (r: RecordedRequest): RecordedReply => {
    const values: Record<string, number[]> = {};
    for (const q of queriesOf(r)) {
      const s = series[q.MetricStat.Metric.Dimensions[0]?.Value ?? ''];
      if (!s) continue;
      const name = q.MetricStat.Metric.MetricName;
      values[q.Id] = (name === 'CPUUtilization' ? s.cpu : name === 'NetworkIn' ? s.rx : s.tx) ?? [];
    }
    return metricDataJson(values);
  };
}

const fortnight = (v: number) => Array.from({ length: 14 }, (_, i) => (i === 6 ? v : v / 2));

describe('vm utilisation: CloudWatch GetMetricData', () => {
  const instances: InstanceSpec[] = [
    { id: 'i-idle', type: 'm5.large', tags: { Name: 'idle-box' } },
    { id: 'i-busy', type: 'm5.large', tags: { Name: 'busy-box' } },
    { id: 'i-new', type: 't3.micro', tags: { Name: 'new-box' } },
    { id: 'i-off', type: 'm5.large', state: 'stopped', tags: { Name: 'off-box' } },
  ];
  const series = {
    'i-idle': { cpu: fortnight(1.24), rx: fortnight(3_000_000), tx: fortnight(1_500_000) },
    'i-busy': { cpu: fortnight(63.5), rx: fortnight(90_000_000), tx: fortnight(60_000_000) },
    'i-new': { cpu: [2, 3], rx: [1000, 2000], tx: [] },
  };
  const answer = (r: RecordedRequest): RecordedReply => {
    if (r.operation === 'ec2:DescribeInstances') return describeInstancesXml(instances);
    if (r.operation === 'ec2:DescribeInstanceTypes') return instanceTypesXml({ 'm5.large': [2, 8192], 't3.micro': [2, 1024] });
    if (r.operation === 'monitoring:GetMetricData') return metricsFor(series)(r);
    return unexpected(r);
  };

  it('asks a daily p95 of CPU, NetworkIn and NetworkOut for each running instance over the 14 days to the last hour (awsJson 1.0)', async () => {
    const { handler, cloud } = cloudWith(answer, { sideCalls: false });
    await cloud.list(oneRegion, credential, 'vm', {});
    const [req] = handler.calls('monitoring:GetMetricData');
    expect(handler.calls('monitoring:GetMetricData')).toHaveLength(1);
    expect(req?.hostname).toBe('monitoring.us-east-1.amazonaws.com');
    expect(req?.headers['x-amz-target']).toBe('GraniteServiceVersion20100801.GetMetricData');
    expect(req?.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(req?.accessKeyId).toBe('ASIARUNCREDENTIAL01');
    const body = req?.json as Record<string, unknown>;
    // now is 2026-11-20T12:00:00Z: the window ends on that hour and starts 14 days before (epoch seconds).
    expect(body['StartTime']).toBe(Date.parse('2026-11-06T12:00:00Z') / 1000);
    expect(body['EndTime']).toBe(Date.parse('2026-11-20T12:00:00Z') / 1000);
    expect(body['ScanBy']).toBe('TimestampAscending');
    const queries = queriesOf(req as RecordedRequest);
    // The stopped instance is not measured.
    expect(queries.map((q) => [q.Id, q.MetricStat.Metric.MetricName, q.MetricStat.Metric.Dimensions[0]?.Value])).toEqual([
      ['cpu0', 'CPUUtilization', 'i-idle'],
      ['rx0', 'NetworkIn', 'i-idle'],
      ['tx0', 'NetworkOut', 'i-idle'],
      ['cpu1', 'CPUUtilization', 'i-busy'],
      ['rx1', 'NetworkIn', 'i-busy'],
      ['tx1', 'NetworkOut', 'i-busy'],
      ['cpu2', 'CPUUtilization', 'i-new'],
      ['rx2', 'NetworkIn', 'i-new'],
      ['tx2', 'NetworkOut', 'i-new'],
    ]);
    expect(queries[0]).toEqual({
      Id: 'cpu0',
      MetricStat: { Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: 'i-idle' }] }, Period: 86400, Stat: 'p95' },
      ReturnData: true,
    });
  });

  it("answers the attributes the idle-vm-reaper reads (agents/idle-vm-reaper/src/analyze.ts vmFacts): max of the daily p95s; bytes per second of basic monitoring's 5-minute samples)", async () => {
    const { cloud } = cloudWith(answer, { sideCalls: false });
    const vms = await cloud.list(oneRegion, credential, 'vm', {});
    const byName = Object.fromEntries(vms.map((v) => [v.name, v.attributes]));
    expect(byName['idle-box']).toMatchObject({ machineType: 'm5.large', vcpus: 2, memoryGb: 8, cpuP95Percent: 1.2, networkBytesP95: 15_000, metricsLookbackDays: 14 });
    expect(byName['busy-box']).toMatchObject({ cpuP95Percent: 63.5, networkBytesP95: 500_000, metricsLookbackDays: 14 });
    expect(byName['new-box']).toMatchObject({ memoryGb: 1, cpuP95Percent: 3, networkBytesP95: 7, metricsLookbackDays: 2 });
    // Not running: not measured (the reaper counts it as not running, whatever its metrics).
    expect(byName['off-box']).not.toHaveProperty('cpuP95Percent');
  });

  it('counts a minute per network sample under detailed monitoring', async () => {
    const detailed = (r: RecordedRequest) => {
      const reply = describeInstancesXml([{ id: 'i-idle', tags: { Name: 'idle-box' } }]) as { body: string };
      return r.operation === 'ec2:DescribeInstances' ? { ...reply, body: reply.body.replace('<rootDeviceType>', '<monitoring><state>enabled</state></monitoring><rootDeviceType>') } : answer(r);
    };
    const { cloud } = cloudWith(detailed, { sideCalls: false });
    const [vm] = await cloud.list(oneRegion, credential, 'vm', {});
    expect(vm?.attributes['networkBytesP95']).toBe(75_000);
  });

  it('batches at most 500 queries (166 instances) a request and follows NextToken', async () => {
    const many: InstanceSpec[] = Array.from({ length: 170 }, (_, i) => ({ id: `i-${String(i).padStart(4, '0')}` }));
    const { handler, cloud } = cloudWith(
      (r) => {
        if (r.operation === 'ec2:DescribeInstances') return describeInstancesXml(many);
        if (r.operation === 'ec2:DescribeInstanceTypes') return instanceTypesXml({ 'm5.large': [2, 8192] });
        if (r.operation !== 'monitoring:GetMetricData') return unexpected(r);
        const body = r.json as { NextToken?: string; MetricDataQueries: Query[] };
        // The first request's results come in two pages: CPU first, network after.
        const paged = body.MetricDataQueries.length === 498;
        const page = body.MetricDataQueries.filter((q) => !paged || (body.NextToken ? !q.Id.startsWith('cpu') : q.Id.startsWith('cpu')));
        const values = Object.fromEntries(page.map((q) => [q.Id, [q.Id.startsWith('cpu') ? 2 : 600]]));
        return metricDataJson(values, paged && !body.NextToken ? 'more' : undefined);
      },
      { sideCalls: false },
    );
    const vms = await cloud.list(oneRegion, credential, 'vm', {});
    const calls = handler.calls('monitoring:GetMetricData');
    expect(calls.map((r) => [queriesOf(r).length, (r.json as { NextToken?: string }).NextToken ?? null])).toEqual([
      [498, null],
      [498, 'more'],
      [12, null],
    ]);
    expect(vms).toHaveLength(170);
    expect(vms.every((v) => v.attributes['cpuP95Percent'] === 2 && v.attributes['networkBytesP95'] === 4)).toBe(true);
  });

  it('asks DescribeInstanceTypes once per region and type, across listings', async () => {
    const { handler, cloud } = cloudWith(answer, { sideCalls: false });
    await cloud.list(oneRegion, credential, 'vm', {});
    await cloud.list(oneRegion, credential, 'vm', {});
    const types = handler.calls('ec2:DescribeInstanceTypes');
    expect(types).toHaveLength(1);
    expect(types[0]?.form).toMatchObject({ Action: 'DescribeInstanceTypes', 'InstanceType.1': 'm5.large', 'InstanceType.2': 't3.micro' });
  });

  it('lists without memory when DescribeInstanceTypes is denied; a denied GetMetricData fails the listing naming the action', async () => {
    const { cloud } = cloudWith(
      (r) => (r.operation === 'ec2:DescribeInstanceTypes' ? ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403) : answer(r)),
      { sideCalls: false },
    );
    const vms = await cloud.list(oneRegion, credential, 'vm', {});
    expect(vms[0]?.attributes).toMatchObject({ vcpus: 2, cpuP95Percent: 1.2 });
    expect(vms[0]?.attributes).not.toHaveProperty('memoryGb');

    const denied = cloudWith(
      (r) =>
        r.operation === 'monitoring:GetMetricData'
          ? { status: 400, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': 'AccessDenied;Sender' }, body: JSON.stringify({ __type: 'com.amazonaws.cloudwatch#AccessDenied', message: 'User is not authorized to perform: cloudwatch:GetMetricData' }) }
          : answer(r),
      { sideCalls: false },
    );
    await expect(denied.cloud.list(oneRegion, credential, 'vm', {})).rejects.toMatchObject({ reason: 'permission_denied', permissions: ['cloudwatch:GetMetricData'] });
  });
});
