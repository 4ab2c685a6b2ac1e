import type { SandboxActionParams, SandboxVerb } from '@agent-marketplace/contract/sandbox';
import type { Run } from '../../domain/models.js';
import { proposeAction, type ProposalInput } from '../approvals/proposals.js';
import { applySandboxAction, checkSandboxAction, checkSandboxRead } from '../../domain/sandboxPolicy.js';
import type { Deps } from '../deps.js';
import { liveRunAndManifest } from '../runs/liveRun.js';
import type { SandboxOverride } from './ports.js';

export { policyOf } from '../../domain/sandboxPolicy.js';

/**
 * The sandbox cloud account of a workspace: agents read fixture resources with the
 * workspace's recorded changes applied, and act on them here. The caller names an action and
 * its parameters; the server checks them against the manifest's permissions and approval
 * gates and computes the effect (domain/sandboxPolicy.ts): the runner is not trusted.
 */
/** `run`: the run as the runner's token check read it in this request (app/runs/runnerReports.ts authenticateRunner), which spares a second read. */
type Runner = { wsId: string; runId: string; run?: Run };

export async function readSandbox(deps: Pick<Deps, 'runs' | 'catalog' | 'sandbox'>, runner: Runner, keys: string[]) {
  checkSandboxRead((await liveRunAndManifest(deps, runner)).manifest, keys);
  return deps.sandbox.get(runner.wsId, [...new Set(keys)]);
}

export interface SandboxActionRequest {
  kind: string;
  verb: SandboxVerb;
  resourceId: string;
  params: Record<string, unknown>;
  reason: string;
  summary?: string | undefined;
  impact?: ProposalInput['impact'];
}

/** An action the agent calls: done now, or, when the manifest gates it, proposed for approval (app/approvals). */
export async function recordSandboxAction(
  deps: Pick<Deps, 'runs' | 'catalog' | 'sandbox' | 'clock' | 'approvals' | 'installs' | 'secrets'>,
  runner: Runner,
  input: SandboxActionRequest,
): Promise<{ override: SandboxOverride; changed: boolean; proposal?: { id: string; state: string } }> {
  const { run, manifest } = await liveRunAndManifest(deps, runner);
  const { params, gate } = checkSandboxAction(manifest, input);
  if (gate) return proposeAction(deps, run, gate, input, params);
  return applyAction(deps, runner, input, params);
}

/** Changes the workspace's sandbox resource: the effect computed on the server from the verb and parameters. */
export function applyAction(
  deps: Pick<Deps, 'sandbox' | 'clock'>,
  runner: Runner,
  input: Pick<SandboxActionRequest, 'kind' | 'verb' | 'resourceId' | 'reason'>,
  params: SandboxActionParams,
): Promise<{ override: SandboxOverride; changed: boolean }> {
  return deps.sandbox.change(runner.wsId, `${input.kind}/${input.resourceId}`, (current) => applySandboxAction(current, input, params), {
    runId: runner.runId,
    action: `${input.kind}.${input.verb}`,
    reason: input.reason,
    at: deps.clock.now(),
  });
}
