/**
 * The webhook signature header, `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`
 * (several `v1` while a secret is being rotated; other schemes such as `v0` are ignored). One
 * parser for both sides: the server verifying inbound webhooks
 * (functions/src/app/runs/webhookSignature.ts) and receivers of the platform's outbound ones
 * (client/src/webhookSignature.ts). Free of zod and of any runtime's API, so the client can load
 * it in browsers, Deno and workers; each side computes the HMAC itself (node:crypto, Web Crypto).
 */

/** Bounds on what is parsed from an untrusted header. */
export const MAX_SIGNATURE_HEADER_LENGTH = 4096;
export const MAX_SIGNATURES = 8;

/** Why a header was refused; each caller words it in its own error style. */
export type SignatureHeaderProblem = 'too_long' | 'duplicate_timestamp' | 'no_valid_timestamp' | 'no_signature' | 'too_many_signatures';

export type SignatureHeader =
  | {
      ok: true;
      /** `t` as sent: the exact text the signature covers (`<t>.<raw body>`). */
      timestamp: string;
      /** The `v1` values, lower-case hex, in header order. */
      signatures: string[];
    }
  | { ok: false; reason: SignatureHeaderProblem };

const TIMESTAMP = /^\d{1,12}$/;
/** An HMAC-SHA256 in hex; a `v1` of any other form cannot match, so it is skipped. */
const V1 = /^[0-9a-f]{64}$/i;

/** `t` and the `v1` signatures of a header, or why there are none to check. */
export function parseSignatureHeader(header: string): SignatureHeader {
  if (header.length > MAX_SIGNATURE_HEADER_LENGTH) return { ok: false, reason: 'too_long' };
  let timestamp: string | undefined;
  const signatures: string[] = [];
  for (const item of header.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined) return { ok: false, reason: 'duplicate_timestamp' };
      timestamp = value;
    } else if (key === 'v1' && V1.test(value)) {
      signatures.push(value.toLowerCase());
    }
  }
  if (timestamp === undefined || !TIMESTAMP.test(timestamp)) return { ok: false, reason: 'no_valid_timestamp' };
  if (signatures.length === 0) return { ok: false, reason: 'no_signature' };
  if (signatures.length > MAX_SIGNATURES) return { ok: false, reason: 'too_many_signatures' };
  return { ok: true, timestamp, signatures };
}
