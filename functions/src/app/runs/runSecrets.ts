import { AppError } from '../../domain/errors.js';
import { isTerminal } from '../../domain/runState.js';
import { createRedactor, type Redactor } from '../../domain/redaction.js';
import type { Install, Run } from '../../domain/models.js';
import type { Deps } from '../deps.js';

type Runner = { wsId: string; runId: string };
type SecretDeps = Pick<Deps, 'installs' | 'secrets'>;

/**
 * The secret references a run uses: the versions dispatch pinned for its attempt, so a secret
 * rotated while it runs changes neither what the execution gets nor what is redacted. A run
 * dispatched before pinning existed falls back to the install's current references.
 */
async function refsOf(deps: SecretDeps, run: Run): Promise<Record<string, string>> {
  if (run.secretRefs) return run.secretRefs;
  const install = await deps.installs.get(run.wsId, run.installId);
  return Object.fromEntries(Object.entries(install?.secrets ?? {}).map(([name, s]) => [name, s.ref]));
}

/** The install's current secret references, to pin on an attempt at dispatch. */
export function pinnedSecretRefs(install: Pick<Install, 'secrets'> | null): Record<string, string> {
  return Object.fromEntries(Object.entries(install?.secrets ?? {}).map(([name, s]) => [name, s.ref]));
}

/**
 * Values by reference, kept briefly per instance: a pinned reference names a version, whose value
 * never changes, so a run's bursts of batches read the store once; not longer, so a deleted
 * value does not linger in memory.
 */
const KEEP_MS = 5 * 60_000;
const values = new Map<string, { value: string | null; until: number }>();
async function valueOf(deps: SecretDeps, ref: string): Promise<string | null> {
  const now = Date.now();
  const hit = values.get(ref);
  if (hit && hit.until > now) return hit.value;
  const value = await deps.secrets.get(ref);
  if (values.size > 2000) values.clear();
  values.set(ref, { value, until: now + KEEP_MS });
  return value;
}

async function runValues(deps: SecretDeps, run: Run): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, ref] of Object.entries(await refsOf(deps, run))) {
    const value = await valueOf(deps, ref);
    if (value !== null) out[name] = value;
  }
  return out;
}

/** The secret values of a live run, for the execution only (never stored with the run). */
export async function secretsForRun(deps: Pick<Deps, 'runs' | 'installs' | 'secrets'>, runner: Runner): Promise<Record<string, string>> {
  const run = await deps.runs.get(runner.wsId, runner.runId);
  if (!run) throw new AppError('not_found', 'run_not_found', 'Run was not found.');
  if (isTerminal(run.state)) throw new AppError('conflict', 'run_finished', `The run has already finished (${run.state}).`);
  return runValues(deps, run);
}

/** One redactor per set of pinned references: its forms are computed once, not per batch. */
const redactors = new Map<string, { redactor: Redactor; until: number }>();

/** The redactor of a run's secret values (every encoded form), as pinned for its current attempt. */
export async function redactorFor(deps: SecretDeps, run: Run): Promise<Redactor> {
  const refs = await refsOf(deps, run);
  const key = Object.values(refs).sort().join('\n');
  const now = Date.now();
  const hit = redactors.get(key);
  if (hit && hit.until > now) return hit.redactor;
  const redactor = createRedactor(Object.values(await runValues(deps, run)));
  if (redactors.size > 500) redactors.clear();
  redactors.set(key, { redactor, until: now + KEEP_MS });
  return redactor;
}
