import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from '../src/app/runs/webhookSignature.ts';
import { AppError } from '../src/domain/errors.ts';

const SECRET = 'whsec_test_secret';
const BODY = '{"event":"deploy","id":42}';
const T = 1767225600; // 2026-01-01T00:00:00Z
// Computed apart from our code: printf '%s' "1767225600.$BODY" | openssl dgst -sha256 -hmac whsec_test_secret
const KNOWN = '46d713d8780b59fccc36bc9668dcc733fed81b24a3830bf1a0eb13eaf6808ea7';

function rejects(f: () => unknown, code: string): AppError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(code);
    return err as AppError;
  }
  throw new Error(`expected ${code}`);
}

describe('signWebhook', () => {
  it('signs "<t>.<body>" with HMAC-SHA256 as t=<t>,v1=<hex>', () => {
    expect(signWebhook(SECRET, T, BODY)).toBe(`t=${T},v1=${KNOWN}`);
  });

  it('refuses an empty secret and a non-integer timestamp', () => {
    rejects(() => signWebhook('', T, BODY), 'webhook_secret_invalid');
    rejects(() => signWebhook(SECRET, 1.5, BODY), 'webhook_timestamp_invalid');
    rejects(() => signWebhook(SECRET, -1, BODY), 'webhook_timestamp_invalid');
  });
});

describe('verifyWebhook', () => {
  it('accepts a fresh, correctly signed request and returns its timestamp', () => {
    const header = signWebhook(SECRET, T, BODY);
    expect(verifyWebhook(SECRET, header, BODY, T + 10)).toEqual({ ok: true, timestamp: T, signature: header.split('v1=')[1] });
    // Clock skew the other way (sender ahead) within tolerance is fine too.
    expect(verifyWebhook(SECRET, signWebhook(SECRET, T, BODY), BODY, T - 299).ok).toBe(true);
  });

  it('rejects a changed body, a wrong secret and a changed timestamp', () => {
    const header = signWebhook(SECRET, T, BODY);
    rejects(() => verifyWebhook(SECRET, header, BODY.replace('42', '43'), T), 'webhook_signature_invalid');
    rejects(() => verifyWebhook('whsec_other', header, BODY, T), 'webhook_signature_invalid');
    rejects(() => verifyWebhook(SECRET, header.replace(`t=${T}`, `t=${T + 1}`), BODY, T), 'webhook_signature_invalid');
  });

  it('rejects a stale or future request, but only once its signature is authentic', () => {
    const e = rejects(() => verifyWebhook(SECRET, signWebhook(SECRET, T, BODY), BODY, T + 301), 'webhook_timestamp_out_of_range');
    expect(e.kind).toBe('unauthenticated');
    rejects(() => verifyWebhook(SECRET, signWebhook(SECRET, T + 600, BODY), BODY, T), 'webhook_timestamp_out_of_range');
    expect(verifyWebhook(SECRET, signWebhook(SECRET, T, BODY), BODY, T + 3600, 7200).ok).toBe(true);
    // A forged header with an old timestamp is reported as a bad signature, not as a stale one.
    rejects(() => verifyWebhook(SECRET, `t=${T},v1=${'0'.repeat(64)}`, BODY, T + 10_000), 'webhook_signature_invalid');
  });

  it('accepts any of several v1 signatures (sender rotating its secret)', () => {
    const oldSig = signWebhook('whsec_old', T, BODY).split(',')[1]!;
    const newSig = signWebhook(SECRET, T, BODY).split(',')[1]!;
    expect(verifyWebhook(SECRET, `t=${T},${oldSig},${newSig}`, BODY, T).ok).toBe(true);
    expect(verifyWebhook(SECRET, `t=${T},${newSig},${oldSig}`, BODY, T).ok).toBe(true);
    expect(verifyWebhook('whsec_old', `t=${T}, ${oldSig}, ${newSig}`, BODY, T).ok).toBe(true);
    rejects(() => verifyWebhook('whsec_third', `t=${T},${oldSig},${newSig}`, BODY, T), 'webhook_signature_invalid');
  });

  it('accepts any of several secrets (receiver rotating) and ignores unknown schemes', () => {
    const header = signWebhook('whsec_old', T, BODY);
    expect(verifyWebhook(['whsec_new', 'whsec_old'], header, BODY, T).ok).toBe(true);
    expect(verifyWebhook(SECRET, `v0=abc,t=${T},x=1,v1=${KNOWN}`, BODY, T).ok).toBe(true);
    expect(verifyWebhook(SECRET, `t=${T},v1=${KNOWN.toUpperCase()}`, BODY, T).ok).toBe(true);
    rejects(() => verifyWebhook([], header, BODY, T), 'webhook_secret_invalid');
  });

  it('rejects malformed headers as invalid signatures', () => {
    for (const header of [
      '',
      'garbage',
      `v1=${KNOWN}`,
      `t=,v1=${KNOWN}`,
      `t=abc,v1=${KNOWN}`,
      `t=-5,v1=${KNOWN}`,
      `t=${T}`,
      `t=${T},v1=`,
      `t=${T},v1=${KNOWN.slice(0, 62)}`,
      `t=${T},v1=${KNOWN}00`,
      `t=${T},t=${T},v1=${KNOWN}`,
      `t=${T},${Array.from({ length: 9 }, () => `v1=${KNOWN}`).join(',')}`,
      `t=${T},v1=${'a'.repeat(5000)}`,
    ]) {
      rejects(() => verifyWebhook(SECRET, header, BODY, T), 'webhook_signature_invalid');
    }
  });

  it('says what is wrong with a malformed header', () => {
    const detail = (header: string) => rejects(() => verifyWebhook(SECRET, header, BODY, T), 'webhook_signature_invalid').message;
    expect(detail(`t=${T},v1=${'a'.repeat(5000)}`)).toBe('The webhook signature is invalid: the header is too long.');
    expect(detail(`t=${T},t=${T},v1=${KNOWN}`)).toBe('The webhook signature is invalid: the header has more than one timestamp.');
    expect(detail(`t=abc,v1=${KNOWN}`)).toBe('The webhook signature is invalid: the header has no valid t=<unix seconds>.');
    expect(detail(`t=${T},v1=aa,v0=${KNOWN}`)).toBe('The webhook signature is invalid: the header has no v1 signature of 64 hex digits.');
    expect(detail(`t=${T},${Array.from({ length: 9 }, () => `v1=${KNOWN}`).join(',')}`)).toBe('The webhook signature is invalid: the header has more than 8 signatures.');
    expect(detail(`t=${T},v1=aa,v1=${'0'.repeat(64)}`)).toBe('The webhook signature is invalid: no v1 signature matches the body.');
  });
});
