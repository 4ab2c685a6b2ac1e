/**
 * The agent's own output (console.log, console.error, process.stdout/stderr writes) belongs in
 * its run's log, redacted like any line, not in the execution's stdout (Cloud Logging in
 * production, `.local/executions/` locally), which keeps only the runner's own lines.
 */
import type { Redactor } from '@agent-marketplace/contract';

export type StreamName = 'stdout' | 'stderr';

export interface CaptureOptions {
  /** One complete line the agent wrote (without its newline), redacted. */
  line(stream: StreamName, text: string): void;
  /** The run's redactor (read at each use: it is set once the secrets are fetched). */
  redactor?: () => Redactor;
  /** What is waiting is sent after this long without more output. */
  delayMs?: number;
  /** A line longer than this is sent in pieces. */
  maxLineChars?: number;
}

type Write = (chunk: unknown, encoding?: unknown, callback?: unknown) => boolean;

export interface Capture {
  /** Writes to the execution's real stdout/stderr (the runner's own lines). */
  own: { stdout: (text: string) => void; stderr: (text: string) => void };
  /** Sends whatever is waiting now (before the last log flush). */
  flush(): void;
  /** Puts the streams' own write functions back. */
  restore(): void;
}

/**
 * Output is kept as written until it is sent, so a secret value printed in pieces, or one that
 * holds newlines (a PEM key), is redacted whole: lines are cut only where no form of a value
 * crosses the cut, and only once the text after the cut is as long as the longest form (or
 * after `delayMs` of quiet, or at the end). Each character is scanned a bounded number of times.
 */
export function captureStreams(streams: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }, options: CaptureOptions): Capture {
  const maxLineChars = options.maxLineChars ?? 16_000;
  const delay = options.delayMs ?? 250;
  const originals = { stdout: streams.stdout.write, stderr: streams.stderr.write } as Record<StreamName, Write>;
  const raw: Record<StreamName, string> = { stdout: '', stderr: '' };
  const timers: Record<StreamName, ReturnType<typeof setTimeout> | null> = { stdout: null, stderr: null };
  // One decoder per stream, streaming: a character split across two writes stays whole.
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };

  const emitText = (stream: StreamName, text: string) => {
    const redactor = options.redactor?.();
    const clean = redactor ? redactor.text(text) : text;
    for (let line of clean.split('\n')) {
      if (line.endsWith('\r')) line = line.slice(0, -1);
      for (let i = 0; i < line.length; i += maxLineChars) options.line(stream, line.slice(i, i + maxLineChars));
    }
  };

  /** Sends the complete lines that are safe to cut (all of it when `all`), keeps the rest. */
  const drain = (stream: StreamName, all: boolean) => {
    if (timers[stream]) clearTimeout(timers[stream]);
    timers[stream] = null;
    const text = raw[stream];
    if (!text) return;
    if (all) {
      raw[stream] = '';
      emitText(stream, text.endsWith('\n') ? text.slice(0, -1) : text);
      return;
    }
    const redactor = options.redactor?.();
    const keep = redactor?.active ? redactor.longest - 1 : 0;
    let cut = text.lastIndexOf('\n', text.length - 1 - keep);
    // Never cut through a value: move the cut before any form that crosses it.
    while (cut > 0 && redactor?.active) {
      const crossing = redactor.straddle(text.slice(0, cut), text.slice(cut));
      if (!crossing) break;
      cut = text.lastIndexOf('\n', crossing.before - 1);
    }
    if (cut < 0) return;
    raw[stream] = text.slice(cut + 1);
    emitText(stream, text.slice(0, cut));
  };

  const take = (stream: StreamName, chunk: unknown, encoding: unknown) => {
    const text =
      typeof chunk === 'string'
        ? chunk
        : chunk instanceof Uint8Array
          ? typeof encoding === 'string' && encoding !== 'buffer' && encoding !== 'utf8' && encoding !== 'utf-8'
            ? Buffer.from(chunk).toString(encoding as BufferEncoding)
            : decoders[stream].decode(chunk, { stream: true })
          : String(chunk);
    raw[stream] += text;
    const redactor = options.redactor?.();
    // Drained when twice what must be kept has piled up: each character is looked at a few times, not once per write.
    const threshold = 2 * Math.max(redactor?.active ? redactor.longest : 0, 4096);
    if (raw[stream].length >= threshold) drain(stream, false);
    if (raw[stream].length > 4 * Math.max(threshold, maxLineChars)) drain(stream, true);
    if (raw[stream] && !timers[stream]) {
      timers[stream] = setTimeout(() => drain(stream, true), delay);
      timers[stream].unref();
    }
  };

  for (const stream of ['stdout', 'stderr'] as const) {
    streams[stream].write = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
      take(stream, chunk, encoding);
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
      return true;
    }) as NodeJS.WriteStream['write'];
  }

  return {
    own: {
      stdout: (text) => void originals.stdout.call(streams.stdout, text),
      stderr: (text) => void originals.stderr.call(streams.stderr, text),
    },
    flush() {
      drain('stdout', true);
      drain('stderr', true);
    },
    restore() {
      streams.stdout.write = originals.stdout as NodeJS.WriteStream['write'];
      streams.stderr.write = originals.stderr as NodeJS.WriteStream['write'];
    },
  };
}
