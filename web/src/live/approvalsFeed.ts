/**
 * Approvals, live: a run's (the run view), or the pending ones the inbox shows. A Firestore
 * listener first; if it cannot reach the server in time, or a feed on the page already fell
 * back (`preferPoll`), polling the API every few seconds. Like runFeed.ts, it says which
 * transport is in use. Each delivery is the whole list as it is now.
 */
import type { Approval } from '@agent-marketplace/client';
import type { PendingScope } from './approvalOrder.ts';
import { listenToApprovals, listenToPending } from './approvalsFirestore.ts';
import { pendingApprovalsIn, pollApprovals, runApprovals } from './approvalsPoll.ts';
import { CONNECT_TIMEOUT_MS } from './runFeed.ts';

export type ApprovalsTransport = 'firestore' | 'poll';

/** How often the fallback asks the API. */
export const POLL_MS = 3000;

export interface ApprovalsHandlers {
  approvals(list: Approval[]): void;
  error(err: unknown): void;
  transport?(kind: ApprovalsTransport): void;
}

interface FeedOptions {
  preferPoll: boolean;
  connectMs?: number;
  pollMs?: number;
}

function subscribe(
  listen: (options: { connectMs: number; onUnreachable(reason: unknown): void }) => () => void,
  poll: () => () => void,
  handlers: ApprovalsHandlers,
  options: FeedOptions,
): () => void {
  const polling = () => {
    handlers.transport?.('poll');
    return poll();
  };
  if (options.preferPoll) return polling();
  let stop = listen({
    connectMs: options.connectMs ?? CONNECT_TIMEOUT_MS,
    onUnreachable(reason) {
      console.warn('The approvals listener cannot connect; polling the API instead.', reason);
      stop = polling();
    },
  });
  handlers.transport?.('firestore');
  return () => stop();
}

/** A run's approvals, oldest first; polling stops after the answer that follows `done()`. */
export function subscribeRunApprovals(wsId: string, runId: string, handlers: ApprovalsHandlers, options: FeedOptions & { done: () => boolean }): () => void {
  return subscribe(
    (o) => listenToApprovals(wsId, runId, handlers, o),
    () => pollApprovals(runApprovals(wsId, runId), handlers, { intervalMs: options.pollMs ?? POLL_MS, done: options.done }),
    handlers,
    options,
  );
}

/** The pending approvals in `scope`, newest first (the inbox's order). */
export function subscribePendingApprovals(wsId: string, scope: PendingScope, handlers: ApprovalsHandlers, options: FeedOptions): () => void {
  return subscribe(
    (o) => listenToPending(wsId, scope, handlers, o),
    () => pollApprovals(pendingApprovalsIn(wsId, scope), handlers, { intervalMs: options.pollMs ?? POLL_MS }),
    handlers,
    options,
  );
}
