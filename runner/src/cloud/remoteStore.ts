import type { RunnerClient } from '@agent-marketplace/client';
import type { CloudAction } from './types.js';
import type { ResourceOverride, SandboxStateStore } from './sandbox.js';

/** Sandbox state kept by the platform per workspace, through the runner API. */
export class RemoteSandboxStore implements SandboxStateStore {
  private readonly client: RunnerClient;

  constructor(client: RunnerClient) {
    this.client = client;
  }

  async overrides(keys: string[]): Promise<Record<string, ResourceOverride>> {
    if (keys.length === 0) return {};
    const res = await this.client.call('runnerSandboxState', { keys });
    return res.overrides;
  }

  /** Sends intent only; the platform computes and returns the effect. */
  async apply(action: CloudAction): Promise<ResourceOverride> {
    const res = await this.client.call('runnerSandboxAction', {
      kind: action.kind,
      verb: action.verb,
      resourceId: action.id,
      params: action.params ?? {},
      reason: action.reason,
    });
    return res.override;
  }
}
