import { AppError } from '../../domain/errors.js';
import type { Manifest } from '../../domain/manifest.js';
import type { Run } from '../../domain/models.js';
import { isTerminal } from '../../domain/runState.js';
import type { Deps } from '../deps.js';

/** A runner's call as authenticated: `run` is the run its token check read (it spares a second read). */
export type RunnerCall = { wsId: string; runId: string; run?: Run };

/**
 * Manifests of published versions this instance has read. A published version's manifest never
 * changes (a deprecation or a yank is recorded beside it), so a run's many runner calls read it
 * once per instance, not once per call; a version not (or no longer) served is never kept.
 */
const MANIFESTS_KEPT = 200;
const manifests = new Map<string, Manifest>();

async function manifestOf(deps: Pick<Deps, 'catalog'>, agentId: string, version: string): Promise<Manifest | null> {
  const key = `${agentId}@${version}`;
  const kept = manifests.get(key);
  if (kept) return kept;
  const manifest = await deps.catalog.getVersion(agentId, version);
  if (!manifest) return null;
  if (manifests.size >= MANIFESTS_KEPT) manifests.delete(manifests.keys().next().value!);
  manifests.set(key, manifest);
  return manifest;
}

/**
 * The run a runner call acts for, still live, and the manifest of its version: what every
 * runner call that acts (the sandbox, a connected cloud, memory) checks first.
 */
export async function liveRunAndManifest(deps: Pick<Deps, 'runs' | 'catalog'>, runner: RunnerCall): Promise<{ run: Run; manifest: Manifest }> {
  const run = runner.run ?? (await deps.runs.get(runner.wsId, runner.runId));
  if (!run) throw new AppError('not_found', 'run_not_found', 'Run was not found.');
  if (isTerminal(run.state)) throw new AppError('conflict', 'run_finished', `The run has already finished (${run.state}).`);
  const manifest = await manifestOf(deps, run.agentId, run.agentVersion);
  if (!manifest) throw new AppError('not_found', 'agent_version_not_found', 'The agent version of this run no longer exists.');
  return { run, manifest };
}
