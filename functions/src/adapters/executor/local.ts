import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { ExecutionSpec, Executor } from '../../app/ports.js';

export interface LocalExecutorOptions {
  /** Folder holding one folder per agent (`agents/`). */
  agentsDir: string;
  /** The runner's entrypoint (`runner/lib/main.js`). */
  runnerMain: string;
  /** Where each execution's stdout and stderr are kept, for debugging. */
  logDir: string;
}

/**
 * Local stand-in for a Cloud Run job execution: the same runner and environment contract,
 * in a child process under Node's permission model. It may read only the runner and the
 * agent's folder; it cannot write files or start processes. (The network is not restricted
 * by the permission model; in production the job's egress settings do that.)
 */
export class LocalProcessExecutor implements Executor {
  readonly kind = 'local' as const;

  constructor(private readonly options: LocalExecutorOptions) {}

  async start(spec: ExecutionSpec): Promise<{ executionId: string }> {
    const agentDir = path.join(this.options.agentsDir, spec.agentId);
    const entry = path.resolve(agentDir, spec.manifest.runtime.local.entry);
    if (!entry.startsWith(agentDir + path.sep)) throw new Error(`Agent entry escapes its folder: ${spec.manifest.runtime.local.entry}`);
    if (!existsSync(entry)) throw new Error(`Agent entry not found: ${entry}`);
    const runnerDir = path.dirname(this.options.runnerMain);
    // Locally every install is connected to the sandbox account its agent ships.
    const fixture = path.join(agentDir, 'fixtures', 'cloud.json');
    const cloud = existsSync(fixture) ? { CLOUD_PROVIDER: 'sandbox', CLOUD_FIXTURE: fixture } : {};

    mkdirSync(this.options.logDir, { recursive: true });
    const logFile = path.join(this.options.logDir, `${spec.runId}-${spec.attempt}.log`);
    const fd = openSync(logFile, 'a');
    const child = spawn(
      process.execPath,
      [
        '--permission',
        `--allow-fs-read=${runnerDir}`,
        `--allow-fs-read=${agentDir}`,
        '--disable-warning=ExperimentalWarning',
        this.options.runnerMain,
      ],
      {
        cwd: agentDir,
        detached: true,
        stdio: ['ignore', fd, fd],
        env: {
          ...spec.env,
          AGENT_ENTRY: entry,
          AGENT_ID: spec.agentId,
          AGENT_VERSION: spec.agentVersion,
          RUN_TIMEOUT_SECONDS: String(spec.manifest.resources.timeoutSeconds),
          ...cloud,
          NODE_ENV: 'production',
        },
      },
    );
    closeSync(fd);
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid ?? -1));
      child.once('error', reject);
    });
    child.unref();
    return { executionId: `local-${pid}-${spec.runId}-${spec.attempt}` };
  }

  /** SIGTERM: the runner flushes its logs and exits; it is our own child, found by its pid. */
  async cancel(executionId: string): Promise<void> {
    const pid = Number(/^local-(\d+)-/.exec(executionId)?.[1]);
    if (!pid) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already exited
    }
  }
}
