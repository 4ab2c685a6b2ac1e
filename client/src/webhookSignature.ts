/**
 * Verifying the platform's outbound webhooks on the receiving side. The platform signs each
 * delivery with the channel's secret: header `Agent-Marketplace-Signature:
 * t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` (one more `v1` while a
 * rotated secret is still valid). Uses Web Crypto, so it runs in Node 20+, Deno, workers and
 * browsers alike; HMAC comparison is crypto.subtle.verify's (constant time). The header is
 * parsed by contract/src/webhookSignatureHeader.ts, as on the server.
 */
import { parseSignatureHeader } from '@agent-marketplace/contract/webhookSignatureHeader';

export { WEBHOOK_HEADERS } from '@agent-marketplace/contract/notifications';

export type WebhookVerification =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'malformed_header' | 'no_matching_signature' | 'timestamp_out_of_range' };

export interface VerifyWebhookOptions {
  /** The Agent-Marketplace-Signature header's value. */
  header: string | null | undefined;
  /** The raw request body, exactly as received (parse JSON only after verifying). */
  body: string | Uint8Array;
  /** The channel's signing secret; during your own rotation, several. */
  secret: string | readonly string[];
  /** How far the signed time may be from now (default 300 s): older copies are refused as replays. */
  toleranceSeconds?: number;
  /** Now, in milliseconds since the epoch (for tests). */
  now?: number;
}

const hexBytes = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)));

/** Checks a delivery's signature and freshness. Never throws on bad input: it answers why not. */
export async function verifyWebhookSignature(options: VerifyWebhookOptions): Promise<WebhookVerification> {
  const parsed = options.header ? parseSignatureHeader(options.header) : null;
  if (!parsed?.ok) return { ok: false, reason: 'malformed_header' };
  const { timestamp: t, signatures } = parsed;
  const enc = new TextEncoder();
  const body = typeof options.body === 'string' ? enc.encode(options.body) : options.body;
  const signed = new Uint8Array(t.length + 1 + body.length);
  signed.set(enc.encode(`${t}.`));
  signed.set(body, t.length + 1);
  const secrets = typeof options.secret === 'string' ? [options.secret] : options.secret;
  let matched = false;
  for (const secret of secrets) {
    if (!secret) continue;
    const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    // Every candidate is checked (no early exit), each comparison in constant time.
    for (const v1 of signatures) matched = (await crypto.subtle.verify('HMAC', key, hexBytes(v1), signed)) || matched;
  }
  if (!matched) return { ok: false, reason: 'no_matching_signature' };
  const timestamp = Number(t);
  const nowSeconds = (options.now ?? Date.now()) / 1000;
  if (Math.abs(nowSeconds - timestamp) > (options.toleranceSeconds ?? 300)) return { ok: false, reason: 'timestamp_out_of_range' };
  return { ok: true, timestamp };
}
