/**
 * The agent's own output (console.log, console.error, process.stdout/stderr writes) belongs in
 * its run's log, redacted like any line, not in the execution's stdout (Cloud Logging in
 * production, `.local/executions/` locally), which keeps only the runner's own lines.
 */
export type StreamName = 'stdout' | 'stderr';

export interface CaptureOptions {
  /** One complete line the agent wrote (without its newline). */
  line(stream: StreamName, text: string): void;
  /** Applied to what the agent wrote before it is cut into lines (a value may hold newlines). */
  redact?: (text: string) => string;
  /** A partial line is sent after this long without its newline. */
  partialDelayMs?: number;
  /** A line longer than this is sent in pieces. */
  maxLineChars?: number;
}

type Write = (chunk: unknown, encoding?: unknown, callback?: unknown) => boolean;

export interface Capture {
  /** Writes to the execution's real stdout/stderr (the runner's own lines). */
  own: { stdout: (text: string) => void; stderr: (text: string) => void };
  /** Sends any partial lines now (before the last log flush). */
  flush(): void;
  /** Puts the streams' own write functions back. */
  restore(): void;
}

export function captureStreams(streams: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }, options: CaptureOptions): Capture {
  const maxLineChars = options.maxLineChars ?? 16_000;
  const delay = options.partialDelayMs ?? 500;
  const originals = { stdout: streams.stdout.write, stderr: streams.stderr.write } as Record<StreamName, Write>;
  const pending: Record<StreamName, string> = { stdout: '', stderr: '' };
  const timers: Record<StreamName, ReturnType<typeof setTimeout> | null> = { stdout: null, stderr: null };
  // One decoder per stream, streaming: a character split across two writes stays whole.
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };

  const emit = (stream: StreamName) => {
    if (timers[stream]) clearTimeout(timers[stream]);
    timers[stream] = null;
    const text = pending[stream];
    pending[stream] = '';
    if (text) options.line(stream, text.endsWith('\r') ? text.slice(0, -1) : text);
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
    let rest = pending[stream] + text;
    if (options.redact) rest = options.redact(rest);
    let nl: number;
    while ((nl = rest.indexOf('\n')) !== -1) {
      pending[stream] = rest.slice(0, nl);
      emit(stream);
      rest = rest.slice(nl + 1);
    }
    while (rest.length > maxLineChars) {
      pending[stream] = rest.slice(0, maxLineChars);
      emit(stream);
      rest = rest.slice(maxLineChars);
    }
    pending[stream] = rest;
    if (rest && !timers[stream]) {
      timers[stream] = setTimeout(() => emit(stream), delay);
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
      emit('stdout');
      emit('stderr');
    },
    restore() {
      streams.stdout.write = originals.stdout as NodeJS.WriteStream['write'];
      streams.stderr.write = originals.stderr as NodeJS.WriteStream['write'];
    },
  };
}
