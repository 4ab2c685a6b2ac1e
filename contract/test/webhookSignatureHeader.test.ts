/** The webhook signature header parser that the server's verifyWebhook and the client's verifyWebhookSignature share. */
import { describe, expect, it } from 'vitest';
import { MAX_SIGNATURE_HEADER_LENGTH, MAX_SIGNATURES, parseSignatureHeader } from '../src/webhookSignatureHeader.ts';

const T = '1767225600';
const A = 'a'.repeat(64);
const B = '0123456789abcdef'.repeat(4);

describe('parseSignatureHeader', () => {
  it('reads t and a v1 signature', () => {
    expect(parseSignatureHeader(`t=${T},v1=${A}`)).toEqual({ ok: true, timestamp: T, signatures: [A] });
  });

  it('keeps every v1, in header order (a secret being rotated)', () => {
    expect(parseSignatureHeader(`v1=${B},t=${T},v1=${A}`)).toEqual({ ok: true, timestamp: T, signatures: [B, A] });
  });

  it('ignores other schemes and items that are not key=value', () => {
    expect(parseSignatureHeader(`v0=${B},t=${T},x=1,junk,=${B},v1=${A}`)).toEqual({ ok: true, timestamp: T, signatures: [A] });
  });

  it('trims white space around keys and values', () => {
    expect(parseSignatureHeader(` t = ${T} ,  v1=${A}\t, v1 =${B} `)).toEqual({ ok: true, timestamp: T, signatures: [A, B] });
  });

  it('lower-cases upper-case hex', () => {
    expect(parseSignatureHeader(`t=${T},v1=${B.toUpperCase()}`)).toEqual({ ok: true, timestamp: T, signatures: [B] });
  });

  it('skips a v1 that is not 64 hex digits', () => {
    for (const bad of ['', 'aa', A.slice(0, 62), `${A}00`, 'g'.repeat(64), `${A.slice(0, 32)} ${A.slice(0, 31)}`]) {
      expect(parseSignatureHeader(`t=${T},v1=${bad},v1=${B}`)).toEqual({ ok: true, timestamp: T, signatures: [B] });
    }
    expect(parseSignatureHeader(`t=${T},v1=aa,v1=cc`)).toEqual({ ok: false, reason: 'no_signature' });
  });

  it('keeps t as sent, the text the signature covers', () => {
    expect(parseSignatureHeader(`t=0042,v1=${A}`)).toEqual({ ok: true, timestamp: '0042', signatures: [A] });
  });

  it('refuses a second t', () => {
    expect(parseSignatureHeader(`t=${T},t=${T},v1=${A}`)).toEqual({ ok: false, reason: 'duplicate_timestamp' });
    expect(parseSignatureHeader(`t=${T},v1=${A},t=1`)).toEqual({ ok: false, reason: 'duplicate_timestamp' });
  });

  it('refuses a missing, empty or non-numeric t', () => {
    for (const header of [`v1=${A}`, `t=,v1=${A}`, `t=abc,v1=${A}`, `t=-5,v1=${A}`, `t=1.5,v1=${A}`, `t=1234567890123,v1=${A}`, '', 'garbage']) {
      expect(parseSignatureHeader(header), header).toEqual({ ok: false, reason: 'no_valid_timestamp' });
    }
  });

  it('refuses a header without a v1', () => {
    expect(parseSignatureHeader(`t=${T}`)).toEqual({ ok: false, reason: 'no_signature' });
    expect(parseSignatureHeader(`t=${T},v0=${A}`)).toEqual({ ok: false, reason: 'no_signature' });
  });

  it(`takes at most ${MAX_SIGNATURES} v1 signatures`, () => {
    const v1s = (n: number) => Array.from({ length: n }, () => `v1=${A}`).join(',');
    expect(parseSignatureHeader(`t=${T},${v1s(MAX_SIGNATURES)}`)).toMatchObject({ ok: true, signatures: Array(MAX_SIGNATURES).fill(A) });
    expect(parseSignatureHeader(`t=${T},${v1s(MAX_SIGNATURES + 1)}`)).toEqual({ ok: false, reason: 'too_many_signatures' });
  });

  it(`refuses a header longer than ${MAX_SIGNATURE_HEADER_LENGTH} characters`, () => {
    const header = `t=${T},v1=${A}`;
    const padded = (length: number) => `${header},x=${'y'.repeat(length - header.length - 3)}`;
    expect(padded(MAX_SIGNATURE_HEADER_LENGTH)).toHaveLength(MAX_SIGNATURE_HEADER_LENGTH);
    expect(parseSignatureHeader(padded(MAX_SIGNATURE_HEADER_LENGTH))).toMatchObject({ ok: true });
    expect(parseSignatureHeader(padded(MAX_SIGNATURE_HEADER_LENGTH + 1))).toEqual({ ok: false, reason: 'too_long' });
  });
});
