import { AppError, notFound } from '../../domain/errors.js';
import type { ApiKey } from '../../domain/models.js';
import type { ApiKeyScope } from '../../domain/roles.js';
import type { Deps } from '../deps.js';
import type { Page, PageRequest } from '../shared/paging.js';
import { actorId, type Principal, type WorkspaceAccess } from '../shared/principal.js';
import { formatCredential, matchesHash, newId, newSecret, parseCredential, sha256 } from '../shared/credentials.js';

export const API_KEY_PREFIX = 'amk';

export async function createApiKey(
  deps: Pick<Deps, 'apiKeys' | 'clock' | 'limits'>,
  access: WorkspaceAccess,
  input: { name: string; scopes: ApiKeyScope[] },
): Promise<{ key: ApiKey; secret: string }> {
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
    createdAt: deps.clock.now(),
    lastUsedAt: null,
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

const invalidKey = () => new AppError('unauthenticated', 'invalid_api_key', 'The API key is invalid or has been revoked.');

/** Resolves a presented API key to its principal; every failure looks the same to the caller. */
export async function authenticateApiKey(
  deps: Pick<Deps, 'apiKeys' | 'clock'>,
  token: string,
): Promise<Extract<Principal, { kind: 'apiKey' }>> {
  const parsed = parseCredential(API_KEY_PREFIX, token);
  if (!parsed) throw invalidKey();
  const key = await deps.apiKeys.get(parsed.wsId, parsed.id);
  if (!key || key.revokedAt || !matchesHash(parsed.secret, key.secretHash)) throw invalidKey();
  const now = deps.clock.now();
  // lastUsedAt is advisory: written at most once a minute per key to keep writes cheap.
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > 60_000) {
    await deps.apiKeys.touch(key.wsId, key.id, now).catch(() => undefined);
  }
  return { kind: 'apiKey', wsId: key.wsId, keyId: key.id, scopes: key.scopes };
}
