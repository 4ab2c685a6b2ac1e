import type { PublisherRole } from '@agent-marketplace/contract/publishing';
import { AppError } from './errors.js';

/** What a publisher's members may do, by role (docs/publishing.md "Publishers"). */
export type PublisherPermission = 'publisher.read' | 'versions.submit' | 'versions.manage' | 'members.manage' | 'payouts.manage';

const GRANTS: Record<PublisherRole, readonly PublisherPermission[]> = {
  owner: ['publisher.read', 'versions.submit', 'versions.manage', 'members.manage', 'payouts.manage'],
  admin: ['publisher.read', 'versions.submit', 'versions.manage', 'members.manage'],
  developer: ['publisher.read', 'versions.submit', 'versions.manage'],
  viewer: ['publisher.read'],
};

export function publisherRoleGrants(role: PublisherRole, permission: PublisherPermission): boolean {
  return GRANTS[role].includes(permission);
}

export interface PublisherMemberRecord {
  uid: string;
  email: string | null;
  role: PublisherRole;
  addedAt: Date;
  addedBy: string;
}

/** `publishers/{id}`: members are kept on the document itself (a publisher is a small team), so one transaction sees all of them. */
export interface PublisherRecord {
  id: string;
  name: string;
  createdAt: Date;
  createdBy: string;
  members: Record<string, PublisherMemberRecord>;
}

export const MAX_PUBLISHER_MEMBERS = 50;

/** The uids payouts and earnings answer to (docs/billing.md): the owners. */
export const ownerUidsOf = (p: Pick<PublisherRecord, 'members'>): string[] =>
  Object.values(p.members)
    .filter((m) => m.role === 'owner')
    .map((m) => m.uid)
    .sort();

/**
 * A change of membership, judged: who may hand out which role (nobody more than they hold;
 * only an owner makes or unmakes an owner), and a publisher never loses its last owner.
 * Returns the members after the change.
 */
export function changeMembership(
  current: Record<string, PublisherMemberRecord>,
  actor: { uid: string; role: PublisherRole },
  change: { kind: 'add'; member: PublisherMemberRecord } | { kind: 'role'; uid: string; role: PublisherRole } | { kind: 'remove'; uid: string },
): Record<string, PublisherMemberRecord> {
  const next = { ...current };
  const leaving = change.kind === 'remove' && change.uid === actor.uid;
  if (!leaving && !publisherRoleGrants(actor.role, 'members.manage')) {
    throw new AppError('forbidden', 'publisher_role_forbidden', 'Only owners and admins manage members.');
  }
  const touchesOwner = (uid: string, role?: PublisherRole) => role === 'owner' || current[uid]?.role === 'owner';
  switch (change.kind) {
    case 'add': {
      if (current[change.member.uid]) throw new AppError('conflict', 'publisher_member_exists', 'That account is already a member; change its role instead.');
      if (Object.keys(current).length >= MAX_PUBLISHER_MEMBERS) throw new AppError('conflict', 'publisher_members_full', `A publisher has at most ${MAX_PUBLISHER_MEMBERS} members.`);
      if (change.member.role === 'owner' && actor.role !== 'owner') throw new AppError('forbidden', 'publisher_role_forbidden', 'Only an owner adds an owner.');
      next[change.member.uid] = change.member;
      break;
    }
    case 'role': {
      const member = current[change.uid];
      if (!member) throw new AppError('not_found', 'publisher_member_not_found', 'No such member.');
      if (touchesOwner(change.uid, change.role) && actor.role !== 'owner') throw new AppError('forbidden', 'publisher_role_forbidden', 'Only an owner makes or unmakes an owner.');
      next[change.uid] = { ...member, role: change.role };
      break;
    }
    case 'remove': {
      if (!current[change.uid]) throw new AppError('not_found', 'publisher_member_not_found', 'No such member.');
      if (!leaving && touchesOwner(change.uid) && actor.role !== 'owner') throw new AppError('forbidden', 'publisher_role_forbidden', 'Only an owner removes an owner.');
      delete next[change.uid];
      break;
    }
  }
  if (ownerUidsOf({ members: next }).length === 0) throw new AppError('conflict', 'last_owner', 'A publisher keeps at least one owner: make another member owner first.');
  return next;
}
