import { getAuth } from 'firebase-admin/auth';
import type { AccountAuthority } from '../../app/accounts/ports.js';
import type { AccountDirectory } from '../../app/publishing/ports.js';
import type { IdTokenVerifier, VerifiedIdToken } from '../../app/workspaces/ports.js';
import { AppError } from '../../domain/errors.js';
import { adminApp } from '../firebaseApp.js';

const CODES: Record<string, [string, string]> = {
  'auth/id-token-expired': ['token_expired', 'The ID token has expired; refresh it and retry.'],
  'auth/id-token-revoked': ['token_revoked', 'The ID token has been revoked; sign in again.'],
  'auth/user-disabled': ['user_disabled', 'This user account is disabled.'],
  'auth/user-not-found': ['token_revoked', 'The user of this token no longer exists.'],
};

/**
 * firebase-admin's verifier: signature (in production), audience, issuer, expiry, and
 * revocation (checkRevoked). Against the Auth emulator tokens are unsigned, which is why
 * the API refuses to start with the emulator variable set outside a demo project.
 */
export class FirebaseIdTokenVerifier implements IdTokenVerifier {
  async verify(token: string): Promise<VerifiedIdToken> {
    try {
      const decoded = await getAuth(adminApp()).verifyIdToken(token, true);
      return {
        uid: decoded.uid,
        email: decoded.email ?? null,
        // Only an explicit true: Firebase sets it once the address is proven (a link, or a provider that vouches for it).
        emailVerified: decoded.email_verified === true,
        name: typeof decoded['name'] === 'string' ? (decoded['name'] as string) : null,
        authTime: new Date(decoded.auth_time * 1000),
        signInProvider: decoded.firebase?.sign_in_provider ?? null,
      };
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      const [ours, message] = CODES[code] ?? ['invalid_token', 'The ID token is malformed, forged, or for another project.'];
      throw new AppError('unauthenticated', ours, message);
    }
  }
}

export class FirebaseAccountAuthority implements AccountAuthority {
  async revokeRefreshTokens(uid: string): Promise<void> {
    await getAuth(adminApp()).revokeRefreshTokens(uid);
  }
}

/** Accounts by email (adding a publisher's members): Firebase Auth's own lookup. */
export class FirebaseAccountDirectory implements AccountDirectory {
  async findByEmail(email: string): Promise<{ uid: string; email: string } | null> {
    try {
      const user = await getAuth(adminApp()).getUserByEmail(email);
      return user.disabled ? null : { uid: user.uid, email: user.email ?? email };
    } catch (err) {
      if ((err as { code?: string }).code === 'auth/user-not-found') return null;
      throw err;
    }
  }
}
