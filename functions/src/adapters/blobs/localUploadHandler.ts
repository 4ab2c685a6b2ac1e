import { randomUUID } from 'node:crypto';
import type { Problem } from '@agent-marketplace/contract';
import type { BlobInfo, BlobStore } from '../../app/publishing/ports.js';
import { AppError, type ErrorKind } from '../../domain/errors.js';
import { tooLarge } from './keys.js';
import { verifyUploadToken } from './uploadToken.js';

export interface UploadRequest {
  method: string;
  /** What follows the handler's own URL: the token of the signed URL. */
  token: string;
  headers: Record<string, string | string[] | undefined>;
  /**
   * The body: bytes the host has read already, or a stream the handler reads only once the
   * URL, type and declared length pass, and stops reading past the grant's limit.
   */
  body: Buffer | AsyncIterable<Uint8Array>;
  requestId?: string;
}

export interface UploadResponse {
  status: number;
  headers: Record<string, string>;
  body: BlobInfo | Problem;
}

/** Statuses of the refusals this handler makes (the API's own mapping, api/problem.ts, is out of reach of adapters). */
const STATUS: Partial<Record<ErrorKind, number>> = { invalid: 400, forbidden: 403, not_found: 404, conflict: 409, precondition: 412, too_large: 413, unavailable: 503 };
const BY_CODE: Record<string, number> = { method_not_allowed: 405, upload_length_required: 411, upload_content_type: 415, upload_content_encoding: 415 };
const TITLE: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  503: 'Service Unavailable',
};

const header = (headers: UploadRequest['headers'], name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

/**
 * The local stand-in for a PUT to a Cloud Storage V4 signed URL (LocalBlobStore.signedUploadUrl):
 * checks, in order, the method (405), the token (403 `upload_url_invalid`, `upload_url_expired`),
 * the content type it was signed for (415 `upload_content_type`), the declared length (411
 * `upload_length_required`; over the limit 413 `blob_too_large` before a byte is read), then
 * reads the body, stopping past the limit (413), and puts it: 200 with the blob's info, the
 * same for the same bytes again, 409 `blob_exists` for other bytes. Refusals are problem+json.
 * Errors that are not AppErrors are thrown to the caller (a 500 is a bug).
 */
export function localUploadHandler(store: BlobStore, secret: string, now: () => Date): (req: UploadRequest) => Promise<UploadResponse> {
  return async (req) => {
    const requestId = req.requestId ?? randomUUID();
    try {
      if (req.method !== 'PUT') throw new AppError('invalid', 'method_not_allowed', 'Upload with PUT.');
      const grant = verifyUploadToken(secret, req.token, now());
      const encoding = header(req.headers, 'content-encoding');
      // Bytes are stored as sent: a body the host would inflate is refused, not altered.
      if (encoding && encoding.trim().toLowerCase() !== 'identity') {
        throw new AppError('invalid', 'upload_content_encoding', `Send the bytes as they are to be stored, without Content-Encoding (got ${encoding}).`);
      }
      const contentType = header(req.headers, 'content-type');
      if (contentType !== grant.contentType) {
        throw new AppError('invalid', 'upload_content_type', `This URL takes Content-Type ${grant.contentType}, not ${contentType ?? 'none'}.`);
      }
      const declared = header(req.headers, 'content-length');
      if (!declared || !/^\d{1,16}$/.test(declared)) throw new AppError('invalid', 'upload_length_required', 'Send a Content-Length.');
      const length = Number(declared);
      if (length > grant.maxBytes) throw tooLarge(grant.key, length, grant.maxBytes);
      const bytes = await readAtMost(req.body, grant.key, grant.maxBytes);
      if (bytes.length !== length) throw new AppError('invalid', 'upload_length_mismatch', `The body has ${bytes.length} bytes; Content-Length said ${length}.`);
      const info = await store.put(grant.key, bytes, { contentType: grant.contentType, maxBytes: grant.maxBytes });
      return { status: 200, headers: { 'Content-Type': 'application/json', 'X-Request-Id': requestId }, body: info };
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const status = BY_CODE[err.code] ?? STATUS[err.kind] ?? 400;
      return {
        status,
        // The body may be unread: close the connection rather than drain it.
        headers: { 'Content-Type': 'application/problem+json', 'X-Request-Id': requestId, Connection: 'close', ...(status === 405 ? { Allow: 'PUT' } : {}) },
        body: { type: `urn:agent-marketplace:problem:${err.code}`, title: TITLE[status] ?? 'Error', status, detail: err.message, code: err.code, requestId },
      };
    }
  };
}

/** The body, read until it ends or passes `maxBytes` (then 413, and no more is read). */
async function readAtMost(body: UploadRequest['body'], key: string, maxBytes: number): Promise<Buffer> {
  if (Buffer.isBuffer(body)) {
    if (body.length > maxBytes) throw tooLarge(key, body.length, maxBytes);
    return body;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    // Leaving the loop ends the iteration: a Node stream is destroyed, not drained.
    if (total > maxBytes) throw tooLarge(key, total, maxBytes);
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, total);
}
