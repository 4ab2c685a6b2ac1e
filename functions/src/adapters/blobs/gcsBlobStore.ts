import { createHash } from 'node:crypto';
import type { File, FileMetadata, Storage, StorageOptions } from '@google-cloud/storage';
import type { BlobInfo, BlobStore, SignedUpload } from '../../app/publishing/ports.js';
import { AppError } from '../../domain/errors.js';
import { assertBlobKey, assertContentType, assertExpiresIn, assertMaxBytes, blobExists, blobNotFound, tooLarge } from './keys.js';

export interface GcsBlobStoreOptions {
  bucket: string;
  /** The Storage client's options (production: none; tests point `apiEndpoint` at a fake and sign with a key of their own). */
  storageOptions?: StorageOptions;
  now?: () => Date;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** The HTTP status of a Storage client error (ApiError's `code`), if it has one. */
const statusOf = (err: unknown): number | undefined => {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
};

function infoOf(key: string, m: FileMetadata): BlobInfo {
  const sha256 = m.metadata?.['sha256'];
  return {
    key,
    sizeBytes: Number(m.size ?? 0),
    contentType: m.contentType ?? 'application/octet-stream',
    sha256: typeof sha256 === 'string' && SHA256.test(sha256) ? sha256 : null,
  };
}

/**
 * Blobs in one Cloud Storage bucket, an object per key. Written once: every insert carries the
 * precondition `ifGenerationMatch=0`, so Cloud Storage itself refuses a second writer (412),
 * across instances and retries; a refused put then compares the stored object's SHA-256
 * (custom metadata `sha256`, or the MD5 Cloud Storage keeps when an object came through a
 * signed URL) with its own bytes. Uploads send their MD5, which Cloud Storage checks before it
 * keeps the object; downloads are checked against theirs. The client loads at first use.
 */
export class GcsBlobStore implements BlobStore {
  readonly kind = 'gcs' as const;
  private storage: Promise<Storage> | undefined;
  private readonly now: () => Date;

  constructor(private readonly options: GcsBlobStoreOptions) {
    if (!options.bucket) throw new Error('GcsBlobStore needs a bucket.');
    this.now = options.now ?? (() => new Date());
  }

  async put(key: string, bytes: Buffer, options: { contentType: string; maxBytes: number }): Promise<BlobInfo> {
    assertBlobKey(key);
    assertContentType(options.contentType);
    assertMaxBytes(options.maxBytes);
    if (bytes.length > options.maxBytes) throw tooLarge(key, bytes.length, options.maxBytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const md5 = createHash('md5').update(bytes).digest('base64');
    const file = await this.file(key);
    try {
      await file.save(bytes, {
        resumable: false,
        validation: 'md5',
        contentType: options.contentType,
        metadata: { contentType: options.contentType, md5Hash: md5, metadata: { sha256 } },
        preconditionOpts: { ifGenerationMatch: 0 },
      });
      return { key, sizeBytes: bytes.length, contentType: options.contentType, sha256 };
    } catch (err) {
      if (statusOf(err) !== 412) throw err;
    }
    // The key is taken (by an earlier put, a signed upload, or this put's own retried first try).
    const existing = await this.metadata(key);
    if (!existing) throw new AppError('unavailable', 'blob_busy', `The blob ${key} is changing; try again.`, { retryAfterSeconds: 1 });
    const info = infoOf(key, existing);
    const same = info.sha256 ? info.sha256 === sha256 : existing.md5Hash === md5 && info.sizeBytes === bytes.length;
    if (!same) throw blobExists(key);
    return { ...info, sha256 };
  }

  async get(key: string, options: { maxBytes: number }): Promise<Buffer> {
    assertBlobKey(key);
    assertMaxBytes(options.maxBytes);
    const m = await this.metadata(key);
    if (!m) throw blobNotFound(key);
    const info = infoOf(key, m);
    if (info.sizeBytes > options.maxBytes) throw tooLarge(key, info.sizeBytes, options.maxBytes);
    // The generation just measured, so a replaced object is never read in its place.
    const file = await this.file(key, m.generation);
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of file.createReadStream({ validation: 'md5', decompress: false })) {
        total += (chunk as Buffer).length;
        if (total > info.sizeBytes || total > options.maxBytes) throw tooLarge(key, total, options.maxBytes);
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      if (statusOf(err) === 404) throw blobNotFound(key);
      throw err;
    }
    const bytes = Buffer.concat(chunks, total);
    if (bytes.length !== info.sizeBytes || (info.sha256 && createHash('sha256').update(bytes).digest('hex') !== info.sha256)) {
      throw new AppError('precondition', 'blob_corrupt', `The blob ${key} does not match its recorded size or SHA-256.`);
    }
    return bytes;
  }

  async stat(key: string): Promise<BlobInfo | null> {
    assertBlobKey(key);
    const m = await this.metadata(key);
    return m ? infoOf(key, m) : null;
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    await (await this.file(key)).delete({ ignoreNotFound: true });
  }

  /**
   * A V4 signed URL for one PUT. The signature covers the content type and two extension
   * headers Cloud Storage enforces itself: `x-goog-content-length-range` (the size limit) and
   * `x-goog-if-generation-match: 0` (create-only). The client must send all three as given.
   * In production the signature comes from IAM signBlob, so the functions' service account
   * needs `iam.serviceAccounts.signBlob` on itself.
   */
  async signedUploadUrl(key: string, options: { contentType: string; maxBytes: number; expiresInSeconds: number }): Promise<SignedUpload> {
    assertBlobKey(key);
    assertContentType(options.contentType);
    assertMaxBytes(options.maxBytes);
    assertExpiresIn(options.expiresInSeconds);
    // Whole seconds: X-Goog-Expires is the difference of these two.
    const from = Math.floor(this.now().getTime() / 1000) * 1000;
    const expiresAt = new Date(from + options.expiresInSeconds * 1000);
    const extensionHeaders = { 'x-goog-content-length-range': `0,${options.maxBytes}`, 'x-goog-if-generation-match': '0' };
    const [url] = await (await this.file(key)).getSignedUrl({
      version: 'v4',
      action: 'write',
      accessibleAt: new Date(from),
      expires: expiresAt,
      contentType: options.contentType,
      extensionHeaders,
    });
    return { url, method: 'PUT', headers: { 'content-type': options.contentType, ...extensionHeaders }, expiresAt, maxBytes: options.maxBytes };
  }

  private async metadata(key: string): Promise<FileMetadata | null> {
    try {
      const [m] = await (await this.file(key)).getMetadata();
      return m;
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  private async file(key: string, generation?: string | number): Promise<File> {
    this.storage ??= import('@google-cloud/storage').then(({ Storage }) => new Storage(this.options.storageOptions));
    return (await this.storage).bucket(this.options.bucket).file(key, generation === undefined ? {} : { generation });
  }
}
