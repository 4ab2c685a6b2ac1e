import { describe, expect, it } from 'vitest';
import { AppError } from '../src/domain/errors.ts';
import { CronSchedule, MIN_INTERVAL_MINUTES, nextFireTimes, parseSchedule } from '../src/domain/schedule.ts';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

/** Wall-clock time in a zone, to check fires by what a user reads on their clock. */
const wall = (d: Date, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'short', timeStyle: 'short', hourCycle: 'h23' }).format(d);

function scheduleError(f: () => unknown): AppError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    const e = err as AppError;
    expect(e.kind).toBe('invalid');
    expect(e.code).toBe('schedule_invalid');
    return e;
  }
  throw new Error('expected a schedule_invalid error');
}

describe('CronSchedule validation', () => {
  it('accepts five-field crons in IANA zones and normalises them', () => {
    expect(CronSchedule.parse({ cron: '  0  9 * *   1-5 ', timeZone: 'Europe/Berlin' })).toEqual({ cron: '0 9 * * 1-5', timeZone: 'Europe/Berlin' });
    expect(CronSchedule.parse({ cron: '*/5 * * * *', timeZone: 'UTC' })).toEqual({ cron: '*/5 * * * *', timeZone: 'UTC' });
    expect(CronSchedule.parse({ cron: '0 6 * * MON-FRI', timeZone: 'america/new_york' }).timeZone).toBe('America/New_York');
    expect(CronSchedule.parse({ cron: '15 3 L * *', timeZone: 'Asia/Tokyo' }).cron).toBe('15 3 L * *');
  });

  it('accepts @hourly, @daily, @weekly and @monthly only', () => {
    for (const m of ['@hourly', '@daily', '@weekly', '@monthly']) expect(parseSchedule({ cron: m, timeZone: 'UTC' }).cron).toBe(m);
    expect(parseSchedule({ cron: '@Daily', timeZone: 'UTC' }).cron).toBe('@daily');
    for (const m of ['@yearly', '@annually', '@minutely', '@secondly', '@weekdays', '@reboot']) {
      expect(scheduleError(() => parseSchedule({ cron: m, timeZone: 'UTC' })).message).toContain('not supported');
    }
  });

  it('rejects seconds fields and wrong field counts', () => {
    expect(scheduleError(() => CronSchedule.parse({ cron: '0 */5 * * * *', timeZone: 'UTC' })).message).toContain('seconds are not supported');
    expect(scheduleError(() => parseSchedule({ cron: '* * * *', timeZone: 'UTC' })).message).toContain('4 fields');
    expect(scheduleError(() => parseSchedule({ cron: '0 0 * * * * *', timeZone: 'UTC' })).message).toContain('7 fields');
    expect(scheduleError(() => parseSchedule({ cron: '   ', timeZone: 'UTC' })).message).toContain('empty');
  });

  it('rejects values cron-parser refuses, and dates that never come', () => {
    expect(scheduleError(() => parseSchedule({ cron: '61 * * * *', timeZone: 'UTC' })).message).toMatch(/invalid.*0-59/);
    expect(scheduleError(() => parseSchedule({ cron: '0 25 * * *', timeZone: 'UTC' })).message).toContain('invalid');
    expect(scheduleError(() => parseSchedule({ cron: '0 0 31 2 *', timeZone: 'UTC' })).message).toContain('invalid');
    expect(scheduleError(() => parseSchedule({ cron: '0 0 * * FOO', timeZone: 'UTC' })).message).toContain('invalid');
    expect(scheduleError(() => parseSchedule({ cron: 'H 3 * * *', timeZone: 'UTC' })).message).toContain('H (hashed values)');
  });

  it('accepts a leap-day schedule (fires, though rarely)', () => {
    expect(parseSchedule({ cron: '0 0 29 2 *', timeZone: 'UTC' }).cron).toBe('0 0 29 2 *');
  });

  it('rejects unknown zones and UTC offsets', () => {
    for (const tz of ['Mars/Olympus_Mons', 'Europe/Berlin ', '', '+01:00', 'GMT+1:00', '../etc/passwd']) {
      expect(scheduleError(() => CronSchedule.parse({ cron: '0 9 * * *', timeZone: tz })).message).toContain('IANA time zone');
    }
  });

  it(`enforces a minimum interval of ${MIN_INTERVAL_MINUTES} minutes`, () => {
    for (const cron of ['* * * * *', '*/4 * * * *', '0,3 9 * * 1', '0-12 * * * *', '0,58 9,10 * * 1', '0,58 23,0 * * *']) {
      expect(scheduleError(() => parseSchedule({ cron, timeZone: 'UTC' })).message, cron).toContain('minimum interval is 5 minutes');
    }
    for (const cron of ['*/5 * * * *', '0,5,10 9 * * *', '0,55 9 * * *', '58 9 * * *', '0 */2 * * *']) {
      expect(parseSchedule({ cron, timeZone: 'Europe/Berlin' }).cron).toBe(cron);
    }
  });
});

describe('nextFireTimes', () => {
  it('lists fires strictly after `from`', () => {
    const from = new Date('2026-06-01T09:00:00Z');
    expect(iso(nextFireTimes({ cron: '0 9 * * *', timeZone: 'UTC' }, from, 3))).toEqual([
      '2026-06-02T09:00:00.000Z',
      '2026-06-03T09:00:00.000Z',
      '2026-06-04T09:00:00.000Z',
    ]);
    expect(nextFireTimes({ cron: '@hourly', timeZone: 'UTC' }, from, 0)).toEqual([]);
    expect(iso(nextFireTimes({ cron: '0 9 * * 1-5', timeZone: 'UTC' }, new Date('2026-06-05T10:00:00Z'), 2))).toEqual([
      '2026-06-08T09:00:00.000Z',
      '2026-06-09T09:00:00.000Z',
    ]);
  });

  it('keeps local wall-clock time across the Europe/Berlin change on 2026-10-25', () => {
    const tz = 'Europe/Berlin';
    const fires = nextFireTimes({ cron: '0 9 * * *', timeZone: tz }, new Date('2026-10-23T12:00:00Z'), 4);
    // 09:00 CEST is 07:00Z; 09:00 CET is 08:00Z.
    expect(iso(fires)).toEqual(['2026-10-24T07:00:00.000Z', '2026-10-25T08:00:00.000Z', '2026-10-26T08:00:00.000Z', '2026-10-27T08:00:00.000Z']);
    expect(fires.map((d) => wall(d, tz).slice(-5))).toEqual(['09:00', '09:00', '09:00', '09:00']);
  });

  it('fires once in the repeated Berlin hour (02:30 happens twice on 2026-10-25)', () => {
    const fires = nextFireTimes({ cron: '30 2 * * *', timeZone: 'Europe/Berlin' }, new Date('2026-10-23T12:00:00Z'), 4);
    expect(iso(fires)).toEqual(['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z', '2026-10-27T01:30:00.000Z']);
  });

  it('fires hourly at real one-hour steps through the Berlin fall-back (both 02:00s)', () => {
    const tz = 'Europe/Berlin';
    const fires = nextFireTimes({ cron: '0 * * * *', timeZone: tz }, new Date('2026-10-24T22:30:00Z'), 5);
    expect(iso(fires)).toEqual([
      '2026-10-24T23:00:00.000Z',
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T02:00:00.000Z',
      '2026-10-25T03:00:00.000Z',
    ]);
    expect(fires.map((d) => wall(d, tz).slice(-5))).toEqual(['01:00', '02:00', '02:00', '03:00', '04:00']);
  });

  it('keeps local wall-clock time across the America/New_York change on 2026-11-01', () => {
    const tz = 'America/New_York';
    const fires = nextFireTimes({ cron: '30 8 * * *', timeZone: tz }, new Date('2026-10-30T20:00:00Z'), 4);
    // 08:30 EDT is 12:30Z; 08:30 EST is 13:30Z.
    expect(iso(fires)).toEqual(['2026-10-31T12:30:00.000Z', '2026-11-01T13:30:00.000Z', '2026-11-02T13:30:00.000Z', '2026-11-03T13:30:00.000Z']);
    expect(fires.map((d) => wall(d, tz).slice(-5))).toEqual(['08:30', '08:30', '08:30', '08:30']);
    // 01:30 happens twice that night (EDT, then EST): one fire, at the first.
    const night = nextFireTimes({ cron: '30 1 * * *', timeZone: tz }, new Date('2026-10-31T12:00:00Z'), 2);
    expect(iso(night)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });

  it('shifts a skipped wall-clock time forward on the spring change (Berlin, 2026-03-29)', () => {
    const fires = nextFireTimes({ cron: '30 2 * * *', timeZone: 'Europe/Berlin' }, new Date('2026-03-28T12:00:00Z'), 2);
    // 02:30 does not exist on 03-29: it fires at 03:30 CEST (01:30Z), then 02:30 CEST (00:30Z).
    expect(iso(fires)).toEqual(['2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
  });

  it('reads macros and refuses bad arguments with schedule_invalid', () => {
    expect(iso(nextFireTimes({ cron: '@weekly', timeZone: 'UTC' }, new Date('2026-06-01T00:00:00Z'), 1))).toEqual(['2026-06-07T00:00:00.000Z']);
    scheduleError(() => nextFireTimes({ cron: '0 9 * * *', timeZone: 'UTC' }, new Date('nope'), 1));
    scheduleError(() => nextFireTimes({ cron: '0 9 * * *', timeZone: 'UTC' }, new Date(), -1));
    scheduleError(() => nextFireTimes({ cron: '0 9 * * *', timeZone: 'Nowhere/Land' }, new Date(), 1));
  });
});
