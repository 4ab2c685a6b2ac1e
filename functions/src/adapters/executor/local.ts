import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { IMAGE_ENV_NAMES } from '@agent-marketplace/contract/execution';
import type { ExecutionSpec, Executor } from '../../app/runs/ports.js';
import { AppError } from '../../domain/errors.js';
import { JOB_MARKER, versionDir } from '../deploy/localLayout.js';

export interface LocalExecutorOptions {
  /**
   * Where the local version deployer unpacks approved versions (`<repo>/.local/builds`): a
   * version deployed there (`<buildsRoot>/<agentId>/<version>` with its job marker) runs from
   * its own folder.
   */
  buildsRoot?: string;
  /** Folders holding one folder per agent (`agents/`, the seeded catalog), searched in order after the builds. */
  agentDirs: string[];
  /** The runner's bundled entrypoint (`runner/dist/runner.js`): the one runner file an execution may read. */
  runnerMain: string;
  /** Where each execution's stdout and stderr are kept, for debugging. */
  logDir: string;
  /** After SIGTERM, how long before SIGKILL. */
  killGraceMs?: number;
}

/**
 * The environment of a local execution: the platform's part (as Cloud Run gets it), what an
 * agent's image sets (its entry module), and the local sandbox connection. Nothing else of the
 * platform's own environment leaks in.
 */
export function localExecutionEnv(
  spec: ExecutionSpec,
  entry: string,
  cloud: { CLOUD_PROVIDER: 'sandbox'; CLOUD_FIXTURE: string } | null,
): Record<string, string> {
  const image: Record<(typeof IMAGE_ENV_NAMES)[number], string> = { AGENT_ENTRY: entry };
  return { ...spec.env, ...image, ...(cloud ?? {}) };
}

function isRunner(pid: number, runnerMain: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(runnerMain);
  } catch {
    return false;
  }
}

/** Sends a signal; false when the process is gone. */
function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
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

  /** The folder an agent version runs from: its deployed build, else the seeded agent's folder. */
  private agentDirOf(spec: ExecutionSpec): string {
    if (this.options.buildsRoot) {
      const built = path.resolve(versionDir(this.options.buildsRoot, spec.agentId, spec.agentVersion));
      if (existsSync(path.join(built, JOB_MARKER))) return built;
    }
    const seeded = this.options.agentDirs.map((d) => path.resolve(d, spec.agentId)).find((d) => existsSync(d));
    if (seeded) return seeded;
    throw new AppError('precondition', 'job_not_ready', `${spec.agentId}@${spec.agentVersion} has no deployed build and no folder in ${this.options.agentDirs.join(', ')}.`);
  }

  async start(spec: ExecutionSpec): Promise<{ executionId: string }> {
    const agentDir = this.agentDirOf(spec);
    const entry = path.resolve(agentDir, spec.manifest.runtime.local.entry);
    if (!entry.startsWith(agentDir + path.sep)) throw new Error(`Agent entry escapes its folder: ${spec.manifest.runtime.local.entry}`);
    if (!existsSync(entry)) throw new Error(`Agent entry not found: ${entry}`);
    const runnerDir = path.dirname(this.options.runnerMain);
    // Locally every install is connected to the sandbox account its agent ships.
    const fixture = path.join(agentDir, 'fixtures', 'cloud.json');
    const cloud = existsSync(fixture) ? { CLOUD_PROVIDER: 'sandbox' as const, CLOUD_FIXTURE: fixture } : null;

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
        env: localExecutionEnv(spec, entry, cloud),
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

  /**
   * SIGTERM: the runner flushes its logs and exits. One that has not exited after the grace
   * period (an agent spinning in a loop never lets it run its handler) gets SIGKILL, as
   * Cloud Run does. It is our own child, found by its pid.
   */
  async cancel(executionId: string): Promise<void> {
    const pid = Number(/^local-(\d+)-/.exec(executionId)?.[1]);
    if (!pid || !signal(pid, 'SIGTERM')) return;
    const killer = setTimeout(() => {
      // Only if the pid still belongs to a runner (it may have exited and been reused).
      if (isRunner(pid, this.options.runnerMain)) signal(pid, 'SIGKILL');
    }, this.options.killGraceMs ?? 10_000);
    killer.unref();
  }
}
