/** An approval's parts in words: its state, level, saving, rule, decisions, result, and why a decision was refused. */
import type { Approval, ApprovalLevel } from '@agent-marketplace/client';
import { formatDateTime, formatMinorUnits, formatMinutes, t, tn, tOr } from '../../i18n.ts';
import { roleLabel } from '../../labels.ts';
import type { Blocker } from './eligibility.ts';

/** A member's name for a uid (their email, or "you"), for rules and decisions. */
export type NameOf = (uid: string) => string;

export const approvalStateLabel = (state: string): string => tOr(`approvals.state.${state}`, state);

/** "Level 1 of 2": the level waiting for decisions, or the last one decided once final. */
export const levelText = (a: Pick<Approval, 'level' | 'rule'>): string => t('approvals.level', { n: a.level + 1, total: a.rule.levels.length });

/** "$2,681.29 a month", or null when the agent gave no saving. */
export function savingsText(a: Pick<Approval, 'impact'>): string | null {
  const s = a.impact?.monthlySavings;
  return s ? t('approvals.savingsValue', { amount: formatMinorUnits(s.amountMinor, s.currency) }) : null;
}

/** Who decides at a level: its roles, then its named members. */
export function approversText(level: ApprovalLevel, nameOf: NameOf): string {
  return [...level.approvers.roles.map(roleLabel), ...level.approvers.members.map(nameOf)].join(', ');
}

/** "Level 1 of 2: Operator, Admin; 1 approval needed; 1 day to decide, then reject." */
export function levelRuleText(level: ApprovalLevel, index: number, total: number, nameOf: NameOf): string {
  return t('approvals.ruleLevel', {
    level: t('approvals.level', { n: index + 1, total }),
    who: approversText(level, nameOf),
    required: tn('approvals.required', level.required),
    sla: formatMinutes(level.slaMinutes),
    expiry: t(level.onExpiry === 'escalate' ? 'approvals.onExpiry.escalate' : 'approvals.onExpiry.reject'),
  });
}

/** Why the viewer is not offered Approve and Reject on a pending approval; null when they are. */
export function blockerText(blocker: Blocker | null, a: Pick<Approval, 'level' | 'rule'>, nameOf: NameOf): string | null {
  if (blocker === 'requester') return t('approvals.blocker.requester');
  if (blocker === 'already_decided') return t('approvals.blocker.alreadyDecided');
  if (blocker === 'not_eligible') {
    const level = a.rule.levels[a.level];
    return t('approvals.blocker.notEligible', { level: levelText(a), who: level ? approversText(level, nameOf) : '' });
  }
  return null;
}

/**
 * A refused decision: the short name of a known refusal ("You already decided"), the server's
 * own sentence, and the problem's code.
 */
export function refusalText(code: string, message: string): string {
  return t('approvals.refusal', { title: tOr(`approvals.refused.${code}`, t('approvals.refused')), message, code });
}

/** What a decision that went through did to the approval. */
export function outcomeText(before: Pick<Approval, 'level'>, after: Approval, decision: 'approve' | 'reject'): string {
  // An agent's own request: the answer goes back to the agent when its run resumes.
  if (!after.action && after.state === 'approved') return t('approvals.outcome.approvedRequest');
  if (!after.action && after.state === 'rejected') return t('approvals.outcome.rejectedRequest');
  if (decision === 'reject') return t('approvals.outcome.rejected');
  if (after.state === 'approved') return after.result ? t('approvals.outcome.approvedResult', { result: resultText(after.result) }) : t('approvals.outcome.approved');
  if (after.state === 'pending' && after.level > before.level) return t('approvals.outcome.nextLevel', { level: levelText(after) });
  if (after.state === 'pending') return t('approvals.outcome.counted', { level: levelText(after) });
  return approvalStateLabel(after.state);
}

/** "Applied on …", "Skipped (resource_changed) on …", "Failed (…) on …". */
export function resultText(result: NonNullable<Approval['result']>): string {
  const when = formatDateTime(result.at);
  return result.reason
    ? t('approvals.result.withReason', { outcome: tOr(`approvals.result.${result.outcome}`, result.outcome), reason: result.reason, when })
    : t('approvals.result.plain', { outcome: tOr(`approvals.result.${result.outcome}`, result.outcome), when });
}

/** "alice@example.test approved at level 1 of 2, on …". */
export function decisionText(d: Approval['decisions'][number], total: number, nameOf: NameOf): string {
  // A member's name as the workspace knows it now (and "you"); else the name recorded with the decision.
  const known = nameOf(d.by);
  return t(d.decision === 'approve' ? 'approvals.decision.approve' : 'approvals.decision.reject', {
    who: known !== d.by ? known : (d.byName ?? d.by),
    level: t('approvals.level', { n: d.level + 1, total }),
    when: formatDateTime(d.at),
  });
}
