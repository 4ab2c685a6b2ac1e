/**
 * Start-up configuration: `/app-config.json` is written at deploy or start time (never
 * committed) and says which Firebase project to use and whether to talk to the emulators.
 * Auth is initialised here; Firestore is loaded on demand by the pages that listen.
 */
import { initializeApp, type FirebaseApp } from 'firebase/app';
import { browserLocalPersistence, connectAuthEmulator, indexedDBLocalPersistence, initializeAuth, type Auth } from 'firebase/auth';
import type { Firestore } from 'firebase/firestore';
import { t } from './i18n.ts';

export interface AppConfig {
  firebase: { apiKey: string; authDomain: string; projectId: string };
  emulators: { auth: string; firestore: { host: string; port: number } } | null;
  /** Local stacks only: the SMTP outbox's message list (scripts/lib/mailOutbox.ts), linked from the notification settings. */
  mailbox?: string | null;
}

export interface Services {
  config: AppConfig;
  app: FirebaseApp;
  auth: Auth;
}

let services: Services | undefined;
let firestore: Promise<Firestore> | undefined;

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

function parseConfig(raw: unknown): AppConfig {
  const c = raw as Partial<AppConfig> | null;
  const fb = c?.firebase;
  const em = c?.emulators;
  if (!fb || !isString(fb.apiKey) || !isString(fb.authDomain) || !isString(fb.projectId)) {
    throw new Error(t('config.invalid', { detail: '"firebase" needs apiKey, authDomain and projectId' }));
  }
  if (em != null && !(isString(em.auth) && isString(em.firestore?.host) && Number.isInteger(em.firestore?.port))) {
    throw new Error(t('config.invalid', { detail: '"emulators" needs auth (a URL) and firestore {host, port}, or null' }));
  }
  const mailbox = isString(c?.mailbox) && /^http:\/\/127\.0\.0\.1:\d+$/.test(c.mailbox) ? c.mailbox : null;
  return { firebase: { apiKey: fb.apiKey, authDomain: fb.authDomain, projectId: fb.projectId }, emulators: em ?? null, mailbox };
}

/** Fetches the config and initialises Firebase App and Auth. Call once, before anything else. */
export async function loadServices(): Promise<Services> {
  if (services) return services;
  const res = await fetch('/app-config.json', { cache: 'no-store' });
  // Hosting answers a missing file with index.html (its SPA rewrite), so check the type too.
  if (!res.ok || !/json/i.test(res.headers.get('Content-Type') ?? '')) throw new Error(t('config.missing', { status: res.status }));
  const config = parseConfig(await res.json().catch(() => null));
  const app = initializeApp(config.firebase);
  // The popup resolver (Google and GitHub sign-in) is passed where it is used, in auth.ts.
  const auth = initializeAuth(app, { persistence: [indexedDBLocalPersistence, browserLocalPersistence] });
  if (config.emulators) connectAuthEmulator(auth, config.emulators.auth, { disableWarnings: true });
  services = { config, app, auth };
  return services;
}

export function getServices(): Services {
  if (!services) throw new Error('loadServices() has not finished.');
  return services;
}

/** Firestore, imported on first use (the SDK is heavy) and connected to the emulator if configured. */
export function getDb(): Promise<Firestore> {
  firestore ??= import('firebase/firestore').then(({ getFirestore, connectFirestoreEmulator }) => {
    const { app, config } = getServices();
    const db = getFirestore(app);
    if (config.emulators) connectFirestoreEmulator(db, config.emulators.firestore.host, config.emulators.firestore.port);
    return db;
  });
  firestore.catch(() => {
    firestore = undefined; // let a later page try again (a chunk that failed to load, say)
  });
  return firestore;
}
