import { AppError } from '../../domain/errors.js';
import { validateAgainst } from '../../domain/jsonSchema.js';
import type { LogChunk, LogLine, Run } from '../../domain/models.js';
import { fitUnderLimits, storedSeq } from '../../domain/runLogs.js';
import { isTerminal, RunState } from '../../domain/runState.js';
import { watchRunning } from '../../domain/runWatch.js';
import { BOOTSTRAP_TOKEN_PREFIX, RUNNER_TOKEN_PREFIX } from './dispatchRun.js';
import type { Deps } from '../deps.js';
import type { Principal } from '../shared/principal.js';
import { endAttempt } from './runAttempts.js';
import { redactorFor } from './runSecrets.js';
import { cutTail, type Redactor } from '../../domain/redaction.js';
import { formatCredential, matchesHash, newSecret, parseCredential, sha256 } from '../shared/credentials.js';
import { checkUsage } from '../../domain/usageBound.js';
import { settleRun, type SettleDeps } from '../approvals/settleRun.js';
import type { RunnerStarted } from '@agent-marketplace/contract/runner';
import { getInstall } from '../installs/installs.js';
import { policyOf } from '../sandbox/sandbox.js';

/** How long a finished run's token still works, so a runner can retry a lost `complete`. */
const FINISHED_GRACE_MS = 15 * 60_000;

type Runner = Extract<Principal, { kind: 'runner' }>;
type EngineDeps = Pick<Deps, 'runs' | 'clock' | 'dispatchQueue' | 'executor' | 'config' | 'approvals'>;

const invalidToken = () =>
  new AppError('unauthenticated', 'invalid_runner_token', 'The runner token is invalid or no longer valid for this run.');

export async function authenticateRunner(deps: Pick<Deps, 'runs' | 'clock'>, token: string): Promise<Runner> {
  const parsed = parseCredential(RUNNER_TOKEN_PREFIX, token);
  if (!parsed) throw invalidToken();
  const run = await deps.runs.get(parsed.wsId, parsed.id);
  if (!run || !run.runnerTokenHash || !matchesHash(parsed.secret, run.runnerTokenHash)) throw invalidToken();
  if (run.finishedAt && deps.clock.now().getTime() - run.finishedAt.getTime() > FINISHED_GRACE_MS) throw invalidToken();
  return { kind: 'runner', wsId: run.wsId, runId: run.id, attempt: run.attempt, run };
}

const invalidBootstrap = () =>
  new AppError('unauthenticated', 'invalid_bootstrap_token', 'The bootstrap token is not valid for this run.');

/**
 * The runner's first call: its one-time bootstrap token (the only credential in the execution's
 * metadata) for the run's session token, and the start, in one transaction, so reaching
 * `running` costs the execution one round trip. One exchange per attempt, within the start
 * window on the server's clock; a second one (someone who read the metadata later) is refused,
 * and the session token is kept only as a hash in the run's internal document.
 */
export async function startRunnerSession(
  deps: Pick<Deps, 'runs' | 'clock' | 'config' | 'installs' | 'catalog'>,
  runId: string,
  bootstrapToken: string,
  nonce?: string,
): Promise<{ token: string; started: RunnerStarted }> {
  const parsed = parseCredential(BOOTSTRAP_TOKEN_PREFIX, bootstrapToken);
  if (!parsed || parsed.id !== runId) throw invalidBootstrap();
  const secret = newSecret();
  const now = deps.clock.now();
  const result = await deps.runs
    .transition(parsed.wsId, parsed.id, {
      // Every state: the token is checked first, so a wrong one learns nothing about the run.
      from: RunState.options,
      to: 'running',
      reason: 'runner_started',
      guard: (run) => {
        const bootstrap = run.bootstrap;
        if (!bootstrap || !matchesHash(parsed.secret, bootstrap.hash)) throw invalidBootstrap();
        if (bootstrap.usedAt) throw tokenUsed();
        if (now.getTime() > bootstrap.expiresAt.getTime()) {
          throw new AppError('unauthenticated', 'bootstrap_token_expired', 'This bootstrap token was not exchanged within its window.');
        }
        assertLive(run);
        // `dispatching`: the execution reached us before dispatch recorded that it started it.
        return run.state === 'starting' || run.state === 'dispatching';
      },
      patch: (run) => ({ ...startedPatch(run, now, deps.config), runnerTokenHash: sha256(secret), bootstrap: { ...run.bootstrap!, usedAt: now, nonceHash: nonce ? sha256(nonce) : null } }),
    })
    .catch(async (err: unknown) => {
      // A run that does not exist answers like a wrong token: run ids do not leak.
      if (err instanceof AppError && err.code === 'run_not_found') throw invalidBootstrap();
      // The execution's own retry (its first answer was lost): a new session token replaces the first.
      if (err instanceof AppError && err.code === 'bootstrap_token_used' && nonce) return { applied: true as const, run: await reissueSession(deps, parsed, nonce, secret, now) };
      throw err;
    });
  if (!result.applied) {
    throw new AppError('conflict', 'run_not_starting', `This attempt is no longer starting (the run is ${result.run.state}).`);
  }
  return { token: formatCredential(RUNNER_TOKEN_PREFIX, parsed.wsId, parsed.id, secret), started: await startedPayload(deps, result.run) };
}

const tokenUsed = () => new AppError('conflict', 'bootstrap_token_used', 'This bootstrap token was already exchanged; it works once.');

/**
 * A repeat of the exchange by the execution that made it: the same bootstrap token and the
 * nonce whose hash the first exchange kept, within the start window, on a run still live.
 * The session token is replaced (one session at a time); anything else is refused as a reuse.
 */
async function reissueSession(deps: Pick<Deps, 'runs'>, parsed: { wsId: string; id: string; secret: string }, nonce: string, secret: string, now: Date): Promise<Run> {
  return deps.runs.updateInternal(parsed.wsId, parsed.id, (run) => {
    const bootstrap = run.bootstrap;
    if (!bootstrap || !matchesHash(parsed.secret, bootstrap.hash)) throw invalidBootstrap();
    if (!bootstrap.usedAt || !bootstrap.nonceHash || !matchesHash(nonce, bootstrap.nonceHash) || now.getTime() > bootstrap.expiresAt.getTime()) throw tokenUsed();
    assertLive(run);
    return { runnerTokenHash: sha256(secret) };
  });
}

function assertLive(run: Run): void {
  if (isTerminal(run.state)) {
    throw new AppError('conflict', 'run_finished', `The run has already finished (${run.state}).`);
  }
}

function startedPatch(run: Run, now: Date, bounds: Deps['config']): Partial<Run> {
  const deadlineAt = new Date(now.getTime() + run.timeoutSeconds * 1000);
  return { startedAt: now, heartbeatAt: now, lease: null, deadlineAt, watchAt: watchRunning(now, deadlineAt, bounds) };
}

/** What the agent runs with: its input, the install's config, its cloud policy and secret names. */
async function startedPayload(deps: Pick<Deps, 'installs' | 'catalog'>, run: Run): Promise<RunnerStarted> {
  const [install, manifest] = await Promise.all([
    getInstall(deps, run.wsId, run.installId).catch(() => null),
    deps.catalog.getVersion(run.agentId, run.agentVersion),
  ]);
  const policy = manifest ? policyOf(manifest) : { scopes: [], gated: [] };
  const cloud = install?.connection ? { provider: install.connection.provider, account: install.connection.account } : null;
  return { ok: true, input: run.input, config: install?.config ?? {}, attempt: run.attempt, policy, secretNames: Object.keys(install?.secrets ?? {}), cloud, memory: manifest?.memory ?? [] };
}

/** A runner that started through its session already is `running`: this answers the same payload again. */
export async function reportStarted(deps: EngineDeps & Pick<Deps, 'installs' | 'catalog'>, runner: Runner): Promise<RunnerStarted> {
  const now = deps.clock.now();
  const result = await deps.runs.transition(runner.wsId, runner.runId, {
    from: ['starting', 'dispatching'],
    to: 'running',
    reason: 'runner_started',
    patch: (run) => startedPatch(run, now, deps.config),
  });
  if (!result.applied && result.run.state !== 'running') assertLive(result.run);
  return startedPayload(deps, result.run);
}

const lineBytes = (line: LogLine) => Buffer.byteLength(JSON.stringify(line));

/**
 * A batch's lines with every form of the run's secrets replaced: in messages (also a value split
 * across two lines, or across the previous batch's last line and this batch's first, whose stored
 * fragment is replaced in place) and in fields (every string of the JSON value, keys included).
 */
async function redactBatch(
  deps: Pick<Deps, 'runLogs'>,
  runner: Runner,
  redactor: Redactor,
  previous: LogChunk | null,
  lines: LogLine[],
): Promise<LogLine[]> {
  const last = previous?.lines.at(-1);
  const { texts, previousCut } = redactor.stream(
    lines.map((l) => l.msg),
    last?.msg,
  );
  if (previous && last && previousCut !== null) {
    // Rare (a value cut at a batch boundary): one more write, repeated harmlessly on a retry.
    await deps.runLogs.replaceLogLines(runner.wsId, runner.runId, previous.seq, [...previous.lines.slice(0, -1), { ...last, msg: cutTail(last.msg, previousCut) }]);
  }
  return lines.map((l, i) => ({ ...l, msg: texts[i]!, ...(l.fields ? { fields: redactor.json(l.fields) } : {}) }));
}

/**
 * Stores one batch of log lines (redacted) as a chunk. Each chunk carries the attempt's
 * running totals, read from the chunk before it, so the per-run cap costs one small read and
 * no extra write. The batch that crosses the cap is cut, ends with a marker line, and the run fails.
 */
export async function ingestLogs(
  deps: EngineDeps & Pick<Deps, 'installs' | 'secrets' | 'runLogs'>,
  runner: Runner,
  batch: { seq: number; lines: LogLine[] },
): Promise<{ created: boolean; truncated: boolean }> {
  const run = runner.run;
  const seq = storedSeq(runner.attempt, batch.seq);
  if (isTerminal(run.state) && run.finishedAt) {
    // A batch retried after `complete` may still land; nothing new is accepted after that.
    const stored = await deps.runLogs.getLogChunk(runner.wsId, runner.runId, seq);
    if (stored) return { created: false, truncated: Boolean(stored.truncated) };
    assertLive(run);
  }
  const previous = batch.seq === 0 ? null : await deps.runLogs.getLogChunk(runner.wsId, runner.runId, seq - 1);
  if (batch.seq > 0 && !previous) {
    throw new AppError('conflict', 'log_batch_out_of_order', `Log batch ${batch.seq} arrived before batch ${batch.seq - 1}; send batches in order.`);
  }
  if (previous?.truncated) throw new AppError('conflict', 'log_limit_exceeded', 'This run reached its log limit; no more lines are stored.');
  const redactor = await redactorFor(deps, run);
  const lines = redactor.active ? await redactBatch(deps, runner, redactor, previous, batch.lines) : batch.lines;
  const limits = deps.config.logLimits;
  const { kept, totals } = fitUnderLimits(limits, { lines: previous?.totalLines ?? 0, bytes: previous?.totalBytes ?? 0 }, lines.map(lineBytes));
  const truncated = kept < lines.length;
  const chunk: LogChunk = {
    seq,
    attempt: runner.attempt,
    lines: truncated
      ? [
          ...lines.slice(0, kept),
          {
            ts: deps.clock.now().toISOString(),
            level: 'error',
            msg: `Log limit reached (${limits.maxLines} lines or ${limits.maxBytes / 1024 / 1024} MiB per attempt): later lines were dropped and the run was stopped.`,
          },
        ]
      : lines,
    receivedAt: deps.clock.now(),
    totalLines: totals.lines,
    totalBytes: totals.bytes,
    ...(truncated ? { truncated: true } : {}),
  };
  const { created } = await deps.runLogs.putLogChunk(runner.wsId, runner.runId, chunk);
  if (truncated && created) {
    await endAttempt(deps, runner, {
      from: ['starting', 'running', 'awaiting_approval'],
      outcome: 'failed',
      reason: 'log_limit_exceeded',
      error: { code: 'log_limit_exceeded', message: `The agent wrote more than ${limits.maxLines} log lines (or ${limits.maxBytes / 1024 / 1024} MiB); its logs were cut and the run was stopped.` },
      stopExecution: true,
    });
  }
  return { created, truncated };
}

export async function reportHeartbeat(
  deps: EngineDeps & Pick<Deps, 'installs' | 'secrets'>,
  runner: Runner,
  input: { progress?: { percent: number; message: string } | undefined },
): Promise<void> {
  const run = runner.run;
  assertLive(run);
  const progress = input.progress ? { ...input.progress, message: (await redactorFor(deps, run)).text(input.progress.message) } : undefined;
  const now = deps.clock.now();
  const watchAt = run.state === 'running' ? watchRunning(now, run.deadlineAt, deps.config) : undefined;
  await deps.runs.touch(runner.wsId, runner.runId, {
    heartbeatAt: now,
    ...(watchAt && watchAt.getTime() !== run.watchAt?.getTime() ? { watchAt } : {}),
    ...(progress ? { progress } : {}),
  });
}

export interface CompletionReport {
  /** `suspended`: the agent waits on a pending request (ctx.approval.request); a new execution resumes the run once it is decided. */
  outcome: 'succeeded' | 'failed' | 'timed_out' | 'suspended';
  outputs?: Record<string, unknown> | undefined;
  error?: { code: string; message: string } | undefined;
  usage?: { units: number } | undefined;
}

export async function reportCompleted(deps: EngineDeps & SettleDeps & Pick<Deps, 'secrets' | 'memory'>, runner: Runner, input: CompletionReport): Promise<Run> {
  let { outcome, error } = input;
  if (outcome === 'suspended' && (runner.run.approvals?.total ?? 0) === 0) {
    // Nothing would ever resume it: the agent (or whatever holds its token) is wrong, not the run.
    throw new AppError('conflict', 'nothing_to_wait_for', 'The run made no approval request; there is nothing to suspend it for.');
  }
  const manifest = outcome === 'succeeded' || input.usage ? await deps.catalog.getVersion(runner.run.agentId, runner.run.agentVersion) : null;
  // Reported units are a claim: over the manifest's per-run bound, the run fails and nothing is billed.
  const overUsage = input.usage ? checkUsage(manifest?.pricing, runner.run.usage?.units ?? 0, input.usage.units) : null;
  if (overUsage) {
    const ended = await endAttempt(deps, runner, {
      from: ['starting', 'running'],
      outcome: 'failed',
      reason: 'usage_limit_exceeded',
      error: { code: overUsage.code, message: overUsage.message },
      outputs: input.outputs ?? null,
    });
    if (!ended.applied) assertLive(ended.run);
    throw overUsage;
  }
  if (outcome === 'succeeded') {
    // Outputs that break the manifest's promise fail the run: downstream consumers rely on it.
    const issues = manifest?.outputs ? validateAgainst(manifest.outputs, input.outputs ?? {}, 'outputs') : [];
    if (issues.length > 0) {
      outcome = 'failed';
      error = { code: 'output_invalid', message: `The agent's outputs do not match its manifest: ${issues[0]!.path} ${issues[0]!.message}` };
    }
  }
  // Outputs and the error are stored on the run document (and served): redacted like the logs.
  const redactor = await redactorFor(deps, runner.run);
  if (error) error = { code: redactor.text(error.code), message: redactor.text(error.message) };
  const result = await endAttempt(deps, runner, {
    from: ['starting', 'running'],
    outcome,
    reason: `runner_${outcome}`,
    error: outcome === 'succeeded' || outcome === 'suspended' ? null : (error ?? { code: outcome === 'timed_out' ? 'timeout' : 'agent_failed', message: outcome === 'timed_out' ? 'The run exceeded its timeout.' : 'The agent reported a failure.' }),
    outputs: input.outputs ? redactor.json(input.outputs) : null,
    ...(input.usage ? { usageUnits: input.usage.units } : {}),
  });
  if (!result.applied) {
    const run = result.run;
    // The same report again (a retried request), or one for an attempt already retried: nothing to do.
    if (run.state === outcome || run.attempt !== runner.attempt || ((outcome === 'succeeded' || outcome === 'suspended') && run.state === 'awaiting_approval')) return run;
    assertLive(run);
    throw new AppError('conflict', 'invalid_run_transition', `The run is ${run.state}; it cannot complete now.`);
  }
  const ended = result.run;
  // The denominator of the install's memory reads and writes per run (docs/memory.md).
  const declared = manifest ?? (await deps.catalog.getVersion(ended.agentId, ended.agentVersion));
  if (declared && declared.memory.length > 0) await deps.memory.countRun({ wsId: ended.wsId, installId: ended.installId });
  // Decisions may all be in already (a quick approver): then the platform applies them now.
  if (ended.state === 'awaiting_approval') return (await settleRun(deps, ended.wsId, ended.id)) ?? ended;
  return ended;
}
