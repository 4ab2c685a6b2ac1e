import type { LogChunk, Run, RunEvent } from '../../domain/models.js';
import { isTerminal } from '../../domain/runState.js';
import { AppError } from '../../domain/errors.js';
import type { Deps } from '../deps.js';
import { newId } from '../shared/credentials.js';

/**
 * A run's transitions and log lines as server-sent events, for REST and CLI users (and the web
 * client when Firestore listeners cannot connect). Event ids are `<eventSeq>.<logSeq>`, so a
 * client that reconnects with Last-Event-ID gets exactly what it has not seen. The stream ends
 * when the run has finished and everything is sent, or after `maxMs` (reconnect to continue).
 *
 * Cost: the log is caught up by reading from the last seen position, then the run, its events
 * and its log are followed by listeners, which bill only what changes; an idle stream reads
 * nothing. When the run finishes, one last read from the last seen positions picks up what a
 * listener had not delivered yet.
 */
export function parseLastEventId(value: string | undefined): { event: number; log: number } {
  const m = /^(-?\d{1,9})\.(-?\d{1,9})$/.exec(value ?? '');
  return m ? { event: Number(m[1]), log: Number(m[2]) } : { event: -1, log: -1 };
}

const frame = (id: string, type: string, data: unknown) => `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
const PAGE = 50;
export const STREAM_MAX_MS = 50_000;

export async function streamRun(
  deps: Pick<Deps, 'runs' | 'runLogs' | 'runFeed'>,
  wsId: string,
  runId: string,
  lastEventId: string | undefined,
  write: (chunk: string) => void,
  signal: AbortSignal,
  options: { maxMs?: number; runView?: (run: Run) => unknown } = {},
): Promise<void> {
  let { event, log } = parseLastEventId(lastEventId);
  // The run itself (progress, outputs, error) whenever it changes; first on every connection.
  let runSeen = '';
  let ended = false;
  write(`retry: 1000\n\n`);
  const sendEvents = (events: readonly RunEvent[]) => {
    for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
      if (ended || e.seq <= event) continue;
      event = e.seq;
      write(frame(`${event}.${log}`, 'transition', { seq: e.seq, from: e.from, to: e.to, reason: e.reason, attempt: e.attempt, at: e.at }));
    }
  };
  const sendLogs = (chunks: readonly LogChunk[]) => {
    for (const c of [...chunks].sort((a, b) => a.seq - b.seq)) {
      if (ended || c.seq <= log) continue;
      log = c.seq;
      write(frame(`${event}.${log}`, 'logs', { seq: c.seq, attempt: c.attempt, lines: c.lines }));
    }
  };
  /** Log chunks from the last seen one on, a page at a time (a long log is never held at once). */
  const readLogs = async () => {
    for (;;) {
      const page = await deps.runLogs.listLogChunks(wsId, runId, log, PAGE);
      sendLogs(page);
      if (page.length < PAGE || signal.aborted) return;
    }
  };

  await readLogs();
  if (signal.aborted) return;
  await new Promise<void>((resolve, reject) => {
    let finishing = false;
    const watching: { stop?: () => void } = {};
    const stop = (err?: unknown) => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      watching.stop?.();
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve();
    };
    const onAbort = () => stop();
    const timer = setTimeout(() => stop(), options.maxMs ?? STREAM_MAX_MS);
    signal.addEventListener('abort', onAbort);
    const finish = async (run: Run) => {
      finishing = true;
      try {
        if (event < run.eventCount - 1) sendEvents(await deps.runs.listEvents(wsId, runId));
        await readLogs();
        if (!ended) write(frame(`${event}.${log}`, 'end', { state: run.state }));
        stop();
      } catch (err) {
        stop(err);
      }
    };
    watching.stop = deps.runFeed.watch(wsId, runId, { event, log }, {
      run: (run) => {
        if (ended || finishing) return;
        if (!run) return stop(new AppError('not_found', 'run_not_found', 'Run was not found.'));
        if (options.runView) {
          const view = JSON.stringify(options.runView(run));
          if (view !== runSeen) {
            runSeen = view;
            write(`id: ${event}.${log}\nevent: run\ndata: ${view}\n\n`);
          }
        }
        if (isTerminal(run.state)) void finish(run);
      },
      events: sendEvents,
      logs: sendLogs,
      error: (err) => stop(err),
    });
    // Stopped before the watch began (an abort while it was being set up).
    if (ended) watching.stop();
  });
}

/**
 * Holds a place among the streams `holder` may keep open, for one stream's life: over the
 * bound, 429 `too_many_streams` before anything is sent. The place is leased past the stream's
 * time limit, so one held by an instance that died frees itself.
 */
export async function openStreamSlot(
  deps: Pick<Deps, 'streamSlots' | 'clock' | 'config'>,
  holder: string,
  maxMs: number = STREAM_MAX_MS,
): Promise<{ release(): Promise<void> }> {
  const id = newId(9);
  const until = new Date(deps.clock.now().getTime() + maxMs + 15_000);
  const got = await deps.streamSlots.acquire(holder, id, deps.config.maxStreamsPerUser, until);
  if (!got.ok) {
    throw new AppError('rate_limited', 'too_many_streams', `At most ${deps.config.maxStreamsPerUser} run streams may be open at once; close one or retry later.`, {
      retryAfterSeconds: got.retryAfterSeconds,
    });
  }
  return { release: () => deps.streamSlots.release(holder, id) };
}
