/** The receiver's side of the platform's signed webhooks: verifyWebhookSignature. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../src/webhookSignature.ts';

const sign = (secret: string, t: number, body: string) => createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
const secret = 'whsec_test_0123456789abcdef';
const body = JSON.stringify({ id: 'run:r1:4', type: 'run.failed', summary: 'é ✓' });
const t = 1_900_000_000;
const now = t * 1000 + 5_000;

describe('verifyWebhookSignature', () => {
  it('accepts the signature of the raw body at a fresh timestamp, as a string or as bytes', async () => {
    const header = `t=${t},v1=${sign(secret, t, body)}`;
    expect(await verifyWebhookSignature({ header, body, secret, now })).toEqual({ ok: true, timestamp: t });
    expect(await verifyWebhookSignature({ header, body: new TextEncoder().encode(body), secret, now })).toEqual({ ok: true, timestamp: t });
  });

  it('accepts any of several v1 values (a secret being rotated), and several secrets', async () => {
    const header = `t=${t},v1=${sign('old-secret', t, body)},v1=${sign(secret, t, body)}`;
    expect((await verifyWebhookSignature({ header, body, secret, now })).ok).toBe(true);
    expect((await verifyWebhookSignature({ header: `t=${t},v1=${sign('old-secret', t, body)}`, body, secret: ['x-secret', 'old-secret'], now })).ok).toBe(true);
  });

  it('refuses a changed body, another secret, a stale or future timestamp, and malformed headers', async () => {
    const header = `t=${t},v1=${sign(secret, t, body)}`;
    expect(await verifyWebhookSignature({ header, body: `${body} `, secret, now })).toEqual({ ok: false, reason: 'no_matching_signature' });
    expect(await verifyWebhookSignature({ header, body, secret: 'other', now })).toEqual({ ok: false, reason: 'no_matching_signature' });
    expect(await verifyWebhookSignature({ header, body, secret, now: now + 400_000 })).toEqual({ ok: false, reason: 'timestamp_out_of_range' });
    expect(await verifyWebhookSignature({ header, body, secret, now: now - 400_000 })).toEqual({ ok: false, reason: 'timestamp_out_of_range' });
    expect((await verifyWebhookSignature({ header, body, secret, now: now + 400_000, toleranceSeconds: 600 })).ok).toBe(true);
    // The timestamp is signed: moving it breaks the signature.
    expect((await verifyWebhookSignature({ header: header.replace(`t=${t}`, `t=${t + 1}`), body, secret, now })).ok).toBe(false);
    for (const bad of [undefined, null, '', 'v1=abc', `t=${t}`, `t=x,v1=${sign(secret, t, body)}`, `t=${t},t=${t},v1=${sign(secret, t, body)}`, 'x'.repeat(5000)]) {
      expect(await verifyWebhookSignature({ header: bad, body, secret, now })).toEqual({ ok: false, reason: 'malformed_header' });
    }
  });
});
