/**
 * Pure least-privilege analysis of IAM bindings: which granted permissions were exercised in the
 * look-back window, which were not, and the smallest set of predefined roles that still covers
 * what was used. No I/O here.
 */

export interface RoleRow {
  role: string;
  title?: string;
  permissions: string[];
}

export interface UsageRow {
  member: string;
  project: string;
  permission: string;
  /** ISO time the member last exercised the permission in the project. */
  lastUsed: string;
  callCount?: number;
}

export interface Binding {
  id: string;
  role: string;
  member: string;
  project: string;
  grantedAt: string | null;
}

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
export const severityRank = (s: Severity): number => SEVERITY_ORDER.length - SEVERITY_ORDER.indexOf(s);
const worst = (a: Severity, b: Severity): Severity => (severityRank(a) >= severityRank(b) ? a : b);

export type MemberType = 'user' | 'group' | 'serviceAccount' | 'domain' | 'public' | 'other';
export type FlagName =
  | 'public-member'
  | 'basic-role-on-service-account'
  | 'unused-binding'
  | 'excess-permissions'
  | 'recently-granted'
  | 'unknown-role';

export interface Flag {
  flag: FlagName;
  severity: Severity;
  detail: string;
}

export interface Recommendation {
  /** remove the binding, replace its role with `roles`, keep it, or have a person look (unknown role). */
  action: 'remove' | 'replace' | 'keep' | 'review';
  roles: string[];
  /** Permissions the member would hold through this binding after the change. */
  permissionsAfter: number;
  /** Permissions the change takes away. */
  reduction: number;
  note: string;
}

export interface BindingAnalysis {
  id: string;
  project: string;
  member: string;
  memberType: MemberType;
  role: string;
  grantedAt: string | null;
  severity: Severity | null;
  flags: Flag[];
  permissions: number;
  exercised: string[];
  unusedCount: number;
  unusedRatio: number;
  unusedByService: Record<string, number>;
  /** A few unused permissions, alphabetically: the full list can run to hundreds. */
  unusedSample: string[];
  /** Last time any permission of this role was used by the member in the project (any age), or null. */
  lastUsed: string | null;
  recommendation: Recommendation;
}

export interface MemberRecommendation {
  member: string;
  project: string;
  memberType: MemberType;
  currentRoles: string[];
  recommendedRoles: string[];
  removeRoles: string[];
  addRoles: string[];
  permissionsGranted: number;
  permissionsUsed: number;
  permissionsAfter: number;
  /** Used permissions no predefined role grants (kept by keeping a current role). */
  uncovered: string[];
}

export interface SkippedBinding {
  id: string;
  member: string;
  role: string;
  project: string;
  reason: string;
}

export interface AnalysisOptions {
  asOf: Date;
  lookbackDays: number;
  /** The share of a role's permissions that must be unused before `excess-permissions` is raised. */
  minUnusedRatio: number;
}

export const DEFAULTS = { lookbackDays: 90, minUnusedRatio: 0.5 } as const;
/** Below this many unused permissions a custom role is not worth maintaining. */
export const MIN_UNUSED_FOR_CUSTOM_ROLE = 10;

export interface Analysis {
  /** Bindings with at least one flag, worst first. */
  findings: BindingAnalysis[];
  /** Every analysed binding without a flag (kept short: id, role, member). */
  clean: { id: string; role: string; member: string; project: string }[];
  /** Per member and project: the roles that would cover what was used, where that differs from today. */
  members: MemberRecommendation[];
  skipped: SkippedBinding[];
}

export const BASIC_ROLES: ReadonlySet<string> = new Set(['roles/owner', 'roles/editor', 'roles/viewer']);
const PUBLIC = new Set(['allUsers', 'allAuthenticatedUsers']);
/** Roles whose only use is invoking a service: public on a project, but at least not data access. */
const INVOKER_ROLES = new Set(['roles/run.invoker', 'roles/cloudfunctions.invoker']);

export function memberType(member: string): MemberType {
  if (PUBLIC.has(member)) return 'public';
  const prefix = member.split(':')[0];
  if (prefix === 'user' || prefix === 'group' || prefix === 'serviceAccount' || prefix === 'domain') return prefix;
  return 'other';
}

/** Google-managed service agents: Google grants and needs their roles, so they are not audited. */
export function isServiceAgent(member: string): boolean {
  if (!member.startsWith('serviceAccount:')) return false;
  const domain = member.slice(member.indexOf('@') + 1);
  return (
    domain === 'cloudservices.gserviceaccount.com' ||
    domain === 'cloudbuild.gserviceaccount.com' ||
    /^gcp-sa-[a-z0-9-]+\.iam\.gserviceaccount\.com$/.test(domain) ||
    /^(container-engine-robot|compute-system|serverless-robot-prod|dataflow-service-producer-prod)\.iam\.gserviceaccount\.com$/.test(domain)
  );
}

/** The Compute Engine default service account, which projects create with roles/editor. */
export const isDefaultComputeAccount = (member: string) => /^serviceAccount:\d+-compute@developer\.gserviceaccount\.com$/.test(member);

const serviceOf = (permission: string) => permission.split('.')[0] ?? permission;

/**
 * Greedy set cover, weighted by role size: repeatedly takes the role with the best ratio of
 * still-uncovered used permissions to the permissions it grants in total, so small, precise roles
 * win over broad ones that happen to cover more. Ties go to the role covering more (fewer roles),
 * then to the smaller role, then to the name, so the result is deterministic. Basic roles (owner,
 * editor, viewer) are only used for what no other predefined role covers. A final pass drops any
 * role the others make redundant, largest first.
 */
export function coverPermissions(
  needed: Iterable<string>,
  roles: ReadonlyMap<string, ReadonlySet<string>>,
): { roles: string[]; uncovered: string[] } {
  const uncovered = new Set(needed);
  const chosen: string[] = [];
  const names = [...roles.keys()].sort();
  for (const pool of [names.filter((r) => !BASIC_ROLES.has(r)), names.filter((r) => BASIC_ROLES.has(r))]) {
    while (uncovered.size > 0) {
      let best: string | null = null;
      let bestGain = 0;
      let bestSize = Infinity;
      for (const name of pool) {
        if (chosen.includes(name)) continue;
        const perms = roles.get(name)!;
        let gain = 0;
        for (const p of uncovered) if (perms.has(p)) gain++;
        if (gain === 0) continue;
        // gain / size > bestGain / bestSize, compared without division.
        const better = gain * bestSize - bestGain * perms.size;
        if (best === null || better > 0 || (better === 0 && (gain > bestGain || (gain === bestGain && perms.size < bestSize)))) {
          best = name;
          bestGain = gain;
          bestSize = perms.size;
        }
      }
      if (!best) break;
      chosen.push(best);
      for (const p of roles.get(best)!) uncovered.delete(p);
    }
  }
  // Drop redundant roles: try the largest first, keep it only if something needs it.
  const needSet = new Set(needed);
  const bySize = [...chosen].sort((a, b) => roles.get(b)!.size - roles.get(a)!.size || b.localeCompare(a));
  const kept = new Set(chosen);
  for (const r of bySize) {
    const others = [...kept].filter((x) => x !== r);
    const needsIt = [...roles.get(r)!].some((p) => needSet.has(p) && !others.some((o) => roles.get(o)!.has(p)));
    if (!needsIt) kept.delete(r);
  }
  return { roles: [...kept].sort(), uncovered: [...uncovered].sort() };
}

export function unionSize(names: string[], roles: ReadonlyMap<string, ReadonlySet<string>>): number {
  const all = new Set<string>();
  for (const n of names) for (const p of roles.get(n) ?? []) all.add(p);
  return all.size;
}

/** Per member and project: every permission used within the window, and the last use of each (any age). */
export function indexUsage(rows: UsageRow[], options: AnalysisOptions) {
  const asOf = options.asOf.getTime();
  const since = asOf - options.lookbackDays * 86_400_000;
  const recent = new Map<string, Set<string>>();
  const last = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const t = Date.parse(r.lastUsed);
    if (!Number.isFinite(t) || t > asOf) continue;
    const key = `${r.project}\u0000${r.member}`;
    let l = last.get(key);
    if (!l) last.set(key, (l = new Map()));
    l.set(r.permission, Math.max(l.get(r.permission) ?? 0, t));
    if (t >= since) {
      let s = recent.get(key);
      if (!s) recent.set(key, (s = new Set()));
      s.add(r.permission);
    }
  }
  return {
    used: (project: string, member: string): ReadonlySet<string> => recent.get(`${project}\u0000${member}`) ?? new Set(),
    lastUse: (project: string, member: string): ReadonlyMap<string, number> => last.get(`${project}\u0000${member}`) ?? new Map(),
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const daysBetween = (a: number, b: number) => Math.floor((b - a) / 86_400_000);

export function analyzeBindings(bindings: Binding[], roleRows: RoleRow[], usageRows: UsageRow[], options: AnalysisOptions): Analysis {
  const roles = new Map<string, ReadonlySet<string>>(roleRows.map((r) => [r.role, new Set(r.permissions)]));
  const usage = indexUsage(usageRows, options);
  const asOf = options.asOf.getTime();
  const findings: BindingAnalysis[] = [];
  const clean: Analysis['clean'] = [];
  const skipped: SkippedBinding[] = [];
  const analysed: BindingAnalysis[] = [];

  for (const b of bindings) {
    if (isServiceAgent(b.member)) {
      skipped.push({ id: b.id, member: b.member, role: b.role, project: b.project, reason: 'Google-managed service agent: Google grants and relies on its roles' });
      continue;
    }
    const a = analyzeBinding(b, roles, usage, options, asOf);
    analysed.push(a);
    if (a.flags.length > 0) findings.push(a);
    else clean.push({ id: b.id, role: b.role, member: b.member, project: b.project });
  }

  findings.sort(
    (x, y) => severityRank(y.severity ?? 'info') - severityRank(x.severity ?? 'info') || y.unusedCount - x.unusedCount || x.id.localeCompare(y.id),
  );
  return { findings, clean, members: recommendMembers(analysed, roles, usage, options, asOf), skipped };
}

function analyzeBinding(
  b: Binding,
  roles: ReadonlyMap<string, ReadonlySet<string>>,
  usage: ReturnType<typeof indexUsage>,
  options: AnalysisOptions,
  asOf: number,
): BindingAnalysis {
  const type = memberType(b.member);
  const granted = roles.get(b.role);
  const flags: Flag[] = [];
  const grantedAt = b.grantedAt && Number.isFinite(Date.parse(b.grantedAt)) ? b.grantedAt : null;
  const ageDays = grantedAt ? daysBetween(Date.parse(grantedAt), asOf) : Infinity;

  if (type === 'public') {
    const invokeOnly = INVOKER_ROLES.has(b.role);
    flags.push({
      flag: 'public-member',
      severity: invokeOnly ? 'medium' : 'critical',
      detail: invokeOnly
        ? `${b.member} may invoke every service in ${b.project}; grant ${b.role} on the services meant to be public instead`
        : `${b.member} (anyone${b.member === 'allAuthenticatedUsers' ? ' with a Google account' : ' on the internet'}) holds ${b.role} on the whole project`,
    });
  }
  if (type === 'serviceAccount' && (b.role === 'roles/owner' || b.role === 'roles/editor')) {
    const defaultSa = isDefaultComputeAccount(b.member);
    flags.push({
      flag: 'basic-role-on-service-account',
      severity: b.role === 'roles/owner' ? 'critical' : 'high',
      detail: `a service account holds the basic role ${b.role}: anything running as it (or anyone who can act as it) controls ${b.role === 'roles/owner' ? 'the project, including its IAM policy' : 'almost every resource in the project'}${defaultSa ? '. This is the Compute Engine default service account, which every VM uses unless told otherwise' : ''}`,
    });
  }

  if (!granted) {
    flags.push({ flag: 'unknown-role', severity: 'info', detail: `${b.role} is not in the role catalogue (a custom role?), so its use cannot be measured` });
    return {
      id: b.id,
      project: b.project,
      member: b.member,
      memberType: type,
      role: b.role,
      grantedAt,
      severity: severityOf(flags),
      flags,
      permissions: 0,
      exercised: [],
      unusedCount: 0,
      unusedRatio: 0,
      unusedByService: {},
      unusedSample: [],
      lastUsed: null,
      recommendation: { action: type === 'public' ? 'remove' : 'review', roles: [], permissionsAfter: 0, reduction: 0, note: 'Look at the custom role by hand.' },
    };
  }

  const used = usage.used(b.project, b.member);
  const exercised = [...granted].filter((p) => used.has(p)).sort();
  const unused = [...granted].filter((p) => !used.has(p)).sort();
  const unusedByService: Record<string, number> = {};
  for (const p of unused) unusedByService[serviceOf(p)] = (unusedByService[serviceOf(p)] ?? 0) + 1;
  const lastUse = usage.lastUse(b.project, b.member);
  let lastMs = 0;
  for (const p of granted) lastMs = Math.max(lastMs, lastUse.get(p) ?? 0);
  const lastUsed = lastMs > 0 ? new Date(lastMs).toISOString() : null;
  const unusedRatio = granted.size ? round2(unused.length / granted.size) : 0;

  let recommendation: Recommendation;
  const basic = BASIC_ROLES.has(b.role);
  if (type === 'public') {
    recommendation = { action: 'remove', roles: [], permissionsAfter: 0, reduction: granted.size, note: 'Remove the public member from the project policy.' };
  } else if (exercised.length === 0 && ageDays < options.lookbackDays) {
    flags.push({
      flag: 'recently-granted',
      severity: 'info',
      detail: `granted ${ageDays} days ago and not used yet: too early to judge against a ${options.lookbackDays}-day window`,
    });
    recommendation = { action: 'keep', roles: [b.role], permissionsAfter: granted.size, reduction: 0, note: 'Check again once the binding is older than the window.' };
  } else if (exercised.length === 0) {
    flags.push({
      flag: 'unused-binding',
      severity: basic && b.role !== 'roles/viewer' ? 'high' : 'medium',
      detail: lastUsed
        ? `none of its ${granted.size} permissions used in ${options.lookbackDays} days (last use ${daysBetween(lastMs, asOf)} days ago)`
        : `none of its ${granted.size} permissions used since usage records begin`,
    });
    recommendation = { action: 'remove', roles: [], permissionsAfter: 0, reduction: granted.size, note: 'Nothing this binding grants is in use: remove it.' };
  } else {
    const cover = coverPermissions(exercised, roles);
    const after = unionSize(cover.roles, roles);
    const smaller = cover.uncovered.length === 0 && after < granted.size && !(cover.roles.length === 1 && cover.roles[0] === b.role);
    if (smaller) {
      recommendation = {
        action: 'replace',
        roles: cover.roles,
        permissionsAfter: after,
        reduction: granted.size - after,
        note: `${cover.roles.join(' + ')} cover${cover.roles.length === 1 ? 's' : ''} all ${exercised.length} used permissions with ${after} instead of ${granted.size}.`,
      };
      if (unusedRatio >= options.minUnusedRatio || basic) {
        flags.push({
          flag: 'excess-permissions',
          severity: basic ? 'medium' : 'low',
          detail: `${unused.length} of ${granted.size} permissions (${Math.round(unusedRatio * 100)}%) unused in ${options.lookbackDays} days`,
        });
      }
    } else {
      const customRole = unusedRatio >= options.minUnusedRatio && unused.length >= MIN_UNUSED_FOR_CUSTOM_ROLE;
      recommendation = {
        action: 'keep',
        roles: [b.role],
        permissionsAfter: granted.size,
        reduction: 0,
        note: customRole
          ? `No smaller predefined role covers the ${exercised.length} used permissions; a custom role with exactly them would remove ${unused.length}.`
          : 'The role fits its use.',
      };
      if (customRole) {
        flags.push({
          flag: 'excess-permissions',
          severity: 'info',
          detail: `${unused.length} of ${granted.size} permissions (${Math.round(unusedRatio * 100)}%) unused, but no smaller predefined role covers the rest: consider a custom role`,
        });
      }
    }
  }

  return {
    id: b.id,
    project: b.project,
    member: b.member,
    memberType: type,
    role: b.role,
    grantedAt,
    severity: severityOf(flags),
    flags,
    permissions: granted.size,
    exercised,
    unusedCount: unused.length,
    unusedRatio,
    unusedByService,
    unusedSample: unused.slice(0, 10),
    lastUsed,
    recommendation,
  };
}

function severityOf(flags: Flag[]): Severity | null {
  return flags.reduce<Severity | null>((s, f) => (s ? worst(s, f.severity) : f.severity), null);
}

/** One recommendation per member and project, covering the union of what all its bindings let it use. */
function recommendMembers(
  analysed: BindingAnalysis[],
  roles: ReadonlyMap<string, ReadonlySet<string>>,
  usage: ReturnType<typeof indexUsage>,
  options: AnalysisOptions,
  asOf: number,
): MemberRecommendation[] {
  const groups = new Map<string, BindingAnalysis[]>();
  for (const a of analysed) {
    const key = `${a.project}\u0000${a.member}`;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  const out: MemberRecommendation[] = [];
  for (const list of groups.values()) {
    const first = list[0]!;
    if (list.some((a) => !roles.has(a.role))) continue; // a custom role: leave it to a person
    const current = [...new Set(list.map((a) => a.role))].sort();
    const grantedSet = new Set<string>();
    for (const r of current) for (const p of roles.get(r)!) grantedSet.add(p);
    const used = usage.used(first.project, first.member);
    const usedGranted = [...grantedSet].filter((p) => used.has(p));
    // Bindings younger than the window are kept as they are: too early to judge.
    const young = list
      .filter((a) => a.grantedAt && (asOf - Date.parse(a.grantedAt)) / 86_400_000 < options.lookbackDays)
      .map((a) => a.role);
    let recommended: string[];
    let uncovered: string[] = [];
    if (first.memberType === 'public') recommended = [];
    else {
      const stillNeeded = usedGranted.filter((p) => !young.some((r) => roles.get(r)!.has(p)));
      const cover = coverPermissions(stillNeeded, roles);
      uncovered = cover.uncovered;
      recommended = [...new Set([...cover.roles, ...young])].sort();
      if (uncovered.length > 0) recommended = current;
    }
    const after = unionSize(recommended, roles);
    const same = recommended.length === current.length && recommended.every((r, i) => r === current[i]);
    if (same || after > grantedSet.size) continue;
    out.push({
      member: first.member,
      project: first.project,
      memberType: first.memberType,
      currentRoles: current,
      recommendedRoles: recommended,
      removeRoles: current.filter((r) => !recommended.includes(r)),
      addRoles: recommended.filter((r) => !current.includes(r)),
      permissionsGranted: grantedSet.size,
      permissionsUsed: usedGranted.length,
      permissionsAfter: after,
      uncovered,
    });
  }
  return out.sort(
    (a, b) => b.permissionsGranted - b.permissionsAfter - (a.permissionsGranted - a.permissionsAfter) || a.project.localeCompare(b.project) || a.member.localeCompare(b.member),
  );
}

export function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}
