import type { ApprovalLevel, ApprovalRule, ApprovalState } from '@agent-marketplace/contract/approvals';
import { AppError } from './errors.js';
import type { Manifest } from './manifest.js';
import type { Role } from './roles.js';

/**
 * Approvals as rules, free of I/O: which rule governs a gated action, who may decide at a
 * level, what a decision or an expiry does to a proposal, and whether a policy change is
 * stricter than what it replaces.
 */

export interface Decision {
  level: number;
  by: string;
  byName: string | null;
  decision: 'approve' | 'reject';
  comment: string;
  at: Date;
}

/** The fields of a stored approval these rules read and change. */
export interface ApprovalCore {
  rule: ApprovalRule;
  state: ApprovalState;
  level: number;
  dueAt: Date | null;
  decisions: Decision[];
  requester: string | null;
  decidedAt: Date | null;
}

export type ManifestApproval = Manifest['approvals'][number];

/**
 * What an agent's own request (`ctx.approval.request`) is governed as: no manifest action, so
 * the install's rule for the request's risk level (`risk:<level>`) applies, else the default.
 */
export const REQUEST_ACTION = 'approval.request';

/** The roles that hold `approvals.decide` (domain/roles.ts): who approves when nobody said otherwise. */
type ApproverRoles = ApprovalLevel['approvers']['roles'];
const DECIDING_ROLES: ApproverRoles = ['owner', 'admin', 'approver'];

/** The wizard's shorthand: an approver role (that role and the ones above it) and a number of levels. */
export function ruleFromShorthand(shorthand: { approverRole: 'approver' | 'admin' | 'owner'; levels: number }): ApprovalRule {
  const roles: ApproverRoles = shorthand.approverRole === 'owner' ? ['owner'] : shorthand.approverRole === 'admin' ? ['owner', 'admin'] : DECIDING_ROLES;
  return {
    levels: Array.from({ length: shorthand.levels }, () => ({ approvers: { roles, members: [] }, required: 1, slaMinutes: 1440, onExpiry: 'reject' as const })),
    // The one-person workspace (its owner triggers and approves) must work out of the box.
    allowRequester: true,
  };
}

export function defaultRule(gate: ManifestApproval): ApprovalRule {
  return ruleFromShorthand({ approverRole: 'approver', levels: gate.levels });
}

export interface PolicySources {
  /** The install's own rules (PUT approval-policy), by action or `risk:<level>`. */
  rules?: Record<string, ApprovalRule> | undefined;
  /** The wizard's shorthand per action. */
  shorthand?: Record<string, { approverRole: 'approver' | 'admin' | 'owner'; levels: number }> | undefined;
}

/** The rule in force for a gated action, and where it came from (an action's own rule wins over its risk level's). */
export function ruleFor(gate: ManifestApproval, sources: PolicySources): { rule: ApprovalRule; key: string } {
  const own = sources.rules?.[gate.action];
  if (own) return { rule: own, key: gate.action };
  const byRisk = sources.rules?.[`risk:${gate.risk}`];
  if (byRisk) return { rule: byRisk, key: `risk:${gate.risk}` };
  const short = sources.shorthand?.[gate.action];
  if (short) return { rule: ruleFromShorthand(short), key: 'wizard' };
  return { rule: defaultRule(gate), key: 'default' };
}

export const dueAtOf = (level: ApprovalLevel, from: Date) => new Date(from.getTime() + level.slaMinutes * 60_000);

export interface Actor {
  uid: string;
  role: Role;
  name: string | null;
}

/** Throws the reason `actor` may not decide this approval now; otherwise nothing. */
export function checkEligible(approval: ApprovalCore, actor: Actor): void {
  if (approval.state !== 'pending') {
    throw new AppError('conflict', 'approval_not_pending', `This approval is already ${approval.state}.`);
  }
  if (!approval.rule.allowRequester && approval.requester === actor.uid) {
    throw new AppError('forbidden', 'approval_requester_forbidden', 'This policy does not let the person who requested the run approve its actions.');
  }
  if (approval.decisions.some((d) => d.by === actor.uid)) {
    // Levels are distinct people: one person's decision counts once across the whole approval.
    throw new AppError('conflict', 'approval_already_decided', 'You have already decided this approval.');
  }
  const level = approval.rule.levels[approval.level]!;
  if (!level.approvers.members.includes(actor.uid) && !level.approvers.roles.includes(actor.role as never)) {
    const who = [...level.approvers.roles.map((r) => `role ${r}`), ...(level.approvers.members.length ? ['named members'] : [])].join(', ');
    throw new AppError('forbidden', 'approval_level_not_eligible', `Level ${approval.level + 1} of ${approval.rule.levels.length} is decided by ${who}; your role is ${actor.role}.`);
  }
}

export type Change = { type: 'decided'; data: Record<string, unknown> } | { type: 'escalated' | 'expired'; data: Record<string, unknown> };

/**
 * A decision by an eligible actor: a rejection ends the approval; approvals count towards the
 * level's `required`, and a full level moves on to the next (with its own SLA) or approves.
 */
export function decide<A extends ApprovalCore>(approval: A, actor: Actor, decision: 'approve' | 'reject', comment: string, now: Date): A {
  checkEligible(approval, actor);
  const decisions = [...approval.decisions, { level: approval.level, by: actor.uid, byName: actor.name, decision, comment, at: now }];
  if (decision === 'reject') return { ...approval, decisions, state: 'rejected', dueAt: null, decidedAt: now };
  const level = approval.rule.levels[approval.level]!;
  const approvals = decisions.filter((d) => d.level === approval.level && d.decision === 'approve').length;
  if (approvals < level.required) return { ...approval, decisions };
  const next = approval.level + 1;
  if (next < approval.rule.levels.length) return { ...approval, decisions, level: next, dueAt: dueAtOf(approval.rule.levels[next]!, now) };
  return { ...approval, decisions, state: 'approved', dueAt: null, decidedAt: now };
}

/** A pending approval past its level's due time: escalated to the next level, or expired. */
export function lapse<A extends ApprovalCore>(approval: A, now: Date): { next: A; change: 'escalated' | 'expired' } | null {
  if (approval.state !== 'pending' || !approval.dueAt || approval.dueAt.getTime() > now.getTime()) return null;
  const level = approval.rule.levels[approval.level]!;
  const next = approval.level + 1;
  if (level.onExpiry === 'escalate' && next < approval.rule.levels.length) {
    return { next: { ...approval, level: next, dueAt: dueAtOf(approval.rule.levels[next]!, now) }, change: 'escalated' };
  }
  return { next: { ...approval, state: 'expired', dueAt: null, decidedAt: now }, change: 'expired' };
}

/**
 * Whether `next` is at least as strict as `current`: no fewer levels, and each existing level
 * asks at least as many people from no more roles or members; a requester who could not
 * approve still cannot. SLAs and what expiry does are operational, not strictness.
 */
export function looserParts(current: ApprovalRule, next: ApprovalRule): string[] {
  const out: string[] = [];
  if (next.levels.length < current.levels.length) out.push(`fewer levels (${next.levels.length} < ${current.levels.length})`);
  current.levels.forEach((was, i) => {
    const now = next.levels[i];
    if (!now) return;
    if (now.required < was.required) out.push(`level ${i + 1} needs fewer people`);
    const addedRoles = now.approvers.roles.filter((r) => !(was.approvers.roles as string[]).includes(r));
    const addedMembers = now.approvers.members.filter((m) => !was.approvers.members.includes(m));
    if (addedRoles.length) out.push(`level ${i + 1} adds ${addedRoles.join(', ')}`);
    if (addedMembers.length) out.push(`level ${i + 1} adds named members`);
  });
  if (next.allowRequester && !current.allowRequester) out.push('the requester may approve');
  return out;
}

/** Checks a rule against the workspace: named approvers must be members, and each level must be decidable by someone. */
export function checkRuleMembers(key: string, rule: ApprovalRule, members: ReadonlyMap<string, Role>): void {
  rule.levels.forEach((level, i) => {
    for (const uid of level.approvers.members) {
      if (!members.has(uid)) throw new AppError('invalid', 'approval_policy_invalid', `rules.${key}.levels.${i}: ${uid} is not a member of this workspace.`);
    }
    const eligible = [...members].filter(([uid, role]) => level.approvers.members.includes(uid) || (level.approvers.roles as string[]).includes(role)).length;
    if (eligible < level.required) {
      throw new AppError(
        'invalid',
        'approval_policy_unsatisfiable',
        `rules.${key}.levels.${i}: needs ${level.required} distinct approvers but only ${eligible} member(s) of this workspace may approve at that level.`,
      );
    }
  });
}
