/** What the sandbox cloud's runner calls need: the workspace's recorded changes to its resources. */
/** Changes agents made to a workspace's sandbox cloud account, keyed `kind/id`. */
export interface SandboxOverride {
  state?: string | undefined;
  labels?: Record<string, string> | undefined;
  attributes?: Record<string, unknown> | undefined;
  deleted?: boolean | undefined;
}

export interface SandboxStore {
  get(wsId: string, keys: string[]): Promise<Record<string, SandboxOverride>>;
  put(wsId: string, key: string, override: SandboxOverride, audit: { runId: string; action: string; reason: string; at: Date }): Promise<void>;
}
