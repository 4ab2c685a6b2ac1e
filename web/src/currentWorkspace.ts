/** The workspace the user is working in, remembered per user in localStorage. */
import { currentUser } from './auth.ts';

export interface WorkspaceRef {
  id: string;
  name: string;
}

const keyFor = (uid: string) => `agent-marketplace.workspace.${uid}`;
/** Used when localStorage is blocked (some private modes): the choice then lasts for this tab. */
const memory = new Map<string, string>();

function read(key: string): string | null {
  try {
    return localStorage.getItem(key) ?? memory.get(key) ?? null;
  } catch {
    return memory.get(key) ?? null;
  }
}

export function getCurrentWorkspace(): WorkspaceRef | null {
  const user = currentUser();
  if (!user) return null;
  try {
    const ref = JSON.parse(read(keyFor(user.uid)) ?? 'null') as Partial<WorkspaceRef> | null;
    return typeof ref?.id === 'string' && typeof ref.name === 'string' ? { id: ref.id, name: ref.name } : null;
  } catch {
    return null; // a corrupt value: no current workspace
  }
}

export function setCurrentWorkspace(ref: WorkspaceRef): void {
  const user = currentUser();
  if (!user) return;
  const value = JSON.stringify({ id: ref.id, name: ref.name });
  memory.set(keyFor(user.uid), value);
  try {
    localStorage.setItem(keyFor(user.uid), value);
  } catch {
    // storage blocked: the in-memory copy stands
  }
}
