import type { Client } from '@agent-marketplace/client';
import { apiClient } from './session.ts';
import type { Io, Settings } from './settings.ts';

/** What every command gets: the streams, the settings, the API (signed in on first use) and one way to print a result. */
export interface Context {
  io: Io;
  settings: Settings;
  json: boolean;
  api(): Client;
  /** Prints `value` as JSON under --json, else the text. */
  result(value: unknown, text: string): void;
  /** Progress and warnings: stderr, so stdout stays the result. */
  note(line: string): void;
}

export function createContext(io: Io, settings: Settings, json: boolean): Context {
  let client: Client | null = null;
  const note = (line: string) => io.stderr(`${line}\n`);
  return {
    io,
    settings,
    json,
    api: () => (client ??= apiClient(settings, note)),
    result: (value, text) => io.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : text),
    note,
  };
}
