/**
 * A run's live feed from the API's server-sent event stream (`GET .../runs/{id}/stream`), read
 * by the typed client: `run` (the run whenever it changes: state, progress, outputs, error),
 * `transition` and `logs` events, then `end`. The client sends the ID token (which EventSource
 * cannot) and resumes a dropped connection with Last-Event-ID, so nothing is lost or repeated.
 */
import { streamRun } from '@agent-marketplace/client';
import { ApiError, api } from '../api.ts';
import { liveRunOf, toDate, type RunFeedHandlers } from './types.ts';

export function listenWithSse(wsId: string, runId: string, handlers: RunFeedHandlers): () => void {
  const controller = new AbortController();
  void (async () => {
    try {
      for await (const m of streamRun(api, { wsId, runId }, { signal: controller.signal })) {
        if (m.event === 'run') handlers.run(liveRunOf(m.data));
        else if (m.event === 'transition') handlers.event({ ...m.data, at: toDate(m.data.at) });
        else if (m.event === 'logs') handlers.logChunk(m.data);
      }
    } catch (err) {
      if (controller.signal.aborted) return;
      // No such run (or not visible to this user) reads as "not found"; other refusals as errors.
      if (err instanceof ApiError && err.status === 404) handlers.run(null);
      else handlers.error(err);
    }
  })();
  return () => controller.abort();
}
