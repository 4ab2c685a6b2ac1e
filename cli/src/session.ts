import { createClient, type Client } from '@agent-marketplace/client';
import { authEndpoints, refreshSession, type Session } from './auth.ts';
import { loadCredentials, saveCredentials } from './credentials.ts';
import { CliError } from './errors.ts';
import type { Settings } from './settings.ts';

/** Refreshed this long before it expires, so a token does not run out between check and use. */
const EARLY_MS = 60_000;

/**
 * The ID token each API call carries: AM_TOKEN as given, or one refreshed from the stored
 * sign-in on the command's first call (and again only when it nears expiry, for a long --wait).
 */
export function idTokenSource(settings: Settings, warn: (line: string) => void): () => Promise<string> {
  if (settings.token) {
    const token = settings.token;
    return async () => token;
  }
  let session: Session | null = null;
  return async () => {
    if (session && session.expiresAt - EARLY_MS > Date.now()) return session.idToken;
    const stored = await loadCredentials(settings.configDir, warn);
    if (!stored) throw new CliError('not_signed_in', 'Not signed in: run `agent-marketplace login --email <you>`, or set AM_TOKEN to an ID token.');
    session = await refreshSession(authEndpoints(settings), stored.refreshToken);
    if (session.refreshToken !== stored.refreshToken) {
      await saveCredentials(settings.configDir, { ...stored, refreshToken: session.refreshToken, savedAt: new Date().toISOString() });
    }
    return session.idToken;
  };
}

export function apiClient(settings: Settings, warn: (line: string) => void): Client {
  // A CLI call is one person waiting: no retries on answers, only the client's retries of safe requests on network failures.
  return createClient({ baseUrl: settings.apiUrl, credential: idTokenSource(settings, warn), timeoutMs: 120_000 });
}
