import type { ApiKey } from './models.js';

/** The member a key acts for: its creator, until re-owned. */
export const ownerOf = (key: ApiKey): string => key.ownedBy ?? key.createdBy;

/** Whether a key whose secret matched may be used now. */
export function apiKeyStatus(key: ApiKey, now: Date): 'active' | 'revoked' | 'expired' {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && now.getTime() >= key.expiresAt.getTime()) return 'expired';
  return 'active';
}
