import { AppError } from '../../domain/errors.js';
import type { Manifest } from '../../domain/manifest.js';
import type { Run } from '../../domain/models.js';
import { isTerminal } from '../../domain/runState.js';
import type { Deps } from '../deps.js';

/** A runner's call as authenticated: `run` is the run its token check read (it spares a second read). */
export type RunnerCall = { wsId: string; runId: string; run?: Run };

/**
 * The run a runner call acts for, still live, and the manifest of its version: what every
 * runner call that acts (the sandbox, a connected cloud, memory) checks first.
 */
export async function liveRunAndManifest(deps: Pick<Deps, 'runs' | 'catalog'>, runner: RunnerCall): Promise<{ run: Run; manifest: Manifest }> {
  const run = runner.run ?? (await deps.runs.get(runner.wsId, runner.runId));
  if (!run) throw new AppError('not_found', 'run_not_found', 'Run was not found.');
  if (isTerminal(run.state)) throw new AppError('conflict', 'run_finished', `The run has already finished (${run.state}).`);
  const manifest = await deps.catalog.getVersion(run.agentId, run.agentVersion);
  if (!manifest) throw new AppError('not_found', 'agent_version_not_found', 'The agent version of this run no longer exists.');
  return { run, manifest };
}
