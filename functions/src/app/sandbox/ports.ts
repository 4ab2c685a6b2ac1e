import type { SandboxOverride } from '@agent-marketplace/contract/sandbox';

export type { SandboxOverride };

/** What the sandbox cloud's runner calls need: the workspace's recorded changes to its resources, keyed `kind/id`. */
export interface SandboxStore {
  get(wsId: string, keys: string[]): Promise<Record<string, SandboxOverride>>;
  /**
   * Reads a resource's changes and writes what `next` computes from them, in one transaction
   * (two actions on one resource never lose each other); nothing is written when unchanged.
   */
  change(
    wsId: string,
    key: string,
    next: (current: SandboxOverride | null) => { override: SandboxOverride; changed: boolean },
    audit: { runId: string; action: string; reason: string; at: Date },
  ): Promise<{ override: SandboxOverride; changed: boolean }>;
}
