import type { AgentContext } from '@agent-marketplace/runner';
import { countStatuses, DEFAULTS, watchCertificates, type ExpiryStatus, type Severity } from './analyze.ts';

const LABEL = 'expiry-status';

const int = (v: unknown, min: number, fallback: number) => (typeof v === 'number' && Number.isInteger(v) && v >= min ? v : fallback);

function readOptions(input: Record<string, unknown>) {
  const asOfRaw = typeof input['asOf'] === 'string' ? Date.parse(input['asOf']) : NaN;
  const warnDays = int(input['warnDays'], 1, DEFAULTS.warnDays);
  const criticalDays = Math.min(int(input['criticalDays'], 0, DEFAULTS.criticalDays), warnDays);
  return {
    asOf: new Date(Number.isFinite(asOfRaw) ? asOfRaw : Date.now()),
    warnDays,
    criticalDays,
    minRsaBits: int(input['minRsaBits'], 512, DEFAULTS.minRsaBits),
    minEcBits: DEFAULTS.minEcBits,
    maxWildcardAttachments: int(input['maxWildcardAttachments'], 1, DEFAULTS.maxWildcardAttachments),
    applyLabels: input['applyLabels'] !== false,
    projects: Array.isArray(input['projects']) ? input['projects'].filter((p): p is string => typeof p === 'string') : [],
  };
}

interface LabelChange {
  certificate: string;
  id: string;
  project: string;
  from: string | null;
  to: ExpiryStatus;
  reason: string;
  /** The platform's proposal, when the manifest gates the label behind a person's approval. */
  approvalId?: string;
}

/** Watches TLS certificate expiry and hygiene, and labels every certificate with its expiry status. */
export default async function run(ctx: AgentContext) {
  const options = readOptions(ctx.input);
  const asOf = options.asOf.toISOString();
  if (typeof ctx.input['criticalDays'] === 'number' && ctx.input['criticalDays'] > options.warnDays) {
    ctx.log.warn('criticalDays is larger than warnDays: using warnDays for both', { warnDays: options.warnDays });
  }
  ctx.log.info('Listing certificates', {
    account: ctx.cloud.account,
    asOf,
    warnDays: options.warnDays,
    criticalDays: options.criticalDays,
    projects: options.projects.length ? options.projects : 'all',
  });
  ctx.progress(5, 'Listing certificates');
  const all = await ctx.cloud.list('certificate');
  const certs = options.projects.length ? all.filter((c) => options.projects.includes(c.project)) : all;
  ctx.log.info(`Loaded ${certs.length} certificates`, { certificates: certs.length, projects: [...new Set(certs.map((c) => c.project))].sort() });

  ctx.progress(30, 'Checking expiry, keys and wildcards');
  const result = watchCertificates(certs, options);
  for (const f of result.findings) {
    const msg = `${f.severity?.toUpperCase()}: ${f.name} (${f.domains.join(', ')}): ${f.issues.map((i) => i.issue).join(', ')}`;
    const fields = { certificate: f.name, project: f.project, status: f.status, daysLeft: f.daysLeft, notAfter: f.notAfter, attachedTo: f.attachedTo };
    if (f.severity === 'info' || f.severity === 'low') ctx.log.info(msg, fields);
    else ctx.log.warn(msg, fields);
  }
  for (const w of result.wildcards) ctx.log.warn(`Wildcard sprawl on ${w.domain}`, { certificates: w.certificates, reasons: w.reasons });
  const statuses = countStatuses(result.certificates);
  const bySeverity: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of result.findings) if (f.severity) bySeverity[f.severity]++;
  ctx.log.info(`${statuses.expired} expired, ${statuses.critical} critical, ${statuses.warning} warning, ${statuses.ok} ok`, { ...statuses });

  ctx.progress(60, 'Labelling certificates with their expiry status');
  const labelled: LabelChange[] = [];
  const pendingApproval: LabelChange[] = [];
  const failed: (LabelChange & { error: string })[] = [];
  let unchanged = 0;
  if (!options.applyLabels) ctx.log.info('Labelling is switched off (applyLabels: false): reporting only.');
  for (const c of options.applyLabels ? result.certificates : []) {
    if (ctx.signal.aborted) break;
    if (c.currentLabel === c.status) {
      unchanged++;
      continue;
    }
    const why =
      c.daysLeft === null
        ? "the certificate's expiry date cannot be read"
        : `${c.daysLeft < 0 ? `expired ${-c.daysLeft} days ago` : `${c.daysLeft} days left`} as of ${asOf.slice(0, 10)} (warn ${options.warnDays}, critical ${options.criticalDays})`;
    const reason = `${LABEL}=${c.status}: ${why}`;
    const change: LabelChange = { certificate: c.name, id: c.id, project: c.project, from: c.currentLabel, to: c.status, reason };
    // The one line approvers read, should the manifest gate the label.
    const summary = `Label certificate ${c.project}/${c.name} ${LABEL}=${c.status} (was ${c.currentLabel ?? 'unset'}): ${why}`;
    try {
      const acted = await ctx.cloud.act({
        kind: 'certificate',
        id: c.id,
        verb: 'label',
        params: { labels: { [LABEL]: c.status } },
        reason,
        summary: summary.length <= 300 ? summary : `${summary.slice(0, 299)}…`,
      });
      if (acted.proposal) {
        // Proposed, not done: the run waits for the decision and the platform sets the label if approved.
        pendingApproval.push({ ...change, approvalId: acted.proposal.id });
        ctx.log.info(`Proposed labelling ${c.name} ${LABEL}=${c.status}: waiting for an approval`, { certificate: c.name, to: c.status, approvalId: acted.proposal.id });
      } else {
        labelled.push(change);
        ctx.log.info(`Labelled ${c.name} ${LABEL}=${c.status}`, { certificate: c.name, from: c.currentLabel, to: c.status });
      }
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      failed.push({ ...change, error });
      ctx.log.error(`Could not label ${c.name}`, { certificate: c.name, error });
    }
  }
  if (options.applyLabels) {
    const proposed = pendingApproval.length ? `, ${pendingApproval.length} proposed for approval` : '';
    ctx.log.info(`Labels: ${labelled.length} changed, ${unchanged} already correct${proposed}`, { changed: labelled.length, unchanged, pendingApproval: pendingApproval.length });
  }

  ctx.progress(100, 'Done');
  return {
    findings: result.findings,
    wildcards: result.wildcards,
    certificates: result.certificates.map((c) => ({
      name: c.name,
      project: c.project,
      domains: c.domains,
      status: c.status,
      daysLeft: c.daysLeft,
      notAfter: c.notAfter,
      managedBy: c.managedBy,
      autoRenew: c.autoRenew,
      attachedTo: c.attachedTo.length,
    })),
    labelled,
    pendingApproval,
    failed,
    summary: {
      asOf,
      certificates: certs.length,
      statuses,
      findings: result.findings.length,
      bySeverity,
      weakKeys: result.findings.filter((f) => f.issues.some((i) => i.issue === 'weak-key')).length,
      manualRenewals: result.findings.filter((f) => f.issues.some((i) => i.issue === 'manual-renewal-required')).length,
      wildcardSprawl: result.wildcards.length,
      labelsChanged: labelled.length,
      labelsUnchanged: unchanged,
      pendingApproval: pendingApproval.length,
      failed: failed.length,
      options: {
        warnDays: options.warnDays,
        criticalDays: options.criticalDays,
        minRsaBits: options.minRsaBits,
        maxWildcardAttachments: options.maxWildcardAttachments,
        applyLabels: options.applyLabels,
        projects: options.projects,
      },
    },
  };
}
