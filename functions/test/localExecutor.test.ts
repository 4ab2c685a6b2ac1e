import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from 'tar';
import { afterEach, describe, expect, it } from 'vitest';
import { executionEnv, IMAGE_ENV_NAMES, PLATFORM_ENV_NAMES, type RunnerStarted } from '@agent-marketplace/contract';
import { runJobRequest } from '../src/adapters/executor/cloudRun.ts';
import { LocalVersionDeployer } from '../src/adapters/deploy/localDeployer.ts';
import { LocalProcessExecutor } from '../src/adapters/executor/local.ts';
import { parseManifest } from '../src/app/catalog/publishAgent.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const manifest = parseManifest(`
id: sandbox-probe
name: Sandbox Probe
version: 0.0.1
publisher: tests
summary: Tries what the local sandbox forbids.
categories: [operations]
runtime:
  local:
    entry: src/index.js
pricing:
  model: free
license: MIT
support:
  email: dev@example.test
`);

const envFor = (runId: string, runnerApiUrl: string, bootstrapToken = 'rb_test_token_abcdefgh') =>
  executionEnv({ runId, attempt: 1, agentId: 'sandbox-probe', agentVersion: '0.0.1', runnerApiUrl, bootstrapToken, heartbeatSeconds: 15, timeoutSeconds: 300 });

const specOf = (runId: string, runnerApiUrl: string, token?: string) => ({
  wsId: 'ws1', runId, attempt: 1, agentId: 'sandbox-probe', agentVersion: '0.0.1', manifest, env: envFor(runId, runnerApiUrl, token),
});

/** The executor as the stack builds it, over the test-only agents in fixtures/. */
const testExecutor = () =>
  new LocalProcessExecutor({
    agentDirs: [path.join(import.meta.dirname, 'fixtures', 'agents')],
    runnerMain: path.join(root, 'runner', 'dist', 'runner.js'),
    logDir: path.join(root, '.local', 'executions', 'unit'),
  });

interface Call {
  action: string;
  auth: string | undefined;
  body: any;
}

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** What the runner API answers with the session token and to `started` (the contract's shape). */
const started: RunnerStarted = { ok: true, input: {}, config: {}, attempt: 1, policy: { scopes: [], gated: [] }, secretNames: [], cloud: null, memory: [] };

const SESSION_TOKEN = 'rt_ws1_run1_session0123456789abcdef';

/** A stand-in runner API on loopback that records what the execution reports. */
async function runnerApi(): Promise<{ url: string; calls: Call[]; completed: Promise<Call> }> {
  const calls: Call[] = [];
  let done!: (c: Call) => void;
  const completed = new Promise<Call>((r) => (done = r));
  server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const call = { action: req.url!.split('/').at(-1)!, auth: req.headers.authorization, body: raw ? JSON.parse(raw) : undefined };
      calls.push(call);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const answer = call.action === 'session' ? { token: SESSION_TOKEN, started } : call.action === 'started' ? started : { ok: true, duplicate: false, truncated: false };
      res.end(JSON.stringify(answer));
      if (call.action === 'complete') done(call);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/v1/runner`, calls, completed };
}

describe('local executor (the Cloud Run stand-in)', () => {
  it('runs the real runner in a child process that may read only its agent and the runner', async () => {
    const api = await runnerApi();
    const executor = testExecutor();
    const { executionId } = await executor.start(specOf('run1', api.url, 'rb_test_token_0123456789'));
    expect(executionId).toMatch(/^local-\d+-run1-1$/);

    const complete = await api.completed;
    // The bootstrap token is exchanged first; every later call carries the session token it bought.
    // With a nonce of its own, so a retry after a lost answer is told apart from someone else's repeat.
    expect(api.calls[0]).toEqual({ action: 'session', auth: undefined, body: { bootstrapToken: 'rb_test_token_0123456789', nonce: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) } });
    expect(complete.auth).toBe(`Bearer ${SESSION_TOKEN}`);
    expect(complete.body.outcome).toBe('succeeded');
    expect(complete.body.outputs.results).toEqual([
      'read own folder: allowed',
      'read /etc/passwd: ERR_ACCESS_DENIED',
      'write /tmp: ERR_ACCESS_DENIED',
      'spawn: ERR_ACCESS_DENIED',
      'env has no host secrets: allowed',
    ]);
    // The runner's order: the session (which is the start), then logs and heartbeats, then complete last.
    expect(api.calls.map((c) => c.action)).not.toContain('started');
    expect(api.calls.at(-1)!.action).toBe('complete');
    const lines = api.calls.filter((c) => c.action === 'logs').flatMap((c) => c.body.lines.map((l: { msg: string }) => l.msg));
    expect(lines).toContain('write /tmp: ERR_ACCESS_DENIED');

    // Exactly the variables Cloud Run's request carries, plus what the agent's image sets and the local sandbox connection.
    const cloudRunNames = runJobRequest({ projectId: 'p', region: 'r', serviceAccount: 'agent-runner@p.iam.gserviceaccount.com', egress: { network: 'n', subnetwork: 's' } }, { ...specOf('run1', api.url) }).overrides.containerOverrides[0]!.env.map((e) => e.name);
    expect([...cloudRunNames].sort()).toEqual([...PLATFORM_ENV_NAMES].sort());
    // (This test agent ships no sandbox fixture, so it gets no CLOUD_* connection.)
    // The runner removes the spent bootstrap token before the agent loads.
    expect(complete.body.outputs.envNames).toEqual([...PLATFORM_ENV_NAMES.filter((n) => n !== 'RUNNER_BOOTSTRAP_TOKEN'), ...IMAGE_ENV_NAMES].sort());
  });

  it('cancel stops the execution: the runner flushes its logs and reports it was terminated', async () => {
    const api = await runnerApi();
    const executor = testExecutor();
    const slow = { ...manifest, id: 'slow-agent' };
    const { executionId } = await executor.start({
      wsId: 'ws1', runId: 'run3', attempt: 1, agentId: 'slow-agent', agentVersion: '0.0.1', manifest: slow,
      env: envFor('run3', api.url),
    });
    await expect.poll(() => api.calls.some((c) => c.action === 'logs'), { timeout: 10_000 }).toBe(true);
    const t0 = Date.now();
    await executor.cancel(executionId);
    const complete = await api.completed;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(complete.body).toMatchObject({ outcome: 'failed', error: { code: 'terminated' } });
    await executor.cancel(executionId); // already gone: not an error
  });

  it('refuses an entry outside the agent folder or one that does not exist', async () => {
    const executor = testExecutor();
    const spec = (entry: string) => ({
      wsId: 'ws1', runId: 'run2', attempt: 1, agentId: 'sandbox-probe', agentVersion: '0.0.1',
      manifest: { ...manifest, runtime: { local: { entry } } },
      env: envFor('run2', 'http://127.0.0.1:9/v1/runner'),
    });
    await expect(executor.start(spec('../../../../runner/dist/runner.js'))).rejects.toThrow(/escapes its folder/);
    await expect(executor.start(spec('src/missing.js'))).rejects.toThrow(/not found/);
  });

  it('runs a version the local deployer built from its bundle, from that version\'s folder; an undeployed version fails fast', async () => {
    // The sandbox probe, uploaded as a bundle under another agent id (so no seeded folder answers for it).
    const src = mkdtempSync(path.join(tmpdir(), 'probe-bundle-'));
    cpSync(path.join(import.meta.dirname, 'fixtures', 'agents', 'sandbox-probe'), path.join(src, 'built-probe'), { recursive: true });
    const file = path.join(src, 'bundle.tgz');
    await create({ gzip: true, cwd: src, file, portable: true }, ['built-probe']);
    const bytes = readFileSync(file);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const buildsRoot = mkdtempSync(path.join(tmpdir(), 'builds-'));
    const built = { ...manifest, id: 'built-probe', version: '0.0.2' };
    const deployer = new LocalVersionDeployer({ buildsRoot, readBundle: async () => bytes });
    const executor = new LocalProcessExecutor({
      buildsRoot,
      agentDirs: [path.join(import.meta.dirname, 'fixtures', 'agents')],
      runnerMain: path.join(root, 'runner', 'dist', 'runner.js'),
      logDir: path.join(root, '.local', 'executions', 'unit'),
    });
    const api = await runnerApi();
    const spec = { ...specOf('run4', api.url), agentId: 'built-probe', agentVersion: '0.0.2', manifest: built };

    const build = await deployer.startBuild({ agentId: 'built-probe', version: '0.0.2', manifest: built, bundle: { key: 'bundles/built-probe.tgz', sha256 } });
    // Built but not deployed: no job yet, and no seeded folder to fall back on.
    await expect(executor.start(spec)).rejects.toMatchObject({ kind: 'precondition', code: 'job_not_ready' });
    if (build.state !== 'succeeded') throw new Error('not built');
    await deployer.deployJob(built, build.image);

    await executor.start(spec);
    const complete = await api.completed;
    expect(complete.body.outcome).toBe('succeeded');
    // Confined to the built folder as a seeded agent is to its own: it reads itself, nothing else.
    expect(complete.body.outputs.results).toEqual([
      'read own folder: allowed',
      'read /etc/passwd: ERR_ACCESS_DENIED',
      'write /tmp: ERR_ACCESS_DENIED',
      'spawn: ERR_ACCESS_DENIED',
      'env has no host secrets: allowed',
    ]);
    rmSync(src, { recursive: true, force: true });
    rmSync(buildsRoot, { recursive: true, force: true });
  });
});
