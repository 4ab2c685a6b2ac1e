/**
 * The signed-in user's workspaces, fetched once per session and shared by the header's
 * switcher and the workspaces page. Creating a workspace or switching user drops the copy.
 */
import { currentUser } from './auth.ts';
import type { Workspace } from '@agent-marketplace/client';
import { api } from './api.ts';

/** More than anyone switches between from a menu; the workspaces page pages through the rest. */
const LIMIT = 100;
let cached: { uid: string; items: Promise<Workspace[]> } | undefined;

export function myWorkspaces(): Promise<Workspace[]> {
  const user = currentUser();
  if (!user) return Promise.resolve([]);
  if (cached?.uid !== user.uid) {
    const items = api.call('listWorkspaces', { query: { limit: LIMIT } }).then((page) => page.items);
    cached = { uid: user.uid, items };
    items.catch(() => {
      if (cached?.items === items) cached = undefined; // try again next time
    });
  }
  return cached.items;
}

export function forgetMyWorkspaces(): void {
  cached = undefined;
}
