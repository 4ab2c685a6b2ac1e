/**
 * The number of pending approvals in the current workspace, for the header's Approvals link:
 * one small list call (the first 100), kept for 30 seconds, asked only of members whose role
 * reads runs; counted again at once after a decision, or when a live page sees approvals
 * arrive or leave (`refreshPendingApprovals`).
 */
import { api } from './api.ts';
import { myWorkspaces } from './myWorkspaces.ts';

const TTL_MS = 30_000;
const LIMIT = 100;
/** Roles that read runs and approvals (functions/src/domain/roles.ts, runs.read). */
const READERS = new Set(['owner', 'admin', 'operator', 'approver', 'viewer']);

export interface PendingCount {
  n: number;
  /** More than `n` (the count stopped at the first page). */
  more: boolean;
}

let cached: { wsId: string; at: number; count: Promise<PendingCount | null> } | undefined;
const listeners = new Set<(wsId: string, count: PendingCount | null) => void>();

async function fetchCount(wsId: string): Promise<PendingCount | null> {
  const role = (await myWorkspaces()).find((w) => w.id === wsId)?.role;
  if (!role || !READERS.has(role)) return null;
  const page = await api.call('listApprovals', { params: { wsId }, query: { state: 'pending', limit: LIMIT } });
  return { n: page.items.length, more: page.nextCursor !== null };
}

/** The count for `wsId` (null when the user may not read approvals there, or it failed). */
export function pendingApprovals(wsId: string): Promise<PendingCount | null> {
  if (!cached || cached.wsId !== wsId || Date.now() - cached.at > TTL_MS) {
    const count = fetchCount(wsId).catch(() => null);
    cached = { wsId, at: Date.now(), count };
  }
  return cached.count;
}

let refreshes = 0;

/**
 * Counts again now and tells whoever shows the count (the header). Live pages call it on each
 * change, so counts can overlap: only the latest one is told, never an older answer after it.
 */
export function refreshPendingApprovals(wsId: string): void {
  cached = undefined;
  const mine = ++refreshes;
  void pendingApprovals(wsId).then((count) => {
    if (mine !== refreshes) return;
    for (const listener of listeners) listener(wsId, count);
  });
}

export function onPendingApprovals(listener: (wsId: string, count: PendingCount | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function forgetPendingApprovals(): void {
  cached = undefined;
}
