import { AppError } from '../../domain/errors.js';
import { isTerminal } from '../../domain/runState.js';
import type { LogLine, Run } from '../../domain/models.js';
import type { Deps } from '../deps.js';

type Runner = { wsId: string; runId: string };

/** Name → value of every secret set on a run's install (none when the run or install is gone). */
async function installSecretValues(deps: Pick<Deps, 'installs' | 'secrets'>, run: Run | null): Promise<Record<string, string>> {
  const install = run ? await deps.installs.get(run.wsId, run.installId) : null;
  const out: Record<string, string> = {};
  for (const [name, s] of Object.entries(install?.secrets ?? {})) {
    const value = await deps.secrets.get(s.ref);
    if (value !== null) out[name] = value;
  }
  return out;
}

/** The secret values of a live run's install, for the execution only (never stored with the run). */
export async function secretsForRun(deps: Pick<Deps, 'runs' | 'installs' | 'secrets'>, runner: Runner): Promise<Record<string, string>> {
  const run = await deps.runs.get(runner.wsId, runner.runId);
  if (!run) throw new AppError('not_found', 'run_not_found', 'Run was not found.');
  if (isTerminal(run.state)) throw new AppError('conflict', 'run_finished', `The run has already finished (${run.state}).`);
  return installSecretValues(deps, run);
}

const REDACTED = '[REDACTED]';
const cache = new Map<string, { values: string[]; until: number }>();

/** Known secret values of the run's install, cached briefly per instance (logs arrive in bursts). */
async function knownValues(deps: Pick<Deps, 'runs' | 'installs' | 'secrets' | 'clock'>, runner: Runner): Promise<string[]> {
  const now = deps.clock.now().getTime();
  const hit = cache.get(runner.runId);
  if (hit && hit.until > now) return hit.values;
  const all = await installSecretValues(deps, await deps.runs.get(runner.wsId, runner.runId));
  // Very short values would blank out ordinary words; secrets that short are not secrets.
  const values = Object.values(all)
    .filter((v) => v.length >= 6)
    .sort((a, b) => b.length - a.length);
  if (cache.size > 1000) cache.clear();
  cache.set(runner.runId, { values, until: now + 60_000 });
  return values;
}

function scrub(text: string, values: string[]): string {
  let out = text;
  for (const v of values) if (out.includes(v)) out = out.split(v).join(REDACTED);
  return out;
}

/** Log lines with every known secret value of the install replaced, in messages and fields. */
export async function redactLines(deps: Pick<Deps, 'runs' | 'installs' | 'secrets' | 'clock'>, runner: Runner, lines: LogLine[]): Promise<LogLine[]> {
  const values = await knownValues(deps, runner);
  if (values.length === 0) return lines;
  return lines.map((l) => ({
    ...l,
    msg: scrub(l.msg, values),
    ...(l.fields ? { fields: JSON.parse(scrub(JSON.stringify(l.fields), values)) as Record<string, unknown> } : {}),
  }));
}
