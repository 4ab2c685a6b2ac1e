import { AppError } from '../../domain/errors.js';

/** Longest key either store accepts (Cloud Storage allows 1,024 bytes; ours stay well inside it). */
export const MAX_BLOB_KEY_LENGTH = 512;
const SEGMENT = /^[A-Za-z0-9._-]+$/;

/**
 * A key is `/`-separated segments of `[A-Za-z0-9._-]`: no empty segment (so no leading,
 * trailing or doubled `/`), no `.` or `..` (a key never names a path outside its store).
 * The same rule for both stores, so a key that works locally works in production. Pure.
 */
export function assertBlobKey(key: unknown): asserts key is string {
  const bad = (why: string) => new AppError('invalid', 'blob_key_invalid', `The blob key ${JSON.stringify(String(key).slice(0, 80))} is invalid: ${why}.`);
  if (typeof key !== 'string' || key.length === 0) throw bad('it is empty');
  if (key.length > MAX_BLOB_KEY_LENGTH) throw bad(`it is longer than ${MAX_BLOB_KEY_LENGTH} characters`);
  for (const segment of key.split('/')) {
    if (segment === '') throw bad('it has an empty segment');
    if (segment === '.' || segment === '..') throw bad('a segment is . or ..');
    if (!SEGMENT.test(segment)) throw bad('a segment holds a character outside [A-Za-z0-9._-]');
  }
}

/** `type/subtype` with optional parameters, printable ASCII only: it is stored and compared as a header value. */
const CONTENT_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[ -~]*"|[A-Za-z0-9!#$&^_.+-]+))*$/;

/** AppError `invalid`/`blob_content_type_invalid` unless a MIME type of at most 255 characters. Pure. */
export function assertContentType(contentType: unknown): asserts contentType is string {
  if (typeof contentType !== 'string' || contentType.length > 255 || !CONTENT_TYPE.test(contentType)) {
    throw new AppError('invalid', 'blob_content_type_invalid', `The content type ${JSON.stringify(String(contentType).slice(0, 80))} is not a MIME type.`);
  }
}

/** AppError `invalid`/`blob_limit_invalid` unless a whole number of bytes, 0 or more. Pure. */
export function assertMaxBytes(maxBytes: unknown): asserts maxBytes is number {
  if (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new AppError('invalid', 'blob_limit_invalid', `maxBytes must be a whole number of bytes, not ${String(maxBytes)}.`);
  }
}

/** Cloud Storage's V4 signatures last at most 7 days; the local store keeps the same bound. */
export const MAX_SIGNED_URL_SECONDS = 7 * 86_400;

/** AppError `invalid`/`blob_expiry_invalid` unless 1 s to 7 days. Pure. */
export function assertExpiresIn(expiresInSeconds: unknown): asserts expiresInSeconds is number {
  if (typeof expiresInSeconds !== 'number' || !Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_SIGNED_URL_SECONDS) {
    throw new AppError('invalid', 'blob_expiry_invalid', `A signed upload URL lasts 1 to ${MAX_SIGNED_URL_SECONDS} seconds, not ${String(expiresInSeconds)}.`);
  }
}

/** More than `maxBytes`: AppError `too_large`/`blob_too_large`. */
export function tooLarge(key: string, sizeBytes: number, maxBytes: number): AppError {
  return new AppError('too_large', 'blob_too_large', `The blob ${key} is ${sizeBytes} bytes; at most ${maxBytes} are allowed.`);
}

export function blobExists(key: string): AppError {
  return new AppError('conflict', 'blob_exists', `The blob ${key} already exists with other bytes; blobs are written once.`);
}

export function blobNotFound(key: string): AppError {
  return new AppError('not_found', 'blob_not_found', `The blob ${key} was not found.`);
}
