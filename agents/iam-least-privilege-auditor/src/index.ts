import type { AgentContext, Resource } from '@agent-marketplace/runner';
import { analyzeBindings, countBy, DEFAULTS, type Binding, type RoleRow, type UsageRow } from './analyze.ts';

function readOptions(input: Record<string, unknown>) {
  const asOfRaw = typeof input['asOf'] === 'string' ? Date.parse(input['asOf']) : NaN;
  const lookback = input['lookbackDays'];
  const ratio = input['minUnusedRatio'];
  return {
    asOf: new Date(Number.isFinite(asOfRaw) ? asOfRaw : Date.now()),
    lookbackDays: typeof lookback === 'number' && Number.isInteger(lookback) && lookback >= 1 ? lookback : DEFAULTS.lookbackDays,
    minUnusedRatio: typeof ratio === 'number' && ratio >= 0 && ratio <= 1 ? ratio : DEFAULTS.minUnusedRatio,
    projects: Array.isArray(input['projects']) ? input['projects'].filter((p): p is string => typeof p === 'string') : [],
  };
}

function toBinding(r: Resource): Binding {
  const a = r.attributes;
  return {
    id: r.id,
    role: String(a['role'] ?? ''),
    member: String(a['member'] ?? ''),
    project: String(a['project'] ?? r.project),
    grantedAt: typeof a['grantedAt'] === 'string' ? a['grantedAt'] : (r.createdAt ?? null),
  };
}

/** Read-only least-privilege review of every IAM binding in the connected account. */
export default async function run(ctx: AgentContext) {
  const options = readOptions(ctx.input);
  const asOf = options.asOf.toISOString();
  ctx.log.info('Reading IAM bindings, the role catalogue and permission usage', {
    account: ctx.cloud.account,
    asOf,
    lookbackDays: options.lookbackDays,
    projects: options.projects.length ? options.projects : 'all',
  });
  ctx.progress(5, 'Listing IAM bindings');
  const resources = await ctx.cloud.list('iam.binding');
  const bindings = resources.map(toBinding).filter((b) => b.role && b.member && (!options.projects.length || options.projects.includes(b.project)));
  ctx.progress(20, 'Reading the role catalogue');
  const roles = await ctx.cloud.dataset<RoleRow>('iam.roles');
  ctx.progress(30, 'Reading permission usage');
  const usage = await ctx.cloud.dataset<UsageRow>('iam.usage');
  ctx.log.info(`Loaded ${bindings.length} bindings, ${roles.length} roles and ${usage.length} usage records`, {
    bindings: bindings.length,
    roles: roles.length,
    usageRows: usage.length,
    members: new Set(bindings.map((b) => b.member)).size,
  });

  ctx.progress(50, 'Comparing granted and used permissions');
  const analysis = analyzeBindings(bindings, roles, usage, options);
  for (const f of analysis.findings) {
    const fields = {
      project: f.project,
      member: f.member,
      role: f.role,
      flags: f.flags.map((x) => x.flag),
      unused: `${f.unusedCount}/${f.permissions}`,
      recommendation: f.recommendation.action,
      roles: f.recommendation.roles,
    };
    const msg = `${f.severity?.toUpperCase()}: ${f.member} has ${f.role} in ${f.project}: ${f.flags.map((x) => x.flag).join(', ')}`;
    if (f.severity === 'info') ctx.log.info(msg, fields);
    else ctx.log.warn(msg, fields);
  }
  for (const s of analysis.skipped) ctx.log.info(`Skipped ${s.member} (${s.role}): ${s.reason}`, { project: s.project });
  const bySeverity = { critical: 0, high: 0, medium: 0, low: 0, info: 0, ...countBy(analysis.findings, (f) => f.severity ?? 'info') };
  const byFlag = countBy(
    analysis.findings.flatMap((f) => f.flags),
    (x) => x.flag,
  );
  const all = [...analysis.findings];
  const granted = all.reduce((s, f) => s + f.permissions, 0);
  const unused = all.reduce((s, f) => s + f.unusedCount, 0);
  const reduction = analysis.members.reduce((s, m) => s + (m.permissionsGranted - m.permissionsAfter), 0);
  ctx.log.info(
    analysis.findings.length
      ? `Found ${analysis.findings.length} bindings to review; ${analysis.members.length} members can drop ${reduction} permissions in total`
      : 'Every binding fits its use',
    { ...bySeverity, members: analysis.members.length, reduction },
  );
  ctx.progress(75, 'Recommendations ready');

  let explanation: string | null = null;
  if (!ctx.llm) {
    ctx.log.info('No language model is configured: skipping the plain-language explanation.');
  } else if (analysis.findings.length > 0) {
    ctx.progress(85, 'Writing a plain-language explanation');
    const top = analysis.findings
      .filter((f) => f.severity !== 'info')
      .slice(0, 8)
      .map((f) => ({
        project: f.project,
        member: f.member,
        role: f.role,
        flags: f.flags.map((x) => x.detail),
        recommendation: f.recommendation,
      }));
    explanation = await ctx.llm.complete(
      `You are reviewing Google Cloud IAM for least privilege. For each finding below write one or two plain sentences a project owner understands: what the risk is and what to change. Do not invent roles beyond those given.\n${JSON.stringify(top)}`,
      { system: 'You explain cloud security findings clearly and briefly.', maxTokens: 700, signal: ctx.signal },
    );
  }

  ctx.progress(100, 'Done');
  return {
    findings: analysis.findings,
    members: analysis.members,
    skipped: analysis.skipped,
    clean: analysis.clean,
    summary: {
      asOf,
      lookbackDays: options.lookbackDays,
      bindings: bindings.length,
      analysed: bindings.length - analysis.skipped.length,
      findings: analysis.findings.length,
      clean: analysis.clean.length,
      skippedServiceAgents: analysis.skipped.length,
      bySeverity,
      byFlag,
      flaggedPermissionsGranted: granted,
      flaggedPermissionsUnused: unused,
      membersWithRecommendation: analysis.members.length,
      permissionReduction: reduction,
      options: { lookbackDays: options.lookbackDays, minUnusedRatio: options.minUnusedRatio, projects: options.projects },
      explanation,
    },
  };
}
