/**
 * Who sees and who changes billing (functions/src/domain/roles.ts): billing.read is held by
 * owners, admins and billing members; billing.manage (plans, the portal, spend caps) by owners
 * and billing members only.
 */
const READERS: ReadonlySet<string> = new Set(['owner', 'admin', 'billing']);
const MANAGERS: ReadonlySet<string> = new Set(['owner', 'billing']);
/** Roles that list a workspace's installs (installs.read). */
const INSTALL_READERS: ReadonlySet<string> = new Set(['owner', 'admin', 'operator', 'approver', 'viewer']);
/** Roles that change installs (installs.manage): upgrade, pause, uninstall. */
const INSTALL_MANAGERS: ReadonlySet<string> = new Set(['owner', 'admin']);

export const canReadBilling = (role: string | null | undefined): boolean => role != null && READERS.has(role);
export const canManageBilling = (role: string | null | undefined): boolean => role != null && MANAGERS.has(role);
export const canListInstalls = (role: string | null | undefined): boolean => role != null && INSTALL_READERS.has(role);
export const canManageInstalls = (role: string | null | undefined): boolean => role != null && INSTALL_MANAGERS.has(role);
