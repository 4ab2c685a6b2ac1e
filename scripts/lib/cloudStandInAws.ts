/**
 * The AWS part of the cloud stand-in (scripts/lib/cloudStandIn.ts): enough of AWS, as AWS
 * documents its wire formats, for a run of the idle-vm-reaper on an AWS connection. The
 * functions' real AWS adapter (functions/src/adapters/cloud/aws) is pointed at
 * `<standIn>/aws` (its `endpointOverride`), so every SDK client posts to
 * `/aws/<region>/<service>/`: STS AssumeRole and IAM SimulatePrincipalPolicy (awsQuery, XML),
 * EC2 DescribeInstances / DescribeInstanceTypes / StopInstances / StartInstances / CreateTags
 * (ec2 query, XML) and CloudWatch GetMetricData (awsJson 1.0, as the installed SDK speaks it).
 *
 * Each AWS account is a scenario a test programs at `/__standin/aws/accounts/<account>` (POST a
 * partial scenario, GET it back with the session policies STS was given): the role's external
 * id, the actions its policies grant (null: all), its VMs, how many calls a minted credential
 * answers before it expires, and whether every call but AssumeRole is throttled. Requests must
 * be SigV4-signed by a key the stand-in issued (AssumeRole itself by any: the broker's).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface AwsVm {
  id: string;
  region: string;
  state: string;
  type: string;
  tags: Record<string, string>;
  /** The CPU p95 (percent) CloudWatch reports for each day; absent: no metrics at all. */
  cpuP95?: number;
  /** NetworkIn + NetworkOut p95, bytes per second (1,000 unless set). */
  networkBytesP95?: number;
  /** Days of the last 14 with metrics (14 unless set). */
  metricsDays?: number;
}

export interface AwsAccount {
  /** The external id the role's trust policy requires; null: the role trusts no one (AccessDenied). */
  externalId: string | null;
  /** Actions the role's policies allow; null: every action. */
  granted: string[] | null;
  vms: AwsVm[];
  /** Each minted credential answers this many calls, then ExpiredToken. */
  credentialUses: number;
  /** Every call but AssumeRole answers a throttling error. */
  throttle: boolean;
  /** What AssumeRole was given, newest last (for tests to check the session policy). */
  assumed: { at: string; roleArn: string; sessionName: string; policy: string | null }[];
}

interface Issued {
  account: string;
  uses: number;
  expiresAt: number;
  /** The session policy's actions; null: none given (the role's own policies only). */
  sessionActions: string[] | null;
}

export interface StandInCall {
  at: string;
  method: string;
  path: string;
  status?: number;
}

const accounts = new Map<string, AwsAccount>();
const issued = new Map<string, Issued>();

function account(id: string): AwsAccount {
  let a = accounts.get(id);
  if (!a) accounts.set(id, (a = { externalId: null, granted: null, vms: [], credentialUses: 1_000_000, throttle: false, assumed: [] }));
  return a;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const requestId = () => randomBytes(16).toString('hex');

interface Reply {
  status: number;
  contentType: string;
  body: string;
}

const xmlReply = (body: string, status = 200): Reply => ({ status, contentType: 'text/xml', body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}` });
const jsonReply = (body: unknown, status = 200): Reply => ({ status, contentType: 'application/x-amz-json-1.0', body: JSON.stringify(body) });

/** An error in the wire format of `service`: awsQuery (sts, iam), ec2 query, or awsJson (monitoring). */
function awsError(service: string, code: string, message: string, status = 400): Reply {
  if (service === 'ec2') return xmlReply(`<Response><Errors><Error><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error></Errors><RequestID>${requestId()}</RequestID></Response>`, status);
  if (service === 'monitoring') return { ...jsonReply({ __type: `com.amazonaws.cloudwatch#${code}`, message }, status), contentType: 'application/x-amz-json-1.0' };
  return xmlReply(`<ErrorResponse xmlns="https://${service}.amazonaws.com/doc/"><Error><Type>Sender</Type><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`, status);
}

const THROTTLE: Record<string, [code: string, status: number]> = { ec2: ['RequestLimitExceeded', 503], monitoring: ['Throttling', 400], iam: ['Throttling', 400], sts: ['Throttling', 400] };

/** `AWS4-HMAC-SHA256 Credential=AKID/20261120/us-east-1/ec2/aws4_request, SignedHeaders=..., Signature=...` → AKID. */
const accessKeyOf = (authorization: string | undefined) => /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/[^/]+\/[^/]+\/aws4_request,/.exec(authorization ?? '')?.[1];

/** `ec2:Describe*` matches `ec2:DescribeInstances`; `*` matches everything. */
const matches = (pattern: string, action: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i').test(action);

/** What a run credential may do: the role's grant intersected with the session policy, as IAM evaluates it. */
function allowed(a: AwsAccount, cred: Issued, action: string): boolean {
  const byRole = a.granted === null || a.granted.some((g) => matches(g, action));
  const bySession = cred.sessionActions === null || cred.sessionActions.some((g) => matches(g, action));
  return byRole && bySession;
}

/** The actions of a session policy's Allow statements. */
function sessionActions(policy: string | undefined): string[] | null {
  if (!policy) return null;
  try {
    const doc = JSON.parse(policy) as { Statement?: { Effect?: string; Action?: string | string[] }[] | { Effect?: string; Action?: string | string[] } };
    const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
    return statements.filter((s) => s.Effect === 'Allow').flatMap((s) => (typeof s.Action === 'string' ? [s.Action] : (s.Action ?? [])));
  } catch {
    return [];
  }
}

/** `InstanceId.1`, `InstanceId.2`... (ec2 query lists) or `ActionNames.member.1`... (awsQuery lists). */
const listOf = (form: URLSearchParams, prefix: string) =>
  [...form.entries()]
    .filter(([k]) => k.startsWith(`${prefix}.`))
    .sort(([a], [b]) => Number(a.slice(a.lastIndexOf('.') + 1)) - Number(b.slice(b.lastIndexOf('.') + 1)))
    .map(([, v]) => v);

function assumeRole(form: URLSearchParams): Reply {
  const roleArn = form.get('RoleArn') ?? '';
  const accountId = /^arn:aws:iam::(\d{12}):role\//.exec(roleArn)?.[1];
  const a = accountId ? accounts.get(accountId) : undefined;
  const denied = () => awsError('sts', 'AccessDenied', `User: arn:aws:sts::000000000000:assumed-role/broker/standin is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
  if (!accountId || !a || a.externalId === null || form.get('ExternalId') !== a.externalId) return denied();
  const policy = form.get('Policy');
  a.assumed.push({ at: new Date().toISOString(), roleArn, sessionName: form.get('RoleSessionName') ?? '', policy });
  const seconds = Number(form.get('DurationSeconds') ?? 3600);
  const key = `ASIASTANDIN${randomBytes(5).toString('hex').toUpperCase()}`;
  const expiresAt = Date.now() + seconds * 1000;
  issued.set(key, { account: accountId, uses: 0, expiresAt, sessionActions: sessionActions(policy ?? undefined) });
  const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  return xmlReply(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<AssumedRoleUser><Arn>arn:aws:sts::${accountId}:assumed-role/${esc(roleName)}/${esc(form.get('RoleSessionName') ?? '')}</Arn><AssumedRoleId>AROASTANDIN:${esc(form.get('RoleSessionName') ?? '')}</AssumedRoleId></AssumedRoleUser>
<Credentials><AccessKeyId>${key}</AccessKeyId><SecretAccessKey>${randomBytes(20).toString('base64')}</SecretAccessKey><SessionToken>standin-${randomBytes(24).toString('hex')}</SessionToken><Expiration>${new Date(expiresAt).toISOString()}</Expiration></Credentials>
</AssumeRoleResult><ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></AssumeRoleResponse>`);
}

function simulate(a: AwsAccount, form: URLSearchParams): Reply {
  const results = listOf(form, 'ActionNames.member')
    .map((action) => {
      const decision = a.granted === null || a.granted.some((g) => matches(g, action)) ? 'allowed' : 'implicitDeny';
      return `<member><EvalActionName>${esc(action)}</EvalActionName><EvalResourceName>*</EvalResourceName><EvalDecision>${decision}</EvalDecision><MatchedStatements/><MissingContextValues/></member>`;
    })
    .join('');
  return xmlReply(`<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><SimulatePrincipalPolicyResult><IsTruncated>false</IsTruncated><EvaluationResults>${results}</EvaluationResults></SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></SimulatePrincipalPolicyResponse>`);
}

const STATE_CODES: Record<string, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };
/** vCPUs and MiB of the types tests use; any other type answers as 2 vCPUs and 8 GiB. */
const TYPES: Record<string, [number, number]> = { 't3.micro': [2, 1024], 't3.small': [2, 2048], 't3.medium': [2, 4096], 'm5.large': [2, 8192], 'm5.xlarge': [4, 16384], 'c5.large': [2, 4096], 'r5.large': [2, 16384] };
const EC2_NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

function instanceXml(accountId: string, vm: AwsVm): string {
  const tags = Object.entries(vm.tags)
    .map(([k, v]) => `<item><key>${esc(k)}</key><value>${esc(v)}</value></item>`)
    .join('');
  return `<item><reservationId>r-${vm.id.slice(2)}</reservationId><ownerId>${accountId}</ownerId><groupSet/><instancesSet><item>
<instanceId>${esc(vm.id)}</instanceId><imageId>ami-0standin</imageId><instanceState><code>${STATE_CODES[vm.state] ?? 16}</code><name>${esc(vm.state)}</name></instanceState>
<privateIpAddress>10.0.0.10</privateIpAddress><instanceType>${esc(vm.type)}</instanceType><launchTime>2026-01-05T00:00:00.000Z</launchTime>
<placement><availabilityZone>${vm.region}a</availabilityZone><tenancy>default</tenancy></placement><monitoring><state>disabled</state></monitoring>
<rootDeviceType>ebs</rootDeviceType><platformDetails>Linux/UNIX</platformDetails><tagSet>${tags}</tagSet>
</item></instancesSet></item>`;
}

function ec2(a: AwsAccount, accountId: string, region: string, action: string, form: URLSearchParams): Reply {
  const inRegion = a.vms.filter((v) => v.region === region);
  const ids = listOf(form, 'InstanceId');
  const missing = ids.filter((id) => !inRegion.some((v) => v.id === id));
  if (missing.length) return awsError('ec2', 'InvalidInstanceID.NotFound', `The instance ID '${missing.join(', ')}' does not exist`);
  const chosen = ids.length ? inRegion.filter((v) => ids.includes(v.id)) : inRegion;
  switch (action) {
    case 'DescribeInstances':
      return xmlReply(`<DescribeInstancesResponse xmlns="${EC2_NS}"><requestId>${requestId()}</requestId><reservationSet>${chosen.map((v) => instanceXml(accountId, v)).join('')}</reservationSet></DescribeInstancesResponse>`);
    case 'DescribeInstanceTypes': {
      const items = listOf(form, 'InstanceType')
        .map((t) => {
          const [vcpus, mib] = TYPES[t] ?? [2, 8192];
          return `<item><instanceType>${esc(t)}</instanceType><vCpuInfo><defaultVCpus>${vcpus}</defaultVCpus></vCpuInfo><memoryInfo><sizeInMiB>${mib}</sizeInMiB></memoryInfo></item>`;
        })
        .join('');
      return xmlReply(`<DescribeInstanceTypesResponse xmlns="${EC2_NS}"><requestId>${requestId()}</requestId><instanceTypeSet>${items}</instanceTypeSet></DescribeInstanceTypesResponse>`);
    }
    case 'StopInstances':
    case 'StartInstances': {
      const stop = action === 'StopInstances';
      const items = chosen
        .map((v) => {
          const previous = v.state;
          // The stand-in settles at once; AWS passes through stopping/pending first.
          v.state = stop ? 'stopped' : 'running';
          const now = stop ? 'stopping' : 'pending';
          return `<item><instanceId>${esc(v.id)}</instanceId><currentState><code>${STATE_CODES[now]}</code><name>${now}</name></currentState><previousState><code>${STATE_CODES[previous] ?? 16}</code><name>${esc(previous)}</name></previousState></item>`;
        })
        .join('');
      return xmlReply(`<${action}Response xmlns="${EC2_NS}"><requestId>${requestId()}</requestId><instancesSet>${items}</instancesSet></${action}Response>`);
    }
    case 'CreateTags': {
      const resources = listOf(form, 'ResourceId');
      for (const v of inRegion.filter((x) => resources.includes(x.id))) {
        for (let i = 1; form.has(`Tag.${i}.Key`); i++) v.tags[form.get(`Tag.${i}.Key`) as string] = form.get(`Tag.${i}.Value`) ?? '';
      }
      return xmlReply(`<CreateTagsResponse xmlns="${EC2_NS}"><requestId>${requestId()}</requestId><return>true</return></CreateTagsResponse>`);
    }
    default:
      return awsError('ec2', 'InvalidAction', `The action ${action} is not valid for this web service (stand-in).`);
  }
}

interface MetricQuery {
  Id: string;
  MetricStat?: { Metric?: { MetricName?: string; Dimensions?: { Name?: string; Value?: string }[] }; Period?: number };
}

/** Daily values over the window asked, for each query whose instance has metrics. */
function getMetricData(a: AwsAccount, region: string, input: { MetricDataQueries?: MetricQuery[]; StartTime?: number; EndTime?: number }): Reply {
  const start = Number(input.StartTime ?? 0);
  const period = 86_400;
  const results = (input.MetricDataQueries ?? []).map((q) => {
    const id = q.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'InstanceId')?.Value;
    const vm = a.vms.find((v) => v.id === id && v.region === region);
    if (!vm || vm.cpuP95 === undefined) return { Id: q.Id, Label: q.Id, StatusCode: 'Complete', Timestamps: [], Values: [] };
    const days = Math.max(0, Math.min(14, vm.metricsDays ?? 14));
    const name = q.MetricStat?.Metric?.MetricName;
    // Network samples are bytes per 5-minute period (basic monitoring), half each way.
    const value = name === 'CPUUtilization' ? vm.cpuP95 : ((vm.networkBytesP95 ?? 1000) * 300) / 2;
    const timestamps = Array.from({ length: days }, (_, i) => start + (14 - days + i) * period);
    return { Id: q.Id, Label: q.Id, StatusCode: 'Complete', Timestamps: timestamps, Values: timestamps.map(() => value) };
  });
  return jsonReply({ MetricDataResults: results, Messages: [] });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function write(res: ServerResponse, reply: Reply, call?: StandInCall): void {
  if (call) call.status = reply.status;
  // The GCP side's convention: the call it recorded rides on the response.
  const recorded = (res as ServerResponse & { call?: StandInCall }).call;
  if (recorded) recorded.status = reply.status;
  res.writeHead(reply.status, { 'content-type': reply.contentType, 'x-amzn-requestid': requestId() });
  res.end(reply.body);
}

/** The reply to one AWS API call (`/aws/<region>/<service>/`). */
function answer(req: IncomingMessage, region: string, service: string, body: string): Reply {
  const form = new URLSearchParams(req.headers['content-type']?.startsWith('application/x-www-form-urlencoded') ? body : '');
  const action = service === 'monitoring' ? String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '' : (form.get('Action') ?? '');
  // AssumeRole is signed by the platform's broker identity, which the stand-in does not know.
  if (service === 'sts' && action === 'AssumeRole') return assumeRole(form);

  const key = accessKeyOf(req.headers.authorization);
  const cred = key ? issued.get(key) : undefined;
  if (!cred) {
    const code = service === 'ec2' ? 'AuthFailure' : 'InvalidClientTokenId';
    return awsError(service, code, 'The security token included in the request is invalid.', service === 'ec2' ? 401 : 403);
  }
  const a = account(cred.account);
  if (a.throttle) {
    const [code, status] = THROTTLE[service] ?? ['Throttling', 400];
    return awsError(service, code, 'Rate exceeded (stand-in).', status);
  }
  if (cred.uses >= a.credentialUses || Date.now() >= cred.expiresAt) return awsError(service, 'ExpiredToken', 'The security token included in the request is expired', service === 'ec2' ? 400 : 403);
  cred.uses += 1;

  const iamAction = `${service === 'monitoring' ? 'cloudwatch' : service}:${action}`;
  if (service === 'iam' && action === 'SimulatePrincipalPolicy') return simulate(a, form);
  if (!allowed(a, cred, iamAction)) {
    const message = `User: arn:aws:sts::${cred.account}:assumed-role/standin/run is not authorized to perform: ${iamAction}`;
    return service === 'ec2' ? awsError(service, 'UnauthorizedOperation', `You are not authorized to perform this operation. ${message}`, 403) : awsError(service, 'AccessDenied', message, service === 'monitoring' ? 400 : 403);
  }
  if (service === 'ec2') return ec2(a, cred.account, region, action, form);
  if (service === 'monitoring' && action === 'GetMetricData') return getMetricData(a, region, JSON.parse(body || '{}') as Parameters<typeof getMetricData>[2]);
  return awsError(service, 'InvalidAction', `The stand-in does not serve ${iamAction}.`);
}

/**
 * Answers `/__standin/aws/accounts/<account>` (the tests' controls) and `/aws/<region>/<service>/`
 * (AWS's APIs), and nothing else (false). `body` is the raw request body, read here when not
 * given; each API call is appended to `calls` with its status when a list is given.
 */
export async function handleAws(req: IncomingMessage, res: ServerResponse, path: string, body?: string, calls?: StandInCall[]): Promise<boolean> {
  const control = /^\/__standin\/aws\/accounts\/(\d{12})$/.exec(path);
  if (control) {
    const a = account(control[1] as string);
    if (req.method === 'POST') Object.assign(a, JSON.parse((body ?? (await readBody(req))) || '{}') as Partial<AwsAccount>);
    write(res, { status: 200, contentType: 'application/json', body: JSON.stringify(a) });
    return true;
  }
  const api = /^\/aws\/([a-z0-9-]+)\/([a-z0-9-]+)\/?$/.exec(path);
  if (!api) return false;
  const call: StandInCall = { at: new Date().toISOString(), method: req.method ?? 'GET', path };
  calls?.push(call);
  const text = body ?? (await readBody(req));
  write(res, answer(req, api[1] as string, api[2] as string, text), call);
  return true;
}

/** Forgets every scenario and credential (tests that share a process start clean). */
export function resetAws(): void {
  accounts.clear();
  issued.clear();
}
