import { describe, expect, it } from 'vitest';
import type { CredentialGrant } from '../src/app/cloud/ports.ts';
import { brokerFromGoogleIdentity } from '../src/adapters/cloud/aws/broker.ts';
import { sessionPolicyForActions } from '../src/domain/cloud/grants.ts';
import { json, RecordingHandler, xml, type RecordedRequest, type RecordedReply } from '../src/adapters/cloud/aws/recordedHandler.ts';
import { ACCOUNT, assumeRoleXml, cloudWith, credential, describeInstancesXml, ROLE, target, unexpected } from './cloudAwsSupport.ts';

/**
 * Contract tests of the AWS adapter's requests: the real SDK v3 clients serialise and sign each
 * call, and a RecordingHandler (no network) records the HttpRequest and answers recorded
 * responses written after each service's documented format.
 */

const grant: CredentialGrant = { scopes: ['vm.list', 'vm.stop'], gcp: { oauthScopes: [] }, aws: { actions: ['ec2:StopInstances', 'ec2:DescribeInstances', 'ec2:DescribeInstances'] } };

describe('mint: STS AssumeRole', () => {
  it('assumes the role with the external id, a valid session name, 900 seconds and the session policy; signs as the broker', async () => {
    const { handler, cloud } = cloudWith((r) => (r.operation === 'sts:AssumeRole' ? assumeRoleXml() : unexpected(r)));
    const minted = await cloud.mint(target, grant, { runId: 'run_1/with:odd chars', wsId: 'ws1' });
    expect(minted).toEqual({
      provider: 'aws',
      aws: { accessKeyId: 'ASIAMINTED000000001', secretAccessKey: 'minted/secret/0123456789abcdefghijklmnop', sessionToken: 'MINTED-TOKEN-IQoJb3JpZ2luX2VjE' },
      expiresAt: new Date('2030-01-01T00:15:00Z'),
      secrets: ['minted/secret/0123456789abcdefghijklmnop', 'MINTED-TOKEN-IQoJb3JpZ2luX2VjE'],
    });
    const [req] = handler.requests;
    expect(handler.requests).toHaveLength(1);
    expect(req?.method).toBe('POST');
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

  it('keeps the session name within 64 characters', async () => {
    const { handler, cloud } = cloudWith(() => assumeRoleXml());
    await cloud.mint(target, grant, { runId: 'r'.repeat(100), wsId: 'ws1' });
    expect(handler.requests[0]?.form['RoleSessionName']).toBe(`am-${'r'.repeat(61)}`);
  });

  it('refuses, before calling STS, a grant whose session policy exceeds 2,048 characters or allows nothing', async () => {
    // Writes: reads would be grouped under a wildcard, writes never are.
    const many = Array.from({ length: 120 }, (_, i) => `ec2:ModifySomethingRatherLong${i}`);
    expect(() => sessionPolicyForActions(many)).toThrow(/AWS allows 2048/);
    const { handler, cloud } = cloudWith(unexpected);
    await expect(cloud.mint(target, { ...grant, aws: { actions: many } }, { runId: 'r1', wsId: 'ws1' })).rejects.toMatchObject({ reason: 'invalid' });
    await expect(cloud.mint(target, { ...grant, aws: { actions: [] } }, { runId: 'r1', wsId: 'ws1' })).rejects.toMatchObject({ reason: 'invalid', message: /at least one action/ });
    expect(handler.requests).toHaveLength(0);
  });
});

const simulateXml = (results: [string, string][], marker?: string) =>
  xml(`<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><SimulatePrincipalPolicyResult>
  <IsTruncated>${marker ? 'true' : 'false'}</IsTruncated>${marker ? `<Marker>${marker}</Marker>` : ''}
  <EvaluationResults>${results.map(([a, d]) => `<member><EvalActionName>${a}</EvalActionName><EvalResourceName>*</EvalResourceName><EvalDecision>${d}</EvalDecision><MatchedStatements/><MissingContextValues/></member>`).join('')}</EvaluationResults>
</SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></SimulatePrincipalPolicyResponse>`);

describe('missingPermissions: IAM SimulatePrincipalPolicy', () => {
  it('simulates the role with the run credential, follows the Marker, and answers what is not allowed in input order', async () => {
    const { handler, cloud } = cloudWith((r) => {
      if (r.operation !== 'iam:SimulatePrincipalPolicy') return unexpected(r);
      return r.form['Marker'] === 'page2'
        ? simulateXml([['s3:PutBucketPublicAccessBlock', 'explicitDeny'], ['ec2:StopInstances', 'allowed']])
        : simulateXml([['ec2:DescribeInstances', 'allowed'], ['ec2:CreateTags', 'implicitDeny']], 'page2');
    });
    const missing = await cloud.missingPermissions(target, credential, ['s3:PutBucketPublicAccessBlock', 'ec2:DescribeInstances', 'ec2:CreateTags', 'ec2:StopInstances']);
    expect(missing).toEqual(['s3:PutBucketPublicAccessBlock', 'ec2:CreateTags']);
    expect(handler.requests.map((r) => r.hostname)).toEqual(['iam.amazonaws.com', 'iam.amazonaws.com']);
    expect(handler.requests[0]?.accessKeyId).toBe('ASIARUNCREDENTIAL01');
    expect(handler.requests[0]?.form).toEqual({
      Action: 'SimulatePrincipalPolicy',
      Version: '2010-05-08',
      PolicySourceArn: ROLE,
      'ActionNames.member.1': 's3:PutBucketPublicAccessBlock',
      'ActionNames.member.2': 'ec2:DescribeInstances',
      'ActionNames.member.3': 'ec2:CreateTags',
      'ActionNames.member.4': 'ec2:StopInstances',
    });
    expect(handler.requests[1]?.form['Marker']).toBe('page2');
  });

  it('asks at most 100 actions per request', async () => {
    const actions = Array.from({ length: 150 }, (_, i) => `ec2:Action${i}`);
    const { handler, cloud } = cloudWith((r) => simulateXml(Object.keys(r.form).filter((k) => k.startsWith('ActionNames')).map((k) => [r.form[k] as string, 'allowed'])));
    expect(await cloud.missingPermissions(target, credential, actions)).toEqual([]);
    expect(handler.requests.map((r) => Object.keys(r.form).filter((k) => k.startsWith('ActionNames')).length)).toEqual([100, 50]);
  });
});

const region = (r: RecordedRequest) => r.region;

describe('vm: EC2 instances', () => {
  const answer = (r: RecordedRequest): RecordedReply => {
    switch (r.operation) {
      case 'ec2:DescribeInstances':
        if (r.form['InstanceId.1']) return describeInstancesXml([{ id: r.form['InstanceId.1'], state: 'stopping', tags: { Name: 'web-1', env: 'dev' } }]);
        return region(r) === 'us-east-1'
          ? describeInstancesXml([
              { id: 'i-0aaa', type: 'm5.large', tags: { Name: 'web-1', env: 'dev', 'aws:autoscaling:groupName': 'web-asg' } },
              { id: 'i-0bbb', state: 'stopped', tags: {} },
            ])
          : describeInstancesXml([{ id: 'i-0ccc', zone: 'eu-west-1b', tags: { Name: 'batch', team: 'data' } }]);
      case 'ec2:StopInstances':
        return xml(`<StopInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><instancesSet><item><instanceId>${r.form['InstanceId.1']}</instanceId><currentState><code>64</code><name>stopping</name></currentState><previousState><code>16</code><name>running</name></previousState></item></instancesSet></StopInstancesResponse>`);
      case 'ec2:CreateTags':
        return xml(`<CreateTagsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><return>true</return></CreateTagsResponse>`);
      default:
        return unexpected(r);
    }
  };

  it('lists every region, normalised to the attributes the agents read', async () => {
    const { handler, cloud } = cloudWith(answer);
    const vms = await cloud.list(target, credential, 'vm', {});
    expect(handler.calls('ec2:DescribeInstances').map((r) => [r.hostname, r.form['MaxResults']])).toEqual([
      ['ec2.us-east-1.amazonaws.com', '1000'],
      ['ec2.eu-west-1.amazonaws.com', '1000'],
    ]);
    expect(vms[0]).toEqual({
      kind: 'vm',
      id: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0aaa`,
      name: 'web-1',
      project: ACCOUNT,
      region: 'us-east-1',
      state: 'running',
      labels: { Name: 'web-1', env: 'dev' },
      attributes: {
        instanceId: 'i-0aaa',
        machineType: 'm5.large',
        vcpus: 2,
        memoryGb: 8,
        zone: 'us-east-1a',
        os: 'Linux/UNIX',
        managedBy: 'autoscaling-group/web-asg',
        launchedAt: '2026-05-04T00:00:00.000Z',
        rootDeviceType: 'ebs',
        privateIp: '10.0.0.12',
      },
      createdAt: '2026-05-04T00:00:00.000Z',
    });
    expect(vms.map((v) => [v.name, v.state, v.region])).toEqual([
      ['web-1', 'running', 'us-east-1'],
      ['i-0bbb', 'stopped', 'us-east-1'],
      ['batch', 'running', 'eu-west-1'],
    ]);
    expect(await cloud.list(target, credential, 'vm', { labels: { team: 'data' } })).toHaveLength(1);
    expect(await cloud.list(target, credential, 'vm', { project: '999999999999' })).toEqual([]);
  });

  it('stop calls StopInstances in the instance region and answers the instance after it', async () => {
    const { handler, cloud } = cloudWith(answer);
    const after = await cloud.act(target, credential, { kind: 'vm', verb: 'stop', resourceId: `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/i-0ccc`, params: {} });
    const stop = handler.calls('ec2:StopInstances');
    expect(stop).toHaveLength(1);
    expect(stop[0]?.hostname).toBe('ec2.eu-west-1.amazonaws.com');
    expect(stop[0]?.form).toEqual({ Action: 'StopInstances', Version: '2016-11-15', 'InstanceId.1': 'i-0ccc' });
    expect(after.state).toBe('stopping');
    // Only what vm.stop grants: no DescribeInstanceTypes, no CloudWatch.
    expect([...new Set(handler.requests.map((r) => r.operation))].sort()).toEqual(['ec2:DescribeInstances', 'ec2:StopInstances']);
  });

  it('label calls CreateTags with the labels as tags', async () => {
    const { handler, cloud } = cloudWith(answer);
    await cloud.act(target, credential, { kind: 'vm', verb: 'label', resourceId: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0aaa`, params: { labels: { owner: 'team-web', 'cost-center': 'cc-1042' } } });
    expect(handler.calls('ec2:CreateTags')[0]?.form).toEqual({
      Action: 'CreateTags',
      Version: '2016-11-15',
      'ResourceId.1': 'i-0aaa',
      'Tag.1.Key': 'owner',
      'Tag.1.Value': 'team-web',
      'Tag.2.Key': 'cost-center',
      'Tag.2.Value': 'cc-1042',
    });
  });

  it('refuses an instance of another account or region without calling AWS, and a verb it has no API for', async () => {
    const { handler, cloud } = cloudWith(answer);
    await expect(cloud.act(target, credential, { kind: 'vm', verb: 'stop', resourceId: 'arn:aws:ec2:us-east-1:999999999999:instance/i-0aaa', params: {} })).rejects.toMatchObject({ reason: 'not_found' });
    await expect(cloud.act(target, credential, { kind: 'vm', verb: 'stop', resourceId: `arn:aws:ec2:ap-south-1:${ACCOUNT}:instance/i-0aaa`, params: {} })).rejects.toMatchObject({ reason: 'not_found' });
    expect(handler.requests).toHaveLength(0);
    await expect(cloud.act(target, credential, { kind: 'vm', verb: 'delete', resourceId: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0aaa`, params: {} })).rejects.toMatchObject({ reason: 'unsupported' });
  });
});

describe('disk and snapshot: EBS', () => {
  const answer = (r: RecordedRequest): RecordedReply => {
    if (r.region !== 'us-east-1' && r.operation !== 'ec2:DeleteSnapshot') {
      return xml(`<${r.form['Action']}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><volumeSet/><snapshotSet/></${r.form['Action']}Response>`);
    }
    switch (r.operation) {
      case 'ec2:DescribeVolumes':
        return xml(`<DescribeVolumesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><volumeSet><item>
  <volumeId>vol-0disk</volumeId><size>500</size><snapshotId/><availabilityZone>us-east-1a</availabilityZone><status>in-use</status><createTime>2025-10-16T10:00:00.000Z</createTime>
  <attachmentSet><item><volumeId>vol-0disk</volumeId><instanceId>i-0aaa</instanceId><device>/dev/xvda</device><status>attached</status><attachTime>2025-10-16T10:00:00.000Z</attachTime><deleteOnTermination>true</deleteOnTermination></item></attachmentSet>
  <volumeType>gp3</volumeType><encrypted>true</encrypted><tagSet><item><key>Name</key><value>orders-db-data</value></item><item><key>env</key><value>prod</value></item></tagSet>
</item></volumeSet></DescribeVolumesResponse>`);
      case 'ec2:DescribeSnapshots':
        return xml(`<DescribeSnapshotsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><snapshotSet><item>
  <snapshotId>snap-0old</snapshotId><volumeId>vol-0disk</volumeId><status>completed</status><startTime>2026-01-02T03:04:05.000Z</startTime><progress>100%</progress>
  <ownerId>${ACCOUNT}</ownerId><volumeSize>500</volumeSize><description>nightly</description><encrypted>true</encrypted><storageTier>standard</storageTier><fullSnapshotSizeInBytes>123450000000</fullSnapshotSizeInBytes>
  <tagSet><item><key>retain</key><value>false</value></item></tagSet>
</item></snapshotSet></DescribeSnapshotsResponse>`);
      case 'ec2:DeleteSnapshot':
        return xml(`<DeleteSnapshotResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><return>true</return></DeleteSnapshotResponse>`);
      default:
        return unexpected(r);
    }
  };

  it('lists disks and own snapshots; a snapshot names its disk as the disk is identified', async () => {
    const { handler, cloud } = cloudWith(answer);
    const [disk] = await cloud.list(target, credential, 'disk', { region: 'us-east-1' });
    const [snap] = await cloud.list(target, credential, 'snapshot', { region: 'us-east-1' });
    expect(disk).toEqual({
      kind: 'disk',
      id: `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/vol-0disk`,
      name: 'orders-db-data',
      project: ACCOUNT,
      region: 'us-east-1',
      state: 'in-use',
      labels: { Name: 'orders-db-data', env: 'prod' },
      attributes: { volumeId: 'vol-0disk', selfLink: `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/vol-0disk`, zone: 'us-east-1a', sizeGb: 500, type: 'gp3', attachedTo: 'i-0aaa', encrypted: true },
      createdAt: '2025-10-16T10:00:00.000Z',
    });
    expect(snap).toMatchObject({
      id: 'arn:aws:ec2:us-east-1::snapshot/snap-0old',
      state: 'ready',
      labels: { retain: 'false' },
      attributes: { sourceDisk: disk?.id, sizeGb: 123.45, createdAt: '2026-01-02T03:04:05.000Z', storageLocation: 'us-east-1' },
    });
    expect(handler.calls('ec2:DescribeSnapshots')[0]?.form).toMatchObject({ 'Owner.1': 'self', MaxResults: '1000' });
    expect(handler.requests.every((r) => r.region === 'us-east-1')).toBe(true);
  });

  it('delete reads the snapshot as the account own one, then calls DeleteSnapshot', async () => {
    const { handler, cloud } = cloudWith(answer);
    const after = await cloud.act(target, credential, { kind: 'snapshot', verb: 'delete', resourceId: 'arn:aws:ec2:us-east-1::snapshot/snap-0old', params: {} });
    expect(handler.requests.map((r) => r.operation)).toEqual(['ec2:DescribeSnapshots', 'ec2:DeleteSnapshot']);
    expect(handler.requests[0]?.form).toMatchObject({ 'Owner.1': 'self', 'SnapshotId.1': 'snap-0old' });
    expect(handler.requests[1]?.form).toEqual({ Action: 'DeleteSnapshot', Version: '2016-11-15', SnapshotId: 'snap-0old' });
    expect(after.state).toBe('deleted');
  });
});

describe('bucket: S3', () => {
  const tagging: Record<string, string> = { env: 'prod', 'data-classification': 'public' };
  const answer = (r: RecordedRequest): RecordedReply => {
    const q = r.query;
    if (r.method === 'GET' && r.path === '/' && r.hostname === 's3.us-east-1.amazonaws.com') {
      return xml(`<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>owner</ID></Owner><Buckets>
  <Bucket><Name>acme-www</Name><CreationDate>2023-02-14T10:22:00.000Z</CreationDate><BucketRegion>eu-west-1</BucketRegion></Bucket>
</Buckets></ListAllMyBucketsResult>`);
    }
    if ('location' in q) return xml(`<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">eu-west-1</LocationConstraint>`);
    if ('publicAccessBlock' in q && r.method === 'GET') {
      return xml(`<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls><BlockPublicPolicy>false</BlockPublicPolicy><RestrictPublicBuckets>false</RestrictPublicBuckets></PublicAccessBlockConfiguration>`);
    }
    if ('publicAccessBlock' in q && r.method === 'PUT') return { status: 200, body: '' };
    if ('policyStatus' in q) return xml(`<PolicyStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsPublic>true</IsPublic></PolicyStatus>`);
    if ('tagging' in q && r.method === 'GET') return xml(`<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>${Object.entries(tagging).map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`).join('')}</TagSet></Tagging>`);
    if ('tagging' in q && r.method === 'PUT') return { status: 204, body: '' };
    if ('ownershipControls' in q) return xml(`<OwnershipControls xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>`);
    return unexpected(r);
  };

  it('lists buckets with their public access, tags and ownership read in the bucket region', async () => {
    const { handler, cloud } = cloudWith(answer);
    const [bucket] = await cloud.list(target, credential, 'bucket', {});
    expect(bucket).toEqual({
      kind: 'bucket',
      id: 'arn:aws:s3:::acme-www',
      name: 'acme-www',
      project: ACCOUNT,
      region: 'eu-west-1',
      state: 'active',
      labels: { env: 'prod', 'data-classification': 'public' },
      attributes: {
        location: 'eu-west-1',
        publicAccessPrevention: 'inherited',
        publicAccessBlock: { blockPublicAcls: true, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: false },
        policyIsPublic: true,
        iamBindings: [{ role: 's3:bucket-policy', members: ['allUsers'] }],
        uniformBucketLevelAccess: true,
      },
      createdAt: '2023-02-14T10:22:00.000Z',
    });
    expect(handler.requests[0]?.query).toMatchObject({ 'max-buckets': '1000' });
    expect(new Set(handler.requests.slice(1).map((r) => r.hostname))).toEqual(new Set(['acme-www.s3.eu-west-1.amazonaws.com']));
  });

  it("update with the auditor's remediation enforces Block Public Access (all four on)", async () => {
    const { handler, cloud } = cloudWith(answer);
    await cloud.act(target, credential, { kind: 'bucket', verb: 'update', resourceId: 'arn:aws:s3:::acme-www', params: { attributes: { publicAccessPrevention: 'enforced', iamBindings: [] } } });
    const put = handler.requests.find((r) => r.method === 'PUT');
    expect(put?.hostname).toBe('acme-www.s3.eu-west-1.amazonaws.com');
    expect(put?.query).toMatchObject({ publicAccessBlock: '' });
    expect(put?.body.replace(/\s+/g, '')).toBe(
      '<?xmlversion="1.0"encoding="UTF-8"?><PublicAccessBlockConfigurationxmlns="http://s3.amazonaws.com/doc/2006-03-01/"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>',
    );
  });

  it('update of iamBindings alone is unsupported, with a message saying why', async () => {
    const { handler, cloud } = cloudWith(answer);
    await expect(
      cloud.act(target, credential, { kind: 'bucket', verb: 'update', resourceId: 'arn:aws:s3:::acme-www', params: { attributes: { iamBindings: [{ role: 'roles/storage.objectViewer', members: ['allUsers'] }] } } }),
    ).rejects.toMatchObject({ reason: 'unsupported', message: /S3 buckets have no IAM bindings/ });
    expect(handler.requests.some((r) => r.method === 'PUT')).toBe(false);
  });

  it('label merges the new tags over the existing ones (PutBucketTagging replaces the set)', async () => {
    const { handler, cloud } = cloudWith(answer);
    await cloud.act(target, credential, { kind: 'bucket', verb: 'label', resourceId: 'arn:aws:s3:::acme-www', params: { labels: { env: 'staging', owner: 'web' } } });
    const put = handler.requests.find((r) => r.method === 'PUT');
    expect(put?.query).toMatchObject({ tagging: '' });
    const tags = [...(put?.body ?? '').matchAll(/<Tag><Key>([^<]*)<\/Key><Value>([^<]*)<\/Value><\/Tag>/g)].map((m) => [m[1], m[2]]);
    expect(tags).toEqual([
      ['env', 'staging'],
      ['data-classification', 'public'],
      ['owner', 'web'],
    ]);
  });
});

const epoch = (iso: string) => Date.parse(iso) / 1000;
const CERT = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/12345678-1234-1234-1234-123456789012`;

describe('certificate: ACM', () => {
  const answer = (r: RecordedRequest): RecordedReply => {
    switch (r.operation) {
      case 'acm:ListCertificates':
        return json({ CertificateSummaryList: r.region === 'us-east-1' ? [{ CertificateArn: CERT, DomainName: 'www.acme.example' }] : [] });
      case 'acm:DescribeCertificate':
        return json({
          Certificate: {
            CertificateArn: CERT,
            DomainName: 'www.acme.example',
            SubjectAlternativeNames: ['www.acme.example', 'acme.example'],
            Issuer: 'Amazon',
            NotBefore: epoch('2026-10-15T00:00:00Z'),
            NotAfter: epoch('2027-11-13T23:59:59Z'),
            CreatedAt: epoch('2026-10-14T12:00:00Z'),
            Status: 'ISSUED',
            Type: 'AMAZON_ISSUED',
            RenewalEligibility: 'ELIGIBLE',
            InUseBy: [`arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/app/web/50dc6c495c0c9188`],
            KeyAlgorithm: 'EC_prime256v1',
            SignatureAlgorithm: 'SHA256WITHECDSA',
            Serial: '0c:8a:15:ef',
          },
        });
      case 'acm:ListTagsForCertificate':
        return json({ Tags: [{ Key: 'env', Value: 'prod' }] });
      case 'acm:AddTagsToCertificate':
        return json({});
      default:
        return unexpected(r);
    }
  };

  it('lists every key type and normalises the certificate', async () => {
    const { handler, cloud } = cloudWith(answer);
    const certs = await cloud.list(target, credential, 'certificate', {});
    expect(certs).toEqual([
      {
        kind: 'certificate',
        id: CERT,
        name: 'www.acme.example',
        project: ACCOUNT,
        region: 'us-east-1',
        state: 'active',
        labels: { env: 'prod' },
        attributes: {
          domains: ['www.acme.example', 'acme.example'],
          issuer: 'Amazon',
          notBefore: '2026-10-15T00:00:00.000Z',
          notAfter: '2027-11-13T23:59:59.000Z',
          autoRenew: true,
          managedBy: 'acm',
          attachedTo: [`arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/app/web/50dc6c495c0c9188`],
          keyAlgorithm: 'ECDSA',
          keySize: 256,
          signatureAlgorithm: 'SHA256WITHECDSA',
          serialNumber: '0C8A15EF',
          type: 'AMAZON_ISSUED',
        },
        createdAt: '2026-10-14T12:00:00.000Z',
      },
    ]);
    const list = handler.calls('acm:ListCertificates')[0];
    expect(list?.headers['x-amz-target']).toBe('CertificateManager.ListCertificates');
    expect(list?.json).toEqual({ Includes: { keyTypes: ['RSA_1024', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_prime256v1', 'EC_secp384r1', 'EC_secp521r1'] }, MaxItems: 1000 });
    expect(handler.calls('acm:DescribeCertificate')[0]?.json).toEqual({ CertificateArn: CERT });
  });

  it('label calls AddTagsToCertificate', async () => {
    const { handler, cloud } = cloudWith(answer);
    await cloud.act(target, credential, { kind: 'certificate', verb: 'label', resourceId: CERT, params: { labels: { 'expiry-status': 'warning' } } });
    expect(handler.calls('acm:AddTagsToCertificate')[0]?.json).toEqual({ CertificateArn: CERT, Tags: [{ Key: 'expiry-status', Value: 'warning' }] });
  });
});

describe('budget: AWS Budgets', () => {
  const BUDGET = `arn:aws:budgets::${ACCOUNT}:budget/acme-prod monthly`;
  const answer = (r: RecordedRequest): RecordedReply => {
    switch (r.operation) {
      case 'budgets:DescribeBudgets':
        return json({
          Budgets: [
            {
              BudgetName: 'acme-prod monthly',
              BudgetLimit: { Amount: '42000.0', Unit: 'USD' },
              CostFilters: { LinkedAccount: ['210987654321'] },
              TimeUnit: 'MONTHLY',
              BudgetType: 'COST',
              CalculatedSpend: { ActualSpend: { Amount: '12000.5', Unit: 'USD' } },
            },
            { BudgetName: 'ri-usage', BudgetLimit: { Amount: '80', Unit: 'PERCENTAGE' }, TimeUnit: 'MONTHLY', BudgetType: 'RI_UTILIZATION' },
          ],
        });
      case 'budgets:ListTagsForResource':
        return json({ ResourceTags: [{ Key: 'budget-state', Value: 'ok' }] });
      case 'budgets:TagResource':
        return json({});
      default:
        return unexpected(r);
    }
  };

  it('lists the cost budgets of the account with their tags', async () => {
    const { handler, cloud } = cloudWith(answer);
    const list = await cloud.list(target, credential, 'budget', {});
    expect(list).toEqual([
      {
        kind: 'budget',
        id: BUDGET,
        name: 'acme-prod monthly',
        project: ACCOUNT,
        region: 'global',
        state: 'active',
        labels: { 'budget-state': 'ok' },
        attributes: { amountUsd: 42000, currency: 'USD', period: 'month', project: '210987654321', actualSpendUsd: 12000.5 },
      },
    ]);
    expect(handler.calls('budgets:DescribeBudgets')[0]).toMatchObject({ hostname: 'budgets.amazonaws.com', json: { AccountId: ACCOUNT, MaxResults: 100 } });
    expect(handler.calls('budgets:ListTagsForResource')[0]?.json).toEqual({ ResourceARN: BUDGET });
  });

  it('label calls TagResource on the budget ARN', async () => {
    const { handler, cloud } = cloudWith(answer);
    await cloud.act(target, credential, { kind: 'budget', verb: 'label', resourceId: BUDGET, params: { labels: { 'budget-state': 'at-risk' } } });
    expect(handler.calls('budgets:TagResource')[0]?.json).toEqual({ ResourceARN: BUDGET, ResourceTags: [{ Key: 'budget-state', Value: 'at-risk' }] });
  });
});

describe('datasets', () => {
  it('billing: Cost Explorer daily cost by account and service, in the billing rows agents read', async () => {
    const { handler, cloud } = cloudWith((r) =>
      r.operation === 'ce:GetCostAndUsage'
        ? json({
            GroupDefinitions: [
              { Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' },
              { Type: 'DIMENSION', Key: 'SERVICE' },
            ],
            ResultsByTime: [
              {
                TimePeriod: { Start: '2026-11-18', End: '2026-11-19' },
                Total: {},
                Groups: [
                  { Keys: [ACCOUNT, 'Amazon Elastic Compute Cloud - Compute'], Metrics: { UnblendedCost: { Amount: '365.7412345', Unit: 'USD' } } },
                  { Keys: [ACCOUNT, 'Tax'], Metrics: { UnblendedCost: { Amount: '0', Unit: 'USD' } } },
                ],
                Estimated: false,
              },
            ],
            DimensionValueAttributes: [],
          })
        : unexpected(r),
    );
    const rows = await cloud.dataset(target, credential, 'billing', { since: new Date('2026-11-01T00:00:00Z') });
    expect(rows).toEqual([{ date: '2026-11-18', project: ACCOUNT, service: 'Amazon Elastic Compute Cloud - Compute', sku: 'Amazon Elastic Compute Cloud - Compute', cost: 365.741235, currency: 'USD' }]);
    const req = handler.requests[0];
    expect(req?.hostname).toBe('ce.us-east-1.amazonaws.com');
    expect(req?.headers['x-amz-target']).toBe('AWSInsightsIndexService.GetCostAndUsage');
    expect(req?.json).toEqual({
      TimePeriod: { Start: '2026-11-01', End: '2026-11-21' },
      Granularity: 'DAILY',
      Metrics: ['UnblendedCost'],
      GroupBy: [
        { Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' },
        { Type: 'DIMENSION', Key: 'SERVICE' },
      ],
    });
  });

  it('logs: FilterLogEvents over each log group from `since`, in the log rows agents read', async () => {
    const { handler, cloud } = cloudWith((r) => {
      if (r.operation === 'logs:DescribeLogGroups') return json({ logGroups: r.region === 'us-east-1' ? [{ logGroupName: '/aws/lambda/checkout-api' }] : [] });
      if (r.operation === 'logs:FilterLogEvents') {
        return json({
          events: [
            { logStreamName: '2026/11/20/[$LATEST]abc', timestamp: Date.parse('2026-11-20T09:01:40.225Z'), message: 'ERROR payment gateway timeout after 30000ms\n', ingestionTime: 0, eventId: '1' },
            { logStreamName: '2026/11/20/[$LATEST]abc', timestamp: Date.parse('2026-11-20T09:01:41.000Z'), message: '{"level":"warn","msg":"slow"}', ingestionTime: 0, eventId: '2' },
          ],
          searchedLogStreams: [],
        });
      }
      return unexpected(r);
    });
    const rows = await cloud.dataset(target, credential, 'logs', { since: new Date('2026-11-20T00:00:00Z') });
    expect(rows).toEqual([
      { timestamp: '2026-11-20T09:01:40.225Z', severity: 'ERROR', service: 'checkout-api', resource: '/aws/lambda/checkout-api/2026/11/20/[$LATEST]abc', message: 'ERROR payment gateway timeout after 30000ms' },
      { timestamp: '2026-11-20T09:01:41.000Z', severity: 'WARNING', service: 'checkout-api', resource: '/aws/lambda/checkout-api/2026/11/20/[$LATEST]abc', message: '{"level":"warn","msg":"slow"}' },
    ]);
    expect(handler.calls('logs:FilterLogEvents')[0]?.json).toEqual({ logGroupName: '/aws/lambda/checkout-api', startTime: Date.parse('2026-11-20T00:00:00Z'), limit: 10000 });
  });

  it('answers unsupported for a dataset it does not serve', async () => {
    const { cloud } = cloudWith(unexpected);
    await expect(cloud.dataset(target, credential, 'no.such', {})).rejects.toMatchObject({ reason: 'unsupported' });
  });
});

describe('brokerFromGoogleIdentity', () => {
  const webIdentityXml = (key: string, expiration: string) =>
    xml(`<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>
  <SubjectFromWebIdentityToken>104512334567890123456</SubjectFromWebIdentityToken><Audience>sts.amazonaws.com</Audience><Provider>accounts.google.com</Provider>
  <AssumedRoleUser><Arn>arn:aws:sts::000000000000:assumed-role/am-broker/agent-marketplace-broker</Arn><AssumedRoleId>AROACLKWSDQRAOEXAMPLE:agent-marketplace-broker</AssumedRoleId></AssumedRoleUser>
  <Credentials><AccessKeyId>${key}</AccessKeyId><SecretAccessKey>broker/secret/abcdefghijklmnopqrstuvwxyz</SecretAccessKey><SessionToken>BROKER-SESSION</SessionToken><Expiration>${expiration}</Expiration></Credentials>
</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`);

  it('assumes the broker role with the Google ID token, unsigned, and reuses the credentials until 5 minutes before they expire', async () => {
    let now = new Date('2030-01-01T00:00:00Z');
    const handler = new RecordingHandler((_r, i) => webIdentityXml(`ASIABROKER${i}`, '2030-01-01T01:00:00Z'));
    const tokens: string[] = [];
    const brokerCreds = brokerFromGoogleIdentity({
      roleArn: 'arn:aws:iam::000000000000:role/am-broker',
      idToken: async () => {
        tokens.push('t');
        return 'eyJhbGciOiJSUzI1NiJ9.google-id-token.sig';
      },
      settings: { requestHandler: handler, random: () => 0 },
      now: () => now,
    });
    const [a, b] = await Promise.all([brokerCreds(), brokerCreds()]);
    expect(a).toEqual({ accessKeyId: 'ASIABROKER0', secretAccessKey: 'broker/secret/abcdefghijklmnopqrstuvwxyz', sessionToken: 'BROKER-SESSION', expiration: new Date('2030-01-01T01:00:00Z') });
    expect(b).toBe(a);
    now = new Date('2030-01-01T00:54:59Z');
    expect((await brokerCreds()).accessKeyId).toBe('ASIABROKER0');
    now = new Date('2030-01-01T00:55:01Z');
    expect((await brokerCreds()).accessKeyId).toBe('ASIABROKER1');
    expect(handler.requests).toHaveLength(2);
    expect(tokens).toHaveLength(2);
    expect(handler.requests[0]?.headers['authorization']).toBeUndefined();
    expect(handler.requests[0]?.form).toEqual({
      Action: 'AssumeRoleWithWebIdentity',
      Version: '2011-06-15',
      RoleArn: 'arn:aws:iam::000000000000:role/am-broker',
      RoleSessionName: 'agent-marketplace-broker',
      WebIdentityToken: 'eyJhbGciOiJSUzI1NiJ9.google-id-token.sig',
      DurationSeconds: '3600',
    });
  });
});
