/**
 * Approvals by polling the API, for when Firestore listeners cannot connect: a run's (the run
 * view) or the pending ones the inbox shows. Every `intervalMs` until stopped; once `done()`
 * (the run has finished) one last answer is delivered and polling stops. A refusal (401, 403,
 * 404) stops it and is reported; anything else (a dropped connection, a 503) is tried again at
 * the next tick.
 */
import { items, type Approval } from '@agent-marketplace/client';
import { ApiError, api } from '../api.ts';
import { reaches, type PendingScope } from './approvalOrder.ts';

type Fetch = (signal: AbortSignal) => Promise<Approval[]>;

/** Every approval of a run, oldest first. */
export const runApprovals =
  (wsId: string, runId: string): Fetch =>
  async (signal) => {
    const list: Approval[] = [];
    for await (const a of items(api, 'listApprovals', { params: { wsId }, query: { runId, limit: 100 }, signal })) list.push(a);
    return list.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  };

/** The pending approvals in `scope`, newest first: pages until one reaches past `scope.through`. */
export const pendingApprovalsIn =
  (wsId: string, scope: PendingScope): Fetch =>
  async (signal) => {
    const list: Approval[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await api.call('listApprovals', {
        params: { wsId },
        query: { state: 'pending', installId: scope.installId ?? undefined, runId: scope.runId ?? undefined, cursor, limit: 100 },
        signal,
      });
      const shown = page.items.filter((a) => reaches(a, scope.through));
      list.push(...shown);
      if (!page.nextCursor || shown.length < page.items.length) return list;
      cursor = page.nextCursor;
    }
  };

export function pollApprovals(
  fetchList: Fetch,
  handlers: { approvals(list: Approval[]): void; error(err: unknown): void },
  options: { intervalMs: number; done?: () => boolean },
): () => void {
  const controller = new AbortController();
  const { signal } = controller;
  void (async () => {
    while (!signal.aborted) {
      const last = options.done?.() ?? false;
      try {
        const list = await fetchList(signal);
        if (signal.aborted) return;
        handlers.approvals(list);
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof ApiError && [401, 403, 404].includes(err.status)) {
          handlers.error(err);
          return;
        }
        console.warn('Polling the approvals failed; trying again.', err);
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
