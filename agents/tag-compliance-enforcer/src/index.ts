import type { AgentContext, Resource } from '@agent-marketplace/runner';
import { assessAll, labelAction, policedLabels, resolvePolicy, type ResourceReport } from './compliance.ts';

export const KINDS = ['vm', 'bucket', 'disk'] as const;

export interface RunOptions {
  dryRun: boolean;
  minEvidence: number;
  kinds: string[];
  projects: string[];
}

/** Reads the input defensively: the platform validated it, but a default is never assumed present. */
export function readOptions(input: Record<string, unknown>): RunOptions {
  const kinds = Array.isArray(input['kinds']) ? input['kinds'].filter((k): k is string => (KINDS as readonly string[]).includes(k as string)) : [...KINDS];
  const minEvidence = input['minEvidence'];
  return {
    dryRun: input['dryRun'] === true,
    minEvidence: typeof minEvidence === 'number' && Number.isInteger(minEvidence) && minEvidence >= 1 ? minEvidence : 2,
    kinds: kinds.length ? kinds : [...KINDS],
    projects: Array.isArray(input['projects']) ? input['projects'].filter((p): p is string => typeof p === 'string') : [],
  };
}

type FixStatus = 'applied' | 'unchanged' | 'dry-run' | 'pending-approval' | 'failed';

interface FixRecord {
  kind: string;
  id: string;
  name: string;
  project: string;
  labels: Record<string, string>;
  reason: string;
  status: FixStatus;
  /** The platform's proposal, when the manifest gates the label behind a person's approval. */
  approvalId?: string;
  error?: string;
}

/** The one line approvers read for a proposed label fix (at most 300 characters). */
function approvalSummary(r: ResourceReport): string {
  const sets = r.fixes.map((f) => `${f.label}=${f.to}${f.from ? ` (was "${f.from}")` : ''}`).join(', ');
  const line = `Label policy: set ${sets} on ${r.kind} ${r.project}/${r.name}, inferred from its project`;
  return line.length <= 300 ? line : `${line.slice(0, 299)}…`;
}

/** Checks vm, bucket and disk labels against the policy, fixes what is safely inferable, reports the rest. */
export default async function run(ctx: AgentContext) {
  const options = readOptions(ctx.input);
  const { policy, source } = resolvePolicy(ctx.config['policy'], ctx.input['policy']);
  ctx.log.info(`Checking labels against the ${source} policy`, { account: ctx.cloud.account, policy, dryRun: options.dryRun, minEvidence: options.minEvidence });

  // Every kind is read, since any of them is evidence for a project's cost-center; only `kinds` are checked.
  ctx.progress(5, 'Listing resources');
  const listed: Resource[] = [];
  for (const [i, kind] of KINDS.entries()) {
    const found = await ctx.cloud.list(kind);
    listed.push(...found.filter((r) => !options.projects.length || options.projects.includes(r.project)));
    ctx.progress(5 + Math.round((25 * (i + 1)) / KINDS.length), `Listed ${kind} resources`);
  }
  const resources = listed.filter((r) => options.kinds.includes(r.kind));
  ctx.log.info(`Found ${listed.length} resources, checking ${resources.length}`, {
    ...Object.fromEntries(KINDS.map((k) => [k, listed.filter((r) => r.kind === k).length])),
    kinds: options.kinds,
    projects: options.projects,
  });

  ctx.progress(35, 'Checking the policy');
  const reports = assessAll(resources, policy, { minEvidence: options.minEvidence }, listed);
  const violating = reports.filter((r) => r.violations.length > 0);
  ctx.log.info(`${violating.length} of ${reports.length} resources break the policy (${reports.reduce((s, r) => s + r.violations.length, 0)} violations)`, {
    nonCompliant: violating.length,
    resources: reports.length,
  });
  for (const r of reports) for (const w of r.warnings) ctx.log.warn(`${r.kind} ${r.name}: ${w}`, { kind: r.kind, id: r.id });

  ctx.progress(50, 'Fixing what can be inferred');
  const fixes: FixRecord[] = [];
  const toFix = reports.filter((r) => r.fixes.length > 0);
  for (const [i, r] of toFix.entries()) {
    const action = labelAction(r)!;
    const record: FixRecord = { kind: r.kind, id: r.id, name: r.name, project: r.project, labels: action.labels, reason: action.reason, status: 'dry-run' };
    if (options.dryRun) {
      ctx.log.info(`Would label ${r.kind} ${r.name} (dry run)`, { kind: r.kind, id: r.id, labels: action.labels });
    } else {
      try {
        const result = await ctx.cloud.act({
          kind: r.kind,
          id: r.id,
          verb: 'label',
          params: { labels: action.labels },
          reason: action.reason,
          summary: approvalSummary(r),
        });
        if (result.proposal) {
          // Proposed, not done: the run waits for the decision and the platform sets the labels if approved.
          record.status = 'pending-approval';
          record.approvalId = result.proposal.id;
          ctx.log.info(`Proposed labelling ${r.kind} ${r.name}: waiting for an approval`, { kind: r.kind, id: r.id, labels: action.labels, approvalId: result.proposal.id });
        } else {
          record.status = result.changed ? 'applied' : 'unchanged';
          ctx.log.info(`Labelled ${r.kind} ${r.name}: ${Object.entries(action.labels).map(([k, v]) => `${k}=${v}`).join(', ')}`, {
            kind: r.kind,
            id: r.id,
            labels: action.labels,
            reason: action.reason,
          });
        }
      } catch (err) {
        record.status = 'failed';
        record.error = (err as Error).message;
        ctx.log.error(`Could not label ${r.kind} ${r.name}: ${record.error}`, { kind: r.kind, id: r.id });
      }
    }
    fixes.push(record);
    ctx.progress(50 + Math.round((40 * (i + 1)) / toFix.length), `Fixed ${i + 1} of ${toFix.length}`);
  }

  const applied = new Set(fixes.filter((f) => f.status === 'applied' || f.status === 'unchanged').map((f) => `${f.kind}/${f.id}`));
  const needsHuman = reports.flatMap((r) => r.remaining.map((x) => ({ kind: r.kind, id: r.id, name: r.name, project: r.project, ...x })));
  for (const r of reports.filter((x) => x.remaining.length)) {
    ctx.log.warn(`${r.kind} ${r.name} needs a person: ${r.remaining.map((x) => `${x.label} ${x.problem}`).join(', ')}`, {
      kind: r.kind,
      id: r.id,
      project: r.project,
      remaining: r.remaining,
    });
  }

  const byLabel: Record<string, { missing: number; invalid: number; fixed: number; needsHuman: number }> = {};
  for (const label of policedLabels(policy)) byLabel[label] = { missing: 0, invalid: 0, fixed: 0, needsHuman: 0 };
  const byProject: Record<string, { resources: number; violations: number; fixed: number; needsHuman: number }> = {};
  let fixedCount = 0;
  for (const r of reports) {
    const p = (byProject[r.project] ??= { resources: 0, violations: 0, fixed: 0, needsHuman: 0 });
    p.resources++;
    p.violations += r.violations.length;
    p.needsHuman += r.remaining.length;
    for (const v of r.violations) byLabel[v.label]![v.problem]++;
    for (const x of r.remaining) byLabel[x.label]!.needsHuman++;
    if (applied.has(`${r.kind}/${r.id}`)) {
      p.fixed += r.fixes.length;
      fixedCount += r.fixes.length;
      for (const f of r.fixes) byLabel[f.label]!.fixed++;
    }
  }

  const summary = {
    resources: reports.length,
    compliant: reports.length - violating.length,
    nonCompliant: violating.length,
    violations: reports.reduce((s, r) => s + r.violations.length, 0),
    fixed: fixedCount,
    /** Violations still open after this run (needing a person, or fixes not applied). */
    open: reports.reduce((s, r) => s + r.violations.length, 0) - fixedCount,
    needsHuman: needsHuman.length,
    resourcesLabelled: fixes.filter((f) => f.status === 'applied').length,
    compliantAfter: reports.filter((r) => r.violations.length === 0 || (r.remaining.length === 0 && applied.has(`${r.kind}/${r.id}`))).length,
    pendingApproval: fixes.filter((f) => f.status === 'pending-approval').length,
    failed: fixes.filter((f) => f.status === 'failed').length,
    warnings: reports.reduce((s, r) => s + r.warnings.length, 0),
    byLabel,
    byProject,
    policySource: source,
    policy,
    dryRun: options.dryRun,
    minEvidence: options.minEvidence,
  };
  ctx.log.info(`${summary.violations} violations: ${summary.fixed} fixed, ${summary.needsHuman} need a person`, {
    violations: summary.violations,
    fixed: summary.fixed,
    open: summary.open,
    needsHuman: summary.needsHuman,
    resourcesLabelled: summary.resourcesLabelled,
  });
  ctx.progress(100, 'Done');
  return {
    violations: reports.filter((r) => r.violations.length > 0 || r.warnings.length > 0),
    fixes,
    needsHuman,
    pendingApproval: fixes.filter((f) => f.status === 'pending-approval'),
    summary,
  };
}
