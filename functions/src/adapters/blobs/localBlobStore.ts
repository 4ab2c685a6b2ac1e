import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { BlobInfo, BlobStore, SignedUpload } from '../../app/publishing/ports.js';
import { AppError } from '../../domain/errors.js';
import { assertBlobKey, assertContentType, assertExpiresIn, assertMaxBytes, blobExists, blobNotFound, tooLarge } from './keys.js';
import { signUploadToken } from './uploadToken.js';

export interface LocalBlobStoreOptions {
  /** The store's folder (the composition root passes `<repo>/.local/blobs/<project>`). */
  root: string;
  /** The local upload function's URL (triggers/localUploads.ts); a signed upload URL is `<uploadUrl>/<token>`. */
  uploadUrl: string;
  /** The key of the upload tokens' HMAC (uploadToken.ts). */
  uploadSecret: string;
  now?: () => Date;
}

/** The sidecar of a blob: its commit record. A blob exists exactly when its sidecar does. */
const Sidecar = z.object({
  key: z.string(),
  contentType: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  sizeBytes: z.number().int().min(0),
  /** The data file beside it: a plain name, never a path. */
  file: z.string().regex(/^[0-9a-f]{64}\.[0-9a-f]{16}\.blob$/),
  createdAt: z.string(),
});
type Sidecar = z.infer<typeof Sidecar>;

const errCode = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code;
const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const infoOf = (s: Sidecar): BlobInfo => ({ key: s.key, sizeBytes: s.sizeBytes, contentType: s.contentType, sha256: s.sha256 });

async function unlinkIfPresent(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (err) {
    if (errCode(err) !== 'ENOENT') throw err;
  }
}

/** Creates `file` with `contents` and flushes it; fails if it exists. */
async function writeNew(file: string, contents: Uint8Array | string): Promise<void> {
  const handle = await open(file, 'wx', 0o600);
  try {
    await handle.writeFile(contents);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Blobs as files (DESIGN.md, Local stack: Cloud Storage). Keys are hashed into file names,
 * so no key can name a path outside the root, and keys that differ only in case, or where one
 * is a prefix folder of another, never collide on any file system. Each blob is two files in
 * `<root>/<hh>/`: its bytes, `<hash>.<random>.blob`, and a sidecar, `<hash>.json`, holding
 * the key, content type, SHA-256, size and the data file's name.
 *
 * A put writes and flushes its own data file under a fresh name, then its sidecar to a
 * temporary file, and links that into place: `link` fails if the sidecar exists, so the first
 * writer wins atomically across processes, with no lock, and a reader sees a whole blob or
 * none. A loser removes its own files and compares hashes (same bytes: the same info; other
 * bytes: `blob_exists`). A crash before the link leaves an unreferenced data file, never a blob.
 */
export class LocalBlobStore implements BlobStore {
  readonly kind = 'local' as const;
  private readonly root: string;
  private readonly now: () => Date;

  constructor(private readonly options: LocalBlobStoreOptions) {
    if (!options.uploadSecret) throw new Error('LocalBlobStore needs an upload secret.');
    this.root = path.resolve(options.root);
    this.now = options.now ?? (() => new Date());
  }

  async put(key: string, bytes: Buffer, options: { contentType: string; maxBytes: number }): Promise<BlobInfo> {
    assertBlobKey(key);
    assertContentType(options.contentType);
    assertMaxBytes(options.maxBytes);
    if (bytes.length > options.maxBytes) throw tooLarge(key, bytes.length, options.maxBytes);
    const { dir, hash, sidecarPath } = this.placeOf(key);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const nonce = randomBytes(8).toString('hex');
    const sidecar: Sidecar = {
      key,
      contentType: options.contentType,
      sha256: sha256Hex(bytes),
      sizeBytes: bytes.length,
      file: `${hash}.${nonce}.blob`,
      createdAt: this.now().toISOString(),
    };
    const dataPath = path.join(dir, sidecar.file);
    const tmpSidecar = path.join(dir, `${hash}.${nonce}.json.tmp`);
    let committed = false;
    try {
      await writeNew(dataPath, bytes);
      await writeNew(tmpSidecar, JSON.stringify(sidecar, null, 2));
      for (let attempt = 1; ; attempt++) {
        try {
          await link(tmpSidecar, sidecarPath);
          committed = true;
          return infoOf(sidecar);
        } catch (err) {
          if (errCode(err) !== 'EEXIST') throw err;
        }
        // Another put (now or earlier) holds the key: the same bytes are the same blob.
        const existing = await this.readSidecar(key);
        if (existing) {
          if (existing.sha256 === sidecar.sha256 && existing.sizeBytes === sidecar.sizeBytes) return infoOf(existing);
          throw blobExists(key);
        }
        // Deleted meanwhile: try to take the key again.
        if (attempt === 3) throw new AppError('unavailable', 'blob_busy', `The blob ${key} is changing; try again.`, { retryAfterSeconds: 1 });
      }
    } finally {
      await unlinkIfPresent(tmpSidecar);
      if (!committed) await unlinkIfPresent(dataPath);
    }
  }

  async get(key: string, options: { maxBytes: number }): Promise<Buffer> {
    assertBlobKey(key);
    assertMaxBytes(options.maxBytes);
    const sidecar = await this.readSidecar(key);
    if (!sidecar) throw blobNotFound(key);
    if (sidecar.sizeBytes > options.maxBytes) throw tooLarge(key, sidecar.sizeBytes, options.maxBytes);
    let bytes: Buffer;
    try {
      const handle = await open(path.join(this.placeOf(key).dir, sidecar.file), 'r');
      try {
        // Read no more than the sidecar promises, whatever the file has become.
        const { size } = await handle.stat();
        if (size !== sidecar.sizeBytes) throw corrupt(key, `its data file holds ${size} bytes, its sidecar says ${sidecar.sizeBytes}`);
        bytes = Buffer.alloc(size);
        const { bytesRead } = await handle.read(bytes, 0, size, 0);
        if (bytesRead !== size) throw corrupt(key, 'its data file was cut short');
      } finally {
        await handle.close();
      }
    } catch (err) {
      // Deleted between reading the sidecar and the data: gone, not damaged.
      if (errCode(err) === 'ENOENT') throw (await this.readSidecar(key)) ? corrupt(key, 'its data file is missing') : blobNotFound(key);
      throw err;
    }
    if (sha256Hex(bytes) !== sidecar.sha256) throw corrupt(key, 'its bytes do not match the SHA-256 its sidecar records');
    return bytes;
  }

  async stat(key: string): Promise<BlobInfo | null> {
    assertBlobKey(key);
    const sidecar = await this.readSidecar(key);
    return sidecar ? infoOf(sidecar) : null;
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    const { dir, hash, sidecarPath } = this.placeOf(key);
    let sidecar: Sidecar | null = null;
    let damaged = false;
    try {
      sidecar = await this.readSidecar(key);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'blob_corrupt')) throw err;
      damaged = true;
    }
    // The sidecar first: the blob is gone the moment it is, and a data file is never read without it.
    await unlinkIfPresent(sidecarPath);
    if (sidecar) await unlinkIfPresent(path.join(dir, sidecar.file));
    if (damaged) {
      // A damaged sidecar names no trustworthy file: every data file of the key goes (a put of
      // the same key racing this delete may lose its own and find its blob damaged in turn).
      const names = await readdir(dir).catch((err: unknown) => (errCode(err) === 'ENOENT' ? [] : Promise.reject(err)));
      await Promise.all(names.filter((f) => f.startsWith(`${hash}.`) && f.endsWith('.blob')).map((f) => unlinkIfPresent(path.join(dir, f))));
    }
  }

  async signedUploadUrl(key: string, options: { contentType: string; maxBytes: number; expiresInSeconds: number }): Promise<SignedUpload> {
    assertBlobKey(key);
    assertContentType(options.contentType);
    assertMaxBytes(options.maxBytes);
    assertExpiresIn(options.expiresInSeconds);
    // Whole seconds, as the token carries them.
    const expiresAt = new Date((Math.floor(this.now().getTime() / 1000) + options.expiresInSeconds) * 1000);
    const token = signUploadToken(this.options.uploadSecret, { key, contentType: options.contentType, maxBytes: options.maxBytes, expiresAt });
    return {
      url: `${this.options.uploadUrl.replace(/\/+$/, '')}/${token}`,
      method: 'PUT',
      headers: { 'content-type': options.contentType },
      expiresAt,
      maxBytes: options.maxBytes,
    };
  }

  private placeOf(key: string): { dir: string; hash: string; sidecarPath: string } {
    const hash = createHash('sha256').update(key, 'utf8').digest('hex');
    const dir = path.join(this.root, hash.slice(0, 2));
    return { dir, hash, sidecarPath: path.join(dir, `${hash}.json`) };
  }

  /** The sidecar, or null when the blob does not exist; a damaged one is `blob_corrupt`. */
  private async readSidecar(key: string): Promise<Sidecar | null> {
    let text: string;
    try {
      text = await readFile(this.placeOf(key).sidecarPath, 'utf8');
    } catch (err) {
      if (errCode(err) === 'ENOENT') return null;
      throw err;
    }
    let parsed: Sidecar;
    try {
      parsed = Sidecar.parse(JSON.parse(text));
    } catch {
      throw corrupt(key, 'its sidecar is not valid');
    }
    if (parsed.key !== key) throw corrupt(key, `its sidecar names another key (${parsed.key})`);
    return parsed;
  }
}

function corrupt(key: string, why: string): AppError {
  return new AppError('precondition', 'blob_corrupt', `The local blob ${key} is damaged: ${why}. Delete it and upload it again.`);
}
