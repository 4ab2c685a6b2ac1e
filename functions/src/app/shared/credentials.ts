import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Random, URL-safe identifiers and bearer secrets, and their stored hashes. */
export function newId(bytes = 12): string {
  return randomBytes(bytes).toString('base64url').replace(/[-_]/g, 'x');
}

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Constant-time comparison of a presented secret with a stored sha256. */
export function matchesHash(secret: string, hash: string): boolean {
  const a = Buffer.from(sha256(secret), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Bearer credentials carry the ids needed to find their record, then a secret:
 * `<prefix>_<wsId>_<id>_<secret>`. Ids never contain `_` (see newId).
 */
export function formatCredential(prefix: string, wsId: string, id: string, secret: string): string {
  return `${prefix}_${wsId}_${id}_${secret}`;
}

export function parseCredential(
  prefix: string,
  token: string,
): { wsId: string; id: string; secret: string } | null {
  if (!token.startsWith(`${prefix}_`)) return null;
  const rest = token.slice(prefix.length + 1);
  const first = rest.indexOf('_');
  const second = rest.indexOf('_', first + 1);
  if (first <= 0 || second <= first + 1) return null;
  const wsId = rest.slice(0, first);
  const id = rest.slice(first + 1, second);
  const secret = rest.slice(second + 1);
  if (!/^[A-Za-z0-9]{1,64}$/.test(wsId) || !/^[A-Za-z0-9]{1,64}$/.test(id) || secret.length < 20) return null;
  return { wsId, id, secret };
}
