import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CloudCredential, CredentialGrant } from '../src/app/cloud/ports.ts';
import { AwsCloud } from '../src/adapters/cloud/aws/awsCloud.ts';
import { handleAws, resetAws, type AwsAccount, type StandInCall } from '../../scripts/lib/cloudStandInAws.ts';

/**
 * The AWS part of the local stand-in, driven by the real AwsCloud over HTTP (the SDK's own
 * HTTP handler, serialisers and SigV4), as the test and bench stacks will drive it.
 */

const ACCOUNT = '210987654321';
const target = { provider: 'aws' as const, accountId: ACCOUNT, roleArn: `arn:aws:iam::${ACCOUNT}:role/agent-marketplace`, externalId: 'am-ws9-77aa', regions: ['us-east-1', 'eu-west-1'] };
const REAPER: CredentialGrant = {
  scopes: ['vm.list', 'vm.stop'],
  gcp: { oauthScopes: [] },
  aws: { actions: ['ec2:DescribeInstances', 'cloudwatch:GetMetricData', 'ec2:StopInstances'] },
};
const session = { runId: 'run_7', wsId: 'ws9' };

let server: Server;
let base: string;
const calls: StandInCall[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://standin').pathname);
    handleAws(req, res, path, undefined, calls)
      .then((answered) => {
        if (!answered) res.writeHead(404).end();
      })
      .catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function program(scenario: Partial<AwsAccount>): Promise<AwsAccount> {
  const res = await fetch(`${base}/__standin/aws/accounts/${ACCOUNT}`, { method: 'POST', body: JSON.stringify(scenario) });
  return (await res.json()) as AwsAccount;
}

const cloud = (maxAttempts = 3) =>
  new AwsCloud({
    endpointOverride: `${base}/aws`,
    brokerCredentials: async () => ({ accessKeyId: 'AKIABROKERSTANDIN01', secretAccessKey: 'broker-secret-standin-0123456789', sessionToken: 'broker-token' }),
    maxAttempts,
    random: () => 0,
  });

const vms: AwsAccount['vms'] = [
  { id: 'i-0idle000000000001', region: 'us-east-1', state: 'running', type: 'm5.large', tags: { Name: 'idle-box', team: 'web' }, cpuP95: 1.5, networkBytesP95: 2000 },
  { id: 'i-0busy000000000002', region: 'us-east-1', state: 'running', type: 'm5.xlarge', tags: { Name: 'busy-box' }, cpuP95: 71, networkBytesP95: 900_000 },
  { id: 'i-0new0000000000003', region: 'eu-west-1', state: 'running', type: 't3.micro', tags: { Name: 'new-box' }, cpuP95: 2, metricsDays: 3 },
  { id: 'i-0off0000000000004', region: 'eu-west-1', state: 'stopped', type: 't3.micro', tags: { Name: 'off-box' } },
];

beforeEach(async () => {
  resetAws();
  calls.length = 0;
  await program({ externalId: target.externalId, granted: null, vms: structuredClone(vms), credentialUses: 1000, throttle: false });
});

describe('the AWS stand-in, driven by AwsCloud', () => {
  it('mints with the external id and records the session policy; a forged external id is refused as permission_denied', async () => {
    const credential = await cloud().mint(target, REAPER, session);
    expect(credential.aws?.accessKeyId).toMatch(/^ASIASTANDIN/);
    expect(credential.expiresAt.getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
    const scenario = (await (await fetch(`${base}/__standin/aws/accounts/${ACCOUNT}`)).json()) as AwsAccount;
    expect(scenario.assumed).toEqual([
      {
        at: expect.any(String),
        roleArn: target.roleArn,
        sessionName: 'am-run_7',
        policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cloudwatch:GetMetricData","ec2:DescribeInstances","ec2:StopInstances"],"Resource":"*"}]}',
      },
    ]);
    await expect(cloud().mint({ ...target, externalId: 'am-someone-else' }, REAPER, session)).rejects.toMatchObject({ reason: 'permission_denied', permissions: ['sts:AssumeRole'] });
  });

  it("answers missingPermissions from the scenario's granted actions", async () => {
    await program({ granted: ['ec2:DescribeInstances', 'cloudwatch:GetMetricData', 'iam:SimulatePrincipalPolicy'] });
    const c = cloud();
    const credential = await c.mint(target, { ...REAPER, aws: { actions: ['iam:SimulatePrincipalPolicy'] } }, session);
    expect(await c.missingPermissions(target, credential, ['ec2:DescribeInstances', 'ec2:StopInstances', 'cloudwatch:GetMetricData'])).toEqual(['ec2:StopInstances']);
  });

  it('lists VMs across regions with their utilisation, and stops one', async () => {
    const c = cloud();
    const credential = await c.mint(target, REAPER, session);
    const listed = await c.list(target, credential, 'vm', {});
    const byName = Object.fromEntries(listed.map((v) => [v.name, v]));
    expect(Object.keys(byName).sort()).toEqual(['busy-box', 'idle-box', 'new-box', 'off-box']);
    expect(byName['idle-box']?.attributes).toMatchObject({ machineType: 'm5.large', cpuP95Percent: 1.5, networkBytesP95: 2000, metricsLookbackDays: 14 });
    expect(byName['busy-box']?.attributes).toMatchObject({ cpuP95Percent: 71, networkBytesP95: 900_000 });
    expect(byName['new-box']?.region).toBe('eu-west-1');
    expect(byName['new-box']?.attributes).toMatchObject({ metricsLookbackDays: 3 });
    expect(byName['off-box']?.state).toBe('stopped');
    // The grant has no ec2:DescribeInstanceTypes: the session policy denies it and the memory stays unknown.
    expect(byName['idle-box']?.attributes).not.toHaveProperty('memoryGb');
    expect(calls.filter((x) => x.status === 403).length).toBeGreaterThan(0);

    const after = await c.act(target, credential, { kind: 'vm', verb: 'stop', resourceId: byName['idle-box']!.id, params: {} });
    expect(after.state).toBe('stopped');
    const scenario = (await (await fetch(`${base}/__standin/aws/accounts/${ACCOUNT}`)).json()) as AwsAccount;
    expect(scenario.vms.find((v) => v.id === 'i-0idle000000000001')?.state).toBe('stopped');
  });

  it('answers memory when the grant includes ec2:DescribeInstanceTypes', async () => {
    const c = cloud();
    const credential = await c.mint(target, { ...REAPER, aws: { actions: [...REAPER.aws.actions, 'ec2:DescribeInstanceTypes'] } }, session);
    const listed = await c.list(target, credential, 'vm', { region: 'us-east-1' });
    expect(listed.map((v) => [v.name, v.attributes['vcpus'], v.attributes['memoryGb']])).toEqual([
      ['idle-box', 2, 8],
      ['busy-box', 4, 16],
    ]);
  });

  it('refuses an action outside the session policy even when the role allows it', async () => {
    const c = cloud();
    const credential = await c.mint(target, { ...REAPER, aws: { actions: ['ec2:DescribeInstances', 'cloudwatch:GetMetricData'] } }, session);
    const id = `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0idle000000000001`;
    await expect(c.act(target, credential, { kind: 'vm', verb: 'stop', resourceId: id, params: {} })).rejects.toMatchObject({ reason: 'permission_denied', permissions: ['ec2:StopInstances'] });
  });

  it('answers ExpiredToken after the credential is spent (unauthenticated), and refuses a key it never issued', async () => {
    // A get is two calls: DescribeInstances, then DescribeInstanceTypes (which the session policy denies).
    await program({ credentialUses: 2 });
    const c = cloud();
    const credential = await c.mint(target, REAPER, session);
    const id = `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0idle000000000001`;
    expect(await c.get(target, credential, 'vm', id)).toMatchObject({ name: 'idle-box' });
    await expect(c.get(target, credential, 'vm', id)).rejects.toMatchObject({ reason: 'unauthenticated', providerCode: 'ExpiredToken' });

    const forged: CloudCredential = { ...credential, aws: { accessKeyId: 'ASIANOTISSUED000001', secretAccessKey: 'x'.repeat(40), sessionToken: 'forged-token' } };
    await expect(c.get(target, forged, 'vm', id)).rejects.toMatchObject({ reason: 'unauthenticated' });
  });

  it('answers throttling on every call but AssumeRole (throttled after the retries), each call recorded with its status', async () => {
    const c = cloud(2);
    const credential = await c.mint(target, REAPER, session);
    await program({ throttle: true });
    await expect(c.list({ ...target, regions: ['us-east-1'] }, credential, 'vm', {})).rejects.toMatchObject({ reason: 'throttled', providerCode: 'RequestLimitExceeded' });
    expect(calls.map((x) => [x.path, x.status])).toEqual([
      ['/aws/us-east-1/sts/', 200],
      ['/aws/us-east-1/ec2/', 503],
      ['/aws/us-east-1/ec2/', 503],
    ]);
  });
});
