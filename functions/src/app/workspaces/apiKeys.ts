import { apiKeyStatus } from '../../domain/apiKeys.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { ApiKey } from '../../domain/models.js';
import { roleGrants, type ApiKeyScope } from '../../domain/roles.js';
import type { Deps } from '../deps.js';
import type { Page, PageRequest } from '../shared/paging.js';
import { actorId, type Principal, type WorkspaceAccess } from '../shared/principal.js';
import { formatCredential, matchesHash, newId, newSecret, parseCredential, sha256 } from '../shared/credentials.js';

export const API_KEY_PREFIX = 'amk';

export async function createApiKey(
  deps: Pick<Deps, 'apiKeys' | 'clock' | 'limits'>,
  access: WorkspaceAccess,
  input: { name: string; scopes: ApiKeyScope[]; expiresAt?: string | undefined },
): Promise<{ key: ApiKey; secret: string }> {
  const now = deps.clock.now();
  const expiresAt = input.expiresAt === undefined ? null : new Date(input.expiresAt);
  if (expiresAt && expiresAt.getTime() <= now.getTime()) {
    throw new AppError('invalid', 'expiry_in_past', 'expiresAt must be in the future.', { issues: [{ path: 'expiresAt', message: 'must be in the future' }] });
  }
  const id = newId();
  const secretPart = newSecret();
  const secret = formatCredential(API_KEY_PREFIX, access.wsId, id, secretPart);
  const key: ApiKey = {
    id,
    wsId: access.wsId,
    name: input.name,
    scopes: [...new Set(input.scopes)],
    secretHash: sha256(secretPart),
    prefix: secret.slice(0, API_KEY_PREFIX.length + 1 + access.wsId.length + 1 + id.length),
    createdBy: actorId(access.principal),
    ownedBy: actorId(access.principal),
    createdAt: now,
    lastUsedAt: null,
    expiresAt,
    revokedAt: null,
  };
  await deps.apiKeys.create(key, deps.limits.maxOpenApiKeysPerWorkspace);
  return { key, secret };
}

export function listApiKeys(deps: Pick<Deps, 'apiKeys'>, wsId: string, page: PageRequest): Promise<Page<ApiKey>> {
  return deps.apiKeys.list(wsId, page);
}

export async function revokeApiKey(deps: Pick<Deps, 'apiKeys' | 'clock'>, wsId: string, keyId: string): Promise<ApiKey> {
  const key = await deps.apiKeys.revoke(wsId, keyId, deps.clock.now());
  if (!key) throw notFound('API key', 'api_key_not_found');
  return key;
}

/**
 * Re-owns a key: it then acts for `toUid`, a current member whose role grants every scope of
 * the key, and survives its former owner leaving. A revoked or expired key stays as it is.
 */
export async function transferApiKey(deps: Pick<Deps, 'apiKeys' | 'clock'>, wsId: string, keyId: string, toUid: string): Promise<ApiKey> {
  const now = deps.clock.now();
  const key = await deps.apiKeys.transfer(wsId, keyId, toUid, (current, target) => {
    const status = apiKeyStatus(current, now);
    if (status !== 'active') throw new AppError('conflict', `api_key_${status}`, `This API key is ${status}; it cannot be re-owned.`);
    if (!target) throw new AppError('not_found', 'member_not_found', 'The new owner must be a member of this workspace.');
    const missing = current.scopes.filter((s) => !roleGrants(target.role, s));
    if (missing.length > 0) {
      throw new AppError('forbidden', 'scope_exceeds_role', `A ${target.role} cannot own a key with ${missing.join(', ')}.`);
    }
    return { ...current, ownedBy: toUid };
  });
  if (!key) throw notFound('API key', 'api_key_not_found');
  return key;
}

/** The API's view of a key: who owns it, and its expiry (null when it has none). */
export const keyView = (key: ApiKey) => ({ ...key, ownedBy: key.ownedBy ?? key.createdBy, expiresAt: key.expiresAt ?? null });

const invalidKey = () => new AppError('unauthenticated', 'invalid_api_key', 'The API key is invalid or has been revoked.');

/** Resolves a presented API key to its principal; every failure looks the same to the caller. */
export async function authenticateApiKey(
  deps: Pick<Deps, 'apiKeys' | 'clock'>,
  token: string,
): Promise<Extract<Principal, { kind: 'apiKey' }>> {
  const parsed = parseCredential(API_KEY_PREFIX, token);
  if (!parsed) throw invalidKey();
  const key = await deps.apiKeys.get(parsed.wsId, parsed.id);
  if (!key || !matchesHash(parsed.secret, key.secretHash)) throw invalidKey();
  const now = deps.clock.now();
  const status = apiKeyStatus(key, now);
  if (status === 'revoked') throw invalidKey();
  // Only the holder of the secret learns that it expired (the hash matched).
  if (status === 'expired') throw new AppError('unauthenticated', 'api_key_expired', 'The API key has expired; create a new one.');
  // lastUsedAt is advisory: written at most once a minute per key to keep writes cheap.
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > 60_000) {
    await deps.apiKeys.touch(key.wsId, key.id, now).catch(() => undefined);
  }
  return { kind: 'apiKey', wsId: key.wsId, keyId: key.id, scopes: key.scopes, actsFor: key.ownedBy ?? key.createdBy };
}
