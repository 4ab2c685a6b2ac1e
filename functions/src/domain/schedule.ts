import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { z } from 'zod';
import { AppError } from './errors.js';

/**
 * Install schedules: a five-field cron expression read in an IANA time zone.
 *
 * cron-parser (with luxon) is pure computation: its only I/O is `CronFileParser`, which
 * requires `fs` lazily when called, and we never call it. So it may live in domain/.
 */

/** No schedule may fire more often than this: each fire is a billed run. */
export const MIN_INTERVAL_MINUTES = 5;
export const MAX_FIRE_TIMES = 1000;

/** The only macros we accept, as the five-field expressions they stand for. */
const MACROS: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
};

const FIELD_NAMES = ['minute', 'hour', 'day of month', 'month', 'day of week'] as const;

/** Fires checked against the minimum interval, from a fixed instant so validation is deterministic. */
const SAMPLE_FROM = new Date('2026-01-01T00:00:00Z');
const SAMPLE_FIRES = 300;
const SAMPLE_SPAN_MS = 8 * 24 * 3600_000;

const invalid = (message: string) => new AppError('invalid', 'schedule_invalid', message);

/** Whitespace-normalised expression (macros lower-cased), and the five fields it means. */
function normaliseCron(raw: string): { cron: string; fields: string } {
  const cron = raw.trim().replace(/\s+/g, ' ');
  if (cron.length === 0) throw invalid('The cron expression is empty.');
  if (cron.length > 200) throw invalid('The cron expression is longer than 200 characters.');
  if (cron.startsWith('@')) {
    const macro = cron.toLowerCase();
    const fields = MACROS[macro];
    if (!fields) throw invalid(`The cron macro ${cron} is not supported; use ${Object.keys(MACROS).join(', ')} or five fields.`);
    return { cron: macro, fields };
  }
  const parts = cron.split(' ');
  if (parts.length === 6) {
    throw invalid('The cron expression has six fields; seconds are not supported. Use five: minute hour day-of-month month day-of-week.');
  }
  if (parts.length !== 5) {
    throw invalid(`The cron expression has ${parts.length} field${parts.length === 1 ? '' : 's'}; expected five: minute hour day-of-month month day-of-week.`);
  }
  parts.forEach((part, i) => {
    // `H` (hashed) values are random unless seeded: fire times must be the same on every read.
    if (/h/i.test(part.replace(/[a-z]{3}/gi, ''))) {
      throw invalid(`The ${FIELD_NAMES[i]} field "${part}" uses H (hashed values), which is not supported.`);
    }
  });
  return { cron, fields: cron };
}

/** The zone's canonical spelling; offsets such as "+01:00" are refused (not IANA, no DST rules). */
function normaliseTimeZone(raw: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(raw)) throw invalid(`"${raw}" is not an IANA time zone such as Europe/Berlin.`);
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: raw }).resolvedOptions().timeZone;
  } catch {
    throw invalid(`"${raw}" is not an IANA time zone such as Europe/Berlin.`);
  }
}

function parseExpression(fields: string, timeZone: string, from: Date): CronExpression {
  try {
    return CronExpressionParser.parse(fields, { tz: timeZone, currentDate: from });
  } catch (err) {
    throw invalid(`The cron expression "${fields}" is invalid: ${(err as Error).message}.`);
  }
}

function nextOrThrow(expr: CronExpression, cron: string): Date {
  try {
    return expr.next().toDate();
  } catch (err) {
    throw invalid(`The cron expression "${cron}" never fires (${(err as Error).message}).`);
  }
}

/**
 * Smallest wall-clock gap the minute and hour fields allow, in minutes. Exact within an hour and
 * across adjacent hours; across midnight it assumes both days may fire (conservative).
 */
function smallestWallClockGap(expr: CronExpression): number {
  const minutes = [...(expr.fields.minute.values as number[])].sort((a, b) => a - b);
  const hours = new Set(expr.fields.hour.values as number[]);
  let gap = Infinity;
  for (let i = 1; i < minutes.length; i++) gap = Math.min(gap, minutes[i]! - minutes[i - 1]!);
  const wrap = 60 - minutes[minutes.length - 1]! + minutes[0]!;
  const adjacentHours = [...hours].some((h) => hours.has((h + 1) % 24));
  if (adjacentHours) gap = Math.min(gap, wrap);
  return gap;
}

/** Parses and validates a schedule; throws AppError('invalid', 'schedule_invalid', ...). */
export function parseSchedule(input: { cron: string; timeZone: string }): { cron: string; timeZone: string } {
  const { cron, fields } = normaliseCron(input.cron);
  const timeZone = normaliseTimeZone(input.timeZone);
  const expr = parseExpression(fields, timeZone, SAMPLE_FROM);

  const tooOften = () =>
    invalid(`The schedule "${cron}" fires more often than every ${MIN_INTERVAL_MINUTES} minutes; the minimum interval is ${MIN_INTERVAL_MINUTES} minutes.`);
  if (smallestWallClockGap(expr) < MIN_INTERVAL_MINUTES) throw tooOften();

  // Then the real fires (in the zone, with its calendar rules) over the next several days.
  let previous = nextOrThrow(expr, cron);
  for (let i = 1; i < SAMPLE_FIRES && previous.getTime() - SAMPLE_FROM.getTime() < SAMPLE_SPAN_MS; i++) {
    const next = nextOrThrow(expr, cron);
    if (next.getTime() - previous.getTime() < MIN_INTERVAL_MINUTES * 60_000) throw tooOften();
    previous = next;
  }
  return { cron, timeZone };
}

/**
 * A schedule as stored on an install. Parsing throws AppError('invalid', 'schedule_invalid')
 * rather than a ZodError, so use cases can call `CronSchedule.parse` directly; the output is
 * normalised (single spaces, lower-case macro, canonical zone spelling).
 */
export const CronSchedule = z
  .object({
    cron: z.string().meta({ description: 'Five-field cron (minute hour day-of-month month day-of-week) or @hourly, @daily, @weekly, @monthly', examples: ['0 9 * * 1-5'] }),
    timeZone: z.string().meta({ description: 'IANA time zone the cron is read in', examples: ['Europe/Berlin'] }),
  })
  .transform((s) => parseSchedule(s));
export type CronSchedule = z.output<typeof CronSchedule>;

/**
 * The next `count` fire times strictly after `from`, as instants. Wall-clock times that do not
 * exist (spring forward) fire at the shifted time; ones that occur twice (fall back) fire once.
 */
export function nextFireTimes(schedule: { cron: string; timeZone: string }, from: Date, count: number): Date[] {
  if (!Number.isInteger(count) || count < 0 || count > MAX_FIRE_TIMES) {
    throw new AppError('invalid', 'schedule_invalid', `count must be an integer from 0 to ${MAX_FIRE_TIMES}.`);
  }
  if (Number.isNaN(from.getTime())) throw new AppError('invalid', 'schedule_invalid', 'from is not a valid date.');
  const { cron, fields } = normaliseCron(schedule.cron);
  const timeZone = normaliseTimeZone(schedule.timeZone);
  const expr = parseExpression(fields, timeZone, from);
  const out: Date[] = [];
  for (let i = 0; i < count; i++) out.push(nextOrThrow(expr, cron));
  return out;
}
