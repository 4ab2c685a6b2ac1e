import { describe, expect, it } from 'vitest';
import { allowedActions } from '../src/adapters/cloud/aws/iam.ts';
import { queryError, xml, type RecordedReply, type RecordedRequest } from '../src/adapters/cloud/aws/recordedHandler.ts';
import { ACCOUNT, cloudWith, credential, target, unexpected } from './cloudAwsSupport.ts';

/** iam.binding, iam.roles and iam.usage over the IAM query API, as the least-privilege auditor reads them. */

const NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const iamXml = (action: string, result: string) => xml(`<${action}Response xmlns="${NS}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></${action}Response>`);
const roleArn = (name: string, path = '/') => `arn:aws:iam::${ACCOUNT}:role${path}${name}`;
const role = (name: string, created: string, path = '/') =>
  `<member><Path>${path}</Path><RoleName>${name}</RoleName><RoleId>AROA${name.toUpperCase()}</RoleId><Arn>${roleArn(name, path)}</Arn><CreateDate>${created}</CreateDate><AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument></member>`;
const READONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const ETL = `arn:aws:iam::${ACCOUNT}:policy/etl-s3`;
const enc = (doc: unknown) => encodeURIComponent(JSON.stringify(doc));

const DOCS: Record<string, unknown> = {
  [READONLY]: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ec2:Describe*', 's3:Get*', 's3:List*', 'iam:Get*'], Resource: '*' }] },
  [ETL]: {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::etl/*' },
      { Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteBucket'], Resource: 'arn:aws:s3:::etl/*' },
      { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' },
    ],
  },
};

interface Scenario {
  advisorPolls?: number;
  inlineDenied?: boolean;
  advisorStatus?: 'COMPLETED' | 'FAILED' | 'IN_PROGRESS';
}

function iamAnswer(s: Scenario = {}) {
  const polls = new Map<string, number>();
  return (r: RecordedRequest): RecordedReply => {
    const f = r.form;
    switch (r.operation) {
      case 'iam:ListRoles':
        return f['Marker'] === 'm2'
          ? iamXml('ListRoles', `<IsTruncated>false</IsTruncated><Roles>${role('AWSServiceRoleForSupport', '2020-01-01T00:00:00Z', '/aws-service-role/support.amazonaws.com/')}</Roles>`)
          : iamXml('ListRoles', `<IsTruncated>true</IsTruncated><Marker>m2</Marker><Roles>${role('etl', '2023-06-18T14:00:00Z')}${role('auditor', '2026-11-10T00:00:00Z')}</Roles>`);
      case 'iam:ListAttachedRolePolicies': {
        const attached = f['RoleName'] === 'etl' ? [['etl-s3', ETL], ['ReadOnlyAccess', READONLY]] : [['ReadOnlyAccess', READONLY]];
        return iamXml('ListAttachedRolePolicies', `<IsTruncated>false</IsTruncated><AttachedPolicies>${attached.map(([n, a]) => `<member><PolicyName>${n}</PolicyName><PolicyArn>${a}</PolicyArn></member>`).join('')}</AttachedPolicies>`);
      }
      case 'iam:ListRolePolicies':
        return iamXml('ListRolePolicies', `<IsTruncated>false</IsTruncated><PolicyNames>${f['RoleName'] === 'etl' ? '<member>logs-write</member>' : ''}</PolicyNames>`);
      case 'iam:GetPolicy':
        return iamXml('GetPolicy', `<Policy><PolicyName>x</PolicyName><Arn>${f['PolicyArn']}</Arn><DefaultVersionId>v3</DefaultVersionId><AttachmentCount>2</AttachmentCount></Policy>`);
      case 'iam:GetPolicyVersion':
        return iamXml('GetPolicyVersion', `<PolicyVersion><Document>${enc(DOCS[f['PolicyArn'] ?? ''])}</Document><VersionId>${f['VersionId']}</VersionId><IsDefaultVersion>true</IsDefaultVersion></PolicyVersion>`);
      case 'iam:GetRolePolicy':
        if (s.inlineDenied) return queryError('AccessDenied', `User: arn:aws:sts::${ACCOUNT}:assumed-role/agent-marketplace/am-r1 is not authorized to perform: iam:GetRolePolicy`, 403);
        return iamXml('GetRolePolicy', `<RoleName>${f['RoleName']}</RoleName><PolicyName>${f['PolicyName']}</PolicyName><PolicyDocument>${enc({ Statement: { Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' } })}</PolicyDocument>`);
      case 'iam:GenerateServiceLastAccessedDetails':
        return iamXml('GenerateServiceLastAccessedDetails', `<JobId>job-${f['Arn']?.split('/').pop()}</JobId>`);
      case 'iam:GetServiceLastAccessedDetails': {
        const job = f['JobId'] ?? '';
        const n = (polls.get(job) ?? 0) + 1;
        polls.set(job, n);
        const status = n <= (s.advisorPolls ?? 0) ? 'IN_PROGRESS' : (s.advisorStatus ?? 'COMPLETED');
        const head = `<JobStatus>${status}</JobStatus><JobType>ACTION_LEVEL</JobType><JobCreationDate>2026-11-20T11:59:00Z</JobCreationDate><JobCompletionDate>2026-11-20T12:00:00Z</JobCompletionDate>`;
        if (status === 'FAILED') return iamXml('GetServiceLastAccessedDetails', `${head}<ServicesLastAccessed/><Error><Code>InternalError</Code><Message>boom</Message></Error>`);
        if (status !== 'COMPLETED') return iamXml('GetServiceLastAccessedDetails', `${head}<ServicesLastAccessed/>`);
        const svc = (ns: string, last: string | null, tracked = '') =>
          `<member><ServiceName>${ns}</ServiceName><ServiceNamespace>${ns}</ServiceNamespace>${last ? `<LastAuthenticated>${last}</LastAuthenticated>` : ''}<TotalAuthenticatedEntities>1</TotalAuthenticatedEntities>${tracked ? `<TrackedActionsLastAccessed>${tracked}</TrackedActionsLastAccessed>` : ''}</member>`;
        const action = (name: string, at: string | null) => `<member><ActionName>${name}</ActionName>${at ? `<LastAccessedTime>${at}</LastAccessedTime>` : ''}</member>`;
        const services =
          job === 'job-etl'
            ? svc('s3', '2026-11-19T10:00:00Z', action('GetObject', null) + action('DeleteBucket', null) + action('PutObject', '2026-11-19T10:00:00Z')) + svc('ec2', null) + svc('logs', '2026-11-18T00:00:00Z')
            : svc('ec2', '2026-11-20T08:00:00Z') + svc('s3', null) + svc('iam', null);
        return iamXml('GetServiceLastAccessedDetails', `${head}<IsTruncated>false</IsTruncated><ServicesLastAccessed>${services}</ServicesLastAccessed>`);
      }
      default:
        return unexpected(r);
    }
  };
}

const instant = { sleep: async () => {} };

describe('iam.binding: roles and their policies', () => {
  it('lists one binding per (role, policy), over ListRoles pages, without service-linked roles', async () => {
    const { handler, cloud } = cloudWith(iamAnswer(), instant);
    const bindings = await cloud.list(target, credential, 'iam.binding', {});
    expect(bindings.map((b) => [b.attributes['member'], b.attributes['role'], b.attributes['policyType']])).toEqual([
      [roleArn('etl'), ETL, 'customer-managed'],
      [roleArn('etl'), READONLY, 'aws-managed'],
      [roleArn('etl'), 'inline:etl/logs-write', 'inline'],
      [roleArn('auditor'), READONLY, 'aws-managed'],
    ]);
    expect(bindings[0]).toEqual({
      kind: 'iam.binding',
      id: `${roleArn('etl')}#${ETL}`,
      name: 'etl-s3 → etl',
      project: ACCOUNT,
      region: 'global',
      state: 'active',
      labels: {},
      attributes: { role: ETL, member: roleArn('etl'), project: ACCOUNT, policyType: 'customer-managed', grantedAt: '2023-06-18T14:00:00.000Z' },
      createdAt: '2023-06-18T14:00:00.000Z',
    });
    expect(handler.calls('iam:ListRoles').map((r) => [r.hostname, r.form['MaxItems'], r.form['Marker'] ?? null])).toEqual([
      ['iam.amazonaws.com', '1000', null],
      ['iam.amazonaws.com', '1000', 'm2'],
    ]);
    // Service-linked roles are not even asked about.
    expect(handler.calls('iam:ListAttachedRolePolicies').map((r) => r.form['RoleName']).sort()).toEqual(['auditor', 'etl']);
    expect(handler.requests.every((r) => r.accessKeyId === 'ASIARUNCREDENTIAL01' && r.region === 'us-east-1')).toBe(true);
  });

  it('refuses to change a binding: the findings are applied by a person', async () => {
    const { handler, cloud } = cloudWith(unexpected);
    await expect(cloud.act(target, credential, { kind: 'iam.binding', verb: 'delete', resourceId: `${roleArn('etl')}#${ETL}`, params: {} })).rejects.toMatchObject({ reason: 'unsupported' });
    expect(handler.requests).toHaveLength(0);
  });
});

describe('iam.roles: the policies and what they allow', () => {
  it('reads each distinct policy once (default version, URL-decoded document), allowed actions only', async () => {
    const { handler, cloud } = cloudWith(iamAnswer(), instant);
    const rows = await cloud.dataset(target, credential, 'iam.roles', {});
    expect(rows).toEqual([
      { role: ETL, title: 'etl-s3', policyType: 'customer-managed', permissions: ['s3:DeleteBucket', 's3:GetObject', 's3:PutObject'] },
      { role: READONLY, title: 'ReadOnlyAccess', policyType: 'aws-managed', permissions: ['ec2:Describe*', 'iam:Get*', 's3:Get*', 's3:List*'] },
      { role: 'inline:etl/logs-write', title: 'logs-write', policyType: 'inline', permissions: ['logs:PutLogEvents'] },
    ]);
    expect(handler.calls('iam:GetPolicy').map((r) => r.form['PolicyArn']).sort()).toEqual([READONLY, ETL].sort());
    expect(handler.calls('iam:GetPolicyVersion').map((r) => r.form['VersionId'])).toEqual(['v3', 'v3']);
    expect(handler.calls('iam:GetRolePolicy')[0]?.form).toMatchObject({ RoleName: 'etl', PolicyName: 'logs-write' });
  });

  it('leaves out an inline policy it may not read (iam:GetRolePolicy) instead of failing', async () => {
    const { cloud } = cloudWith(iamAnswer({ inlineDenied: true }), instant);
    const rows = await cloud.dataset(target, credential, 'iam.roles', {});
    expect(rows.map((r) => r['role'])).toEqual([ETL, READONLY]);
  });

  it('counts an Allow with NotAction as everything, and ignores Deny and a malformed document', () => {
    expect(allowedActions(JSON.stringify({ Statement: [{ Effect: 'Allow', NotAction: ['iam:*'], Resource: '*' }, { Effect: 'Deny', Action: 's3:*' }] }))).toEqual(['*']);
    expect(allowedActions('{not json')).toEqual([]);
  });
});

describe('iam.usage: the access advisor', () => {
  it('runs an action-level job per role, polls it until done, and answers usage in the policies’ own patterns', async () => {
    const slept: number[] = [];
    const { handler, cloud } = cloudWith(iamAnswer({ advisorPolls: 2 }), { sleep: async (ms: number) => void slept.push(ms) });
    const rows = await cloud.dataset(target, credential, 'iam.usage', {});
    expect(handler.calls('iam:GenerateServiceLastAccessedDetails').map((r) => r.form)).toEqual([
      { Action: 'GenerateServiceLastAccessedDetails', Version: '2010-05-08', Arn: roleArn('etl'), Granularity: 'ACTION_LEVEL' },
      { Action: 'GenerateServiceLastAccessedDetails', Version: '2010-05-08', Arn: roleArn('auditor'), Granularity: 'ACTION_LEVEL' },
    ]);
    // Two polls in progress per job (the jobs run side by side), backing off.
    expect(slept.sort()).toEqual([1000, 1000, 500, 500]);
    const etl = rows.filter((r) => r['member'] === roleArn('etl')).map((r) => [r['permission'], r['lastUsed']]);
    // s3:GetObject is tracked and unused; s3:PutObject tracked and used; wildcards and untracked actions go by their service.
    expect(etl).toEqual([
      ['logs:*', '2026-11-18T00:00:00.000Z'],
      ['logs:PutLogEvents', '2026-11-18T00:00:00.000Z'],
      ['s3:*', '2026-11-19T10:00:00.000Z'],
      ['s3:Get*', '2026-11-19T10:00:00.000Z'],
      ['s3:List*', '2026-11-19T10:00:00.000Z'],
      ['s3:PutObject', '2026-11-19T10:00:00.000Z'],
    ]);
    const auditor = rows.filter((r) => r['member'] === roleArn('auditor'));
    expect(auditor.map((r) => r['permission'])).toEqual(['ec2:*', 'ec2:Describe*']);
    expect(auditor[0]).toEqual({ member: roleArn('auditor'), project: ACCOUNT, permission: 'ec2:*', service: 'ec2', lastUsed: '2026-11-20T08:00:00.000Z' });
  });

  it('fails, naming the role, when a job fails or does not finish within its bound', async () => {
    const failed = cloudWith(iamAnswer({ advisorStatus: 'FAILED' }), instant);
    await expect(failed.cloud.dataset(target, credential, 'iam.usage', {})).rejects.toMatchObject({ reason: 'unavailable', message: expect.stringContaining('access advisor failed for') });
    let waited = 0;
    const endless = cloudWith(iamAnswer({ advisorStatus: 'IN_PROGRESS' }), { sleep: async (ms: number) => void (waited += ms) });
    await expect(endless.cloud.dataset(target, credential, 'iam.usage', {})).rejects.toMatchObject({ reason: 'unavailable', message: expect.stringMatching(/had not finished for .* after 60 s/) });
    // At most 60 s of waiting per job (two jobs here), polling every 2 s at most: 32 polls each.
    expect(waited).toBeLessThanOrEqual(2 * 60_000);
    expect(waited).toBeGreaterThan(2 * 55_000);
    expect(endless.handler.calls('iam:GetServiceLastAccessedDetails').length).toBeLessThanOrEqual(2 * 32);
  });
});
