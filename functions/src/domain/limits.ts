import { AppError } from './errors.js';

/** How much one user, workspace or anonymous client may create or ask for (config: functions/src/config). */
export interface Limits {
  maxWorkspacesPerUser: number;
  maxOpenApiKeysPerWorkspace: number;
  anonSearch: { limit: number; windowSeconds: number };
}

/**
 * Count limits free up only when something is deleted or revoked, so their Retry-After is a
 * hint (an hour), not a promise; the code says which limit and the detail what frees a place.
 */
export const COUNT_LIMIT_RETRY_SECONDS = 3600;

export const workspaceLimitReached = (max: number) =>
  new AppError('rate_limited', 'workspace_limit_reached', `You have created the most workspaces one user may (${max}).`, {
    retryAfterSeconds: COUNT_LIMIT_RETRY_SECONDS,
  });

export const apiKeyLimitReached = (max: number) =>
  new AppError('rate_limited', 'api_key_limit_reached', `This workspace has the most open API keys it may (${max}); revoke one first.`, {
    retryAfterSeconds: COUNT_LIMIT_RETRY_SECONDS,
  });

/** A fixed window: which one `now` falls in, and the seconds until the next begins (at least 1). */
export function fixedWindow(now: Date, windowSeconds: number): { start: Date; end: Date; retryAfterSeconds: number } {
  const size = windowSeconds * 1000;
  const start = Math.floor(now.getTime() / size) * size;
  const end = start + size;
  return { start: new Date(start), end: new Date(end), retryAfterSeconds: Math.max(1, Math.ceil((end - now.getTime()) / 1000)) };
}

export const searchRateLimited = (retryAfterSeconds: number) =>
  new AppError('rate_limited', 'search_rate_limited', 'Too many catalog searches from this address; sign in, or wait.', { retryAfterSeconds });
