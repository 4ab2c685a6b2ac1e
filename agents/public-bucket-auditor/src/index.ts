import type { AgentContext, Resource } from '@agent-marketplace/runner';
import { auditBuckets, countBySeverity, severityRank, type BucketAssessment, type Severity } from './analyze.ts';

const REMEDIABLE: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

interface ActionRecord {
  bucket: string;
  id: string;
  project: string;
  severity: Severity;
  action: 'bucket.update';
  removes: { role: string; member: string }[];
  keeps: { role: string; member: string }[];
  enforcePublicAccessPrevention: boolean;
  reason: string;
  /** The platform's proposal, when the update waits for a person's approval. */
  approvalId?: string;
}

function readOptions(input: Record<string, unknown>) {
  const minSeverity = REMEDIABLE.includes(input['remediateMinSeverity'] as Severity) ? (input['remediateMinSeverity'] as Severity) : 'high';
  const projects = Array.isArray(input['projects']) ? input['projects'].filter((p): p is string => typeof p === 'string') : [];
  return { remediate: input['remediate'] !== false, remediateMinSeverity: minSeverity, projects };
}

function reasonFor(f: BucketAssessment): string {
  const removed = f.remediation.removes.map((r) => `${r.member} ${r.role}`).join(', ');
  const prevention = f.remediation.enforcePublicAccessPrevention
    ? ' and enforce public access prevention'
    : '; keep allUsers object read for the intended website';
  return `Public ${f.access} access to a ${f.severity} bucket (${f.reasons[0]}): remove ${removed}${prevention}.`;
}

/** The one line approvers read for a proposed lockdown (at most 300 characters), and what it changes. */
function approvalText(f: BucketAssessment) {
  const removed = f.remediation.removes.map((r) => `${r.member} ${r.role}`).join(', ');
  const lock = f.remediation.enforcePublicAccessPrevention ? ', enforce public access prevention' : '; the website keeps public object read';
  const line = `Close public ${f.access} access to ${f.severity} bucket ${f.project}/${f.bucket}: remove ${removed}${lock}`;
  const classification = f.classification ? `classified ${f.classification}` : 'no data-classification label';
  return {
    summary: line.length <= 300 ? line : `${line.slice(0, 299)}…`,
    impact: {
      note: f.remediation.enforcePublicAccessPrevention
        ? `Ends public ${f.access} access to ${f.objectCount} objects (${f.sizeGb} GB, ${classification}); anything that reads them anonymously stops working.`
        : `Intended website: it keeps serving its ${f.objectCount} objects publicly; only the excess public grants go.`,
    },
  };
}

/** Audits every bucket of the connected account for public access and closes the dangerous ones. */
export default async function run(ctx: AgentContext) {
  const options = readOptions(ctx.input);
  ctx.log.info('Listing buckets', { account: ctx.cloud.account, projects: options.projects.length ? options.projects : 'all' });
  ctx.progress(5, 'Listing buckets');
  const all: Resource[] = await ctx.cloud.list('bucket');
  const buckets = options.projects.length ? all.filter((b) => options.projects.includes(b.project)) : all;
  ctx.log.info(`Loaded ${buckets.length} buckets`, { buckets: buckets.length, projects: [...new Set(buckets.map((b) => b.project))].sort() });

  ctx.progress(30, 'Checking bucket policies for public members');
  const audit = auditBuckets(buckets);
  for (const f of audit.findings) {
    ctx.log.warn(`${f.severity.toUpperCase()}: ${f.bucket} is ${f.access === 'write' ? 'writable' : 'readable'} by the public`, {
      bucket: f.bucket,
      project: f.project,
      severity: f.severity,
      access: f.access,
      classification: f.classification,
      grants: f.publicGrants.map((g) => `${g.member} ${g.role}`),
      objectCount: f.objectCount,
    });
  }
  for (const w of audit.intendedPublic) {
    ctx.log.info(`${w.bucket} is an intended public website serving objects read-only: not a finding`, { bucket: w.bucket, project: w.project });
  }
  for (const b of audit.blocked) {
    ctx.log.info(`${b.bucket} names a public member but public access prevention blocks it`, {
      bucket: b.bucket,
      grants: b.publicGrants.map((g) => `${g.member} ${g.role}`),
    });
  }
  const counts = countBySeverity(audit.findings);
  ctx.log.info(audit.findings.length ? `Found ${audit.findings.length} publicly exposed buckets` : 'No publicly exposed buckets', { ...counts });

  ctx.progress(60, 'Remediating exposed buckets');
  const remediated: ActionRecord[] = [];
  const pendingApproval: ActionRecord[] = [];
  const failed: (ActionRecord & { error: string })[] = [];
  const status = new Map<string, 'remediated' | 'pending-approval' | 'failed' | 'open'>();
  const threshold = severityRank(options.remediateMinSeverity);
  const targets = options.remediate ? audit.findings.filter((f) => severityRank(f.severity) >= threshold) : [];
  if (!options.remediate) ctx.log.info('Remediation is switched off (remediate: false): reporting only.');
  for (const f of targets) {
    if (ctx.signal.aborted) break;
    const reason = reasonFor(f);
    const record: ActionRecord = {
      bucket: f.bucket,
      id: f.id,
      project: f.project,
      severity: f.severity,
      action: 'bucket.update',
      removes: f.remediation.removes,
      keeps: f.remediation.keeps,
      enforcePublicAccessPrevention: f.remediation.enforcePublicAccessPrevention,
      reason,
    };
    try {
      const result = await ctx.cloud.act({ kind: 'bucket', id: f.id, verb: 'update', params: { attributes: f.remediation.attributes }, reason, ...approvalText(f) });
      if (result.proposal) {
        // Proposed, not done: the run waits for the decision and the platform applies the fix if approved.
        pendingApproval.push({ ...record, approvalId: result.proposal.id });
        status.set(f.id, 'pending-approval');
        ctx.log.info(`Proposed closing public access to ${f.bucket}: waiting for an approval (bucket.update)`, {
          bucket: f.bucket,
          severity: f.severity,
          approvalId: result.proposal.id,
          reason,
        });
      } else {
        remediated.push(record);
        status.set(f.id, 'remediated');
        ctx.log.info(`Closed public access to ${f.bucket}`, { bucket: f.bucket, changed: result.changed, removed: record.removes.length, reason });
      }
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      failed.push({ ...record, error });
      status.set(f.id, 'failed');
      ctx.log.error(`Could not update ${f.bucket}`, { bucket: f.bucket, error });
    }
  }
  const findings = audit.findings.map((f) => ({ ...f, status: status.get(f.id) ?? 'open' }));

  let text: string | null = null;
  if (!ctx.llm) {
    ctx.log.info('No language model is configured: skipping the written summary.');
  } else if (findings.length > 0) {
    ctx.progress(85, 'Writing a summary');
    const brief = findings.slice(0, 12).map((f) => ({
      bucket: f.bucket,
      project: f.project,
      severity: f.severity,
      access: f.access,
      classification: f.classification,
      status: f.status,
    }));
    text = await ctx.llm.complete(
      `Summarise this public storage bucket audit for a security channel in three sentences: what is exposed, what is worst, and what was fixed or awaits approval.\n${JSON.stringify({ counts, findings: brief, remediated: remediated.length, pendingApproval: pendingApproval.length })}`,
      { maxTokens: 250, signal: ctx.signal },
    );
  }

  ctx.progress(100, 'Done');
  return {
    findings,
    intendedPublic: audit.intendedPublic,
    blocked: audit.blocked,
    remediated,
    pendingApproval,
    failed,
    summary: {
      buckets: buckets.length,
      exposed: findings.length,
      bySeverity: counts,
      intendedPublic: audit.intendedPublic.length,
      blocked: audit.blocked.length,
      private: audit.privateCount,
      fineGrainedAcl: audit.fineGrainedAcl,
      remediated: remediated.length,
      pendingApproval: pendingApproval.length,
      failed: failed.length,
      options,
      text,
    },
  };
}
