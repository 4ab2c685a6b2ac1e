/**
 * The signed-in user: sign in (email and password, or Google and GitHub through Firebase Auth's
 * providers), sign up, email verification, password reset, sign out, and the ID token the API wants.
 */
import {
  browserPopupRedirectResolver,
  createUserWithEmailAndPassword,
  GithubAuthProvider,
  GoogleAuthProvider,
  onAuthStateChanged,
  sendEmailVerification,
  sendPasswordResetEmail,
  signInWithEmailAndPassword,
  signInWithPopup,
  signOut as firebaseSignOut,
  type User,
} from 'firebase/auth';
import { getServices } from './config.ts';

export type SessionUser = Pick<User, 'uid' | 'email' | 'emailVerified'>;

const auth = () => getServices().auth;
const view = (u: User): SessionUser => ({ uid: u.uid, email: u.email, emailVerified: u.emailVerified });

/** Resolves once Firebase has restored any persisted session. */
export const sessionReady = (): Promise<void> => auth().authStateReady();

export function currentUser(): SessionUser | null {
  const u = auth().currentUser;
  return u ? view(u) : null;
}

const listeners = new Set<(user: SessionUser | null) => void>();

export function onSessionChange(listener: (user: SessionUser | null) => void): () => void {
  listeners.add(listener);
  const off = onAuthStateChanged(auth(), (u) => listener(u ? view(u) : null));
  return () => {
    listeners.delete(listener);
    off();
  };
}

/** A fresh-enough ID token (the SDK refreshes it shortly before expiry), or null when signed out. */
export async function idToken(): Promise<string | null> {
  return (await auth().currentUser?.getIdToken()) ?? null;
}

/** Where the links in Firebase's emails send the user back to once done. */
const continueTo = (path: string) => ({ url: `${location.origin}${location.pathname}#${path}` });

export async function signIn(email: string, password: string): Promise<void> {
  await signInWithEmailAndPassword(auth(), email, password);
}

/** Creates the account and sends the verification email (invitations need a verified address). */
export async function signUp(email: string, password: string): Promise<void> {
  const { user } = await createUserWithEmailAndPassword(auth(), email, password);
  await sendEmailVerification(user, continueTo('/account'));
}

export type Provider = 'google' | 'github';

/**
 * Signs in through Google or GitHub in a popup. Against the Auth emulator the popup is the
 * emulator's own sign-in page, where a test account is picked or made up.
 */
export async function signInWithProvider(provider: Provider): Promise<void> {
  const p = provider === 'google' ? new GoogleAuthProvider() : new GithubAuthProvider();
  await signInWithPopup(auth(), p, browserPopupRedirectResolver);
}

export async function resendVerification(): Promise<void> {
  const u = auth().currentUser;
  if (u) await sendEmailVerification(u, continueTo('/account'));
}

/**
 * Reads the account again after the user followed the verification link elsewhere, and takes
 * a new ID token, so the API sees email_verified too. Returns whether the email is verified.
 */
export async function refreshVerification(): Promise<boolean> {
  const u = auth().currentUser;
  if (!u) return false;
  await u.reload();
  await u.getIdToken(true);
  const now = view(u);
  for (const l of listeners) l(now);
  return u.emailVerified;
}

export async function sendPasswordReset(email: string): Promise<void> {
  await sendPasswordResetEmail(auth(), email, continueTo('/signin'));
}

export const signOut = (): Promise<void> => firebaseSignOut(auth());
