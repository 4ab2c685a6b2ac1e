import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './errors.ts';

/** What a command reads and writes besides its arguments: the process's streams and environment. */
export interface Io {
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  /** How often `publish --wait` asks for the version (default 1 s; tests shorten it). */
  pollMs?: number;
  /** Set when stderr is a terminal: progress is then redrawn on one line, as wide as it is. */
  stderrTty?: { columns(): number } | null;
}

/** Where the API and Firebase Auth are, and where credentials live: from flags first, then the environment. */
export interface Settings {
  /** The API's origin (and any prefix) that `/v1/...` paths are appended to. */
  apiUrl: string;
  /** The project's Firebase web API key (public; it names the project to Auth). */
  apiKey: string;
  configDir: string;
  /** `host:port` of the Auth emulator, when set: Auth calls go there instead of Google. */
  authEmulatorHost: string | null;
  /** An ID token given outright (CI): used instead of stored credentials. */
  token: string | null;
}

/** `npm start` serves Hosting, and `/v1/**` through it, here. */
export const DEFAULT_API_URL = 'http://127.0.0.1:5000';
/** The key the local stack's web app and tests use with the Auth emulator. */
export const DEFAULT_API_KEY = 'demo-api-key';

const nonEmpty = (v: string | undefined) => (v && v.trim() ? v.trim() : null);

/** The API base as the client wants it: no trailing `/` and no `/v1` (its paths carry that). */
export function apiBase(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--api / AM_API_URL is not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--api / AM_API_URL must be an http(s) URL: ${raw}`);
  if (url.search || url.hash) throw new UsageError(`--api / AM_API_URL takes no query or fragment: ${raw}`);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '').replace(/\/v1$/, '');
}

export function settingsFrom(flags: { api?: string | undefined; apiKey?: string | undefined }, env: Io['env']): Settings {
  const home = nonEmpty(env['HOME']) ?? homedir();
  return {
    apiUrl: apiBase(nonEmpty(flags.api) ?? nonEmpty(env['AM_API_URL']) ?? DEFAULT_API_URL),
    apiKey: nonEmpty(flags.apiKey) ?? nonEmpty(env['AM_FIREBASE_API_KEY']) ?? DEFAULT_API_KEY,
    configDir: nonEmpty(env['AM_CONFIG_DIR']) ?? join(home, '.config', 'agent-marketplace'),
    authEmulatorHost: nonEmpty(env['FIREBASE_AUTH_EMULATOR_HOST']),
    token: nonEmpty(env['AM_TOKEN']),
  };
}
