import { stack } from './stack.ts';

// The Admin SDK talks to the test stack's emulators (set before it is first used).
Object.assign(process.env, stack.clientEnv);

const { getApps, initializeApp } = await import('firebase-admin/app');
const { getFirestore } = await import('firebase-admin/firestore');

export const adminApp = getApps().find((a) => a.name === 'test-admin') ?? initializeApp({ projectId: stack.projectId }, 'test-admin');
export const adminDb = getFirestore(adminApp);
