import type { PlatformEvent } from '@agent-marketplace/contract';
import type { AuditEntry } from './auditChain.js';
import type { StoredApproval } from './ports.js';

/** What one approval fact writes to the log and publishes: the same words in both. */

const subject = (a: StoredApproval) => ({ runId: a.runId, installId: a.installId, agentId: a.agentId, approvalId: a.id });
const what = (a: StoredApproval) => (a.action ? `${a.action.scope} on ${a.action.resourceId}` : `${a.agentId}'s request "${a.request?.key ?? a.id}"`);
const levelText = (a: StoredApproval) => `level ${a.level + 1} of ${a.rule.levels.length}`;

export function entry(a: StoredApproval, type: AuditEntry['type'], actor: string, data: Record<string, unknown>): AuditEntry {
  return { type, approvalId: a.id, runId: a.runId, installId: a.installId, actor, data };
}

function event(a: StoredApproval, id: string, type: PlatformEvent['type'], at: Date, summary: string, data: Record<string, unknown>): PlatformEvent {
  return { id: `approval:${a.id}:${id}`, type, wsId: a.wsId, occurredAt: at.toISOString(), subject: subject(a), summary: summary.slice(0, 500), data };
}

/** A level waits for decisions (the first one, or the next after the one before approved or lapsed). */
export const requested = (a: StoredApproval, at: Date) =>
  event(a, `requested:${a.level}`, 'approval.requested', at, `${what(a)} needs an approval (${levelText(a)}): ${a.summary}`, {
    level: a.level,
    levels: a.rule.levels.length,
    risk: a.risk,
    dueAt: a.dueAt?.toISOString() ?? null,
    roles: a.rule.levels[a.level]!.approvers.roles,
    members: a.rule.levels[a.level]!.approvers.members,
  });

export const decided = (a: StoredApproval, at: Date, d: { by: string; decision: string; level: number; comment: string }) =>
  event(a, `decided:${a.decisions.length}`, 'approval.decided', at, `${what(a)} was ${d.decision === 'approve' ? 'approved' : 'rejected'} at level ${d.level + 1}${a.state === 'pending' ? '' : ` (now ${a.state})`}`, {
    decision: d.decision,
    level: d.level,
    by: d.by,
    state: a.state,
    comment: d.comment,
  });

export const escalated = (a: StoredApproval, at: Date) =>
  event(a, `escalated:${a.level}`, 'approval.escalated', at, `${what(a)} was not decided in time; it is now at ${levelText(a)}`, { level: a.level, dueAt: a.dueAt?.toISOString() ?? null });

export const expired = (a: StoredApproval, at: Date) =>
  event(a, 'expired', 'approval.expired', at, `${what(a)} expired without a decision at level ${a.level + 1}`, { level: a.level });
