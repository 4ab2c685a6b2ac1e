/**
 * A run's proposals, live: a Firestore listener first; if it cannot reach the server in time,
 * or the run's own feed already fell back to the API stream (`preferPoll`), polling the API
 * every few seconds. Like runFeed.ts, it says which transport is in use.
 */
import type { Approval } from '@agent-marketplace/client';
import { listenToApprovals } from './approvalsFirestore.ts';
import { pollApprovals } from './approvalsPoll.ts';
import { CONNECT_TIMEOUT_MS } from './runFeed.ts';

export type ApprovalsTransport = 'firestore' | 'poll';

/** How often the fallback asks the API. */
export const POLL_MS = 3000;

export function subscribeRunApprovals(
  wsId: string,
  runId: string,
  handlers: { approvals(list: Approval[]): void; error(err: unknown): void; transport?(kind: ApprovalsTransport): void },
  options: { preferPoll: boolean; done: () => boolean; connectMs?: number; pollMs?: number },
): () => void {
  const poll = () => {
    handlers.transport?.('poll');
    return pollApprovals(wsId, runId, handlers, { intervalMs: options.pollMs ?? POLL_MS, done: options.done });
  };
  if (options.preferPoll) {
    const stop = poll();
    return stop;
  }
  let stop = listenToApprovals(wsId, runId, handlers, {
    connectMs: options.connectMs ?? CONNECT_TIMEOUT_MS,
    onUnreachable(reason) {
      console.warn('The proposals listener cannot connect; polling the API instead.', reason);
      stop = poll();
    },
  });
  handlers.transport?.('firestore');
  return () => stop();
}
