/** The signed-in user: sign in, sign up, sign out, and the ID token the API wants. */
import {
  createUserWithEmailAndPassword,
  onAuthStateChanged,
  signInWithEmailAndPassword,
  signOut as firebaseSignOut,
  type User,
} from 'firebase/auth';
import { getServices } from './config.ts';

export type SessionUser = Pick<User, 'uid' | 'email'>;

const auth = () => getServices().auth;

/** Resolves once Firebase has restored any persisted session. */
export const sessionReady = (): Promise<void> => auth().authStateReady();

export function currentUser(): SessionUser | null {
  const u = auth().currentUser;
  return u ? { uid: u.uid, email: u.email } : null;
}

export function onSessionChange(listener: (user: SessionUser | null) => void): () => void {
  return onAuthStateChanged(auth(), (u) => listener(u ? { uid: u.uid, email: u.email } : null));
}

/** A fresh-enough ID token (the SDK refreshes it shortly before expiry), or null when signed out. */
export async function idToken(): Promise<string | null> {
  return (await auth().currentUser?.getIdToken()) ?? null;
}

export async function signIn(email: string, password: string): Promise<void> {
  await signInWithEmailAndPassword(auth(), email, password);
}

export async function signUp(email: string, password: string): Promise<void> {
  await createUserWithEmailAndPassword(auth(), email, password);
}

export const signOut = (): Promise<void> => firebaseSignOut(auth());
