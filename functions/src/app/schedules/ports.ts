/** What the schedule sync and the scheduler tick need. */
/** One schedule of one install, indexed by when it next fires (`schedules/{id}`). */
export interface ScheduleEntry {
  id: string;
  wsId: string;
  installId: string;
  scheduleId: string;
  cron: string;
  timeZone: string;
  active: boolean;
  nextFireAt: Date;
}

export interface ScheduleStore {
  /** Replaces an install's entries with these (removes the ones no longer listed). */
  replaceForInstall(wsId: string, installId: string, entries: ScheduleEntry[]): Promise<void>;
  /** Active entries due at `now`, earliest first: one indexed query. */
  due(now: Date, limit: number): Promise<ScheduleEntry[]>;
  /** Moves an entry past `slot` to `next`, only if it still sits at `slot` (a second tick does nothing). */
  advance(id: string, slot: Date, next: Date): Promise<boolean>;
}
