import { createHash } from 'node:crypto';
import { AppError } from '../../domain/errors.js';
import type { Deps } from '../deps.js';
import { triggerRun } from '../runs/runs.js';

type SchedulerDeps = Pick<Deps, 'installs' | 'runs' | 'dispatchQueue' | 'clock' | 'catalog' | 'schedules' | 'workspaces' | 'config' | 'usage'>;

/** The run of one slot has a fixed id, so a slot never runs twice, however often it is fired. */
export const slotRunId = (entryIdValue: string, slot: Date) =>
  `s${createHash('sha256').update(`${entryIdValue}@${slot.toISOString()}`).digest('hex').slice(0, 23)}`;

export interface TickResult {
  due: number;
  started: number;
  skipped: number;
}

/**
 * The scheduler tick: every due slot starts exactly one run, even when ticks overlap, repeat
 * or come late (a late tick fires the missed slot once and moves on to the next future one).
 * The run is created first with its slot's id, then the entry advances; a crash in between
 * is repaired by the next tick, whose create finds the run already there.
 */
export async function fireDueSchedules(deps: SchedulerDeps, limit = 200): Promise<TickResult> {
  const { nextFireTimes } = await import('../../domain/schedule.js');
  const now = deps.clock.now();
  const due = await deps.schedules.due(now, limit);
  let started = 0;
  let skipped = 0;
  for (const entry of due) {
    const install = await deps.installs.get(entry.wsId, entry.installId);
    const schedule = install?.triggers.schedules.find((s) => s.id === entry.scheduleId);
    const next = nextFireTimes(entry, now, 1)[0]!;
    if (install && install.state === 'active' && schedule?.enabled) {
      try {
        await triggerRun(
          deps,
          { wsId: entry.wsId, principal: { kind: 'system', wsId: entry.wsId, name: 'scheduler' }, role: null, permissions: ['runs.trigger'] },
          { installId: entry.installId, trigger: { kind: 'schedule', by: `schedule:${entry.scheduleId}` }, runId: slotRunId(entry.id, entry.nextFireAt) },
        );
        started++;
      } catch (err) {
        // A slot already started, or a refusal that is the install's state (its agent was
        // suspended since the due list was read): skipped, not an error.
        if (!(err instanceof AppError && (err.code === 'run_exists' || err.kind === 'precondition'))) {
          console.error(JSON.stringify({ severity: 'ERROR', message: 'scheduled run failed to start', entry: entry.id, error: String(err) }));
        }
        skipped++;
      }
    } else {
      skipped++;
    }
    await deps.schedules.advance(entry.id, entry.nextFireAt, next);
  }
  return { due: due.length, started, skipped };
}
