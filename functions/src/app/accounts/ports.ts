import type { Session } from '../../domain/models.js';

/** The sessions the API has seen (users/{uid}/sessions). */
export interface SessionStore {
  get(uid: string, id: string): Promise<Session | null>;
  /** Records a session seen for the first time; does nothing if it exists (never un-revokes it). */
  createIfAbsent(session: Session): Promise<void>;
  /** Moves lastSeenAt only. */
  touch(uid: string, id: string, at: Date): Promise<void>;
  /** The most recently used first, at most `limit`, revoked ones included. */
  listRecent(uid: string, limit: number): Promise<Session[]>;
  /** False when there is no such session. */
  revoke(uid: string, id: string, at: Date): Promise<boolean>;
  /** Revokes every recorded session, and remembers `at` as the user's cut-off for sessions not yet seen. */
  revokeAll(uid: string, at: Date): Promise<void>;
  /** The time of the user's last "sign out everywhere", if any. */
  revokedAllAt(uid: string): Promise<Date | null>;
}

/** The identity provider's own account controls (Firebase Auth). */
export interface AccountAuthority {
  /** Revokes every refresh token of the user: their ID tokens fail `checkRevoked` from now on. */
  revokeRefreshTokens(uid: string): Promise<void>;
}
