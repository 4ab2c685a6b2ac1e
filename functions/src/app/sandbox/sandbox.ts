import { AppError } from '../../domain/errors.js';
import { isTerminal } from '../../domain/runState.js';
import type { Manifest } from '../../domain/manifest.js';
import type { Deps } from '../deps.js';
import type { SandboxOverride } from './ports.js';

/**
 * The sandbox cloud account of a workspace: agents read fixture resources with the
 * workspace's recorded changes applied, and their actions are recorded here, checked
 * against the manifest's permissions and approval gates (the platform is the authority).
 */
type Runner = { wsId: string; runId: string };

async function liveManifest(deps: Pick<Deps, 'runs' | 'catalog'>, runner: Runner): Promise<Manifest> {
  const run = await deps.runs.get(runner.wsId, runner.runId);
  if (!run) throw new AppError('not_found', 'run_not_found', 'Run was not found.');
  if (isTerminal(run.state)) throw new AppError('conflict', 'run_finished', `The run has already finished (${run.state}).`);
  const manifest = await deps.catalog.getVersion(run.agentId, run.agentVersion);
  if (!manifest) throw new AppError('not_found', 'agent_version_not_found', 'The agent version of this run no longer exists.');
  return manifest;
}

/** What the runner needs to enforce the same rules locally (it is re-checked here anyway). */
export function policyOf(manifest: Manifest): { scopes: string[]; gated: string[] } {
  return { scopes: manifest.permissions.map((p) => p.scope), gated: manifest.approvals.map((a) => a.action) };
}

export async function readSandbox(deps: Pick<Deps, 'runs' | 'catalog' | 'sandbox'>, runner: Runner, keys: string[]) {
  await liveManifest(deps, runner);
  return deps.sandbox.get(runner.wsId, [...new Set(keys)]);
}

export async function recordSandboxAction(
  deps: Pick<Deps, 'runs' | 'catalog' | 'sandbox' | 'clock'>,
  runner: Runner,
  input: { action: { kind: string; id: string; verb: string; reason: string }; override: SandboxOverride },
): Promise<void> {
  const manifest = await liveManifest(deps, runner);
  const scope = `${input.action.kind}.${input.action.verb}`;
  const { scopes, gated } = policyOf(manifest);
  if (!scopes.includes(scope)) {
    throw new AppError('forbidden', 'cloud_permission_denied', `The manifest of ${manifest.id} does not grant ${scope}.`);
  }
  if (gated.includes(scope)) {
    throw new AppError('conflict', 'approval_required', `${scope} needs a human approval before it runs.`);
  }
  await deps.sandbox.put(runner.wsId, `${input.action.kind}/${input.action.id}`, input.override, {
    runId: runner.runId,
    action: scope,
    reason: input.action.reason,
    at: deps.clock.now(),
  });
}
