import { z } from 'zod';

/** Workspace roles, most to least powerful. */
export const Role = z.enum(['owner', 'admin', 'operator', 'approver', 'viewer', 'billing']);
export type Role = z.infer<typeof Role>;

/**
 * Everything a workspace principal can be allowed to do. Operations name one permission;
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

/** Scopes an API key may carry: what automation needs, never member or key management. */
export const ApiKeyScope = Permission.extract(['workspace.read', 'installs.read', 'runs.read', 'runs.trigger', 'approvals.decide', 'billing.read']);
export type ApiKeyScope = z.infer<typeof ApiKeyScope>;
