import type { RunnerClient } from '@agent-marketplace/client';
import type { ActionResult, CloudAction, CloudConnection, Resource } from './types.js';
import { actionIntent, CloudNotFoundError, CloudPermissionError } from './types.js';

/**
 * A customer's connected cloud (GCP or AWS). The execution holds no credential for it: every
 * read and action is sent to the runner API as intent, and the platform checks it (scope,
 * consent, approval gate) and performs it with the run's short-lived credential.
 */
export class ConnectedCloud implements CloudConnection {
  readonly provider: string;
  readonly account: string;
  private readonly client: RunnerClient;
  private readonly scopes: ReadonlySet<string>;

  constructor(client: RunnerClient, cloud: { provider: string; account: string }, policy: { scopes: ReadonlySet<string> }) {
    this.client = client;
    this.provider = cloud.provider;
    this.account = cloud.account;
    this.scopes = policy.scopes;
  }

  // Checked here too, so an agent learns at once and by name; the platform checks again.
  private require(...any: string[]): void {
    if (!any.some((s) => this.scopes.has(s))) throw new CloudPermissionError(any[0]!);
  }

  async list(kind: string, filter?: Parameters<CloudConnection['list']>[1]): Promise<Resource[]> {
    this.require(`${kind}.list`);
    return (await this.client.call('runnerCloudList', { kind, filter: filter ?? {} })).items;
  }

  async get(kind: string, id: string): Promise<Resource | null> {
    this.require(`${kind}.get`, `${kind}.list`);
    return (await this.client.call('runnerCloudGet', { kind, id })).resource;
  }

  async dataset<T = Record<string, unknown>>(name: string): Promise<T[]> {
    this.require(`${name}.read`);
    return (await this.client.call('runnerCloudDataset', { name })).rows as T[];
  }

  async act(action: CloudAction): Promise<ActionResult> {
    this.require(`${action.kind}.${action.verb}`);
    const res = await this.client.call('runnerCloudAction', actionIntent(action));
    if (!res.resource) throw new CloudNotFoundError(action.kind, action.id);
    return { resource: res.resource, changed: res.changed, ...(res.proposal ? { proposal: res.proposal } : {}) };
  }
}
