import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CliError } from './errors.ts';

/**
 * The stored sign-in: a Firebase refresh token, which lasts until the password changes or the
 * account's sessions are revoked. It is a password in all but name, so the file is the
 * owner's only (0600, in a 0700 folder) and is written whole or not at all.
 */
export const StoredCredentials = z.object({
  email: z.string(),
  uid: z.string().min(1),
  refreshToken: z.string().min(1),
  savedAt: z.string(),
});
export type StoredCredentials = z.infer<typeof StoredCredentials>;

export const credentialsPath = (configDir: string) => join(configDir, 'credentials.json');

export async function saveCredentials(configDir: string, credentials: StoredCredentials): Promise<string> {
  const file = credentialsPath(configDir);
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  // A temporary file created 0600 then renamed: no moment where the token sits in a file others can read.
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(StoredCredentials.parse(credentials), null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
  return file;
}

/** The stored sign-in, or null when there is none. `warn` hears about a file others can read. */
export async function loadCredentials(configDir: string, warn: (line: string) => void): Promise<StoredCredentials | null> {
  const file = credentialsPath(configDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError('credentials_unreadable', `${file} cannot be read: ${(err as Error).message}`);
  }
  const mode = (await stat(file)).mode & 0o777;
  if (mode & 0o077) warn(`warning: ${file} is readable by others (mode ${mode.toString(8)}); run chmod 600 on it.`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  const result = StoredCredentials.safeParse(json);
  if (!result.success) throw new CliError('credentials_unreadable', `${file} is not a credentials file of agent-marketplace: run \`agent-marketplace logout\`, then \`agent-marketplace login\`.`);
  return result.data;
}

/** Whether there was a file to delete. */
export async function deleteCredentials(configDir: string): Promise<boolean> {
  const file = credentialsPath(configDir);
  const existed = await stat(file).then(() => true, () => false);
  await rm(file, { force: true });
  return existed;
}
