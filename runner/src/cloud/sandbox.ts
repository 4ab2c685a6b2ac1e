import {
  ApprovalRequiredError,
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

/** What has changed in the sandbox since the fixture, per resource (`kind/id`). */
export interface ResourceOverride {
  state?: string;
  labels?: Record<string, string>;
  attributes?: Record<string, unknown>;
  deleted?: boolean;
}

export interface SandboxStateStore {
  overrides(keys: string[]): Promise<Record<string, ResourceOverride>>;
  /** Records an action; the store is authoritative (it re-checks scopes and approvals). */
  apply(action: CloudAction, override: ResourceOverride): Promise<void>;
}

export interface SandboxPolicy {
  /** Permission scopes the manifest grants. */
  scopes: ReadonlySet<string>;
  /** Actions (`kind.verb`) that need an approval. */
  gated: ReadonlySet<string>;
}

export const resourceKey = (kind: string, id: string) => `${kind}/${id}`;

/** The override an action produces on a resource, or an error for an impossible one. */
export function overrideFor(resource: Resource, current: ResourceOverride, action: CloudAction): ResourceOverride {
  switch (action.verb) {
    case 'stop':
      return { ...current, state: 'stopped' };
    case 'start':
      return { ...current, state: 'running' };
    case 'delete':
      return { ...current, deleted: true, state: 'deleted' };
    case 'label':
      return { ...current, labels: { ...resource.labels, ...current.labels, ...(action.params?.labels ?? {}) } };
    case 'update':
      return { ...current, attributes: { ...resource.attributes, ...current.attributes, ...(action.params?.attributes ?? {}) } };
  }
}

export function applyOverride(resource: Resource, o: ResourceOverride | undefined): Resource | null {
  if (!o) return resource;
  if (o.deleted) return null;
  return {
    ...resource,
    state: o.state ?? resource.state,
    labels: o.labels ?? resource.labels,
    attributes: o.attributes ?? resource.attributes,
  };
}

function matches(r: Resource, filter: Parameters<CloudConnection['list']>[1]): boolean {
  if (!filter) return true;
  if (filter.project && r.project !== filter.project) return false;
  if (filter.region && r.region !== filter.region) return false;
  if (filter.state && r.state !== filter.state) return false;
  for (const [k, v] of Object.entries(filter.labels ?? {})) if (r.labels[k] !== v) return false;
  return true;
}

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
      .filter((r): r is Resource => r !== null && matches(r, filter));
  }

  async get(kind: string, id: string): Promise<Resource | null> {
    this.require(`${kind}.list`);
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
    if (this.policy.gated.has(scope)) throw new ApprovalRequiredError(action);
    const base = this.fixture.resources.find((x) => x.kind === action.kind && x.id === action.id);
    if (!base) throw new CloudNotFoundError(action.kind, action.id);
    const key = resourceKey(action.kind, action.id);
    const current = (await this.store.overrides([key]))[key] ?? {};
    const before = applyOverride(base, current);
    if (!before) throw new CloudNotFoundError(action.kind, action.id);
    const next = overrideFor(base, current, action);
    const after = applyOverride(base, next);
    const changed = JSON.stringify(before) !== JSON.stringify(after);
    if (changed) await this.store.apply(action, next);
    return { resource: after ?? { ...before, state: 'deleted' }, changed };
  }
}

/** In-memory state: agent tests, and anything that needs a throwaway sandbox. */
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

  async apply(action: CloudAction, override: ResourceOverride): Promise<void> {
    this.state.set(resourceKey(action.kind, action.id), override);
    this.applied.push({ action, override });
  }
}
