import type { PublisherRole } from '@agent-marketplace/contract/publishing';
import { AppError, notFound } from '../../domain/errors.js';
import { changeMembership, publisherRoleGrants, type PublisherPermission, type PublisherRecord } from '../../domain/publishers.js';
import type { Deps } from '../deps.js';
import { actorId, type Principal } from '../shared/principal.js';

/**
 * Publishers: a developer organisation with members and roles (docs/publishing.md). To anyone
 * not a member a publisher does not exist (404), so its name and agents leak nothing.
 */
type PublisherDeps = Pick<Deps, 'publishers' | 'clock'>;

export interface PublisherAccess {
  publisher: PublisherRecord;
  uid: string;
  role: PublisherRole;
}

function userOf(principal: Principal | null): Extract<Principal, { kind: 'user' }> {
  if (principal?.kind !== 'user') throw new AppError('forbidden', 'user_required', 'Publishers are for signed-in users.');
  return principal;
}

/** The caller's membership of a publisher, with `permission` required: non-members get 404, members without the role 403. */
export async function requirePublisher(deps: Pick<Deps, 'publishers'>, principal: Principal | null, publisherId: string, permission: PublisherPermission): Promise<PublisherAccess> {
  const user = userOf(principal);
  const publisher = await deps.publishers.get(publisherId);
  const member = publisher?.members[user.uid];
  if (!publisher || !member) throw notFound('Publisher', 'publisher_not_found');
  if (!publisherRoleGrants(member.role, permission)) {
    throw new AppError('forbidden', 'publisher_role_forbidden', `A ${member.role} of ${publisherId} may not do this.`);
  }
  return { publisher, uid: user.uid, role: member.role };
}

export function publisherView(p: PublisherRecord, uid: string) {
  return { id: p.id, name: p.name, createdAt: p.createdAt, memberCount: Object.keys(p.members).length, myRole: p.members[uid]!.role };
}

export async function createPublisher(deps: PublisherDeps, principal: Principal | null, input: { id: string; name: string }) {
  const user = userOf(principal);
  const now = deps.clock.now();
  const stored = await deps.publishers.create({
    id: input.id,
    name: input.name,
    createdAt: now,
    createdBy: user.uid,
    members: { [user.uid]: { uid: user.uid, email: user.email, role: 'owner', addedAt: now, addedBy: user.uid } },
  });
  if (!stored.members[user.uid]) throw new AppError('conflict', 'publisher_id_taken', `The publisher id ${input.id} is taken.`);
  return publisherView(stored, user.uid);
}

export async function listMyPublishers(deps: PublisherDeps, principal: Principal | null) {
  const user = userOf(principal);
  return { items: (await deps.publishers.listFor(user.uid)).map((p) => publisherView(p, user.uid)) };
}

export async function getPublisher(deps: PublisherDeps, principal: Principal | null, publisherId: string) {
  const access = await requirePublisher(deps, principal, publisherId, 'publisher.read');
  return publisherView(access.publisher, access.uid);
}

export async function listPublisherMembers(deps: PublisherDeps, principal: Principal | null, publisherId: string) {
  const access = await requirePublisher(deps, principal, publisherId, 'publisher.read');
  return { items: Object.values(access.publisher.members).sort((a, b) => a.addedAt.getTime() - b.addedAt.getTime() || (a.uid < b.uid ? -1 : 1)) };
}

/** Changes membership in a transaction against the stored members, judged by domain/publishers.ts with the caller's stored role. */
async function changeMembers(deps: PublisherDeps, principal: Principal | null, publisherId: string, change: Parameters<typeof changeMembership>[2]) {
  const access = await requirePublisher(deps, principal, publisherId, 'publisher.read');
  return deps.publishers.updateMembers(publisherId, (current) => {
    const actor = current.members[access.uid];
    if (!actor) throw notFound('Publisher', 'publisher_not_found');
    return changeMembership(current.members, { uid: access.uid, role: actor.role }, change);
  });
}

export async function addPublisherMember(deps: Pick<Deps, 'publishers' | 'clock' | 'accountDirectory'>, principal: Principal | null, publisherId: string, input: { email: string; role: PublisherRole }) {
  // Only managers learn whether an address has an account.
  await requirePublisher(deps, principal, publisherId, 'members.manage');
  const account = await deps.accountDirectory.findByEmail(input.email);
  if (!account) throw new AppError('not_found', 'account_not_found', `No account uses ${input.email}; they sign in once first, then you add them.`);
  const by = actorId(principal!);
  const stored = await changeMembers(deps, principal, publisherId, {
    kind: 'add',
    member: { uid: account.uid, email: account.email, role: input.role, addedAt: deps.clock.now(), addedBy: by },
  });
  return stored.members[account.uid]!;
}

export async function changePublisherMember(deps: PublisherDeps, principal: Principal | null, publisherId: string, uid: string, input: { role: PublisherRole }) {
  const stored = await changeMembers(deps, principal, publisherId, { kind: 'role', uid, role: input.role });
  return stored.members[uid]!;
}

export async function removePublisherMember(deps: PublisherDeps, principal: Principal | null, publisherId: string, uid: string) {
  await changeMembers(deps, principal, publisherId, { kind: 'remove', uid });
  return { ok: true as const };
}
