import type { RunnerClient } from '@agent-marketplace/client';
import { actionIntent, type CloudAction } from './types.js';
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

  private send(action: CloudAction) {
    return this.client.call('runnerSandboxAction', actionIntent(action));
  }

  /** Sends intent only; the platform computes and returns the effect. */
  async apply(action: CloudAction): Promise<ResourceOverride> {
    return (await this.send(action)).override;
  }

  /** The same call: the platform, which holds the manifest, records a gated action as a proposal. */
  async propose(action: CloudAction): Promise<{ id: string; state: string }> {
    const res = await this.send(action);
    if (!res.proposal) throw new Error(`${action.kind}.${action.verb} was done, not proposed: the runner's policy and the platform's disagree`);
    return res.proposal;
  }
}
