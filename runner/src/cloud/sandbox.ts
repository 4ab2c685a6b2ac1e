import { matchesCloudFilter } from '@agent-marketplace/contract/cloud';
import { sandboxEffect, sandboxParamsSchema, sandboxView, type SandboxActionParams, type SandboxOverride } from '@agent-marketplace/contract/sandbox';
import {
  CloudActionError,
  CloudNotFoundError,
  CloudPermissionError,
  type ActionResult,
  type CloudAction,
  type CloudConnection,
  type Resource,
} from './types.js';

/** A sandbox account as shipped in an agent's `fixtures/cloud.json`. */
export interface SandboxFixture {
  account: string;
  resources: Resource[];
  datasets?: Record<string, Record<string, unknown>[]>;
}

/** What has changed in the sandbox since the fixture, per resource (`kind/id`): a delta (contract `SandboxOverride`). */
export type ResourceOverride = SandboxOverride;

export interface SandboxStateStore {
  overrides(keys: string[]): Promise<Record<string, ResourceOverride>>;
  /**
   * Performs an action: the store is the authority (it re-checks scopes and approvals, and
   * computes the effect from the verb and parameters). Returns the resource's changes after it.
   */
  apply(action: CloudAction): Promise<ResourceOverride>;
  /** Proposes an approval-gated action (the platform records it for people to decide); the same action again is the same proposal. */
  propose(action: CloudAction): Promise<{ id: string; state: string }>;
}

export interface SandboxPolicy {
  /** Permission scopes the manifest grants. */
  scopes: ReadonlySet<string>;
  /** Actions (`kind.verb`) that need an approval. */
  gated: ReadonlySet<string>;
}

export const resourceKey = (kind: string, id: string) => `${kind}/${id}`;

/** The action's parameters as its verb takes them, or a CloudActionError (the platform refuses the same). */
export function checkedParams(action: CloudAction): SandboxActionParams {
  const schema = sandboxParamsSchema(action.kind, action.verb);
  if (!schema) throw new CloudActionError('cloud_action_unsupported', `${action.kind}.${action.verb} has no defined effect.`);
  const parsed = schema.safeParse(action.params ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CloudActionError('cloud_action_params_invalid', `${action.kind}.${action.verb} does not take these parameters: ${['params', ...issue.path].join('.')}: ${issue.message}`);
  }
  return parsed.data as SandboxActionParams;
}

export const applyOverride = (resource: Resource, o: ResourceOverride | undefined): Resource | null => sandboxView(resource, o);

/**
 * The sandbox cloud: the fixture's resources with the workspace's recorded changes applied.
 * Acting on a resource really changes it for every later run in the same workspace.
 */
export class SandboxCloud implements CloudConnection {
  readonly provider = 'sandbox';
  readonly account: string;
  private readonly fixture: SandboxFixture;
  private readonly store: SandboxStateStore;
  private readonly policy: SandboxPolicy;

  constructor(fixture: SandboxFixture, store: SandboxStateStore, policy: SandboxPolicy) {
    this.account = fixture.account;
    this.fixture = fixture;
    this.store = store;
    this.policy = policy;
  }

  private require(scope: string): void {
    if (!this.policy.scopes.has(scope)) throw new CloudPermissionError(scope);
  }

  async list(kind: string, filter?: Parameters<CloudConnection['list']>[1]): Promise<Resource[]> {
    this.require(`${kind}.list`);
    const own = this.fixture.resources.filter((r) => r.kind === kind);
    const overrides = await this.store.overrides(own.map((r) => resourceKey(r.kind, r.id)));
    return own
      .map((r) => applyOverride(r, overrides[resourceKey(r.kind, r.id)]))
      .filter((r): r is Resource => r !== null && matchesCloudFilter(r, filter));
  }

  async get(kind: string, id: string): Promise<Resource | null> {
    if (!this.policy.scopes.has(`${kind}.get`)) this.require(`${kind}.list`);
    const r = this.fixture.resources.find((x) => x.kind === kind && x.id === id);
    if (!r) return null;
    const overrides = await this.store.overrides([resourceKey(kind, id)]);
    return applyOverride(r, overrides[resourceKey(kind, id)]);
  }

  async dataset<T = Record<string, unknown>>(name: string): Promise<T[]> {
    this.require(`${name}.read`);
    return (this.fixture.datasets?.[name] ?? []) as T[];
  }

  async act(action: CloudAction): Promise<ActionResult> {
    const scope = `${action.kind}.${action.verb}`;
    this.require(scope);
    const base = this.fixture.resources.find((x) => x.kind === action.kind && x.id === action.id);
    if (!base) throw new CloudNotFoundError(action.kind, action.id);
    const key = resourceKey(action.kind, action.id);
    const current = (await this.store.overrides([key]))[key] ?? {};
    const before = applyOverride(base, current);
    if (!before) throw new CloudNotFoundError(action.kind, action.id);
    if (this.policy.gated.has(scope)) {
      checkedParams(action);
      return { resource: before, changed: false, proposal: await this.store.propose(action) };
    }
    // Predicted with the platform's own effect function: an action that would change nothing is not sent.
    const predicted = applyOverride(base, sandboxEffect(current, action.verb, checkedParams(action)));
    if (JSON.stringify(before) === JSON.stringify(predicted)) return { resource: before, changed: false };
    const after = applyOverride(base, await this.store.apply(action));
    return { resource: after ?? { ...before, state: 'deleted' }, changed: JSON.stringify(before) !== JSON.stringify(after) };
  }
}

/** In-memory state: agent tests, and anything that needs a throwaway sandbox. Effects as the platform computes them. */
export class MemorySandboxStore implements SandboxStateStore {
  readonly applied: { action: CloudAction; override: ResourceOverride }[] = [];
  private readonly state = new Map<string, ResourceOverride>();

  async overrides(keys: string[]): Promise<Record<string, ResourceOverride>> {
    const out: Record<string, ResourceOverride> = {};
    for (const k of keys) {
      const o = this.state.get(k);
      if (o) out[k] = o;
    }
    return out;
  }

  async apply(action: CloudAction): Promise<ResourceOverride> {
    const key = resourceKey(action.kind, action.id);
    const current = this.state.get(key) ?? {};
    if (current.deleted) throw new CloudNotFoundError(action.kind, action.id);
    const override = sandboxEffect(current, action.verb, checkedParams(action));
    this.state.set(key, override);
    this.applied.push({ action, override });
    return override;
  }

  readonly proposed: CloudAction[] = [];

  async propose(action: CloudAction): Promise<{ id: string; state: string }> {
    const same = this.proposed.findIndex((p) => JSON.stringify(p) === JSON.stringify(action));
    if (same < 0) this.proposed.push(action);
    return { id: `proposal-${same < 0 ? this.proposed.length : same + 1}`, state: 'pending' };
  }
}
