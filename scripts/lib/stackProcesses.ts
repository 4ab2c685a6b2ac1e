/**
 * Which processes belong to a local stack. Every process a stack starts gets AM_STACK in its
 * environment, and every process those start inherits it (the Pub/Sub emulator's Java, the
 * Functions workers), whatever process group they run in; /proc shows it for as long as they
 * live. So a stack is stopped by sweeping /proc for its id, and a stack whose starter died
 * (kill -9) is still found and stopped by the next start.
 *
 * The id is `<checkout>|<profile>|<firestore port>|<owner pid>.<owner start time>`: the part
 * before the owner names a checkout's profile (under one AM_PORT_SHIFT); the owner part tells a
 * stack whose starter is alive from one left behind, even once the pid is reused.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Profile } from './profiles.ts';

export const STACK_ENV = 'AM_STACK';

/** A checkout's profile: the part of the id shared by every start of that stack. */
export function stackKey(repoRoot: string, profile: Profile): string {
  return `${repoRoot}|${profile.name}|${profile.ports.firestore}`;
}

/** The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), or null once it is gone. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: state is field 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** The id of a stack this process starts now. */
export function stackId(key: string): string {
  return `${key}|${process.pid}.${startTime(process.pid) ?? '0'}`;
}

/** The pid of the process that started the stack `id`, and whether it is still running. */
export function stackOwner(id: string): { pid: number; alive: boolean } {
  const [pid, started] = (id.split('|').pop() ?? '').split('.');
  return { pid: Number(pid), alive: startTime(Number(pid)) === started };
}

export interface StackProcess {
  pid: number;
  /** The process's AM_STACK value. */
  id: string;
}

/** Every running process whose AM_STACK is `id`, or starts with `key|` when given a key. */
export function findStackProcesses(match: { id: string } | { key: string }): StackProcess[] {
  const found: StackProcess[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return found; // no /proc: not Linux
  }
  const prefix = `${STACK_ENV}=`;
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    let entry: string | undefined;
    try {
      entry = readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .find((e) => e.startsWith(prefix));
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    const id = entry?.slice(prefix.length);
    if (!id) continue;
    if ('id' in match ? id === match.id : id.startsWith(`${match.key}|`)) found.push({ pid: Number(pid), id });
  }
  return found;
}

/** Sends `signal` to each process; returns those it reached. */
export function signalAll(pids: number[], signal: NodeJS.Signals): number[] {
  return pids.filter((pid) => {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * SIGTERM to every process of the stack at once (so the emulators shut down cleanly), and to
 * any that appears meanwhile (a Functions worker being started); SIGKILL to those still there
 * after `graceMs`. Resolves once none is left, or 5 s after the SIGKILL. Returns how many
 * processes it stopped.
 */
export async function stopStackProcesses(match: { id: string } | { key: string }, graceMs = 8000): Promise<number> {
  const signalled = new Set<number>();
  const deadline = Date.now() + graceMs;
  for (;;) {
    const left = findStackProcesses(match).map((p) => p.pid);
    if (left.length === 0) return signalled.size;
    if (Date.now() >= deadline) break;
    signalAll(
      left.filter((pid) => !signalled.has(pid)),
      'SIGTERM',
    ).forEach((pid) => signalled.add(pid));
    await sleep(100);
  }
  const killDeadline = Date.now() + 5000;
  for (let left = findStackProcesses(match); left.length > 0 && Date.now() < killDeadline; left = findStackProcesses(match)) {
    signalAll(
      left.map((p) => p.pid),
      'SIGKILL',
    ).forEach((pid) => signalled.add(pid));
    await sleep(100);
  }
  return signalled.size;
}
