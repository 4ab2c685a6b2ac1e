import { fixedWindow, searchRateLimited, type Limits } from '../../domain/limits.js';
import type { Clock } from './clock.js';
import { sha256 } from './credentials.js';

/** Counters of hits per key and fixed window. */
export interface RateLimitStore {
  /** Counts one hit unless the key already has `limit` in this window; says whether it was counted. */
  hit(key: string, window: { start: Date; end: Date }, limit: number): Promise<boolean>;
}

/**
 * Anonymous catalog searches per client address. Signed-in callers are not counted here: they
 * are known, and their cost is theirs.
 */
export async function admitAnonymousSearch(deps: { rateLimits: RateLimitStore; clock: Clock; limits: Limits }, clientIp: string): Promise<void> {
  const { limit, windowSeconds } = deps.limits.anonSearch;
  const window = fixedWindow(deps.clock.now(), windowSeconds);
  // Hashed: an address is personal data, and the id must be Firestore-safe whatever it holds.
  const counted = await deps.rateLimits.hit(sha256(`search\n${clientIp}`), window, limit);
  if (!counted) throw searchRateLimited(window.retryAfterSeconds);
}
