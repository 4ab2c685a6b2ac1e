/**
 * Whether the signed-in member may decide an approval now, as the server will judge it
 * (functions/src/domain/approvals.ts checkEligible): pending, not the run's requester unless
 * the rule allows it, not decided by them already, and named or holding a role at its level.
 * Only to choose what to offer: the server decides, and says why when it refuses.
 */
import type { Approval } from '@agent-marketplace/client';

export interface Viewer {
  uid: string;
  /** Their role in the workspace; null while unknown. */
  role: string | null;
}

export type Blocker = 'not_pending' | 'requester' | 'already_decided' | 'not_eligible';

export function decideBlocker(a: Pick<Approval, 'state' | 'rule' | 'requester' | 'decisions' | 'level'>, viewer: Viewer): Blocker | null {
  if (a.state !== 'pending') return 'not_pending';
  if (!a.rule.allowRequester && a.requester === viewer.uid) return 'requester';
  if (a.decisions.some((d) => d.by === viewer.uid)) return 'already_decided';
  const level = a.rule.levels[a.level];
  if (!level) return 'not_eligible';
  const roles: readonly string[] = level.approvers.roles;
  if (!level.approvers.members.includes(viewer.uid) && !(viewer.role !== null && roles.includes(viewer.role))) return 'not_eligible';
  return null;
}

export const mayDecide = (a: Parameters<typeof decideBlocker>[0], viewer: Viewer): boolean => decideBlocker(a, viewer) === null;
