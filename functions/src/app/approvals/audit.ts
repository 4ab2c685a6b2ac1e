import type { AuditExport } from '@agent-marketplace/contract';
import { verifyChain } from './auditChain.js';
import type { Deps } from '../deps.js';

export const AUDIT_ALGORITHM =
  'sha256(hex) over prevHash + "\\n" + JSON of the record without `hash`, object keys sorted at every depth, no spaces; the first prevHash is 64 zeros. verifyApprovalLog in @agent-marketplace/client repeats it.';

/** A page of the workspace's approval log with the server's own check of it (from the record before the page). */
export async function approvalAudit(deps: Pick<Deps, 'approvals'>, wsId: string, after: number, limit: number): Promise<AuditExport> {
  const { records, head, start } = await deps.approvals.audit(wsId, after, limit);
  const verification = await verifyChain(records, start);
  // A last page must end at the recorded head, or records at the end were removed.
  const last = records.at(-1);
  const full = records.length === limit;
  const reachesHead = full || (last ? last.seq === head.seq && last.hash === head.hash : start.seq === head.seq);
  const ok = verification.ok && reachesHead;
  return {
    records,
    head,
    verification: ok ? verification : { ...verification, ok: false, reason: verification.reason ?? 'the last record does not match the recorded head: records were removed', brokenAt: verification.brokenAt ?? head.seq },
    algorithm: AUDIT_ALGORITHM,
    next: full && last && last.seq < head.seq ? last.seq : null,
  };
}
