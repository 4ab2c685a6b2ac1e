import { describe, expect, it } from 'vitest';
import { createRedactor, cutTail, encodedForms, REDACTED, SECRET_MIN_LENGTH } from '../src/redaction.ts';

const TOKEN = 'tok_9f+/Zé?&= x';
const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEv"quoted"\\back\\slash\n-----END PRIVATE KEY-----\n';
const b = (s: string) => Buffer.from(s, 'utf8');

describe('encoded forms of a secret', () => {
  it('are the raw value, base64 (both alphabets), hex (both cases), URL- and JSON-escaped spellings', () => {
    const forms = encodedForms(TOKEN);
    for (const form of [
      TOKEN,
      b(TOKEN).toString('base64'),
      b(TOKEN).toString('base64url'),
      b(TOKEN).toString('hex'),
      b(TOKEN).toString('hex').toUpperCase(),
      encodeURIComponent(TOKEN),
      new URLSearchParams({ v: TOKEN }).toString().slice(2),
      JSON.stringify(TOKEN).slice(1, -1),
      JSON.stringify(JSON.stringify(TOKEN).slice(1, -1)).slice(1, -1),
    ]) {
      expect(forms).toContain(form);
    }
    expect(forms.every((f) => f.length >= SECRET_MIN_LENGTH)).toBe(true);
    expect([...forms].sort((x, y) => y.length - x.length)).toEqual(forms);
  });

  it('catch base64 of the value at any byte offset inside a longer text (Basic auth, tokens in JSON)', () => {
    const r = createRedactor([TOKEN]);
    for (const prefix of ['', 'u', 'us', 'user:', 'abcdef', '{"k":"']) {
      for (const suffix of ['', 'x', 'xy', '"}']) {
        const encoded = b(prefix + TOKEN + suffix).toString('base64');
        const out = r.text(`Authorization: Basic ${encoded}`);
        expect(out, `${prefix}|${suffix}`).toContain(REDACTED);
        // What is left of the encoded value is at most a few characters on each side.
        const left = out.replace('Authorization: Basic ', '').replace(REDACTED, '');
        expect(left.length, `${prefix}|${suffix}: ${out}`).toBeLessThanOrEqual(Math.ceil(((prefix.length + suffix.length) * 4) / 3) + 8);
      }
    }
  });
});

describe('createRedactor', () => {
  const r = createRedactor([TOKEN, PEM, 'short']);

  it('replaces every form in a string, and ignores values under the minimum', () => {
    expect(r.text(`a ${TOKEN} b ${b(PEM).toString('hex')} c ${JSON.stringify(PEM)}`)).toBe(`a ${REDACTED} b ${REDACTED} c "${REDACTED}"`);
    expect(r.text('a short word')).toBe('a short word');
    expect(r.text('nothing here')).toBe('nothing here');
  });

  it('walks a JSON value: every string, keys included; other values and the shape are kept', () => {
    const value = { [`k-${TOKEN}`]: [TOKEN, 1, true, null, { pem: PEM, nested: { n: 2.5 } }], plain: 'x' };
    expect(r.json(value)).toEqual({ [`k-${REDACTED}`]: [REDACTED, 1, true, null, { pem: REDACTED, nested: { n: 2.5 } }], plain: 'x' });
  });

  it('a value that spans JSON punctuation is just a string to replace', () => {
    const tricky = createRedactor(['x","y":']);
    expect(tricky.json({ a: 'x', y: 1 })).toEqual({ a: 'x', y: 1 });
    expect(tricky.text('{"a":"x","y":1}')).toBe(`{"a":"${REDACTED}1}`);
  });

  it('a value split across two consecutive texts has both fragments replaced', () => {
    const hex = b(TOKEN).toString('hex');
    const { texts, previousCut } = r.stream([`key=${TOKEN.slice(0, 4)}`, `${TOKEN.slice(4)} rest`, `hex ${hex.slice(0, 3)}`, `${hex.slice(3)}`, 'plain']);
    expect(texts).toEqual([`key=${REDACTED}`, `${REDACTED} rest`, `hex ${REDACTED}`, REDACTED, 'plain']);
    expect(previousCut).toBeNull();
  });

  it('a value split between the previous batch and this one: the previous text is cut where it starts', () => {
    const previous = `prev line ${TOKEN.slice(0, 7)}`;
    const { texts, previousCut } = r.stream([`${TOKEN.slice(7)}!`, 'next'], previous);
    expect(texts).toEqual([`${REDACTED}!`, 'next']);
    expect(cutTail(previous, previousCut!)).toBe(`prev line ${REDACTED}`);
  });

  it('a value holding a newline, printed and cut into lines at it, has both fragments replaced', () => {
    const withNewline = createRedactor(['first half\nsecond half']);
    expect(withNewline.stream(['key: first half', 'second half, done']).texts).toEqual([`key: ${REDACTED}`, `${REDACTED}, done`]);
  });

  it('a value holding newlines, printed whole and cut into lines at them, is replaced on every line it spans', () => {
    const lines = `key: ${PEM}done`.split('\n');
    expect(lines.length).toBeGreaterThan(3);
    expect(r.stream(lines).texts).toEqual([`key: ${REDACTED}`, REDACTED, REDACTED, 'done']);
    // Begun on the previous batch's last line: that line is cut too.
    const { texts, previousCut } = r.stream(lines.slice(1), lines[0]);
    expect(cutTail(lines[0]!, previousCut!)).toBe(`key: ${REDACTED}`);
    expect(texts).toEqual([REDACTED, REDACTED, 'done']);
  });

  it('texts that only look alike are left alone', () => {
    expect(r.stream([`key=${TOKEN.slice(0, 4)}`, 'something else']).texts).toEqual([`key=${TOKEN.slice(0, 4)}`, 'something else']);
    expect(r.stream(['', TOKEN]).texts).toEqual(['', REDACTED]);
  });

  it('with no values it changes nothing', () => {
    const none = createRedactor([]);
    expect(none.active).toBe(false);
    expect(none.text(TOKEN)).toBe(TOKEN);
  });
});
