import { randomUUID } from 'node:crypto';
import { deleteApp, initializeApp, type FirebaseApp } from 'firebase/app';
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword } from 'firebase/auth';
import { connectFirestoreEmulator, getFirestore, type Firestore } from 'firebase/firestore';
import { stack } from './stack.ts';
import type { TestUser } from './users.ts';

/** The web SDK, signed in as `user`, against the emulators: what the browser uses, under rules. */
export async function webClientFor(user: TestUser): Promise<{ db: Firestore; close: () => Promise<void> }> {
  const app: FirebaseApp = initializeApp({ apiKey: 'demo-api-key', projectId: stack.projectId }, `web-${randomUUID()}`);
  const auth = getAuth(app);
  connectAuthEmulator(auth, stack.urls.auth, { disableWarnings: true });
  await signInWithEmailAndPassword(auth, user.email, user.password);
  const db = getFirestore(app);
  connectFirestoreEmulator(db, '127.0.0.1', stack.ports.firestore);
  return { db, close: () => deleteApp(app) };
}
