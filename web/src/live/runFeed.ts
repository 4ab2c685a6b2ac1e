/**
 * A run's live feed: the run, its state transitions and its log chunks as they change. The
 * one place that chooses the transport: Firestore listeners first; if they cannot reach the
 * server in time, the API's SSE stream. Pages see the same handlers either way, each event
 * and chunk once (a switch or a reconnect never repeats one), and a `transport` call that
 * says which is in use, so they can tell the user.
 */
import { listenWithFirestore } from './firestoreTransport.ts';
import { listenWithSse } from './sseTransport.ts';
import type { RunFeedHandlers } from './types.ts';

export type { LiveEvent, LiveLogChunk, LiveLogLine, LiveRun, RunFeedHandlers } from './types.ts';

export type Transport = 'firestore' | 'sse';

/** How long Firestore may take to answer before the stream takes over. */
export const CONNECT_TIMEOUT_MS = 4000;

export function subscribeRun(
  wsId: string,
  runId: string,
  handlers: RunFeedHandlers & { transport?(kind: Transport): void },
  options: { connectMs?: number } = {},
): () => void {
  const events = new Set<number>();
  const chunks = new Set<string>();
  const once: RunFeedHandlers = {
    run: (run) => handlers.run(run),
    event(e) {
      if (events.has(e.seq)) return;
      events.add(e.seq);
      handlers.event(e);
    },
    logChunk(c) {
      const key = `${c.attempt}:${c.seq}`;
      if (chunks.has(key)) return;
      chunks.add(key);
      handlers.logChunk(c);
    },
    error: (err) => handlers.error(err),
  };

  let stop = listenWithFirestore(wsId, runId, once, {
    connectMs: options.connectMs ?? CONNECT_TIMEOUT_MS,
    onUnreachable(reason) {
      console.warn('Firestore listeners cannot connect; using the API stream instead.', reason);
      stop = listenWithSse(wsId, runId, once);
      handlers.transport?.('sse');
    },
  });
  handlers.transport?.('firestore');
  return () => stop();
}
