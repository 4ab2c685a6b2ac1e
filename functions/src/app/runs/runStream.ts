import type { Run } from '../../domain/models.js';
import { isTerminal } from '../../domain/runState.js';
import type { Deps } from '../deps.js';
import { getRun } from './runs.js';

/**
 * A run's transitions and log lines as server-sent events, for REST and CLI users (and the web
 * client when Firestore listeners cannot connect). Event ids are `<eventSeq>.<logSeq>`, so a
 * client that reconnects with Last-Event-ID gets exactly what it has not seen. The stream ends
 * when the run has finished and everything is sent, or after `maxMs` (reconnect to continue).
 */
export function parseLastEventId(value: string | undefined): { event: number; log: number } {
  const m = /^(-?\d{1,9})\.(-?\d{1,9})$/.exec(value ?? '');
  return m ? { event: Number(m[1]), log: Number(m[2]) } : { event: -1, log: -1 };
}

const frame = (id: string, type: string, data: unknown) => `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

export async function streamRun(
  deps: Pick<Deps, 'runs' | 'runLogs'>,
  wsId: string,
  runId: string,
  lastEventId: string | undefined,
  write: (chunk: string) => void,
  signal: AbortSignal,
  options: { pollMs?: number; maxMs?: number; runView?: (run: Run) => unknown } = {},
): Promise<void> {
  await getRun(deps, wsId, runId);
  const pollMs = options.pollMs ?? 500;
  const deadline = Date.now() + (options.maxMs ?? 50_000);
  let { event, log } = parseLastEventId(lastEventId);
  // The run itself (progress, outputs, error) whenever it changes; first on every connection.
  let runSeen = '';
  write(`retry: 1000\n\n`);
  while (!signal.aborted) {
    const [events, chunks, run] = await Promise.all([
      deps.runs.listEvents(wsId, runId),
      deps.runLogs.listLogChunks(wsId, runId, log, 50),
      deps.runs.get(wsId, runId),
    ]);
    for (const e of events) {
      if (e.seq <= event) continue;
      event = e.seq;
      write(frame(`${event}.${log}`, 'transition', { seq: e.seq, from: e.from, to: e.to, reason: e.reason, attempt: e.attempt, at: e.at }));
    }
    for (const c of chunks) {
      log = c.seq;
      write(frame(`${event}.${log}`, 'logs', { seq: c.seq, attempt: c.attempt, lines: c.lines }));
    }
    if (run && options.runView) {
      const view = JSON.stringify(options.runView(run));
      if (view !== runSeen) {
        runSeen = view;
        write(`id: ${event}.${log}\nevent: run\ndata: ${view}\n\n`);
      }
    }
    const caughtUp = chunks.length < 50;
    if (run && isTerminal(run.state) && caughtUp) {
      write(frame(`${event}.${log}`, 'end', { state: run.state }));
      return;
    }
    if (Date.now() > deadline) return;
    if (caughtUp) await new Promise((r) => setTimeout(r, pollMs));
  }
}
