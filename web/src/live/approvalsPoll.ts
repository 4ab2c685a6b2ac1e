/**
 * A run's proposals by polling the API (`listApprovals?runId=`), for when Firestore listeners
 * cannot connect. Every `intervalMs` until stopped; once `done()` (the run has finished) one
 * last answer is delivered and polling stops. A refusal (401, 403, 404) stops it and is
 * reported; anything else (a dropped connection, a 503) is tried again at the next tick.
 */
import { items, type Approval } from '@agent-marketplace/client';
import { ApiError, api } from '../api.ts';

export function pollApprovals(
  wsId: string,
  runId: string,
  handlers: { approvals(list: Approval[]): void; error(err: unknown): void },
  options: { intervalMs: number; done: () => boolean },
): () => void {
  const controller = new AbortController();
  const { signal } = controller;
  void (async () => {
    while (!signal.aborted) {
      const last = options.done();
      try {
        const list: Approval[] = [];
        for await (const a of items(api, 'listApprovals', { params: { wsId }, query: { runId, limit: 100 }, signal })) list.push(a);
        list.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
        if (signal.aborted) return;
        handlers.approvals(list);
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof ApiError && [401, 403, 404].includes(err.status)) {
          handlers.error(err);
          return;
        }
        console.warn('Polling the proposals failed; trying again.', err);
      }
      if (last) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.intervalMs);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  })();
  return () => controller.abort();
}
