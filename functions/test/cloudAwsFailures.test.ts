import { describe, expect, it } from 'vitest';
import { CloudProviderError, type CredentialGrant } from '../src/app/cloud/ports.ts';
import { AwsCloud } from '../src/adapters/cloud/aws/awsCloud.ts';
import { AwsPartialListError } from '../src/adapters/cloud/aws/context.ts';
import { ec2Error, jsonError, queryError, RecordingHandler, type RecordedRequest } from '../src/adapters/cloud/aws/recordedHandler.ts';
import { ACCOUNT, assumeRoleXml, broker, BROKER_SECRET, cloudWith, credential, describeInstancesXml, SECRET, target, TOKEN, unexpected } from './cloudAwsSupport.ts';

/**
 * The AWS adapter when AWS does not simply answer: pages, throttling (the SDK's standard retry
 * mode with zero jitter, so retries do not wait), expired and refused credentials, a region that
 * cannot be reached. Recorded responses, no network.
 */

const grant: CredentialGrant = { scopes: ['vm.list'], gcp: { oauthScopes: [] }, aws: { actions: ['ec2:DescribeInstances'] } };
const oneRegion = { ...target, regions: ['us-east-1'] };
const throttle = () => ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503);

async function failure(p: Promise<unknown>): Promise<CloudProviderError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(CloudProviderError);
    const e = err as CloudProviderError;
    for (const secret of [SECRET, TOKEN, BROKER_SECRET]) expect(e.message).not.toContain(secret);
    return e;
  }
  throw new Error('expected a failure');
}

describe('pagination', () => {
  it('follows NextToken over three pages of DescribeInstances', async () => {
    const { handler, cloud } = cloudWith((r) => {
      const token = r.form['NextToken'];
      if (!token) return describeInstancesXml([{ id: 'i-01' }, { id: 'i-02' }], 'page-2');
      if (token === 'page-2') return describeInstancesXml([{ id: 'i-03' }], 'page-3');
      if (token === 'page-3') return describeInstancesXml([{ id: 'i-04' }]);
      return unexpected(r);
    });
    const vms = await cloud.list(oneRegion, credential, 'vm', {});
    expect(vms.map((v) => v.attributes['instanceId'])).toEqual(['i-01', 'i-02', 'i-03', 'i-04']);
    expect(handler.calls('ec2:DescribeInstances').map((r) => r.form['NextToken'] ?? null)).toEqual([null, 'page-2', 'page-3']);
  });
});

describe('throttling', () => {
  it('retries a throttled call (twice) and answers the third attempt', async () => {
    const { handler, cloud } = cloudWith((_r, i) => (i < 2 ? throttle() : describeInstancesXml([{ id: 'i-01' }])));
    const vms = await cloud.list(oneRegion, credential, 'vm', {});
    expect(vms).toHaveLength(1);
    expect(handler.calls('ec2:DescribeInstances')).toHaveLength(3);
    // The SDK's retry header counts the attempts: the retries are the SDK's own.
    expect(handler.calls('ec2:DescribeInstances').map((r) => /attempt=(\d+)/.exec(r.headers['amz-sdk-request'] ?? '')?.[1])).toEqual(['1', '2', '3']);
  });

  it('throttled on every call: `throttled` after maxAttempts, with a readable message', async () => {
    const { handler, cloud } = cloudWith(() => throttle());
    const e = await failure(cloud.list(oneRegion, credential, 'vm', {}));
    expect(handler.requests).toHaveLength(5);
    expect(e.reason).toBe('throttled');
    expect(e.providerCode).toBe('RequestLimitExceeded');
    expect(e.message).toBe(
      "AWS ec2:DescribeInstances in us-east-1 was throttled by AWS (RequestLimitExceeded) on all 5 attempts: the account's API rate limit is spent; try again in a few minutes.",
    );
  });

  it('honours maxAttempts, and maps a JSON service 429 ThrottlingException', async () => {
    const { handler, cloud } = cloudWith(() => jsonError('ThrottlingException', 'Rate exceeded', 400), { maxAttempts: 2 });
    const e = await failure(cloud.list(oneRegion, credential, 'certificate', {}));
    expect(handler.requests).toHaveLength(2);
    expect(e.reason).toBe('throttled');
  });
});

describe('credentials', () => {
  it('an expired session token is `unauthenticated` (the caller re-mints), without retrying', async () => {
    const { handler, cloud } = cloudWith(() => ec2Error('ExpiredToken', 'The security token included in the request is expired'));
    const e = await failure(cloud.list(oneRegion, credential, 'vm', {}));
    expect(e.reason).toBe('unauthenticated');
    expect(e.message).toMatch(/expired or is not valid; mint a new one/);
    expect(handler.requests).toHaveLength(1);
  });

  it('AccessDenied on AssumeRole (a forged external id) says the trust policy or external id does not match', async () => {
    const { handler, cloud } = cloudWith((r) =>
      r.form['ExternalId'] === target.externalId
        ? assumeRoleXml()
        : queryError('AccessDenied', `User: arn:aws:sts::000000000000:assumed-role/am-broker/agent-marketplace-broker is not authorized to perform: sts:AssumeRole on resource: ${target.roleArn}`, 403),
    );
    const forged = { ...target, externalId: 'am-other-workspace' };
    const e = await failure(cloud.mint(forged, grant, { runId: 'r1', wsId: 'ws1' }));
    expect(e.reason).toBe('permission_denied');
    expect(e.message).toBe(
      `The platform could not assume ${target.roleArn}: the role's trust policy does not trust the platform, or its external id does not match this workspace's. Recreate the role from the generated template.`,
    );
    expect(e.permissions).toEqual(['sts:AssumeRole']);
    expect(handler.requests[0]?.form['ExternalId']).toBe('am-other-workspace');
    await expect(cloud.mint(target, grant, { runId: 'r1', wsId: 'ws1' })).resolves.toMatchObject({ provider: 'aws' });
  });

  it('a denied action is `permission_denied` naming the IAM action AWS names', async () => {
    const { cloud } = cloudWith((r) =>
      r.operation === 'ec2:StopInstances'
        ? ec2Error('UnauthorizedOperation', `You are not authorized to perform this operation. User: arn:aws:sts::${ACCOUNT}:assumed-role/agent-marketplace/am-r1 is not authorized to perform: ec2:StopInstances on resource: arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-01 because no session policy allows the ec2:StopInstances action.`, 403)
        : describeInstancesXml([{ id: 'i-01' }]),
    );
    const e = await failure(cloud.act(oneRegion, credential, { kind: 'vm', verb: 'stop', resourceId: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-01`, params: {} }));
    expect(e.reason).toBe('permission_denied');
    expect(e.permissions).toEqual(['ec2:StopInstances']);
  });

  it('never puts a secret in an error message, even when the provider echoes one', async () => {
    const { cloud } = cloudWith(() => ec2Error('InvalidParameterValue', `Value (${TOKEN}) for parameter x is invalid; see https://x.example/?X-Amz-Security-Token=${encodeURIComponent('abc/def')}&X-Amz-Signature=0123abcd and ${SECRET}`));
    const e = await failure(cloud.list(oneRegion, credential, 'vm', {}));
    expect(e.reason).toBe('invalid');
    expect(e.message).toContain('[redacted]');
    expect(e.message).not.toContain('abc%2Fdef');
    expect(e.message).not.toContain('0123abcd');
  });
});

describe('not found', () => {
  it('get answers null for an instance EC2 does not know', async () => {
    const { cloud } = cloudWith(() => ec2Error('InvalidInstanceID.NotFound', "The instance ID 'i-0gone' does not exist"));
    expect(await cloud.get(oneRegion, credential, 'vm', `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0gone`)).toBeNull();
  });
});

describe('partial failure across regions', () => {
  it('one region unreachable: AwsPartialListError with the resources found and the failed region named; never a silent partial list', async () => {
    const { handler, cloud } = cloudWith((r: RecordedRequest) => (r.region === 'eu-west-1' ? { networkError: 'connect ECONNREFUSED ec2.eu-west-1.amazonaws.com:443' } : describeInstancesXml([{ id: 'i-01' }])));
    const e = await failure(cloud.list(target, credential, 'vm', {}));
    expect(e).toBeInstanceOf(AwsPartialListError);
    const partial = e as AwsPartialListError;
    expect(partial.reason).toBe('unavailable');
    expect(partial.resources.map((v) => v.attributes['instanceId'])).toEqual(['i-01']);
    expect(partial.failures).toEqual([{ region: 'eu-west-1', reason: 'unavailable', message: expect.stringMatching(/^AWS ec2:DescribeInstances in eu-west-1 could not be completed: AWS did not answer \(ECONNREFUSED\)/) }]);
    expect(partial.message).toMatch(/^Listed vm in the other regions but not in eu-west-1: /);
    // The unreachable region was retried by the SDK before it was given up.
    expect(handler.requests.filter((r) => r.region === 'eu-west-1')).toHaveLength(5);
  });

  it('every region failing is that failure, not a partial list', async () => {
    const { cloud } = cloudWith(() => ec2Error('AuthFailure', 'AWS was not able to validate the provided access credentials', 401));
    const e = await failure(cloud.list(target, credential, 'vm', {}));
    expect(e).not.toBeInstanceOf(AwsPartialListError);
    expect(e.reason).toBe('unauthenticated');
  });
});

describe('endpointOverride (the local stand-in)', () => {
  it('sends every service to <base>/<region>/<service>, S3 path-style', async () => {
    const handler = new RecordingHandler((r) => (r.service === 'ec2' ? describeInstancesXml([]) : { status: 200, body: '<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>' }));
    const cloud = new AwsCloud({ brokerCredentials: broker, requestHandler: handler, endpointOverride: 'http://127.0.0.1:9199/aws/', random: () => 0 });
    await cloud.list(oneRegion, credential, 'vm', {});
    await cloud.list(oneRegion, credential, 'bucket', {});
    expect(handler.requests.map((r) => `${r.hostname} ${r.path}`)).toEqual(['127.0.0.1 /aws/us-east-1/ec2/', '127.0.0.1 /aws/us-east-1/s3/']);
  });
});
