import { z } from 'zod';
import { CliError } from './errors.ts';
import type { Settings } from './settings.ts';

/**
 * Firebase Auth's REST API, the two calls the CLI needs: sign in with email and password
 * (Identity Toolkit `accounts:signInWithPassword`), and trade a refresh token for a fresh ID
 * token (Secure Token `token`). With FIREBASE_AUTH_EMULATOR_HOST set, both go to the emulator,
 * which serves the same paths under `http://<host>/<service host>/...`.
 */
export interface AuthEndpoints {
  signIn: string;
  refresh: string;
}

export function authEndpoints(settings: Pick<Settings, 'apiKey' | 'authEmulatorHost'>): AuthEndpoints {
  const base = (service: string) => (settings.authEmulatorHost ? `http://${settings.authEmulatorHost}/${service}` : `https://${service}`);
  const key = `key=${encodeURIComponent(settings.apiKey)}`;
  return {
    signIn: `${base('identitytoolkit.googleapis.com')}/v1/accounts:signInWithPassword?${key}`,
    refresh: `${base('securetoken.googleapis.com')}/v1/token?${key}`,
  };
}

const SignInOut = z.object({ localId: z.string().min(1), email: z.string(), idToken: z.string().min(1), refreshToken: z.string().min(1), expiresIn: z.coerce.number() });
// The Secure Token API answers in snake_case, and expires_in as a string of seconds.
const RefreshOut = z.object({ id_token: z.string().min(1), refresh_token: z.string().min(1), user_id: z.string().min(1), expires_in: z.coerce.number() });
const GoogleError = z.object({ error: z.object({ message: z.string() }) });

export interface Session {
  uid: string;
  idToken: string;
  refreshToken: string;
  /** When the ID token stops being accepted (ms since the epoch). */
  expiresAt: number;
}

/** What Firebase's error codes mean to someone at a terminal, by our code. */
const SIGN_IN_ERRORS: Record<string, [code: string, message: string]> = {
  INVALID_LOGIN_CREDENTIALS: ['invalid_credentials', 'Wrong email or password.'],
  EMAIL_NOT_FOUND: ['invalid_credentials', 'Wrong email or password.'],
  INVALID_PASSWORD: ['invalid_credentials', 'Wrong email or password.'],
  INVALID_EMAIL: ['invalid_credentials', 'That is not an email address.'],
  USER_DISABLED: ['account_disabled', 'This account is disabled.'],
  TOO_MANY_ATTEMPTS_TRY_LATER: ['too_many_attempts', 'Too many failed sign-ins: try again later.'],
};
const REFRESH_ERRORS: Record<string, [code: string, message: string]> = {
  TOKEN_EXPIRED: ['signed_out', 'Your sign-in has expired (the password changed, or it was revoked): run `agent-marketplace login` again.'],
  INVALID_REFRESH_TOKEN: ['signed_out', 'Your stored sign-in is not valid with this Auth: run `agent-marketplace login` again.'],
  USER_NOT_FOUND: ['signed_out', 'Your account no longer exists: run `agent-marketplace login` with another.'],
  USER_DISABLED: ['account_disabled', 'This account is disabled.'],
};

async function post(url: string, init: { headers: Record<string, string>; body: string }, known: Record<string, [string, string]>): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', ...init });
  } catch (err) {
    throw new CliError('auth_unreachable', `Firebase Auth could not be reached at ${new URL(url).origin} (${(err as Error).message}). Is FIREBASE_AUTH_EMULATOR_HOST right?`);
  }
  const body: unknown = await res.json().catch(() => null);
  if (res.ok) return body;
  // Messages are a code, sometimes followed by ` : explanation` (TOO_MANY_ATTEMPTS_TRY_LATER : ...).
  const message = GoogleError.safeParse(body).data?.error.message ?? `HTTP ${res.status}`;
  const firebaseCode = message.split(' : ')[0]!.trim();
  const [code, text] = known[firebaseCode] ?? ['auth_failed', `Firebase Auth refused: ${message}`];
  throw new CliError(code, known[firebaseCode] ? `${text.replace(/\.$/, '')} (${firebaseCode}).` : text);
}

function parsed<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success) throw new CliError('auth_failed', `Firebase Auth answered ${what} with something else than a session.`);
  return result.data;
}

export async function signInWithPassword(endpoints: AuthEndpoints, email: string, password: string, now = Date.now()): Promise<Session & { email: string }> {
  const body = await post(
    endpoints.signIn,
    { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password, returnSecureToken: true }) },
    SIGN_IN_ERRORS,
  );
  const out = parsed(SignInOut, body, 'the sign-in');
  return { uid: out.localId, email: out.email, idToken: out.idToken, refreshToken: out.refreshToken, expiresAt: now + out.expiresIn * 1000 };
}

/** A fresh ID token for a refresh token. The answer may carry a new refresh token: keep it. */
export async function refreshSession(endpoints: AuthEndpoints, refreshToken: string, now = Date.now()): Promise<Session> {
  const body = await post(
    endpoints.refresh,
    {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
    },
    REFRESH_ERRORS,
  );
  const out = parsed(RefreshOut, body, 'the token refresh');
  return { uid: out.user_id, idToken: out.id_token, refreshToken: out.refresh_token, expiresAt: now + out.expires_in * 1000 };
}
