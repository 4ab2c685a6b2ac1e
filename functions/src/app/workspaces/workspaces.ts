import { AppError, notFound } from '../../domain/errors.js';
import type { Member, Workspace } from '../../domain/models.js';
import { canAssignRole, type Role } from '../../domain/roles.js';
import type { Deps } from '../deps.js';
import type { Page, PageRequest } from '../shared/paging.js';
import type { WorkspaceAccess } from '../shared/principal.js';
import { newId } from '../shared/credentials.js';

export async function createWorkspace(
  deps: Pick<Deps, 'workspaces' | 'clock' | 'limits'>,
  user: { uid: string; email: string | null },
  input: { name: string },
  /** The workspace's id; `resumed`: an earlier attempt of this request may have created it (it is then answered again). */
  creation: { id: string; resumed: boolean } = { id: newId(), resumed: false },
): Promise<{ workspace: Workspace; role: Role }> {
  if (creation.resumed) {
    const earlier = await deps.workspaces.get(creation.id);
    if (earlier?.createdBy === user.uid) return { workspace: earlier, role: 'owner' };
  }
  const now = deps.clock.now();
  const workspace: Workspace = { id: creation.id, name: input.name, plan: 'free', createdBy: user.uid, createdAt: now };
  const owner: Member = { uid: user.uid, wsId: workspace.id, role: 'owner', email: user.email, addedBy: user.uid, addedAt: now };
  try {
    await deps.workspaces.create(workspace, owner, deps.limits.maxWorkspacesPerUser);
  } catch (err) {
    // The id is this request's: an attempt racing this one (past its lease) created it first.
    const earlier = await deps.workspaces.get(workspace.id);
    if (earlier?.createdBy !== user.uid) throw err;
    return { workspace: earlier, role: 'owner' };
  }
  return { workspace, role: 'owner' };
}

export async function getWorkspace(deps: Pick<Deps, 'workspaces'>, wsId: string): Promise<Workspace> {
  const ws = await deps.workspaces.get(wsId);
  if (!ws) throw notFound('Workspace', 'workspace_not_found');
  return ws;
}

export function listMyWorkspaces(deps: Pick<Deps, 'workspaces'>, uid: string, page: PageRequest) {
  return deps.workspaces.listForUser(uid, page);
}

export function listMembers(deps: Pick<Deps, 'workspaces'>, wsId: string, page: PageRequest): Promise<Page<Member>> {
  return deps.workspaces.listMembers(wsId, page);
}

function actorRole(access: WorkspaceAccess): Role {
  if (!access.role) throw new AppError('forbidden', 'members_require_user', 'Only a signed-in member can manage members.');
  return access.role;
}

export async function changeMemberRole(
  deps: Pick<Deps, 'workspaces'>,
  access: WorkspaceAccess,
  uid: string,
  newRole: Role,
): Promise<Member> {
  const role = actorRole(access);
  const member = await deps.workspaces.getMember(access.wsId, uid);
  if (!member) throw notFound('Member', 'member_not_found');
  if (!canAssignRole(role, newRole) || !canAssignRole(role, member.role)) {
    throw new AppError('forbidden', 'role_not_assignable', `A ${role} cannot change a ${member.role} into a ${newRole}.`);
  }
  const updated = { ...member, role: newRole };
  await deps.workspaces.putMember(updated);
  return updated;
}

/** Removing a member also revokes the API keys they own (unless re-owned before): see WorkspaceStore.removeMember. */
export async function removeMember(deps: Pick<Deps, 'workspaces' | 'clock'>, access: WorkspaceAccess, uid: string): Promise<void> {
  const role = actorRole(access);
  const member = await deps.workspaces.getMember(access.wsId, uid);
  if (!member) throw notFound('Member', 'member_not_found');
  if (!canAssignRole(role, member.role)) {
    throw new AppError('forbidden', 'role_not_assignable', `A ${role} cannot remove a ${member.role}.`);
  }
  await deps.workspaces.removeMember(access.wsId, uid, deps.clock.now());
}
