import { createHmac, timingSafeEqual } from 'node:crypto';
import { MAX_SIGNATURES, parseSignatureHeader, type SignatureHeaderProblem } from '@agent-marketplace/contract/webhookSignatureHeader';
import { AppError } from '../../domain/errors.js';

/**
 * Signed inbound webhooks, in the scheme Stripe made familiar:
 * `Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
 * The timestamp is signed too, so a captured request cannot be replayed after the tolerance.
 * Several `v1` entries may be sent (one per secret while a secret is being rotated). The header
 * is parsed by contract/src/webhookSignatureHeader.ts, as in the client's verifier.
 * Lives in app/, not domain/, because HMAC needs node:crypto.
 */

export const WEBHOOK_TOLERANCE_SECONDS = 300;

function hmacHex(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

function assertSecret(secret: string): void {
  if (secret.length === 0) throw new AppError('invalid', 'webhook_secret_invalid', 'A webhook signing secret must not be empty.');
}

/** The header value for `body` sent at `timestampSeconds`. */
export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  assertSecret(secret);
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new AppError('invalid', 'webhook_timestamp_invalid', 'The timestamp must be a non-negative whole number of seconds.');
  }
  const t = String(timestampSeconds);
  return `t=${t},v1=${hmacHex(secret, t, body)}`;
}

const badSignature = (detail: string) =>
  new AppError('unauthenticated', 'webhook_signature_invalid', `The webhook signature is invalid: ${detail}.`);

const HEADER_PROBLEMS: Record<SignatureHeaderProblem, string> = {
  too_long: 'the header is too long',
  duplicate_timestamp: 'the header has more than one timestamp',
  no_valid_timestamp: 'the header has no valid t=<unix seconds>',
  no_signature: 'the header has no v1 signature of 64 hex digits',
  too_many_signatures: `the header has more than ${MAX_SIGNATURES} signatures`,
};

/**
 * Checks `header` against the raw `body` with one secret (or several, while the receiving side
 * rotates). Returns the signed timestamp and the matching signature (as computed here), or throws AppError('unauthenticated', code) with code
 * `webhook_signature_invalid` or `webhook_timestamp_out_of_range`. The signature is checked
 * first, so a timestamp error only ever reports on an authentic (replayed or late) request.
 */
export function verifyWebhook(
  secret: string | readonly string[],
  header: string,
  body: string,
  nowSeconds: number,
  toleranceSeconds: number = WEBHOOK_TOLERANCE_SECONDS,
): { ok: true; timestamp: number; signature: string } {
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (secrets.length === 0) throw new AppError('invalid', 'webhook_secret_invalid', 'No webhook signing secret is configured.');
  secrets.forEach(assertSecret);
  const parsed = parseSignatureHeader(header);
  if (!parsed.ok) throw badSignature(HEADER_PROBLEMS[parsed.reason]);
  const { timestamp, signatures } = parsed;

  const presented = signatures.map((s) => Buffer.from(s, 'hex'));
  let matched: string | null = null;
  for (const key of secrets) {
    const hex = hmacHex(key, timestamp, body);
    const expected = Buffer.from(hex, 'hex');
    // Compare with every presented signature, without short-circuiting, in constant time each.
    let hit = false;
    for (const candidate of presented) hit = timingSafeEqual(candidate, expected) || hit;
    if (hit) matched ??= hex;
  }
  if (matched === null) throw badSignature('no v1 signature matches the body');

  const t = Number(timestamp);
  if (Math.abs(nowSeconds - t) > toleranceSeconds) {
    throw new AppError(
      'unauthenticated',
      'webhook_timestamp_out_of_range',
      `The webhook timestamp ${t} is more than ${toleranceSeconds} s away from now (${Math.floor(nowSeconds)}); it may be a replay, or a clock is wrong.`,
    );
  }
  // The signature we computed, not the header: junk added to a captured header changes nothing.
  return { ok: true, timestamp: t, signature: matched };
}
