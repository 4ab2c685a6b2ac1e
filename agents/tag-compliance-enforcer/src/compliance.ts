/**
 * Pure label-policy checks and safe inference of missing labels. No I/O, so it is tested directly.
 */
export interface Policy {
  /** Labels every resource must carry (non-empty). */
  required: string[];
  /** For these labels, the only accepted values. */
  allowedValues: Record<string, string[]>;
  /** For these labels, a regular expression the value must match. */
  patterns: Record<string, string>;
}

export const DEFAULT_POLICY: Policy = {
  required: ['owner', 'cost-center', 'env'],
  allowedValues: { env: ['prod', 'staging', 'dev'] },
  patterns: { 'cost-center': '^cc-[0-9]{4}$' },
};

/** The labels this agent knows how to infer. */
export const ENV_LABEL = 'env';
export const COST_CENTER_LABEL = 'cost-center';
export const OWNER_LABEL = 'owner';

export interface LabelledResource {
  kind: string;
  id: string;
  name: string;
  project: string;
  labels: Record<string, string>;
}

export type Problem = 'missing' | 'invalid';

export interface Violation {
  label: string;
  problem: Problem;
  value?: string;
  expected?: string;
}

export interface Fix {
  label: string;
  from: string | null;
  to: string;
  source: 'project-suffix' | 'project-consensus';
  evidence: string;
}

export interface Remaining extends Violation {
  why: string;
}

export interface ResourceReport {
  kind: string;
  id: string;
  name: string;
  project: string;
  violations: Violation[];
  fixes: Fix[];
  remaining: Remaining[];
  warnings: string[];
}

type PolicySource = 'default' | 'config' | 'input';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The policy of a run: the input's, else the install config's, else the default. Fields a given
 * policy leaves out keep their default. Throws on a pattern that is not a regular expression.
 */
export function resolvePolicy(config: unknown, input: unknown): { policy: Policy; source: PolicySource } {
  const source: PolicySource = isObject(input) ? 'input' : isObject(config) ? 'config' : 'default';
  const given = (source === 'input' ? input : source === 'config' ? config : {}) as Record<string, unknown>;
  const required = Array.isArray(given['required'])
    ? [...new Set(given['required'].filter((s): s is string => typeof s === 'string' && s.trim() !== ''))]
    : [...DEFAULT_POLICY.required];
  const allowedValues: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(isObject(given['allowedValues']) ? given['allowedValues'] : DEFAULT_POLICY.allowedValues)) {
    if (Array.isArray(v)) allowedValues[k] = v.filter((s): s is string => typeof s === 'string');
  }
  const patterns: Record<string, string> = {};
  for (const [k, v] of Object.entries(isObject(given['patterns']) ? given['patterns'] : DEFAULT_POLICY.patterns)) {
    if (typeof v !== 'string') continue;
    try {
      new RegExp(v);
    } catch {
      throw new Error(`The policy's pattern for "${k}" is not a valid regular expression: ${v}`);
    }
    patterns[k] = v;
  }
  return { policy: { required, allowedValues, patterns }, source };
}

/** Every label the policy says something about. */
export function policedLabels(policy: Policy): string[] {
  return [...new Set([...policy.required, ...Object.keys(policy.allowedValues), ...Object.keys(policy.patterns)])];
}

const present = (v: string | undefined): v is string => typeof v === 'string' && v.trim() !== '';

/** Null when `value` is acceptable for `label`, else what is expected. */
export function invalidReason(policy: Policy, label: string, value: string): string | null {
  const allowed = policy.allowedValues[label];
  if (allowed && !allowed.includes(value)) return `one of ${allowed.join(', ')}`;
  const pattern = policy.patterns[label];
  if (pattern !== undefined && !new RegExp(pattern).test(value)) return `a value matching ${pattern}`;
  return null;
}

export function violationsOf(labels: Record<string, string>, policy: Policy): Violation[] {
  const out: Violation[] = [];
  for (const label of policedLabels(policy)) {
    const value = labels[label];
    if (!present(value)) {
      if (policy.required.includes(label)) out.push({ label, problem: 'missing' });
      continue;
    }
    const expected = invalidReason(policy, label, value);
    if (expected) out.push({ label, problem: 'invalid', value, expected });
  }
  return out;
}

const SUFFIXES: [RegExp, string][] = [
  [/-prod$/, 'prod'],
  [/-staging$/, 'staging'],
  [/-dev$/, 'dev'],
];

/** The environment a project's name implies (`acme-prod` → prod), or null. */
export function envFromProject(project: string): string | null {
  for (const [re, env] of SUFFIXES) if (re.test(project)) return env;
  return null;
}

export interface Consensus {
  /** The single valid value every labelled resource of the project agrees on, or null. */
  value: string | null;
  /** Valid values seen, with how many resources carry each. */
  values: Record<string, number>;
}

/** Per project, the valid cost-center values its resources carry. Only valid values count as evidence. */
export function costCenterConsensus(resources: readonly LabelledResource[], policy: Policy): Map<string, Consensus> {
  const counts = new Map<string, Map<string, number>>();
  for (const r of resources) {
    const v = r.labels[COST_CENTER_LABEL];
    if (!present(v) || invalidReason(policy, COST_CENTER_LABEL, v)) continue;
    const m = counts.get(r.project) ?? new Map<string, number>();
    m.set(v, (m.get(v) ?? 0) + 1);
    counts.set(r.project, m);
  }
  const out = new Map<string, Consensus>();
  for (const [project, m] of counts) {
    const values = Object.fromEntries([...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
    out.set(project, { value: m.size === 1 ? [...m.keys()][0]! : null, values });
  }
  return out;
}

export interface AssessOptions {
  /** How many other resources of the project must carry the agreed cost-center. */
  minEvidence: number;
}

/**
 * Checks one resource and decides what can be fixed safely. `consensus` is computed on the
 * state before any fix, so a run's own fixes never become its evidence.
 */
export function assess(
  r: LabelledResource,
  policy: Policy,
  consensus: ReadonlyMap<string, Consensus>,
  options: AssessOptions,
): ResourceReport {
  const violations = violationsOf(r.labels, policy);
  const fixes: Fix[] = [];
  const remaining: Remaining[] = [];
  const warnings: string[] = [];
  const impliedEnv = envFromProject(r.project);

  for (const v of violations) {
    const from = v.value ?? null;
    if (v.label === ENV_LABEL) {
      if (!impliedEnv) {
        remaining.push({ ...v, why: `project ${r.project} has no -prod, -staging or -dev suffix to infer the environment from` });
      } else if (invalidReason(policy, ENV_LABEL, impliedEnv)) {
        remaining.push({ ...v, why: `the project suffix implies "${impliedEnv}", which the policy does not allow` });
      } else {
        fixes.push({ label: ENV_LABEL, from, to: impliedEnv, source: 'project-suffix', evidence: `project ${r.project}` });
      }
    } else if (v.label === COST_CENTER_LABEL) {
      const c = consensus.get(r.project);
      const agreed = c?.value ?? null;
      const support = agreed ? (c!.values[agreed] ?? 0) : 0;
      if (!c) {
        remaining.push({ ...v, why: `no other resource in ${r.project} has a valid cost-center` });
      } else if (!agreed) {
        remaining.push({ ...v, why: `resources in ${r.project} disagree: ${Object.entries(c.values).map(([k, n]) => `${k} (${n})`).join(', ')}` });
      } else if (support < options.minEvidence) {
        remaining.push({ ...v, why: `only ${support} ${support === 1 ? 'resource' : 'resources'} in ${r.project} ${support === 1 ? 'carries' : 'carry'} ${agreed}; ${options.minEvidence} needed to infer it` });
      } else if (invalidReason(policy, COST_CENTER_LABEL, agreed)) {
        remaining.push({ ...v, why: `${agreed} does not satisfy the policy` });
      } else {
        fixes.push({ label: COST_CENTER_LABEL, from, to: agreed, source: 'project-consensus', evidence: `${support} resources in ${r.project} carry ${agreed}, none disagree` });
      }
    } else if (v.label === OWNER_LABEL) {
      remaining.push({ ...v, why: 'an owner is never guessed: ask the team that created it' });
    } else {
      remaining.push({ ...v, why: `${v.label} cannot be inferred` });
    }
  }

  const env = r.labels[ENV_LABEL];
  if (impliedEnv && present(env) && env !== impliedEnv && !violations.some((v) => v.label === ENV_LABEL)) {
    warnings.push(`env=${env} on a resource in ${r.project}, which implies ${impliedEnv}: left as is, check it`);
  }
  return { kind: r.kind, id: r.id, name: r.name, project: r.project, violations, fixes, remaining, warnings };
}

/**
 * Assesses every resource against the same pre-fix consensus, built from `evidence` (by default the
 * resources themselves; wider when only some kinds are checked but every kind may be read).
 */
export function assessAll(
  resources: readonly LabelledResource[],
  policy: Policy,
  options: AssessOptions,
  evidence: readonly LabelledResource[] = resources,
): ResourceReport[] {
  const consensus = costCenterConsensus(evidence, policy);
  return resources.map((r) => assess(r, policy, consensus, options));
}

/** The labels to set on a resource, and the reason kept with the change. */
export function labelAction(report: ResourceReport): { labels: Record<string, string>; reason: string } | null {
  if (report.fixes.length === 0) return null;
  const labels = Object.fromEntries(report.fixes.map((f) => [f.label, f.to]));
  const parts = report.fixes.map((f) => `${f.label}=${f.to}${f.from ? ` (was "${f.from}")` : ''} from ${f.evidence}`);
  return { labels, reason: `Label policy: set ${parts.join('; ')}` };
}
