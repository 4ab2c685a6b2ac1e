import type { CloudResource } from '@agent-marketplace/contract/cloud';
import { CloudProviderError } from '../../../app/cloud/ports.js';
import { GLOBAL_REGION } from './clients.js';
import { type AwsCall } from './context.js';

/**
 * IAM for the least-privilege auditor, in the shapes the GCP adapter gives it: a binding is one
 * policy attached to (or inline in) one role (`role` the policy, `member` the role's ARN); the
 * role catalogue (`iam.roles`) is each bound policy with the actions its Allow statements name;
 * usage (`iam.usage`) is the access advisor's last access, said in the policies' own action
 * patterns so the auditor can intersect granted and used. Roles only (the scope table grants
 * iam:ListRoles), and never service-linked roles: AWS owns and needs those, as Google does its
 * service agents.
 */

const iam = () => import('@aws-sdk/client-iam');
const WHERE = 'global';
/** Roles read at once: IAM's control plane throttles a burst of per-role calls. */
const CONCURRENCY = 5;
/** Access advisor jobs usually finish within seconds; past this the usage would be incomplete. */
export const ADVISOR_TIMEOUT_MS = 60_000;
const ADVISOR_POLL_MS = [500, 1000, 2000];

export interface RoleBinding {
  roleArn: string;
  roleName: string;
  roleCreatedAt: string | null;
  /** A managed policy's ARN, or `inline:<role>/<policy>` for an inline one. */
  policy: string;
  policyName: string;
  policyType: 'aws-managed' | 'customer-managed' | 'inline';
}

/** Maps `items` with at most `limit` calls in flight, answers in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** IAM's Marker/IsTruncated paging, bounded. */
async function markerPages<T>(fetch: (marker: string | undefined) => Promise<{ items: T[]; IsTruncated?: boolean; Marker?: string }>, max = 100): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  for (let page = 0; page < max; page++) {
    const res = await fetch(marker);
    out.push(...res.items);
    if (!res.IsTruncated || !res.Marker) break;
    marker = res.Marker;
  }
  return out;
}

const inlineId = (roleName: string, policyName: string) => `inline:${roleName}/${policyName}`;

/** Every (role, policy) pair of the account's roles, service-linked roles left out. */
export async function roleBindings(call: AwsCall): Promise<RoleBinding[]> {
  const m = await iam();
  const client = new m.IAMClient(call.config('iam', GLOBAL_REGION));
  const roles = await markerPages(async (Marker) => {
    const res = await call.run('iam:ListRoles', WHERE, () => client.send(new m.ListRolesCommand({ MaxItems: 1000, ...(Marker ? { Marker } : {}) })));
    return { items: res.Roles ?? [], IsTruncated: res.IsTruncated, Marker: res.Marker };
  });
  const audited = roles.filter((r) => r.Arn && r.RoleName && !(r.Path ?? '/').startsWith('/aws-service-role/'));
  const perRole = await mapLimit(audited, CONCURRENCY, async (r) => {
    const RoleName = r.RoleName as string;
    const base = { roleArn: r.Arn as string, roleName: RoleName, roleCreatedAt: r.CreateDate ? r.CreateDate.toISOString() : null };
    const [attached, inline] = await Promise.all([
      markerPages(async (Marker) => {
        const res = await call.run('iam:ListAttachedRolePolicies', WHERE, () => client.send(new m.ListAttachedRolePoliciesCommand({ RoleName, MaxItems: 1000, ...(Marker ? { Marker } : {}) })));
        return { items: res.AttachedPolicies ?? [], IsTruncated: res.IsTruncated, Marker: res.Marker };
      }),
      markerPages(async (Marker) => {
        const res = await call.run('iam:ListRolePolicies', WHERE, () => client.send(new m.ListRolePoliciesCommand({ RoleName, MaxItems: 1000, ...(Marker ? { Marker } : {}) })));
        return { items: res.PolicyNames ?? [], IsTruncated: res.IsTruncated, Marker: res.Marker };
      }),
    ]);
    const out: RoleBinding[] = [];
    for (const p of attached) {
      if (!p.PolicyArn) continue;
      out.push({ ...base, policy: p.PolicyArn, policyName: p.PolicyName ?? p.PolicyArn, policyType: p.PolicyArn.startsWith('arn:aws:iam::aws:policy/') ? 'aws-managed' : 'customer-managed' });
    }
    for (const name of inline) out.push({ ...base, policy: inlineId(RoleName, name), policyName: name, policyType: 'inline' });
    return out;
  });
  return perRole.flat();
}

export function bindingResource(account: string, b: RoleBinding): CloudResource {
  return {
    kind: 'iam.binding',
    id: `${b.roleArn}#${b.policy}`,
    name: `${b.policyName} → ${b.roleName}`,
    project: account,
    region: 'global',
    state: 'active',
    labels: {},
    attributes: {
      role: b.policy,
      member: b.roleArn,
      project: account,
      policyType: b.policyType,
      // IAM does not record when a policy was attached: the role's creation is the earliest it can have been.
      grantedAt: b.roleCreatedAt,
    },
    ...(b.roleCreatedAt ? { createdAt: b.roleCreatedAt } : {}),
  };
}

interface Statement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
}

/**
 * The action patterns a policy document allows (`s3:GetObject`, `ec2:Describe*`, `*`), sorted.
 * An Allow with NotAction allows everything but its list: it counts as `*`. Deny statements only
 * narrow what is allowed and add nothing.
 */
export function allowedActions(document: string): string[] {
  let doc: { Statement?: Statement | Statement[] };
  try {
    doc = JSON.parse(document) as typeof doc;
  } catch {
    return [];
  }
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  const out = new Set<string>();
  for (const s of statements) {
    if (s.Effect !== 'Allow') continue;
    if (s.NotAction !== undefined) out.add('*');
    for (const a of typeof s.Action === 'string' ? [s.Action] : (s.Action ?? [])) out.add(a);
  }
  return [...out].sort();
}

/** IAM answers policy documents URL-encoded (RFC 3986), as its API reference says. */
const decodeDocument = (d: string | undefined) => (d ? decodeURIComponent(d) : '');

/**
 * The allowed actions of each distinct policy of `bindings`, by policy id. An inline policy's
 * document needs iam:GetRolePolicy; without it the policy is left out (the auditor then says it
 * cannot measure it) rather than the whole catalogue failing.
 */
export async function policyActions(call: AwsCall, bindings: readonly RoleBinding[]): Promise<Map<string, { name: string; type: RoleBinding['policyType']; actions: string[] }>> {
  const m = await iam();
  const client = new m.IAMClient(call.config('iam', GLOBAL_REGION));
  const distinct = [...new Map(bindings.map((b) => [b.policy, b])).values()];
  const read = await mapLimit(distinct, CONCURRENCY, async (b): Promise<[RoleBinding, string[] | null]> => {
    if (b.policyType === 'inline') {
      try {
        const res = await call.run('iam:GetRolePolicy', WHERE, () => client.send(new m.GetRolePolicyCommand({ RoleName: b.roleName, PolicyName: b.policyName })));
        return [b, allowedActions(decodeDocument(res.PolicyDocument))];
      } catch (err) {
        if (err instanceof CloudProviderError && err.reason === 'permission_denied') return [b, null];
        throw err;
      }
    }
    const policy = await call.run('iam:GetPolicy', WHERE, () => client.send(new m.GetPolicyCommand({ PolicyArn: b.policy })));
    const VersionId = policy.Policy?.DefaultVersionId;
    if (!VersionId) return [b, []];
    const version = await call.run('iam:GetPolicyVersion', WHERE, () => client.send(new m.GetPolicyVersionCommand({ PolicyArn: b.policy, VersionId })));
    return [b, allowedActions(decodeDocument(version.PolicyVersion?.Document))];
  });
  const out = new Map<string, { name: string; type: RoleBinding['policyType']; actions: string[] }>();
  for (const [b, actions] of read) if (actions) out.set(b.policy, { name: b.policyName, type: b.policyType, actions });
  return out;
}

/** `iam.roles`: each policy bound to a role, with the actions it allows. */
export async function rolesDataset(call: AwsCall): Promise<Record<string, unknown>[]> {
  const policies = await policyActions(call, await roleBindings(call));
  return [...policies.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([role, p]) => ({ role, title: p.name, policyType: p.type, permissions: p.actions }));
}

interface ServiceAccess {
  namespace: string;
  lastAuthenticated?: Date;
  /** Actions AWS tracks for the service (a few services), each with its last access if any. */
  tracked: Map<string, Date | undefined>;
}

const sleepFor = (call: AwsCall) => call.settings.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

/**
 * The access advisor's view of one role: GenerateServiceLastAccessedDetails (action level),
 * then GetServiceLastAccessedDetails until the job is done, within ADVISOR_TIMEOUT_MS. A job that
 * fails or does not finish fails the dataset: a role missing from usage would look unused.
 */
async function accessAdvisor(call: AwsCall, roleArn: string): Promise<ServiceAccess[]> {
  const m = await iam();
  const client = new m.IAMClient(call.config('iam', GLOBAL_REGION));
  const sleep = sleepFor(call);
  const job = await call.run('iam:GenerateServiceLastAccessedDetails', WHERE, () => client.send(new m.GenerateServiceLastAccessedDetailsCommand({ Arn: roleArn, Granularity: 'ACTION_LEVEL' })));
  const JobId = job.JobId;
  if (!JobId) throw new CloudProviderError('aws', 'unavailable', `IAM answered no access advisor job for ${roleArn}.`);
  let waited = 0;
  for (let poll = 0; ; poll++) {
    const first = await call.run('iam:GetServiceLastAccessedDetails', WHERE, () => client.send(new m.GetServiceLastAccessedDetailsCommand({ JobId, MaxItems: 1000 })));
    if (first.JobStatus === 'FAILED') {
      throw new CloudProviderError('aws', 'unavailable', `IAM access advisor failed for ${roleArn} (${first.Error?.Code ?? 'FAILED'}): ${first.Error?.Message ?? 'no detail'}`, { providerCode: first.Error?.Code ?? 'FAILED' });
    }
    if (first.JobStatus === 'COMPLETED') {
      const services = [...(first.ServicesLastAccessed ?? [])];
      let Marker = first.IsTruncated ? first.Marker : undefined;
      for (let page = 0; Marker && page < 100; page++) {
        const marker: string = Marker;
        const next = await call.run('iam:GetServiceLastAccessedDetails', WHERE, () => client.send(new m.GetServiceLastAccessedDetailsCommand({ JobId, MaxItems: 1000, Marker: marker })));
        services.push(...(next.ServicesLastAccessed ?? []));
        Marker = next.IsTruncated ? next.Marker : undefined;
      }
      return services.map((s) => ({
        namespace: (s.ServiceNamespace ?? '').toLowerCase(),
        lastAuthenticated: s.LastAuthenticated,
        tracked: new Map((s.TrackedActionsLastAccessed ?? []).flatMap((a) => (a.ActionName ? [[a.ActionName.toLowerCase(), a.LastAccessedTime] as const] : []))),
      }));
    }
    const wait = ADVISOR_POLL_MS[Math.min(poll, ADVISOR_POLL_MS.length - 1)] as number;
    if (waited + wait > ADVISOR_TIMEOUT_MS) {
      throw new CloudProviderError('aws', 'unavailable', `IAM access advisor had not finished for ${roleArn} after ${ADVISOR_TIMEOUT_MS / 1000} s; usage would be incomplete, so none is answered. Try again later.`, { providerCode: 'AccessAdvisorTimeout' });
    }
    await sleep(wait);
    waited += wait;
  }
}

const latest = (dates: (Date | undefined)[]): Date | undefined => dates.reduce<Date | undefined>((a, d) => (d && (!a || d > a) ? d : a), undefined);

/**
 * When `pattern` was last used according to the access advisor, or undefined. An exact action
 * AWS tracks is judged by that action; anything else (wildcards, untracked actions) by its
 * service, which over-counts use rather than under-counts it: the auditor then keeps a policy it
 * could have trimmed, never removes one in use.
 */
export function lastUseOf(pattern: string, services: readonly ServiceAccess[]): Date | undefined {
  if (pattern === '*') return latest(services.map((s) => s.lastAuthenticated));
  const colon = pattern.indexOf(':');
  if (colon < 0) return undefined;
  const ns = pattern.slice(0, colon).toLowerCase();
  const action = pattern.slice(colon + 1).toLowerCase();
  const service = services.find((s) => s.namespace === ns);
  if (!service) return undefined;
  if (!/[*?]/.test(action) && service.tracked.has(action)) return service.tracked.get(action);
  return service.lastAuthenticated;
}

/**
 * `iam.usage`: per role, one row per action pattern of its policies that the access advisor
 * shows used (`lastUsed` its last use), plus one `<service>:*` row per service it used, which
 * stands when the policy documents cannot be read. No call counts: AWS does not give them.
 */
export async function usageDataset(call: AwsCall): Promise<Record<string, unknown>[]> {
  const bindings = await roleBindings(call);
  let policies: Awaited<ReturnType<typeof policyActions>>;
  try {
    policies = await policyActions(call, bindings);
  } catch (err) {
    // Without iam.roles.read the usage is said per service only.
    if (!(err instanceof CloudProviderError && err.reason === 'permission_denied')) throw err;
    policies = new Map();
  }
  const roles = [...new Set(bindings.map((b) => b.roleArn))];
  const perRole = await mapLimit(roles, CONCURRENCY, async (roleArn) => {
    const services = await accessAdvisor(call, roleArn);
    const rows = new Map<string, Date>();
    for (const s of services) if (s.lastAuthenticated) rows.set(`${s.namespace}:*`, s.lastAuthenticated);
    for (const b of bindings) {
      if (b.roleArn !== roleArn) continue;
      for (const pattern of policies.get(b.policy)?.actions ?? []) {
        const used = lastUseOf(pattern, services);
        if (used) rows.set(pattern, used);
      }
    }
    return [...rows.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([permission, lastUsed]) => ({ member: roleArn, project: call.account, permission, service: permission.split(':')[0] ?? permission, lastUsed: lastUsed.toISOString() }));
  });
  return perRole.flat();
}
