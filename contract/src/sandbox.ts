import { z } from 'zod';
import { ApprovalImpact } from './approvals.js';

/**
 * Cloud actions on the sandbox account. The runner and the agent share one process, so the
 * runner API takes intent only (kind, verb, resource, parameters): the server computes each
 * action's effect with `sandboxEffect`. Every verb's parameters are declared here, strictly, so
 * a parameter the verb does not take is refused rather than stored.
 */

export const SandboxVerb = z.enum(['stop', 'start', 'delete', 'label', 'update']);
export type SandboxVerb = z.infer<typeof SandboxVerb>;

export const SandboxKind = z.string().regex(/^[a-z][a-z0-9.]{0,40}$/, 'a resource kind such as vm or k8s.workload');
export const SandboxResourceId = z.string().min(1).max(400);

/** Cloud label rules (GCP's): a lowercase key, a short lowercase value. */
const LabelKey = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'a label key: lowercase letters, digits, _ and -, starting with a letter');
const LabelValue = z.string().regex(/^[a-z0-9_-]{0,63}$/, 'a label value: up to 63 lowercase letters, digits, _ and -');

const NoParams = z.object({}).strict();
const LabelParams = z
  .object({ labels: z.record(LabelKey, LabelValue).refine((l) => Object.keys(l).length > 0 && Object.keys(l).length <= 64, '1 to 64 labels') })
  .strict();

const IamBinding = z.object({ role: z.string().min(1).max(200), members: z.array(z.string().min(1).max(300)).max(500) }).strict();
const BucketUpdateParams = z
  .object({
    attributes: z
      .object({ publicAccessPrevention: z.enum(['enforced', 'inherited']).optional(), iamBindings: z.array(IamBinding).max(100).optional() })
      .strict()
      .refine((a) => Object.keys(a).length > 0, 'at least one attribute'),
  })
  .strict();

const Quantity = z.number().int().min(0).max(1_000_000);
const ContainerResources = z
  .object({
    name: z.string().min(1).max(63),
    requests: z.object({ cpuMillicores: Quantity.optional(), memoryMiB: Quantity.optional() }).strict().optional(),
    limits: z.object({ cpuMillicores: Quantity.optional(), memoryMiB: Quantity.optional() }).strict().optional(),
  })
  .strict();
const WorkloadUpdateParams = z.object({ attributes: z.object({ containers: z.array(ContainerResources).min(1).max(50) }).strict() }).strict();

/**
 * The parameters each action takes. `stop`, `start`, `delete` and `label` mean the same on every
 * kind; `update` changes kind-specific attributes, so only the kinds listed here can be updated.
 */
const VERB_PARAMS: Record<Exclude<SandboxVerb, 'update'>, z.ZodType> = { stop: NoParams, start: NoParams, delete: NoParams, label: LabelParams };
const UPDATE_PARAMS: Record<string, z.ZodType> = { bucket: BucketUpdateParams, 'k8s.workload': WorkloadUpdateParams };

/** The parameter schema of `kind.verb`, or null when that action has no defined effect. */
export function sandboxParamsSchema(kind: string, verb: SandboxVerb): z.ZodType | null {
  return verb === 'update' ? (UPDATE_PARAMS[kind] ?? null) : VERB_PARAMS[verb];
}

export interface SandboxActionParams {
  labels?: Record<string, string>;
  attributes?: Record<string, unknown>;
}

/** What the runner sends: intent only. */
export const SandboxActionIn = z
  .object({
    kind: SandboxKind,
    verb: SandboxVerb,
    resourceId: SandboxResourceId,
    /** Checked against the action's own schema (`sandboxParamsSchema`) by the server. */
    params: z.record(z.string(), z.unknown()).default({}),
    /** Why the agent acts: kept with the change. */
    reason: z.string().min(1).max(1000),
    /** For an approval-gated action: the one line approvers read, and the expected impact. */
    summary: z.string().min(1).max(300).optional(),
    impact: ApprovalImpact.optional(),
  })
  .strict()
  .meta({ id: 'SandboxAction' });
export type SandboxAction = z.input<typeof SandboxActionIn>;

/**
 * What has changed in the sandbox since the agent's fixture, per resource (`kind/id`): a delta.
 * Labels and attributes are merged over the fixture's (`sandboxView`); a delete hides it.
 */
export const SandboxOverride = z
  .object({
    state: z.string().max(40).optional(),
    labels: z.record(z.string().max(63), z.string().max(63)).optional(),
    attributes: z.record(z.string(), z.unknown()).optional(),
    deleted: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'SandboxOverride' });
export type SandboxOverride = z.output<typeof SandboxOverride>;

export const SandboxActionOut = z
  .object({
    ok: z.literal(true),
    changed: z.boolean(),
    override: SandboxOverride,
    /**
     * Set when the action is approval-gated: it was proposed, not done (`changed` is false). Proposing
     * the same action again in the same run answers the same proposal, with its state.
     */
    proposal: z.object({ id: z.string(), state: z.string() }).optional(),
  })
  .meta({ id: 'SandboxActionResult' });

const isNamedList = (v: unknown): v is Array<{ name: string }> =>
  Array.isArray(v) && v.every((x) => x !== null && typeof x === 'object' && typeof (x as { name?: unknown }).name === 'string');

/**
 * Attributes `delta` over `base`: each key replaces the base's, except lists of named items
 * (containers), merged item by item by name so what the delta does not mention (observed
 * usage, say) is kept.
 */
export function mergeAttributes(base: Record<string, unknown>, delta: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(delta)) {
    const before = base[key];
    if (isNamedList(before) && isNamedList(value)) {
      const byName = new Map(value.map((item) => [item.name, item]));
      const merged = before.map((item) => ({ ...item, ...(byName.get(item.name) ?? {}) }));
      for (const item of value) if (!before.some((b) => b.name === item.name)) merged.push(item);
      out[key] = merged;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * The effect of an action (its parameters already checked against `sandboxParamsSchema`) on a
 * resource's recorded changes. Pure: the server and the in-memory sandbox of agent tests compute
 * the same thing.
 */
export function sandboxEffect(current: SandboxOverride, verb: SandboxVerb, params: SandboxActionParams): SandboxOverride {
  switch (verb) {
    case 'stop':
      return { ...current, state: 'stopped' };
    case 'start':
      return { ...current, state: 'running' };
    case 'delete':
      return { ...current, deleted: true, state: 'deleted' };
    case 'label':
      return { ...current, labels: { ...current.labels, ...params.labels } };
    case 'update':
      return { ...current, attributes: mergeAttributes(current.attributes ?? {}, params.attributes ?? {}) };
  }
}

/** A fixture resource as the workspace sees it now; null once deleted. */
export function sandboxView<R extends { state: string; labels: Record<string, string>; attributes: Record<string, unknown> }>(
  resource: R,
  o: SandboxOverride | undefined,
): R | null {
  if (!o) return resource;
  if (o.deleted) return null;
  return {
    ...resource,
    state: o.state ?? resource.state,
    labels: { ...resource.labels, ...o.labels },
    attributes: mergeAttributes(resource.attributes, o.attributes ?? {}),
  };
}

/** The permissions a read of `kind` may rely on. */
export const readScopesOf = (kind: string) => [`${kind}.list`, `${kind}.get`];
