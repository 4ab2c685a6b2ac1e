import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { captureStreams } from '../src/capture.ts';
import { createRedactor } from '@agent-marketplace/contract/redaction';

function fakeStreams() {
  const written = { stdout: '', stderr: '' };
  const make = (name: 'stdout' | 'stderr') => {
    const s = new PassThrough() as unknown as NodeJS.WriteStream;
    s.write = ((chunk: unknown) => {
      written[name] += String(chunk);
      return true;
    }) as NodeJS.WriteStream['write'];
    return s;
  };
  return { streams: { stdout: make('stdout'), stderr: make('stderr') }, written };
}

describe('captureStreams', () => {
  it("turns the agent's writes into lines marked with their stream; the runner's own lines go to the real streams", () => {
    const { streams, written } = fakeStreams();
    const lines: string[] = [];
    const capture = captureStreams(streams, { line: (stream, text) => lines.push(`${stream}: ${text}`) });
    streams.stdout.write('one\ntwo ');
    streams.stdout.write(Buffer.from('and a half\r\n'));
    streams.stderr.write('oops\n');
    // A character cut between two writes stays whole.
    const e = Buffer.from('é');
    streams.stdout.write(e.subarray(0, 1));
    streams.stdout.write(e.subarray(1));
    streams.stdout.write('\nunfinished');
    capture.own.stderr('runner: mine\n');
    // Kept until it is quiet (or enough follows to rule out a secret crossing the cut), or the end.
    capture.flush();
    expect(lines).toEqual(['stdout: one', 'stdout: two and a half', 'stdout: é', 'stdout: unfinished', 'stderr: oops']);
    capture.restore();
    streams.stdout.write('after restore');
    expect(written).toEqual({ stdout: 'after restore', stderr: 'runner: mine\n' });
  });

  it('redacts what was written before cutting it into lines: a multi-line value printed whole is caught', () => {
    const pem = '-----BEGIN KEY-----\nabc"def\n-----END KEY-----\n';
    const redactor = createRedactor([pem]);
    const { streams } = fakeStreams();
    const lines: string[] = [];
    const capture = captureStreams(streams, { line: (_s, text) => lines.push(text), redactor: () => redactor });
    streams.stdout.write(`key: ${pem}done\n`);
    // A value written in two pieces of one line.
    streams.stdout.write(`again: ${pem.slice(0, 10)}`);
    streams.stdout.write(`${pem.slice(10, 22)}`);
    streams.stdout.write(`${pem.slice(22)} end\n`);
    capture.flush();
    capture.restore();
    expect(lines).toEqual(['key: [REDACTED]done', 'again: [REDACTED] end']);
  });

  it('sends lines as soon as enough follows them, never cutting through a value', () => {
    const value = 'line one of the value\nline two of the value';
    const redactor = createRedactor([value]);
    const { streams } = fakeStreams();
    const lines: string[] = [];
    const capture = captureStreams(streams, { line: (_s, text) => lines.push(text), redactor: () => redactor });
    const filler = Array.from({ length: 400 }, (_, i) => `filler ${i}`).join('\n');
    streams.stdout.write(`${filler}\nsecret: ${value.slice(0, 25)}`);
    streams.stdout.write(`${value.slice(25)} done\n${filler}\n`);
    // Most lines are out before the end; the value's two lines became one redacted line.
    expect(lines.length).toBeGreaterThan(400);
    capture.flush();
    capture.restore();
    expect(lines.filter((l) => l.startsWith('secret'))).toEqual(['secret: [REDACTED] done']);
    expect(lines).toHaveLength(801);
  });

  it('calls a write callback, as a stream would', async () => {
    const { streams } = fakeStreams();
    const capture = captureStreams(streams, { line: () => undefined });
    await new Promise<void>((resolve) => streams.stdout.write('x\n', () => resolve()));
    capture.restore();
  });
});
