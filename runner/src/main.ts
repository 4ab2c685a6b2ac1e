#!/usr/bin/env node
/**
 * The runner: the entrypoint of every run execution (a Cloud Run job task in production,
 * a child process locally). It reads the environment contract, tells the platform the run
 * started, runs the agent's default export with the SDK context, streams its logs in
 * batches, and reports the outcome. Exit code 0 when the outcome was delivered.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ApiError, startRunnerSession, type RunnerClient } from '@agent-marketplace/client';
import { createRedactor, ExecutionEnvError, parseExecutionEnv, type ApprovalRequestInput, type Completion, type ExecutionEnv, type LogLine, type Redactor, type RunnerStarted } from '@agent-marketplace/contract';
import { captureStreams, type Capture } from './capture.js';
import { ConnectedCloud } from './cloud/connected.js';
import { DisconnectedCloud } from './cloud/disconnected.js';
import { RemoteSandboxStore } from './cloud/remoteStore.js';
import { SandboxCloud, type SandboxFixture } from './cloud/sandbox.js';
import type { CloudConnection } from './cloud/types.js';
import { createContext } from './context.js';
import { llmFromEnv } from './llm.js';
import { remoteMemory } from './memory.js';
import { Heartbeat } from './heartbeat.js';
import { LogBatcher } from './logBatcher.js';
import type { Agent, ApprovalAnswer } from './types.js';

/** The execution environment (the contract's schema): a missing or wrong variable stops the runner, named. */
function readEnv(): ExecutionEnv {
  try {
    return parseExecutionEnv(process.env);
  } catch (err) {
    if (!(err instanceof ExecutionEnvError)) throw err;
    console.error(`runner: ${err.message}`);
    process.exit(2);
  }
}
const env = readEnv();

function cloudFor(started: RunnerStarted): CloudConnection {
  // The platform's word wins: a connected install acts on its cloud, whatever the executor set up.
  if (started.cloud) return new ConnectedCloud(client, started.cloud, { scopes: new Set(started.policy.scopes) });
  if (env.CLOUD_PROVIDER === 'sandbox' && env.CLOUD_FIXTURE) {
    const fixture = JSON.parse(readFileSync(env.CLOUD_FIXTURE, 'utf8')) as SandboxFixture;
    return new SandboxCloud(fixture, new RemoteSandboxStore(client), {
      scopes: new Set(started.policy.scopes),
      gated: new Set(started.policy.gated),
    });
  }
  return new DisconnectedCloud();
}

/** The agent's stdout and stderr, once captured into the run's log; the runner's own lines go to the real ones. */
let capture: Capture | null = null;
function say(...parts: unknown[]): void {
  const text = `${parts.map((p) => (p instanceof Error ? (p.stack ?? p.message) : String(p))).join(' ')}\n`;
  if (capture) capture.own.stderr(text);
  else process.stderr.write(text);
}

/**
 * The run's secret values, every form, redacted before anything is sent (the platform redacts
 * again: it does not trust the runner). Set once the values are fetched.
 */
let redactor: Redactor = createRedactor([]);
function redactLines(lines: LogLine[]): LogLine[] {
  if (!redactor.active) return lines;
  const { texts } = redactor.stream(lines.map((l) => l.msg));
  return lines.map((l, i) => ({ ...l, msg: texts[i]!, ...(l.fields ? { fields: redactor.json(l.fields) } : {}) }));
}

// The execution's metadata holds only a one-time bootstrap token; the session token it buys
// lives in this process alone. (The agent shares the process: the platform trusts neither.)
delete process.env['RUNNER_BOOTSTRAP_TOKEN'];
let client: RunnerClient;
const abort = new AbortController();
const exit: (code?: number) => never = process.exit.bind(process);
let finished = false;
/** What the agent has produced so far: reported even when it exits or crashes. */
let currentOutputs: Record<string, unknown> = {};
let usage: { units: number } = { units: 0 };

/**
 * The platform ended the run (canceled, timed out, or its log limit reached): stop the agent
 * and exit without reporting an outcome, which would be refused.
 */
function endedByPlatform(reason: string): void {
  if (finished) return;
  finished = true;
  say(`runner: the platform ended this run (${reason}); stopping.`);
  abort.abort(new Error(reason));
  exit(0);
}

const ENDED_CODES = new Set(['run_finished', 'log_limit_exceeded', 'invalid_runner_token']);
const endedBy = (err: unknown) => (err instanceof ApiError && ENDED_CODES.has(err.code) ? err.code : null);

const logs = new LogBatcher({
  redact: redactLines,
  send: async (batch) => {
    try {
      const reply = await client.call('runnerLogs', batch);
      if (reply.truncated) endedByPlatform('log_limit_exceeded');
    } catch (err) {
      const code = endedBy(err);
      if (code) endedByPlatform(code);
      throw err;
    }
  },
});
const heartbeat = new Heartbeat(
  async (progress) => {
    try {
      await client.call('runnerHeartbeat', progress ? { progress } : {});
    } catch (err) {
      const code = endedBy(err);
      if (code) endedByPlatform(code);
      throw err;
    }
  },
  1000,
  env.RUNNER_HEARTBEAT_SECONDS * 1000,
);

type Outcome = Completion;

async function finish(result: Outcome): Promise<never> {
  if (finished) return new Promise<never>(() => undefined);
  finished = true;
  await heartbeat.stop();
  capture?.flush();
  let code = 0;
  try {
    await logs.flush();
  } catch (err) {
    say('runner: some log batches could not be delivered:', (err as Error).message);
  }
  try {
    const report = redactor.active
      ? { ...result, ...(result.outputs ? { outputs: redactor.json(result.outputs) } : {}), ...(result.error ? { error: redactor.json(result.error) } : {}) }
      : result;
    await client.call('runnerComplete', usage.units > 0 ? { ...report, usage: { units: usage.units } } : report);
  } catch (err) {
    say('runner: could not report the outcome:', (err as Error).message);
    code = 1;
  }
  exit(code);
}

/** Approval requests on their way to the platform: a run suspends once they are all recorded. */
const requesting = new Set<Promise<unknown>>();
let suspending = false;

/**
 * An agent's request (ctx.approval.request): a decided one answers at once; a pending one
 * suspends the run: the agent's call never returns in this execution, which reports
 * `suspended` and ends; a new execution resumes the run once its approvals are decided.
 */
async function requestApproval(ask: ApprovalRequestInput): Promise<ApprovalAnswer> {
  const call = client.call('runnerApprovalRequest', ask);
  requesting.add(call);
  try {
    const { decided: _decided, ...answer } = await call;
    if (_decided) return answer;
  } finally {
    requesting.delete(call);
  }
  suspend();
  return new Promise<never>(() => undefined);
}

function suspend(): void {
  if (suspending) return;
  suspending = true;
  // Requests made together (Promise.all) are all recorded before the run suspends.
  setImmediate(() => {
    void Promise.allSettled([...requesting]).then(() => {
      logs.add({ ts: new Date().toISOString(), level: 'info', msg: 'Waiting for approvals: the run is suspended and resumes once they are decided.' });
      return finish({ outcome: 'suspended', outputs: currentOutputs });
    });
  });
}

function errorOf(err: unknown, code: string): { code: string; message: string } {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { code, message: message.slice(0, 4000) };
}

// An agent that exits by itself, or throws where nobody catches, still ends with a report.
process.exit = ((code?: number | string | null) => {
  const n = Number(code ?? process.exitCode ?? 0);
  void finish(
    n === 0
      ? { outcome: 'succeeded', outputs: currentOutputs }
      : { outcome: 'failed', error: { code: 'agent_exited', message: `The agent exited with code ${n}.` }, outputs: currentOutputs },
  );
}) as unknown as typeof process.exit;
const crashed = (err: unknown) => {
  logs.add({ ts: new Date().toISOString(), level: 'error', msg: 'The agent crashed.', fields: { error: errorOf(err, 'crash').message } });
  void finish({ outcome: 'failed', error: errorOf(err, 'agent_crashed'), outputs: currentOutputs });
};
process.on('uncaughtException', crashed);
process.on('unhandledRejection', crashed);

process.on('SIGTERM', () => {
  abort.abort(new Error('terminated'));
  logs.add({ ts: new Date().toISOString(), level: 'warn', msg: 'Execution terminated (SIGTERM).' });
  void finish({ outcome: 'failed', error: { code: 'terminated', message: 'The execution was terminated.' } });
});

async function main(): Promise<never> {
  let started: RunnerStarted;
  try {
    // One round trip: the exchange records the start and answers what the agent runs with.
    ({ client, started } = await startRunnerSession({ apiUrl: env.RUNNER_API_URL, runId: env.RUN_ID, bootstrapToken: env.RUNNER_BOOTSTRAP_TOKEN }));
  } catch (err) {
    // Without a session nothing can be reported: the platform's start timeout handles the run.
    say('runner: could not exchange the bootstrap token:', (err as Error).message);
    exit(1);
  }
  heartbeat.start();
  // Secret values are fetched, not passed in the environment: they stay out of job metadata.
  const secrets = started.secretNames.length ? (await client.call('runnerSecrets')).values : {};
  redactor = createRedactor(Object.values(secrets));
  // From here on, whatever the agent prints goes to the run's log, marked with its stream.
  capture = captureStreams(process, {
    redactor: () => redactor,
    line: (stream, msg) => logs.add({ ts: new Date().toISOString(), level: stream === 'stdout' ? 'info' : 'error', msg, stream }),
  });
  const { ctx, outputs, usage: used } = createContext({
    runId: env.RUN_ID,
    attempt: env.RUN_ATTEMPT,
    agentId: env.AGENT_ID,
    input: started.input,
    config: started.config,
    secrets,
    cloud: cloudFor(started),
    memory: remoteMemory(client, started.memory),
    llm: llmFromEnv(process.env),
    logs,
    beat: (p) => heartbeat.beat(p && { ...p, message: redactor.text(p.message) }),
    upload: async (artifact) => void (await client.call('runnerAttachArtifact', artifact)),
    requestApproval,
    signal: abort.signal,
  });
  currentOutputs = outputs;
  usage = used;

  const timeout = setTimeout(() => {
    abort.abort(new Error('timeout'));
    ctx.log.error(`Run exceeded its ${env.RUN_TIMEOUT_SECONDS}s timeout.`);
    void finish({ outcome: 'timed_out', error: { code: 'timeout', message: `The run exceeded its ${env.RUN_TIMEOUT_SECONDS}-second timeout.` }, outputs });
  }, env.RUN_TIMEOUT_SECONDS * 1000);
  timeout.unref();

  let agent: Agent;
  try {
    const mod = (await import(pathToFileURL(env.AGENT_ENTRY).href)) as { default?: unknown };
    if (typeof mod.default !== 'function') throw new TypeError('the agent module has no default export function');
    agent = mod.default as Agent;
  } catch (err) {
    ctx.log.error('The agent could not be loaded.', { error: errorOf(err, 'load').message });
    return finish({ outcome: 'failed', error: errorOf(err, 'agent_load_failed') });
  }

  try {
    const returned = await agent(ctx);
    if (returned && typeof returned === 'object') Object.assign(outputs, returned);
  } catch (err) {
    ctx.log.error('The agent failed.', { error: errorOf(err, 'agent').message });
    return finish({ outcome: 'failed', error: errorOf(err, 'agent_failed'), outputs });
  }
  try {
    JSON.stringify(outputs); // outputs must be JSON: a cycle or a BigInt fails the run clearly
  } catch (err) {
    ctx.log.error('The agent returned outputs that are not JSON.', { error: errorOf(err, 'output').message });
    return finish({ outcome: 'failed', error: errorOf(err, 'output_invalid') });
  }
  return finish({ outcome: 'succeeded', outputs });
}

main().catch(async (err: unknown) => {
  say('runner: fatal:', err);
  // Tell the platform if it still listens; otherwise its heartbeat reaper notices the silence.
  const code = endedBy(err);
  if (code) return endedByPlatform(code);
  await finish({ outcome: 'failed', error: errorOf(err, 'runner_failed') }).catch(() => exit(1));
});
