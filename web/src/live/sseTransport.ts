/**
 * A run's live feed from the API's server-sent event stream (`GET .../runs/{id}/stream`):
 * `run` (the run whenever it changes: state, progress, outputs, error), `transition` and `logs`
 * events, then `end`. Read with fetch, not EventSource, since the stream needs the ID token in
 * the Authorization header; on a dropped connection (or the server's periodic close) it
 * reconnects with Last-Event-ID, so nothing is lost or repeated.
 */
import { ApiError, toError } from '../api.ts';
import { idToken } from '../auth.ts';
import type { LogLine, Run, RunEvent } from '../contract.ts';
import { runStreamPath } from '../endpoints.ts';
import { sseParser, type SseEvent } from './sseParser.ts';
import { liveRunOf, toDate, type RunFeedHandlers } from './types.ts';

const MAX_RETRY_MS = 15_000;

export function listenWithSse(wsId: string, runId: string, handlers: RunFeedHandlers): () => void {
  const controller = new AbortController();
  const { signal } = controller;
  let lastEventId: string | undefined;
  let retryMs = 1000;
  let ended = false;
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  const dispatch = (e: SseEvent): void => {
    if (e.id !== undefined) lastEventId = e.id;
    if (e.type === 'run') {
      handlers.run(liveRunOf(JSON.parse(e.data) as Run));
    } else if (e.type === 'transition') {
      const ev = JSON.parse(e.data) as RunEvent;
      handlers.event({ ...ev, at: toDate(ev.at) });
    } else if (e.type === 'logs') {
      const chunk = JSON.parse(e.data) as { seq: number; attempt: number; lines: Omit<LogLine, 'seq' | 'attempt'>[] };
      handlers.logChunk(chunk);
    } else if (e.type === 'end') {
      ended = true;
    }
  };

  void (async () => {
    while (!signal.aborted && !ended) {
      try {
        const token = await idToken();
        const headers: Record<string, string> = { Accept: 'text/event-stream', 'X-Request-Id': crypto.randomUUID() };
        if (token) headers.Authorization = `Bearer ${token}`;
        if (lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
        const res = await fetch(runStreamPath(wsId, runId), { headers, signal, cache: 'no-store' });
        if (!res.ok) {
          const err = await toError(res, headers['X-Request-Id']!);
          // Client errors (no access, no such run) will not heal by retrying.
          if (res.status < 500 && res.status !== 429) {
            if (res.status === 404) handlers.run(null);
            else handlers.error(err);
            return;
          }
          throw err;
        }
        if (!res.body) throw new Error('the stream has no body');
        const parse = sseParser(dispatch, (ms) => (retryMs = ms));
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parse(value);
          retryMs = 1000;
        }
        // The server closes the stream now and then (a time limit): reconnect where we were.
      } catch (err) {
        if (signal.aborted) return;
        const wait = err instanceof ApiError && err.retryAfter !== null ? err.retryAfter * 1000 : retryMs;
        retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
        await sleep(wait);
        continue;
      }
      if (!ended) await sleep(retryMs);
    }
  })();

  return () => controller.abort();
}
