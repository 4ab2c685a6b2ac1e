import {
  readScopesOf,
  sandboxEffect,
  sandboxParamsSchema,
  type SandboxActionParams,
  type SandboxOverride,
  type SandboxVerb,
} from '@agent-marketplace/contract/sandbox';
import { canonicalJson } from '@agent-marketplace/contract/approvals';
import { AppError } from './errors.js';
import type { Manifest } from './manifest.js';

/**
 * What an agent may do to its workspace's sandbox cloud, judged on the server: the runner and
 * the agent are one untrusted process, so nothing it claims about an effect is taken.
 */
export interface SandboxIntent {
  kind: string;
  verb: SandboxVerb;
  resourceId: string;
  params: Record<string, unknown>;
}

/** The cloud permissions the agent may use, and which of them wait for an approval. */
export function policyOf(manifest: Pick<Manifest, 'permissions' | 'approvals'>): { scopes: string[]; gated: string[] } {
  return { scopes: manifest.permissions.map((p) => p.scope), gated: manifest.approvals.map((a) => a.action) };
}

/**
 * Checks an action against the manifest and returns its parameters as the action's schema
 * reads them, and the manifest's approval gate when a person must approve it first: unknown
 * parameters or an action with no defined effect are 400, an undeclared scope 403.
 */
export function checkSandboxAction(
  manifest: Pick<Manifest, 'id' | 'permissions' | 'approvals'>,
  intent: SandboxIntent,
): { params: SandboxActionParams; gate: Manifest['approvals'][number] | null } {
  const scope = `${intent.kind}.${intent.verb}`;
  const schema = sandboxParamsSchema(intent.kind, intent.verb);
  if (!schema) throw new AppError('invalid', 'cloud_action_unsupported', `${scope} has no defined effect on the sandbox.`);
  const parsed = schema.safeParse(intent.params);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: ['params', ...i.path].join('.'), message: i.message }));
    throw new AppError('invalid', 'cloud_action_params_invalid', `${scope} does not take these parameters: ${issues[0]!.path}: ${issues[0]!.message}`, { issues });
  }
  const { scopes } = policyOf(manifest);
  if (!scopes.includes(scope)) throw new AppError('forbidden', 'cloud_permission_denied', `The manifest of ${manifest.id} does not grant ${scope}.`);
  return { params: parsed.data as SandboxActionParams, gate: manifest.approvals.find((a) => a.action === scope) ?? null };
}

/** A read of `kind/id` keys needs `kind.list` or `kind.get` for every kind read. */
export function checkSandboxRead(manifest: Pick<Manifest, 'id' | 'permissions'>, keys: readonly string[]): void {
  const scopes = new Set(manifest.permissions.map((p) => p.scope));
  for (const kind of new Set(keys.map((k) => k.slice(0, k.indexOf('/'))))) {
    if (!readScopesOf(kind).some((s) => scopes.has(s))) {
      throw new AppError('forbidden', 'cloud_permission_denied', `The manifest of ${manifest.id} grants neither ${kind}.list nor ${kind}.get.`);
    }
  }
}

/**
 * The resource's recorded changes after the action; a deleted resource takes no action.
 * `changed` compares structurally, so repeating an action writes nothing.
 */
export function applySandboxAction(
  current: SandboxOverride | null,
  intent: Pick<SandboxIntent, 'kind' | 'verb' | 'resourceId'>,
  params: SandboxActionParams,
): { override: SandboxOverride; changed: boolean } {
  if (current?.deleted) throw new AppError('not_found', 'cloud_resource_not_found', `No ${intent.kind} ${intent.resourceId} in this account.`);
  const before = current ?? {};
  const override = sandboxEffect(before, intent.verb, params);
  return { override, changed: canonicalJson(override) !== canonicalJson(before) };
}
