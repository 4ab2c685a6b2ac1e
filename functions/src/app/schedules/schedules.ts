import type { Install } from '../../domain/models.js';
import type { Deps } from '../deps.js';
import type { ScheduleEntry } from './ports.js';

/**
 * An install's schedules as entries of `schedules/`, indexed by when each next fires (the
 * scheduler tick, scheduleTick.ts, reads them). Install use cases call this; it starts nothing.
 */
const entryId = (wsId: string, installId: string, scheduleId: string) => `${wsId}_${installId}_${scheduleId}`;

/** Keeps `schedules/` in step with an install: called after every change to its triggers or state. */
export async function syncSchedules(deps: Pick<Deps, 'schedules' | 'clock'>, install: Install): Promise<void> {
  const { nextFireTimes } = await import('../../domain/schedule.js');
  const now = deps.clock.now();
  const entries: ScheduleEntry[] =
    install.state === 'uninstalled'
      ? []
      : install.triggers.schedules.map((s) => ({
          id: entryId(install.wsId, install.id, s.id),
          wsId: install.wsId,
          installId: install.id,
          scheduleId: s.id,
          cron: s.cron,
          timeZone: s.timeZone,
          active: install.state === 'active' && s.enabled,
          nextFireAt: nextFireTimes(s, now, 1)[0]!,
        }));
  await deps.schedules.replaceForInstall(install.wsId, install.id, entries);
}
