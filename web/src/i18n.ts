/**
 * Every user-visible string goes through `t`. Messages are data (one JSON table per locale);
 * `{name}` placeholders are filled from `params`. Only English exists so far.
 *
 * Numbers and dates are formatted in `formatLocale` (locale.ts): the browser's preference when
 * it is valid and in a language we have messages for, else English; never a tag Intl refuses.
 */
import en from './locales/en.json' with { type: 'json' };
import { formatLocale } from './locale.ts';

export type MessageKey = keyof typeof en;
export type Params = Record<string, string | number>;

const messages: Record<string, string> = en;
/** The messages' language (the page's `lang`, plural rules). */
export const locale = 'en';
export { formatLocale };

function fill(template: string, params: Params = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function t(key: MessageKey, params?: Params): string {
  return fill(messages[key] ?? key, params);
}

/** Message families with plural forms: `x.one`, `x.other` (and whatever else a locale's rules need). */
export type PluralKey = MessageKey extends infer K ? (K extends `${infer Base}.other` ? Base : never) : never;
const plurals = new Intl.PluralRules(locale);

/** The form of `key` for the count `n` (which also fills `{n}`): "1 agent", "2 agents". */
export function tn(key: PluralKey, n: number, params: Params = {}): string {
  const template = messages[`${key}.${plurals.select(n)}`] ?? messages[`${key}.other`] ?? key;
  return fill(template, { n: integer.format(n), ...params });
}

/** For keys built from data (a pricing model, an error code): the fallback when none exists. */
export function tOr(key: string, fallback: string, params?: Params): string {
  const message = messages[key];
  return message === undefined ? fallback : fill(message, params);
}

const dateTime = new Intl.DateTimeFormat(formatLocale, { dateStyle: 'medium', timeStyle: 'medium' });
/** Log and event times: 24-hour clock with milliseconds, the way logs read. */
const time = new Intl.DateTimeFormat(formatLocale, { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3, hourCycle: 'h23' });
const integer = new Intl.NumberFormat(formatLocale);

export const formatDateTime = (d: Date | string): string => dateTime.format(typeof d === 'string' ? new Date(d) : d);
export const formatTime = (d: Date | string): string => time.format(typeof d === 'string' ? new Date(d) : d);
export const formatCount = (n: number): string => integer.format(n);
const percent = new Intl.NumberFormat(formatLocale, { style: 'percent', maximumFractionDigits: 1 });
/** 0.909 → "90.9%". */
export const formatPercent = (ratio: number): string => percent.format(ratio);
const inUnit = (unit: string, digits: number) => new Intl.NumberFormat(formatLocale, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: digits });
const ms = inUnit('millisecond', 0);
const sec = inUnit('second', 1);
const min = inUnit('minute', 1);
/** A duration in the unit that reads best: "850 ms", "4.1 sec", "2.5 min" (the locale's words). */
export function formatDuration(millis: number): string {
  if (millis < 1000) return ms.format(millis);
  if (millis < 60_000) return sec.format(millis / 1000);
  return min.format(millis / 60_000);
}
// Whole bytes in the long form: the short one is "512 byte" in English.
const bytes = new Intl.NumberFormat(formatLocale, { style: 'unit', unit: 'byte', unitDisplay: 'long', maximumFractionDigits: 0 });
const kB = inUnit('kilobyte', 1);
const MB = inUnit('megabyte', 1);
const GB = inUnit('gigabyte', 1);
/** A size in decimal units: "512 bytes", "3.4 kB", "52.4 MB", "5.2 GB" (the locale's words). */
export function formatBytes(n: number): string {
  if (n < 1000) return bytes.format(n);
  if (n < 1_000_000) return kB.format(n / 1000);
  if (n < 1_000_000_000) return MB.format(n / 1_000_000);
  return GB.format(n / 1_000_000_000);
}
const hoursShort = inUnit('hour', 1);
/** Compute time from whole seconds: "45 sec", "12.5 min", "3.2 hr" (the locale's words). */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return sec.format(seconds);
  if (seconds < 3600) return min.format(seconds / 60);
  return hoursShort.format(seconds / 3600);
}
const milli = new Intl.NumberFormat(formatLocale, { maximumFractionDigits: 3 });
/** A quantity counted in thousandths, as a number: 2500 → "2.5". */
export const formatThousandths = (n: number): string => milli.format(n / 1000);
export const formatMoney = (cents: number, currency: string): string =>
  new Intl.NumberFormat(formatLocale, { style: 'currency', currency: currency.toUpperCase() }).format(cents / 100);

/**
 * Money held in integer minor units (cents, yen, fils) in the currency's own number of
 * decimals: 268129 USD → "$2,681.29", 500 JPY → "¥500".
 */
export function formatMinorUnits(amountMinor: number, currency: string): string {
  const format = new Intl.NumberFormat(formatLocale, { style: 'currency', currency: currency.toUpperCase() });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amountMinor / 10 ** digits);
}

const relative = new Intl.RelativeTimeFormat(formatLocale, { numeric: 'auto' });
/** `d` relative to `now` in the unit that reads best: "in 23 hours", "5 minutes ago", "in 3 days". */
export function formatRelative(d: Date | string, now: Date = new Date()): string {
  const ms = (typeof d === 'string' ? new Date(d) : d).getTime() - now.getTime();
  const abs = Math.abs(ms);
  if (abs < 60_000) return relative.format(Math.round(ms / 1000), 'second');
  if (abs < 3_600_000) return relative.format(Math.round(ms / 60_000), 'minute');
  if (abs < 48 * 3_600_000) return relative.format(Math.round(ms / 3_600_000), 'hour');
  return relative.format(Math.round(ms / 86_400_000), 'day');
}

const longUnit = (unit: string) => new Intl.NumberFormat(formatLocale, { style: 'unit', unit, unitDisplay: 'long', maximumFractionDigits: 0 });
const minutesLong = longUnit('minute');
const hoursLong = longUnit('hour');
const daysLong = longUnit('day');
/** Whole days in words: 1 → "1 day", 365 → "365 days". */
export const formatDays = (days: number): string => daysLong.format(days);
const oneDecimal = new Intl.NumberFormat(formatLocale, { maximumFractionDigits: 1 });
/** An average in one decimal: 2.25 → "2.3", 4 → "4". */
export const formatAverage = (n: number): string => oneDecimal.format(n);
const twoDecimals = new Intl.NumberFormat(formatLocale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
/** A similarity score in 0..1 with two decimals: 0.8333 → "0.83", 1 → "1.00". */
export const formatScore = (score: number): string => twoDecimals.format(score);
/** A span of whole minutes in its largest whole unit: 1440 → "1 day", 90 → "90 minutes", 120 → "2 hours". */
export function formatMinutes(minutes: number): string {
  if (minutes >= 1440 && minutes % 1440 === 0) return daysLong.format(minutes / 1440);
  if (minutes >= 60 && minutes % 60 === 0) return hoursLong.format(minutes / 60);
  return minutesLong.format(minutes);
}
