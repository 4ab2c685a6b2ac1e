import { getApps, initializeApp, type App } from 'firebase-admin/app';

let app: App | undefined;

/**
 * The Firebase Admin app every adapter shares (Firestore, Auth, Cloud Tasks): the default
 * one, so a process that holds others (a test's own admin app) never mixes them up.
 */
export function adminApp(): App {
  app ??= getApps().find((a) => a.name === '[DEFAULT]') ?? initializeApp();
  return app;
}
