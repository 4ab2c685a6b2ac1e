import { AppError } from '../../domain/errors.js';
import type { Session } from '../../domain/models.js';
import type { Deps } from '../deps.js';
import { sha256 } from '../shared/credentials.js';
import type { VerifiedIdToken } from '../workspaces/ports.js';

/**
 * Sessions, as honestly as Firebase allows. Firebase Auth keeps no list of a user's sessions
 * and has no per-session revocation: it can only revoke all of a user's refresh tokens. What
 * every ID token does carry is `auth_time`, the moment of the sign-in it descends from, which
 * stays the same across that sign-in's token refreshes. So a session here is one sign-in, named
 * by the user and its auth_time, recorded the first time the API sees one of its tokens.
 * Revoking one session makes the API refuse that sign-in's tokens (refreshed ones included);
 * "sign out everywhere" also revokes the refresh tokens at Firebase.
 */

/** Session documents' lastSeenAt moves at most this often (a write per request would cost too much). */
const TOUCH_EVERY_MS = 60_000;
const LIST_LIMIT = 50;

/** Letters and digits (a path-safe id), distinct between users. */
export const sessionIdOf = (uid: string, authTime: Date): string => sha256(`${uid}:${Math.floor(authTime.getTime() / 1000)}`).slice(0, 24);

const cleanAgent = (ua: string | undefined): string | null => {
  // Printable text only, bounded: it is shown back to the user.
  const text = [...(ua ?? '')].map((c) => (c < ' ' || c === '\u007f' ? ' ' : c)).join('').trim().slice(0, 200).toWellFormed();
  return text || null;
};

/**
 * Checks and records the session of a verified ID token: refused (401 session_revoked) if the
 * user revoked it; created at first sight; its last-seen time moved at most once a minute.
 * Costs one document read per request (two, and a write, the first time a sign-in is seen).
 */
export async function trackSession(deps: Pick<Deps, 'sessions' | 'clock'>, token: VerifiedIdToken, userAgent: string | undefined): Promise<string> {
  const id = sessionIdOf(token.uid, token.authTime);
  const now = deps.clock.now();
  const session = await deps.sessions.get(token.uid, id);
  if (session?.revokedAt) throw new AppError('unauthenticated', 'session_revoked', 'This session has been signed out; sign in again.');
  if (!session) {
    // Firebase's revocation has a resolution of one second: a sign-in in the same second as a
    // "sign out everywhere" still passes checkRevoked. Sessions first seen now are held to the
    // cut-off too (sessions already seen were revoked one by one).
    const cutoff = await deps.sessions.revokedAllAt(token.uid);
    if (cutoff && Math.floor(token.authTime.getTime() / 1000) <= Math.floor(cutoff.getTime() / 1000)) {
      throw new AppError('unauthenticated', 'session_revoked', 'This session has been signed out; sign in again.');
    }
    await deps.sessions.createIfAbsent({
      id,
      uid: token.uid,
      authTime: token.authTime,
      lastSeenAt: now,
      userAgent: cleanAgent(userAgent),
      signInProvider: token.signInProvider,
      revokedAt: null,
    });
  } else if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    // Advisory, like an API key's lastUsedAt: a failed touch does not fail the request.
    await deps.sessions.touch(token.uid, id, now).catch(() => undefined);
  }
  return id;
}

export async function listSessions(deps: Pick<Deps, 'sessions'>, user: { uid: string; sessionId: string }) {
  const sessions = await deps.sessions.listRecent(user.uid, LIST_LIMIT);
  return sessions
    .filter((s) => !s.revokedAt)
    .map((s: Session) => ({
      id: s.id,
      createdAt: s.authTime,
      lastSeenAt: s.lastSeenAt,
      userAgent: s.userAgent,
      signInProvider: s.signInProvider,
      current: s.id === user.sessionId,
    }));
}

export async function revokeSession(deps: Pick<Deps, 'sessions' | 'clock'>, uid: string, sessionId: string): Promise<void> {
  if (!(await deps.sessions.revoke(uid, sessionId, deps.clock.now()))) throw new AppError('not_found', 'session_not_found', 'Session was not found.');
}

/** Sign out everywhere: Firebase revokes the refresh tokens (ID tokens then fail checkRevoked), and every recorded session ends. */
export async function revokeAllSessions(deps: Pick<Deps, 'sessions' | 'accounts' | 'clock'>, uid: string): Promise<void> {
  await deps.accounts.revokeRefreshTokens(uid);
  await deps.sessions.revokeAll(uid, deps.clock.now());
}
