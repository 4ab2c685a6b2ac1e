import { AppError } from '../domain/errors.js';
import type { LogLine, Run } from '../domain/models.js';
import { isTerminal } from '../domain/runState.js';
import { RUNNER_TOKEN_PREFIX } from './dispatchRun.js';
import type { Deps } from './ports.js';
import type { Principal } from './principal.js';
import { redactLines } from './runSecrets.js';
import { matchesHash, parseCredential } from './secrets.js';

/** How long a finished run's token still works, so a runner can retry a lost `complete`. */
const FINISHED_GRACE_MS = 15 * 60_000;

const invalidToken = () =>
  new AppError('unauthenticated', 'invalid_runner_token', 'The runner token is invalid or no longer valid for this run.');

export async function authenticateRunner(
  deps: Pick<Deps, 'runs' | 'clock'>,
  token: string,
): Promise<Extract<Principal, { kind: 'runner' }>> {
  const parsed = parseCredential(RUNNER_TOKEN_PREFIX, token);
  if (!parsed) throw invalidToken();
  const run = await deps.runs.get(parsed.wsId, parsed.id);
  if (!run || !run.runnerTokenHash || !matchesHash(parsed.secret, run.runnerTokenHash)) throw invalidToken();
  if (run.finishedAt && deps.clock.now().getTime() - run.finishedAt.getTime() > FINISHED_GRACE_MS) throw invalidToken();
  return { kind: 'runner', wsId: run.wsId, runId: run.id, attempt: run.attempt };
}

function assertLive(run: Run): void {
  if (isTerminal(run.state)) {
    throw new AppError('conflict', 'run_finished', `The run has already finished (${run.state}).`);
  }
}

export async function reportStarted(deps: Pick<Deps, 'runs' | 'clock'>, runner: { wsId: string; runId: string }): Promise<Run> {
  const now = deps.clock.now();
  const result = await deps.runs.transition(runner.wsId, runner.runId, {
    from: ['starting'],
    to: 'running',
    reason: 'runner_started',
    patch: () => ({ startedAt: now, heartbeatAt: now }),
  });
  if (!result.applied && result.run.state !== 'running') assertLive(result.run);
  return result.run;
}

export async function ingestLogs(
  deps: Pick<Deps, 'runs' | 'clock' | 'installs' | 'secrets'>,
  runner: { wsId: string; runId: string; attempt: number },
  batch: { seq: number; lines: LogLine[] },
): Promise<{ created: boolean }> {
  const run = await deps.runs.get(runner.wsId, runner.runId);
  if (!run) throw invalidToken();
  if (isTerminal(run.state) && run.finishedAt) {
    // A batch retried after `complete` may still land; nothing new is accepted after that.
    const stored = await deps.runs.listLogChunks(runner.wsId, runner.runId, batch.seq - 1, 1);
    if (stored[0]?.seq === batch.seq) return { created: false };
    assertLive(run);
  }
  return deps.runs.putLogChunk(runner.wsId, runner.runId, {
    seq: batch.seq,
    attempt: runner.attempt,
    // Secret values never reach storage, whatever the agent logs.
    lines: await redactLines(deps, runner, batch.lines),
    receivedAt: deps.clock.now(),
  });
}

export async function reportHeartbeat(
  deps: Pick<Deps, 'runs' | 'clock'>,
  runner: { wsId: string; runId: string },
  input: { progress?: { percent: number; message: string } | undefined },
): Promise<void> {
  const run = await deps.runs.get(runner.wsId, runner.runId);
  if (!run) throw invalidToken();
  assertLive(run);
  await deps.runs.touch(runner.wsId, runner.runId, {
    heartbeatAt: deps.clock.now(),
    ...(input.progress ? { progress: input.progress } : {}),
  });
}

export async function reportCompleted(
  deps: Pick<Deps, 'runs' | 'clock'>,
  runner: { wsId: string; runId: string },
  input: {
    outcome: 'succeeded' | 'failed';
    outputs?: Record<string, unknown> | undefined;
    error?: { code: string; message: string } | undefined;
  },
): Promise<Run> {
  const now = deps.clock.now();
  const result = await deps.runs.transition(runner.wsId, runner.runId, {
    from: ['starting', 'running'],
    to: input.outcome,
    reason: input.outcome === 'succeeded' ? 'runner_succeeded' : 'runner_failed',
    patch: (run) => ({
      finishedAt: now,
      startedAt: run.startedAt ?? now,
      outputs: input.outputs ?? null,
      error: input.outcome === 'failed' ? (input.error ?? { code: 'agent_failed', message: 'The agent reported a failure.' }) : null,
      progress: input.outcome === 'succeeded' ? { percent: 100, message: run.progress?.message ?? 'Done' } : run.progress,
    }),
  });
  if (!result.applied && result.run.state !== input.outcome) {
    assertLive(result.run);
    throw new AppError('conflict', 'invalid_run_transition', `The run is ${result.run.state}; it cannot complete now.`);
  }
  return result.run;
}
