import { z } from 'zod';

/** Workspace roles, most to least powerful. */
export const Role = z.enum(['owner', 'admin', 'operator', 'approver', 'viewer', 'billing']);
export type Role = z.infer<typeof Role>;

/**
 * Everything a workspace principal can be allowed to do. Routes name one permission;
 * members get them through their role, API keys through their scopes.
 */
export const Permission = z.enum([
  'workspace.read',
  'workspace.manage',
  'members.read',
  'members.manage',
  'apikeys.manage',
  'installs.read',
  'installs.manage',
  'runs.read',
  'runs.trigger',
  'approvals.decide',
  'billing.read',
  'billing.manage',
]);
export type Permission = z.infer<typeof Permission>;

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

/** Scopes an API key may carry: what automation needs, never member or key management. */
export const ApiKeyScope = Permission.extract([
  'workspace.read',
  'installs.read',
  'runs.read',
  'runs.trigger',
  'approvals.decide',
  'billing.read',
]);
export type ApiKeyScope = z.infer<typeof ApiKeyScope>;
