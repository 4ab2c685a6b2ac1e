/**
 * The baselines the detector remembers in task memory (docs/memory.md), one key per project and
 * service: pure functions (keys, reading a remembered value, merging a run's days into it), so
 * they are tested directly. The agent's index.ts does the memory calls.
 */
import { createHash } from 'node:crypto';

/** Every baseline key starts with this (list them with it). */
export const BASELINE_PREFIX = 'baselines/';
/** The shape of a remembered value; a value of another shape is treated as absent and replaced. */
export const BASELINE_FORMAT = 1;
/** The platform's limit on a task key (contract/src/memory.ts, MEMORY_LIMITS.taskKeyMaxChars). */
export const TASK_KEY_MAX_CHARS = 200;
/** Longer project or service names are not remembered: they would not fit a bounded value. */
export const NAME_MAX_CHARS = 1024;
/** A remembered window never spans more than this many days (a year and a leap day). */
export const REMEMBER_MAX_DAYS = 366;

/**
 * One series as remembered: its daily costs over the last `rememberDays` calendar days up to the
 * newest day seen, and which of those days were reported as anomalies. At most 366 days of
 * `"YYYY-MM-DD": cost` (under 30 bytes each) plus the flagged dates: about 2 KiB for 60 days and
 * at most about 16 KiB, far under the platform's 64 KiB per task value.
 */
export type RememberedBaseline = {
  v: typeof BASELINE_FORMAT;
  project: string;
  service: string;
  /** Daily cost by date, dates ascending. */
  days: Record<string, number>;
  /**
   * Days reported as anomalies, ascending. They stay in `days` (the median and MAD are robust to a
   * few high days, and a lasting change must become the new normal); the mark only says that an
   * alert was already raised for that day.
   */
  flagged: string[];
  /** When a run last wrote it, and which run. */
  updatedAt: string;
  runId: string;
};

/** What one run saw of a series: its days, which it judged and which of those it flagged. */
export interface RunSeries {
  project: string;
  service: string;
  days: ReadonlyMap<string, number>;
  judged: ReadonlySet<string>;
  flagged: ReadonlySet<string>;
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** A calendar date `YYYY-MM-DD` that exists (2026-02-30 does not). */
export function isDay(s: string): boolean {
  if (!ISO_DAY.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === s;
}

/** The date `days` days before `day` (both `YYYY-MM-DD`). */
export function daysBefore(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - days * DAY_MS).toISOString().slice(0, 10);
}

const KEPT = /^[A-Za-z0-9-]$/;
const encoder = new TextEncoder();

/**
 * A project or service name as one segment of a task key: letters, digits and `-` as they are,
 * every other character as its UTF-8 bytes `_XX` (hex), so `Compute Engine` is `Compute_20Engine`
 * and `a/b..c` is `a_2Fb_2E_2Ec`. `_` itself is escaped, so the encoding is reversible; a segment
 * never holds `/` or `.` (no `..`, no extra path level); the empty name is `_`.
 */
export function encodeKeyPart(name: string): string {
  if (name === '') return '_';
  let out = '';
  for (const ch of name.toWellFormed()) {
    if (KEPT.test(ch)) out += ch;
    else for (const b of encoder.encode(ch)) out += `_${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The name a key segment encodes (the inverse of `encodeKeyPart`). */
export function decodeKeyPart(part: string): string {
  if (part === '_') return '';
  const bytes: number[] = [];
  for (let i = 0; i < part.length; ) {
    if (part[i] === '_') {
      const hex = part.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new Error(`not an encoded key segment: ${part}`);
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else {
      bytes.push(part.charCodeAt(i));
      i += 1;
    }
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
}

/**
 * The task key of a series: `baselines/<project>/<service>`, each encoded by `encodeKeyPart`.
 * When that is longer than a task key may be (very long or non-Latin names), the key is
 * `baselines/_h/<sha-256 of the names>` instead (`_h` is no encoded segment, so it never meets a
 * readable key); the value holds the names, and a value naming another series is not used.
 */
export function baselineKey(project: string, service: string): string {
  const readable = `${BASELINE_PREFIX}${encodeKeyPart(project)}/${encodeKeyPart(service)}`;
  if (readable.length <= TASK_KEY_MAX_CHARS) return readable;
  const hash = createHash('sha256').update(`${project.toWellFormed()}\u0000${service.toWellFormed()}`).digest('hex');
  return `${BASELINE_PREFIX}_h/${hash}`;
}

/** Whether a series can be remembered at all (its names fit a bounded value). */
export function rememberable(project: string, service: string): boolean {
  return project.length <= NAME_MAX_CHARS && service.length <= NAME_MAX_CHARS;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A remembered value read back, defensively: null when absent, of another format, or about
 * another series; days that are not dates or costs that are not finite numbers are dropped.
 */
export function readBaseline(value: unknown, project: string, service: string): RememberedBaseline | null {
  if (!isRecord(value) || value['v'] !== BASELINE_FORMAT) return null;
  if (value['project'] !== project.toWellFormed() || value['service'] !== service.toWellFormed()) return null;
  const days: Record<string, number> = {};
  if (isRecord(value['days'])) {
    for (const day of Object.keys(value['days']).sort()) {
      const cost = value['days'][day];
      if (isDay(day) && typeof cost === 'number' && Number.isFinite(cost)) days[day] = cost;
    }
  }
  const flagged = Array.isArray(value['flagged']) ? [...new Set(value['flagged'].filter((d): d is string => typeof d === 'string' && d in days))].sort() : [];
  return {
    v: BASELINE_FORMAT,
    project: project.toWellFormed(),
    service: service.toWellFormed(),
    days,
    flagged,
    updatedAt: typeof value['updatedAt'] === 'string' ? value['updatedAt'] : '',
    runId: typeof value['runId'] === 'string' ? value['runId'] : '',
  };
}

/**
 * Merges a run's days into what was remembered: a day seen again replaces the remembered cost
 * (never added to it: billing exports restate recent days as late usage arrives), a new day is
 * added, and only the `rememberDays` calendar days up to the newest day are kept. A day the run
 * judged loses its old flag unless the run flagged it again. Applied again on top of a concurrent
 * run's write (task memory's `update`), nothing that run added is lost.
 */
export function mergeBaseline(
  current: RememberedBaseline | null,
  run: RunSeries,
  options: { rememberDays: number; now: Date; runId: string },
): RememberedBaseline {
  const days = new Map(Object.entries(current?.days ?? {}));
  for (const [day, cost] of run.days) if (isDay(day)) days.set(day, cost);
  const flagged = new Set((current?.flagged ?? []).filter((d) => !run.judged.has(d)));
  for (const day of run.flagged) flagged.add(day);

  const sorted = [...days.keys()].sort();
  const keep = Math.max(1, Math.min(REMEMBER_MAX_DAYS, Math.floor(options.rememberDays)));
  const oldest = sorted.length ? daysBefore(sorted.at(-1)!, keep - 1) : '';
  const kept = sorted.filter((d) => d >= oldest);
  return {
    v: BASELINE_FORMAT,
    project: run.project.toWellFormed(),
    service: run.service.toWellFormed(),
    days: Object.fromEntries(kept.map((d) => [d, days.get(d)!])),
    flagged: kept.filter((d) => flagged.has(d)),
    updatedAt: options.now.toISOString(),
    runId: options.runId,
  };
}

/** Whether a merge changed what is remembered (days, costs or flags): if not, nothing is written. */
export function sameBaseline(a: RememberedBaseline | null, b: RememberedBaseline): boolean {
  if (!a) return false;
  const ak = Object.keys(a.days);
  const bk = Object.keys(b.days);
  return (
    ak.length === bk.length &&
    ak.every((d, i) => d === bk[i] && a.days[d] === b.days[d]) &&
    a.flagged.length === b.flagged.length &&
    a.flagged.every((d, i) => d === b.flagged[i])
  );
}
