import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Child processes of the stack, each in a process group of its own (a terminal's Ctrl-C reaches
 * only the starter, which stops them; see stackProcesses.ts), their output in a log file.
 */
export interface Managed {
  name: string;
  child: ChildProcess;
  logFile: string;
}

export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; logDir: string },
): Managed {
  mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `${name}.log`);
  const out = createWriteStream(logFile, { flags: 'w' });
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return { name, child, logFile };
}

export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Polls `probe` until it returns true; fails with the process log's tail if the process dies or
 * time runs out, and at once when `signal` aborts (Ctrl-C during start-up).
 */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; process?: Managed; signal?: AbortSignal },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    options.signal?.throwIfAborted();
    if (options.process && options.process.child.exitCode !== null) {
      throw new Error(`${what}: the process exited (code ${options.process.child.exitCode}).\n${tail(options.process.logFile)}`);
    }
    if (await probe().catch(() => false)) return;
    await sleep(150, undefined, { signal: options.signal });
  }
  throw new Error(`${what}: not ready after ${options.timeoutMs / 1000}s.${options.process ? `\n${tail(options.process.logFile)}` : ''}`);
}

export async function httpOk(url: string, init?: RequestInit): Promise<boolean> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.ok;
}
