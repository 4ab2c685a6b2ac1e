import { describe, expect, it } from 'vitest';
import type { CloudCredential, ConnectionTarget, CredentialGrant } from '../src/app/cloud/ports.ts';
import { AwsCloud } from '../src/adapters/cloud/aws/awsCloud.ts';
import { RecordingHandler, xml, type RecordedRequest, type RecordedReply } from '../src/adapters/cloud/aws/recordedHandler.ts';

/**
 * Contract tests of the AWS adapter's requests: the real SDK v3 clients serialise and sign each
 * call, and a RecordingHandler (no network) records the HttpRequest and answers recorded
 * responses written after each service's documented format.
 */

const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/agent-marketplace`;
const target: ConnectionTarget = { provider: 'aws', accountId: ACCOUNT, roleArn: ROLE, externalId: 'am-ws1-3f9c2a', regions: ['us-east-1', 'eu-west-1'] };
const credential: CloudCredential = {
  provider: 'aws',
  aws: { accessKeyId: 'ASIARUNCREDENTIAL01', secretAccessKey: 'run/secret/key/abcdefghijklmnopqrstuvwxyz012', sessionToken: 'RUN-SESSION-TOKEN-FwoGZXIvYXdzEJr' },
  expiresAt: new Date('2030-01-01T00:15:00Z'),
  secrets: ['run/secret/key/abcdefghijklmnopqrstuvwxyz012', 'RUN-SESSION-TOKEN-FwoGZXIvYXdzEJr'],
};
const broker = async () => ({ accessKeyId: 'ASIABROKER000000001', secretAccessKey: 'broker/secret/key/0123456789abcdefghijkl', sessionToken: 'BROKER-TOKEN-xyz' });

function cloudWith(answer: (r: RecordedRequest) => RecordedReply) {
  const handler = new RecordingHandler(answer);
  const cloud = new AwsCloud({ brokerCredentials: broker, requestHandler: handler, random: () => 0 });
  return { handler, cloud };
}

const unexpected = (r: RecordedRequest): RecordedReply => {
  throw new Error(`unexpected request ${r.operation}`);
};

describe('mint: STS AssumeRole', () => {
  const grant: CredentialGrant = { scopes: ['vm.list', 'vm.stop'], gcp: { oauthScopes: [] }, aws: { actions: ['ec2:StopInstances', 'ec2:DescribeInstances', 'ec2:DescribeInstances'] } };

  it('assumes the role with the external id, a valid session name, 900 seconds and the session policy; signs as the broker', async () => {
    const { handler, cloud } = cloudWith((r) =>
      r.operation === 'sts:AssumeRole'
        ? xml(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
  <AssumedRoleUser><Arn>arn:aws:sts::${ACCOUNT}:assumed-role/agent-marketplace/am-run_1</Arn><AssumedRoleId>AROA3XFRBF535PLBIFPI4:am-run_1</AssumedRoleId></AssumedRoleUser>
  <Credentials><AccessKeyId>ASIAMINTED000000001</AccessKeyId><SecretAccessKey>minted/secret/0123456789abcdefghijklmnop</SecretAccessKey><SessionToken>MINTED-TOKEN-IQoJb3JpZ2luX2VjE</SessionToken><Expiration>2030-01-01T00:15:00Z</Expiration></Credentials>
  <PackedPolicySize>6</PackedPolicySize></AssumeRoleResult><ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata></AssumeRoleResponse>`)
        : unexpected(r),
    );
    const minted = await cloud.mint(target, grant, { runId: 'run_1/with:odd chars', wsId: 'ws1' });
    expect(minted).toEqual({
      provider: 'aws',
      aws: { accessKeyId: 'ASIAMINTED000000001', secretAccessKey: 'minted/secret/0123456789abcdefghijklmnop', sessionToken: 'MINTED-TOKEN-IQoJb3JpZ2luX2VjE' },
      expiresAt: new Date('2030-01-01T00:15:00Z'),
      secrets: ['minted/secret/0123456789abcdefghijklmnop', 'MINTED-TOKEN-IQoJb3JpZ2luX2VjE'],
    });
    const [req] = handler.requests;
    expect(handler.requests).toHaveLength(1);
    expect(req?.hostname).toBe('sts.us-east-1.amazonaws.com');
    expect(req?.accessKeyId).toBe('ASIABROKER000000001');
    expect(req?.headers['x-amz-security-token']).toBe('BROKER-TOKEN-xyz');
    expect(req?.form).toEqual({
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: ROLE,
      RoleSessionName: 'am-run_1-with-odd-chars',
      DurationSeconds: '900',
      ExternalId: 'am-ws1-3f9c2a',
      Policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:DescribeInstances","ec2:StopInstances"],"Resource":"*"}]}',
    });
  });
});
