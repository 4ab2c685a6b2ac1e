/**
 * `npm start` and Ctrl-C, for real: the stack is started as `npm start` starts it (scripts/start.ts,
 * in a process group of its own as a terminal would), on the `lifecycle` profile's own ports and
 * project, so it runs beside the test stack and a developer's `npm start`. Each start takes
 * 20 to 60 s, so these tests are few.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { portInUse } from '../lib/processes.ts';
import { PROFILES } from '../lib/profiles.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const profile = PROFILES.lifecycle;
const ports = Object.values(profile.ports);

/**
 * Processes of the lifecycle stack, found without the stack's own bookkeeping: any process whose
 * command line or environment names one of the profile's ports (the emulators take them as
 * `--port=`, everything firebase-tools starts inherits FIRESTORE_EMULATOR_HOST).
 */
function stackProcesses(): string[] {
  const needles = [`127.0.0.1:${profile.ports.firestore}`, ...ports.map((p) => `--port=${p}`)];
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const text = `${cmdline}\0${readFileSync(`/proc/${pid}/environ`, 'utf8')}`;
      if (needles.some((n) => text.includes(n))) found.push(`${pid} ${cmdline.replaceAll('\0', ' ').slice(0, 160)}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function busyPorts(): Promise<number[]> {
  const busy = await Promise.all(ports.map(async (p) => ((await portInUse(p)) ? p : 0)));
  return busy.filter((p) => p !== 0);
}

interface Starter {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `npm start` on the lifecycle profile, leading a process group of its own (what Ctrl-C signals). */
function start(): Starter {
  const child = spawn(path.join(root, 'node_modules', '.bin', 'node'), ['scripts/start.ts'], {
    cwd: root,
    env: { ...process.env, AM_START_PROFILE: profile.name },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, output?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000}s${output ? `\n${output()}` : ''}`);
}

/** Until the starter prints `text`; fails at once if it exits first. */
function untilPrinted(starter: Starter, text: string): Promise<void> {
  return waitFor(
    `"${text}"`,
    () => {
      if (starter.output().includes(text)) return true;
      if (starter.child.exitCode !== null || starter.child.signalCode !== null) throw new Error(`npm start exited before printing "${text}":\n${starter.output()}`);
      return false;
    },
    240_000,
    starter.output,
  );
}

/** Every process of the stack gone and every port free, within `timeoutMs` (the figure asserted). */
async function expectStackGone(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let left: string[] = [];
  let busy: number[] = [];
  do {
    left = stackProcesses();
    busy = await busyPorts();
    if (left.length === 0 && busy.length === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  } while (Date.now() < deadline);
  expect({ left, busy }).toEqual({ left: [], busy: [] });
}

// Whatever a failing test left behind must not reach the next test (or the next run).
afterEach(async () => {
  for (const line of stackProcesses()) {
    try {
      process.kill(Number(line.split(' ')[0]), 'SIGKILL');
    } catch {
      // gone
    }
  }
  await waitFor('lifecycle ports free after cleanup', async () => (await busyPorts()).length === 0, 30_000);
});

describe('npm start and Ctrl-C', () => {
  it('Ctrl-C while the catalog is being seeded stops every process the stack started', async () => {
    const starter = start();
    await untilPrinted(starter, 'seeding the catalog');
    process.kill(-starter.child.pid!, 'SIGINT');
    const code = await Promise.race([starter.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000))]);
    await expectStackGone(15_000);
    expect(code, starter.output()).toBe(0);
    expect(starter.output()).toContain('SIGINT: stopping every process the stack started');
    // The signal came during start-up: the stack never reported itself up.
    expect(starter.output()).not.toContain('Agent Marketplace is running');
  }, 360_000);

  it('after a kill -9 of npm start, the next npm start stops the stack left behind, says so, and comes up', async () => {
    const first = start();
    await untilPrinted(first, 'Agent Marketplace is running');
    process.kill(-first.child.pid!, 'SIGKILL');
    await first.exited;
    expect(stackProcesses().length).toBeGreaterThan(0);

    const second = start();
    await untilPrinted(second, 'Agent Marketplace is running');
    const said = second.output().split('\n').filter((l) => l.includes('left running'));
    expect(said, second.output()).toHaveLength(1);
    expect(second.output()).not.toContain('already in use');

    process.kill(-second.child.pid!, 'SIGINT');
    expect(await second.exited).toBe(0);
    await expectStackGone(15_000);
  }, 600_000);
});
