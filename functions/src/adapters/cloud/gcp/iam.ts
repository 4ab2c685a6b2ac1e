import type { CloudListFilter, CloudResource } from '@agent-marketplace/contract/cloud';
import type { GcpCall, KindAdapter } from './context.js';
import { applyFilter, unsupported } from './context.js';

/**
 * IAM: bindings from Resource Manager's `getIamPolicy` (v3), the role catalogue from the IAM
 * API's `roles.get`, and permission usage from the Recommender's IAM policy insights.
 */

interface Policy {
  bindings?: { role: string; members?: string[]; condition?: { title?: string; expression?: string } }[];
}

/** Where a policy lives: the target organisation (when it is one) and every project listed. */
async function parents(c: GcpCall, filter: CloudListFilter = {}): Promise<{ parent: string; project: string }[]> {
  const projects = (await c.projects(filter)).map((p) => ({ parent: `projects/${p}`, project: p }));
  const org = c.target.kind === 'organization' && filter.project === undefined ? [{ parent: `organizations/${c.target.id}`, project: `organizations/${c.target.id}` }] : [];
  return [...org, ...projects];
}

/** `POST https://cloudresourcemanager.googleapis.com/v3/{resource}:getIamPolicy`, version 3 so conditions come back. */
const policyOf = (c: GcpCall, parent: string) =>
  c.api.call<Policy>({
    method: 'POST',
    url: `https://cloudresourcemanager.googleapis.com/v3/${parent}:getIamPolicy`,
    token: c.token,
    api: 'Resource Manager getIamPolicy',
    body: { options: { requestedPolicyVersion: 3 } },
  });

/** One resource per (role, member): the unit an auditor judges and a fix removes. */
async function listBindings(c: GcpCall, filter: CloudListFilter): Promise<CloudResource[]> {
  const out: CloudResource[] = [];
  for (const { parent, project } of await parents(c, filter)) {
    for (const b of (await policyOf(c, parent)).bindings ?? []) {
      for (const member of b.members ?? []) {
        const attributes: Record<string, unknown> = { role: b.role, member, project };
        if (b.condition) attributes['condition'] = { title: b.condition.title ?? '', expression: b.condition.expression ?? '' };
        out.push({
          kind: 'iam.binding',
          id: `${parent}/${b.role}/${member}${b.condition ? `?condition=${encodeURIComponent(b.condition.title ?? '')}` : ''}`,
          name: `${b.role} → ${member}`,
          project,
          region: 'global',
          state: 'active',
          labels: {},
          attributes,
        });
      }
    }
  }
  return applyFilter(out, filter);
}

export const iamBindingKind: KindAdapter = {
  list: listBindings,
  act: async (_c, action) => {
    throw unsupported(`The GCP adapter does not change IAM policies (${action.verb} on iam.binding): the auditor's findings are applied by a person.`);
  },
};

const BASIC = new Set(['roles/owner', 'roles/editor', 'roles/viewer']);

interface Role {
  name?: string;
  title?: string;
  stage?: string;
  includedPermissions?: string[];
}

/**
 * `iam.roles`: every role bound in the target's policies, with its permissions
 * (`GET https://iam.googleapis.com/v1/{name}` for `roles/*`, `projects/*\/roles/*` and
 * `organizations/*\/roles/*` alike). Listing all ~2,000 predefined roles with their
 * permissions would be megabytes the agents never read.
 */
export async function rolesDataset(c: GcpCall): Promise<Record<string, unknown>[]> {
  const roles = new Set<string>();
  for (const { parent } of await parents(c)) for (const b of (await policyOf(c, parent)).bindings ?? []) roles.add(b.role);
  const out: Record<string, unknown>[] = [];
  for (const role of [...roles].sort()) {
    const r = await c.api.call<Role>({ method: 'GET', url: `https://iam.googleapis.com/v1/${role}`, token: c.token, api: 'IAM roles.get' });
    out.push({ role, title: r.title ?? role, stage: r.stage ?? 'GA', basic: BASIC.has(role), permissions: r.includedPermissions ?? [] });
  }
  return out;
}

interface Insight {
  content?: { member?: string; role?: string; exercisedPermissions?: { permission?: string }[] };
  lastRefreshTime?: string;
  insightSubtype?: string;
}

/**
 * `iam.usage` from the Recommender's `google.iam.policy.Insight` (permission usage of each
 * binding over its observation window, 90 days): one row per exercised permission. Google
 * does not say when each permission was last used nor how often, so `lastUsed` is the end of
 * the observation window (the insight's `lastRefreshTime`) and `callCount` is absent. Policy
 * Analyzer's activities only cover service-account authentications, not permissions.
 */
export async function usageDataset(c: GcpCall): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const project of await c.projects()) {
    const insights = await c.api.listAll<Insight>(
      {
        method: 'GET',
        url: `https://recommender.googleapis.com/v1/projects/${project}/locations/global/insightTypes/google.iam.policy.Insight/insights`,
        token: c.token,
        api: 'Recommender insights.list (google.iam.policy.Insight)',
        query: { pageSize: 1000 },
      },
      'insights',
    );
    for (const i of insights) {
      const member = i.content?.member;
      if (!member || !i.lastRefreshTime) continue;
      for (const { permission } of i.content?.exercisedPermissions ?? []) {
        if (!permission) continue;
        out.push({ member, project, permission, service: `${permission.split('.')[0]}.googleapis.com`, lastUsed: new Date(i.lastRefreshTime).toISOString() });
      }
    }
  }
  return out;
}
