import type { CloudCredential, ConnectionTarget } from '../src/app/cloud/ports.ts';
import { AwsCloud } from '../src/adapters/cloud/aws/awsCloud.ts';
import { json, RecordingHandler, xml, type RecordedReply, type RecordedRequest } from '../src/adapters/cloud/aws/recordedHandler.ts';

/** Shared recorded responses of the AWS adapter's tests, written after each API's documented response format. */

export const ACCOUNT = '123456789012';
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/agent-marketplace`;
export const target: Extract<ConnectionTarget, { provider: 'aws' }> = { provider: 'aws', accountId: ACCOUNT, roleArn: ROLE, externalId: 'am-ws1-3f9c2a', regions: ['us-east-1', 'eu-west-1'] };
export const SECRET = 'run/secret/key/abcdefghijklmnopqrstuvwxyz012';
export const TOKEN = 'RUN-SESSION-TOKEN-FwoGZXIvYXdzEJr';
export const credential: CloudCredential = {
  provider: 'aws',
  aws: { accessKeyId: 'ASIARUNCREDENTIAL01', secretAccessKey: SECRET, sessionToken: TOKEN },
  expiresAt: new Date('2030-01-01T00:15:00Z'),
  secrets: [SECRET, TOKEN],
};
export const BROKER_SECRET = 'broker/secret/key/0123456789abcdefghijkl';
export const broker = async () => ({ accessKeyId: 'ASIABROKER000000001', secretAccessKey: BROKER_SECRET, sessionToken: 'BROKER-TOKEN-xyz' });

/** An EC2 DescribeInstanceTypes answer: vCPUs and memory (MiB) per type. */
export function instanceTypesXml(types: Record<string, [vcpus: number, memoryMiB: number]>): RecordedReply {
  const items = Object.entries(types)
    .map(([t, [v, m]]) => `<item><instanceType>${t}</instanceType><vCpuInfo><defaultVCpus>${v}</defaultVCpus><defaultCores>${Math.max(1, v / 2)}</defaultCores></vCpuInfo><memoryInfo><sizeInMiB>${m}</sizeInMiB></memoryInfo></item>`)
    .join('');
  return xml(`<DescribeInstanceTypesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><instanceTypeSet>${items}</instanceTypeSet></DescribeInstanceTypesResponse>`);
}

/** A CloudWatch GetMetricData answer (awsJson 1.0): each query id's daily values. */
export function metricDataJson(values: Record<string, number[]>, nextToken?: string): RecordedReply {
  const day0 = Date.parse('2026-11-06T12:00:00Z') / 1000;
  return json(
    {
      MetricDataResults: Object.entries(values).map(([id, v]) => ({ Id: id, Label: id, StatusCode: 'Complete', Timestamps: v.map((_, i) => day0 + i * 86_400), Values: v })),
      Messages: [],
      ...(nextToken ? { NextToken: nextToken } : {}),
    },
    200,
    'application/x-amz-json-1.0',
  );
}

/**
 * What a VM listing asks besides DescribeInstances, answered plainly: m5.large and t3.micro
 * shapes, and no CloudWatch data. Tests of those calls answer them themselves.
 */
export function vmSideCalls(r: RecordedRequest): RecordedReply | null {
  if (r.operation === 'ec2:DescribeInstanceTypes') return instanceTypesXml({ 'm5.large': [2, 8192], 't3.micro': [2, 1024] });
  if (r.operation === 'monitoring:GetMetricData') return metricDataJson({});
  return null;
}

export function cloudWith(answer: (r: RecordedRequest, i: number) => RecordedReply, extra: { maxAttempts?: number; sideCalls?: false; sleep?: (ms: number) => Promise<void> } = {}) {
  const { sideCalls, ...settings } = extra;
  const handler = new RecordingHandler(sideCalls === false ? answer : (r, i) => vmSideCalls(r) ?? answer(r, i));
  const cloud = new AwsCloud({ brokerCredentials: broker, requestHandler: handler, random: () => 0, now: () => new Date('2026-11-20T12:00:00Z'), ...settings });
  return { handler, cloud };
}

export const unexpected = (r: RecordedRequest): never => {
  throw new Error(`unexpected request ${r.operation}`);
};

const tagSet = (tags: Record<string, string>) => `<tagSet>${Object.entries(tags).map(([k, v]) => `<item><key>${k}</key><value>${v}</value></item>`).join('')}</tagSet>`;

export interface InstanceSpec {
  id: string;
  type?: string;
  state?: string;
  zone?: string;
  tags?: Record<string, string>;
}

/** An EC2 DescribeInstances answer (ec2 query protocol, `DescribeInstancesResponse`). */
export function describeInstancesXml(instances: InstanceSpec[], nextToken?: string): RecordedReply {
  const items = instances
    .map(
      (i) => `<item><reservationId>r-${i.id.slice(2)}</reservationId><ownerId>${ACCOUNT}</ownerId><groupSet/><instancesSet><item>
  <instanceId>${i.id}</instanceId><imageId>ami-0abcdef1234567890</imageId>
  <instanceState><code>${i.state === 'stopped' ? 80 : 16}</code><name>${i.state ?? 'running'}</name></instanceState>
  <privateIpAddress>10.0.0.12</privateIpAddress><instanceType>${i.type ?? 'm5.large'}</instanceType><launchTime>2026-05-04T00:00:00.000Z</launchTime>
  <placement><availabilityZone>${i.zone ?? 'us-east-1a'}</availabilityZone><tenancy>default</tenancy></placement>
  <rootDeviceType>ebs</rootDeviceType><platformDetails>Linux/UNIX</platformDetails>
  <cpuOptions><coreCount>1</coreCount><threadsPerCore>2</threadsPerCore></cpuOptions>
  ${tagSet(i.tags ?? {})}
</item></instancesSet></item>`,
    )
    .join('');
  return xml(
    `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>8f7724cf-496f-496e-8fe3-example</requestId><reservationSet>${items}</reservationSet>${nextToken ? `<nextToken>${nextToken}</nextToken>` : ''}</DescribeInstancesResponse>`,
  );
}

export const assumeRoleXml = () =>
  xml(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
  <AssumedRoleUser><Arn>arn:aws:sts::${ACCOUNT}:assumed-role/agent-marketplace/am-run_1</Arn><AssumedRoleId>AROA3XFRBF535PLBIFPI4:am-run_1</AssumedRoleId></AssumedRoleUser>
  <Credentials><AccessKeyId>ASIAMINTED000000001</AccessKeyId><SecretAccessKey>minted/secret/0123456789abcdefghijklmnop</SecretAccessKey><SessionToken>MINTED-TOKEN-IQoJb3JpZ2luX2VjE</SessionToken><Expiration>2030-01-01T00:15:00Z</Expiration></Credentials>
  <PackedPolicySize>6</PackedPolicySize></AssumeRoleResult><ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata></AssumeRoleResponse>`);
