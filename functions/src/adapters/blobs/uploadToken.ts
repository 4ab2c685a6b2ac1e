import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import { assertBlobKey } from './keys.js';

/** What a local signed upload URL allows: one PUT of `key`, of this type, within `maxBytes`, until `expiresAt`. */
export interface UploadGrant {
  key: string;
  contentType: string;
  maxBytes: number;
  expiresAt: Date;
}

const Payload = z.object({
  v: z.literal(1),
  k: z.string(),
  t: z.string().min(1),
  m: z.number().int().min(0),
  /** Expiry, Unix seconds. */
  e: z.number().int().min(0),
});

/** Domain-separates these MACs from any other use of the same secret. */
const CONTEXT = 'am-blob-upload';
const TOKEN = /^[A-Za-z0-9_-]{1,4000}\.[A-Za-z0-9_-]{43}$/;

const mac = (secret: string, payload: string) => createHmac('sha256', secret).update(`${CONTEXT}.${payload}`, 'utf8').digest('base64url');

/**
 * The token of a local signed upload URL: `<payload>.<mac>`, both base64url. The payload is
 * the grant as JSON; the MAC is HMAC-SHA256 over it (so over key, content type, size limit and
 * expiry) with the store's upload secret. The local stand-in for a Cloud Storage V4 signature.
 */
export function signUploadToken(secret: string, grant: UploadGrant): string {
  if (!secret) throw new Error('The local blob store needs an upload secret.');
  const payload = Buffer.from(
    JSON.stringify({ v: 1, k: grant.key, t: grant.contentType, m: grant.maxBytes, e: Math.floor(grant.expiresAt.getTime() / 1000) }),
    'utf8',
  ).toString('base64url');
  return `${payload}.${mac(secret, payload)}`;
}

/**
 * The grant a token carries. A token that is not ours, or altered in any byte, is AppError
 * `forbidden`/`upload_url_invalid` (the MAC is compared in constant time, before anything in
 * the payload is believed); a genuine one past its expiry is `forbidden`/`upload_url_expired`.
 */
export function verifyUploadToken(secret: string, token: string, now: Date): UploadGrant {
  if (!secret) throw new Error('The local blob store needs an upload secret.');
  const invalid = () => new AppError('forbidden', 'upload_url_invalid', 'This upload URL is not valid: it was not issued by this store, or it was altered.');
  if (typeof token !== 'string' || !TOKEN.test(token)) throw invalid();
  const [payload, sent] = token.split('.') as [string, string];
  // Compared as text: base64url decoding ignores a last character's spare bits, so two
  // spellings of one MAC would otherwise both pass.
  const given = Buffer.from(sent, 'ascii');
  const expected = Buffer.from(mac(secret, payload), 'ascii');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  let grant: z.infer<typeof Payload>;
  try {
    grant = Payload.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    assertBlobKey(grant.k);
  } catch {
    throw invalid();
  }
  const expiresAt = new Date(grant.e * 1000);
  if (expiresAt.getTime() <= now.getTime()) {
    throw new AppError('forbidden', 'upload_url_expired', `This upload URL expired at ${expiresAt.toISOString()}; ask for a new one.`);
  }
  return { key: grant.k, contentType: grant.t, maxBytes: grant.m, expiresAt };
}
