#!/usr/bin/env node
/**
 * The runner: the entrypoint of every run execution (a Cloud Run job task in production,
 * a child process locally). It reads the environment contract, tells the platform the run
 * started, runs the agent's default export with the SDK context, streams its logs in
 * batches, and reports the outcome. Exit code 0 when the outcome was delivered.
 */
import { pathToFileURL } from 'node:url';
import { RunnerClient } from './client.js';
import { readFileSync } from 'node:fs';
import { DisconnectedCloud } from './cloud/disconnected.js';
import { RemoteSandboxStore } from './cloud/remoteStore.js';
import { SandboxCloud, type SandboxFixture } from './cloud/sandbox.js';
import type { CloudConnection } from './cloud/types.js';
import { createContext } from './context.js';
import { llmFromEnv } from './llm.js';
import { Heartbeat } from './heartbeat.js';
import { LogBatcher } from './logBatcher.js';
import type { Agent } from './types.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`runner: missing environment variable ${name}`);
    process.exit(2);
  }
  return value;
}

const env = {
  runId: required('RUN_ID'),
  attempt: Number(process.env['RUN_ATTEMPT'] ?? '1'),
  apiUrl: required('RUNNER_API_URL'),
  token: required('RUNNER_TOKEN'),
  entry: required('AGENT_ENTRY'),
  agentId: process.env['AGENT_ID'] ?? 'agent',
  timeoutSeconds: Number(process.env['RUN_TIMEOUT_SECONDS'] ?? '900'),
  cloudProvider: process.env['CLOUD_PROVIDER'] ?? 'none',
  cloudFixture: process.env['CLOUD_FIXTURE'],
};

interface StartedReply {
  input?: Record<string, unknown>;
  config?: Record<string, unknown>;
  policy?: { scopes: string[]; gated: string[] };
  secretNames?: string[];
}

function cloudFor(started: StartedReply): CloudConnection {
  if (env.cloudProvider === 'sandbox' && env.cloudFixture) {
    const fixture = JSON.parse(readFileSync(env.cloudFixture, 'utf8')) as SandboxFixture;
    return new SandboxCloud(fixture, new RemoteSandboxStore(client), {
      scopes: new Set(started.policy?.scopes ?? []),
      gated: new Set(started.policy?.gated ?? []),
    });
  }
  return new DisconnectedCloud();
}

const client = new RunnerClient({ baseUrl: env.apiUrl, runId: env.runId, token: env.token });
const logs = new LogBatcher({ send: async (batch) => void (await client.post('logs', batch)) });
const heartbeat = new Heartbeat(async (progress) => void (await client.post('heartbeat', progress ? { progress } : {})));
const abort = new AbortController();

type Outcome = { outcome: 'succeeded'; outputs: Record<string, unknown> } | { outcome: 'failed'; error: { code: string; message: string }; outputs?: Record<string, unknown> };

let finished = false;

async function finish(result: Outcome): Promise<never> {
  if (finished) return new Promise<never>(() => undefined);
  finished = true;
  await heartbeat.stop();
  let code = 0;
  try {
    await logs.flush();
  } catch (err) {
    console.error('runner: some log batches could not be delivered:', (err as Error).message);
  }
  try {
    await client.post('complete', result);
  } catch (err) {
    console.error('runner: could not report the outcome:', (err as Error).message);
    code = 1;
  }
  process.exit(code);
}

function errorOf(err: unknown, code: string): { code: string; message: string } {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { code, message: message.slice(0, 4000) };
}

process.on('SIGTERM', () => {
  abort.abort(new Error('terminated'));
  logs.add({ ts: new Date().toISOString(), level: 'warn', msg: 'Execution terminated (SIGTERM).' });
  void finish({ outcome: 'failed', error: { code: 'terminated', message: 'The execution was terminated.' } });
});

async function main(): Promise<never> {
  const started = (await client.post('started', {})) as StartedReply;
  heartbeat.start();
  // Secret values are fetched, not passed in the environment: they stay out of job metadata.
  const secrets = started.secretNames?.length ? ((await client.post('secrets', {})) as { values: Record<string, string> }).values : {};
  const { ctx, outputs } = createContext({
    runId: env.runId,
    attempt: env.attempt,
    agentId: env.agentId,
    input: started.input ?? {},
    config: started.config ?? {},
    secrets,
    cloud: cloudFor(started),
    llm: llmFromEnv(process.env),
    logs,
    beat: (p) => heartbeat.beat(p),
    signal: abort.signal,
  });

  const timeout = setTimeout(() => {
    abort.abort(new Error('timeout'));
    ctx.log.error(`Run exceeded its ${env.timeoutSeconds}s timeout.`);
    void finish({ outcome: 'failed', error: { code: 'timeout', message: `The run exceeded ${env.timeoutSeconds} seconds.` }, outputs });
  }, env.timeoutSeconds * 1000);
  timeout.unref();

  let agent: Agent;
  try {
    const mod = (await import(pathToFileURL(env.entry).href)) as { default?: unknown };
    if (typeof mod.default !== 'function') throw new TypeError('the agent module has no default export function');
    agent = mod.default as Agent;
  } catch (err) {
    ctx.log.error('The agent could not be loaded.', { error: errorOf(err, 'load').message });
    return finish({ outcome: 'failed', error: errorOf(err, 'agent_load_failed') });
  }

  try {
    const returned = await agent(ctx);
    if (returned && typeof returned === 'object') Object.assign(outputs, returned);
    JSON.stringify(outputs); // outputs must be JSON; a cycle or BigInt fails the run clearly
    return finish({ outcome: 'succeeded', outputs });
  } catch (err) {
    ctx.log.error('The agent failed.', { error: errorOf(err, 'agent').message });
    return finish({ outcome: 'failed', error: errorOf(err, 'agent_failed'), outputs });
  }
}

main().catch(async (err: unknown) => {
  console.error('runner: fatal:', err);
  // Tell the platform if it still listens; otherwise its heartbeat reaper notices the silence.
  await finish({ outcome: 'failed', error: errorOf(err, 'runner_failed') }).catch(() => process.exit(1));
});
