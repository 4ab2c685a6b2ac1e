import { ApiKeyScope, Permission, Role } from '@agent-marketplace/contract/roles';

/** Roles, permissions and API key scopes are part of the contract; what each role grants is ours. */
export { ApiKeyScope, Permission, Role };

const READ: Permission[] = ['workspace.read', 'members.read', 'installs.read', 'runs.read'];

const GRANTS: Record<Role, readonly Permission[]> = {
  owner: Permission.options,
  admin: Permission.options.filter((p) => p !== 'billing.manage'),
  operator: [...READ, 'runs.trigger'],
  approver: [...READ, 'approvals.decide'],
  viewer: READ,
  billing: ['workspace.read', 'members.read', 'billing.read', 'billing.manage'],
};

export function roleGrants(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export function permissionsOf(role: Role): readonly Permission[] {
  return GRANTS[role];
}

/**
 * Which roles a member may hand out: nobody grants more than they hold, and only an
 * owner makes another owner.
 */
export function canAssignRole(actor: Role, target: Role): boolean {
  if (actor === 'owner') return true;
  if (actor === 'admin') return target !== 'owner';
  return false;
}
