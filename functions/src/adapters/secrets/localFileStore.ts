import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { SecretScope, SecretStore } from '../../app/installs/ports.js';
import { AppError } from '../../domain/errors.js';

/** Secret Manager's payload limit; the local store keeps the same one so both behave alike. */
export const MAX_SECRET_BYTES = 64 * 1024;
const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** A value is storable: non-empty and at most 64 KiB of UTF-8. Pure. */
export function assertSecretValue(value: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new AppError('invalid', 'secret_invalid', 'A secret value must be a non-empty string.');
  }
  const bytes = new TextEncoder().encode(value).byteLength;
  if (bytes > MAX_SECRET_BYTES) {
    throw new AppError('invalid', 'secret_invalid', `A secret value may be at most ${MAX_SECRET_BYTES} bytes; this one is ${bytes}.`);
  }
}

/** Ids and names become path segments and resource ids: letters, digits, `_` and `-` only. Pure. */
export function assertSecretScope(scope: SecretScope, name?: string): void {
  const parts: [string, unknown][] = [['workspace id', scope.wsId], ['install id', scope.installId]];
  if (name !== undefined) parts.push(['secret name', name]);
  for (const [what, value] of parts) {
    if (typeof value !== 'string' || !SAFE_ID.test(value)) {
      throw new AppError('invalid', 'secret_name_invalid', `The ${what} ${JSON.stringify(value)} may use only letters, digits, _ and - (1 to 128 characters).`);
    }
  }
}

export function localSecretRef(scope: SecretScope, name: string, version: number): string {
  return `local://${scope.wsId}/${scope.installId}/${name}#${version}`;
}

/** The parts of a `local://` reference, or null when it is not one (never a path outside the store). */
export function parseLocalSecretRef(ref: string): { scope: SecretScope; name: string; version: number } | null {
  const m = /^local:\/\/([A-Za-z0-9_-]{1,128})\/([A-Za-z0-9_-]{1,128})\/([A-Za-z0-9_-]{1,128})#([1-9]\d{0,15})$/.exec(ref);
  if (!m) return null;
  return { scope: { wsId: m[1]!, installId: m[2]! }, name: m[3]!, version: Number(m[4]) };
}

interface StoredVersion {
  iv: string;
  tag: string;
  data: string;
  version: number;
}

interface StoredValue extends StoredVersion {
  updatedAt: string;
  /**
   * Earlier versions, newest first (at most KEPT_VERSIONS): like Secret Manager's enabled
   * versions, a reference pinned by a run still resolves after the value is rotated.
   */
  previous?: StoredVersion[];
}

const KEPT_VERSIONS = 5;

const KEY_FILE = 'master.key';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * In-process queue per file (module-wide, so two store objects on one dir share it). It is
 * backed by a lock file because the Functions emulator may serve concurrent requests from
 * more than one worker process; locally, that is the only other writer there can be.
 */
const queues = new Map<string, Promise<void>>();
const LOCK_WAIT_MS = 10_000;
const LOCK_STALE_MS = 30_000;

const errCode = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errCode(err) === 'EPERM';
  }
}

async function acquireFileLock(lockPath: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => unlink(lockPath).catch(() => undefined);
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw err;
    }
    // A holder that died (crash, kill -9) must not block the store forever.
    try {
      const [owner, info] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
      const pid = Number(owner);
      const dead = Number.isInteger(pid) && pid > 0 ? !processAlive(pid) : false;
      if (dead || Date.now() - info.mtimeMs > LOCK_STALE_MS) {
        await unlink(lockPath).catch(() => undefined);
        continue;
      }
    } catch (err) {
      if (errCode(err) === 'ENOENT') continue;
      throw err;
    }
    if (Date.now() > deadline) {
      throw new AppError('unavailable', 'secret_store_busy', `The local secret store is locked by another process (${lockPath}).`, { retryAfterSeconds: 1 });
    }
    await sleep(Math.min(100, 5 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random()));
  }
}

async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(file) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  const tail = previous.then(() => mine);
  queues.set(file, tail);
  await previous;
  try {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const release = await acquireFileLock(`${file}.lock`);
    try {
      return await fn();
    } finally {
      await release();
    }
  } finally {
    done();
    if (queues.get(file) === tail) queues.delete(file);
  }
}

async function unlinkIfPresent(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (err) {
    if (errCode(err) !== 'ENOENT') throw err;
  }
}

/** Write to a temporary file, flush, then rename: a reader sees the old file or the new one. */
async function writeAtomically(file: string, contents: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(contents, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * Local stand-in for Secret Manager (DESIGN.md, Local stack): AES-256-GCM under a key generated
 * once into `<dir>/master.key` (0600, in a 0700 dir). Each install's values live in one file,
 * `<dir>/<wsId>/<installId>.json`, mapping name → {iv, tag, data, version, updatedAt}.
 * References name a version; the current one and a few earlier ones resolve (runs pin theirs at dispatch).
 */
export class LocalEncryptedSecretStore implements SecretStore {
  private readonly dir: string;
  private keyPromise: Promise<Buffer> | undefined;

  constructor(options: { dir: string }) {
    this.dir = path.resolve(options.dir);
  }

  async put(scope: SecretScope, name: string, value: string): Promise<string> {
    assertSecretScope(scope, name);
    assertSecretValue(value);
    const key = await this.key();
    const file = this.fileOf(scope);
    return withFileLock(file, async () => {
      const values = await this.readValues(file);
      const current = values.get(name);
      const version = (current?.version ?? 0) + 1;
      const previous = current ? [{ iv: current.iv, tag: current.tag, data: current.data, version: current.version }, ...(current.previous ?? [])].slice(0, KEPT_VERSIONS) : [];
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aadOf(scope, name, version));
      const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
      values.set(name, {
        iv: iv.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
        data: data.toString('base64'),
        version,
        updatedAt: new Date().toISOString(),
        ...(previous.length ? { previous } : {}),
      });
      await writeAtomically(file, JSON.stringify(Object.fromEntries(values), null, 2));
      return localSecretRef(scope, name, version);
    });
  }

  async get(ref: string): Promise<string | null> {
    const parsed = parseLocalSecretRef(ref);
    if (!parsed) return null;
    const { scope, name, version } = parsed;
    // No lock: files are replaced by rename, so a read never sees half a write.
    const value = (await this.readValues(this.fileOf(scope))).get(name);
    const stored = value?.version === version ? value : value?.previous?.find((p) => p.version === version);
    if (!stored) return null;
    const key = await this.key();
    try {
      const iv = Buffer.from(stored.iv, 'base64');
      const tag = Buffer.from(stored.tag, 'base64');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('bad iv or tag length');
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aadOf(scope, name, version));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(stored.data, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new AppError(
        'precondition',
        'secret_undecryptable',
        `The stored value of ${name} (install ${scope.installId}) failed authentication: it was altered, or ${KEY_FILE} changed. Set the secret again.`,
      );
    }
  }

  /** Removes the named value whatever version the reference names, like deleting a Secret Manager secret. */
  async delete(ref: string): Promise<void> {
    const parsed = parseLocalSecretRef(ref);
    if (!parsed) return;
    const file = this.fileOf(parsed.scope);
    await withFileLock(file, async () => {
      const values = await this.readValues(file);
      if (!values.delete(parsed.name)) return;
      if (values.size === 0) await unlinkIfPresent(file);
      else await writeAtomically(file, JSON.stringify(Object.fromEntries(values), null, 2));
    });
  }

  async deleteAll(scope: SecretScope): Promise<number> {
    assertSecretScope(scope);
    const file = this.fileOf(scope);
    return withFileLock(file, async () => {
      const count = (await this.readValues(file)).size;
      await unlinkIfPresent(file);
      return count;
    });
  }

  private fileOf(scope: SecretScope): string {
    const file = path.resolve(this.dir, scope.wsId, `${scope.installId}.json`);
    // Ids are validated before this; the check keeps any future caller inside the store.
    if (!file.startsWith(this.dir + path.sep)) throw new AppError('invalid', 'secret_name_invalid', 'The secret scope escapes the store.');
    return file;
  }

  private async readValues(file: string): Promise<Map<string, StoredValue>> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (errCode(err) === 'ENOENT') return new Map();
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new AppError('precondition', 'secret_store_corrupt', `The local secret file ${file} is not valid JSON; delete it and set the secrets again.`);
    }
    // A Map (not a plain object) so a name such as __proto__ stays an ordinary key.
    return new Map(Object.entries(parsed as Record<string, StoredValue>));
  }

  private key(): Promise<Buffer> {
    this.keyPromise ??= this.loadOrCreateKey().catch((err: unknown) => {
      this.keyPromise = undefined;
      throw err;
    });
    return this.keyPromise;
  }

  private async loadOrCreateKey(): Promise<Buffer> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    const keyPath = path.join(this.dir, KEY_FILE);
    try {
      return checkKey(await readFile(keyPath), keyPath);
    } catch (err) {
      if (errCode(err) !== 'ENOENT') throw err;
    }
    // Written aside, then linked into place: link fails if another process won the race,
    // and nobody ever reads a half-written key.
    const tmp = `${keyPath}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(randomBytes(KEY_BYTES));
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(tmp, keyPath);
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw err;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    return checkKey(await readFile(keyPath), keyPath);
  }
}

/** Binds each ciphertext to its place: copied under another name, install or version, it will not decrypt. */
function aadOf(scope: SecretScope, name: string, version: number): Buffer {
  return Buffer.from(`${scope.wsId}/${scope.installId}/${name}#${version}`, 'utf8');
}

function checkKey(key: Buffer, keyPath: string): Buffer {
  if (key.length !== KEY_BYTES) {
    throw new AppError('precondition', 'secret_store_corrupt', `${keyPath} must hold exactly ${KEY_BYTES} bytes; it holds ${key.length}.`);
  }
  return key;
}
