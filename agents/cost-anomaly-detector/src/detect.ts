/** Pure anomaly detection over daily cost rows: no I/O, so it is tested directly. */
export interface CostRow {
  date: string;
  project: string;
  service: string;
  sku: string;
  cost: number;
  currency: string;
}

export interface Anomaly {
  date: string;
  project: string;
  service: string;
  cost: number;
  expected: number;
  excess: number;
  /** Robust z-score: deviations of the median absolute deviation above the median. */
  score: number;
  /** Days the baseline (median and MAD) was made of: the `windowDays` days with spend before this one. */
  baselineDays: number;
  /** Of those, days known only from memory (earlier runs), not from this run's billing rows. */
  baselineFromMemory: number;
  /** An earlier run already reported this day as an anomaly (it is in the remembered baseline, flagged). */
  reportedBefore: boolean;
}

/** One day of a series: its cost, and whether it is known only from memory. */
export interface SeriesDay {
  date: string;
  cost: number;
  fromMemory: boolean;
  /** An earlier run reported it as an anomaly. */
  flagged?: boolean;
}

/** What judging one series found: its anomalies, the days judged, and the days with too short a baseline to judge. */
export interface SeriesVerdict {
  anomalies: Anomaly[];
  judged: string[];
  tooShort: string[];
}

export interface DetectOptions {
  windowDays: number;
  threshold: number;
  minExcess: number;
}

export const DEFAULTS: DetectOptions = { windowDays: 14, threshold: 4, minExcess: 25 };

const round2 = (n: number) => Math.round(n * 100) / 100;

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Daily totals per project and service, dates ascending. */
export function dailySeries(rows: readonly CostRow[]): Map<string, { date: string; cost: number }[]> {
  const byKey = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const key = `${row.project}\u0000${row.service}`;
    const days = byKey.get(key) ?? new Map<string, number>();
    days.set(row.date, (days.get(row.date) ?? 0) + row.cost);
    byKey.set(key, days);
  }
  const out = new Map<string, { date: string; cost: number }[]>();
  for (const [key, days] of byKey) {
    out.set(
      key,
      [...days.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([date, cost]) => ({ date, cost: round2(cost) })),
    );
  }
  return out;
}

/**
 * Judges the days of one series (dates ascending) that `judge` picks: each against the median
 * and MAD of the `windowDays` days with spend before it, wherever those days came from (this
 * run's rows or memory). A day with fewer earlier days is not judged (`tooShort`). Earlier
 * anomalies stay in the window: the median and MAD are robust to a few high days, so one spike
 * does not hide the next, and a lasting change becomes the new normal after about half a window.
 */
export function judgeSeries(
  project: string,
  service: string,
  series: readonly SeriesDay[],
  judge: (day: SeriesDay) => boolean,
  options: DetectOptions,
): SeriesVerdict {
  const out: SeriesVerdict = { anomalies: [], judged: [], tooShort: [] };
  for (let i = 0; i < series.length; i++) {
    const day = series[i]!;
    if (!judge(day)) continue;
    if (i < options.windowDays) {
      out.tooShort.push(day.date);
      continue;
    }
    out.judged.push(day.date);
    const days = series.slice(i - options.windowDays, i);
    const window = days.map((d) => d.cost);
    const base = median(window);
    // 1.4826 scales MAD to a standard deviation for normal data; the floor avoids dividing by ~0.
    const spread = Math.max(1.4826 * median(window.map((c) => Math.abs(c - base))), base * 0.02, 0.01);
    const excess = day.cost - base;
    const score = excess / spread;
    if (score >= options.threshold && excess >= options.minExcess) {
      out.anomalies.push({
        date: day.date,
        project,
        service,
        cost: day.cost,
        expected: round2(base),
        excess: round2(excess),
        score: round2(score),
        baselineDays: days.length,
        baselineFromMemory: days.filter((d) => d.fromMemory).length,
        reportedBefore: day.flagged === true,
      });
    }
  }
  return out;
}

/** Worst first: by excess, then by date. */
export function byExcess(a: Anomaly, b: Anomaly): number {
  return b.excess - a.excess || a.date.localeCompare(b.date);
}

/** Splits a `dailySeries` key into its project and service. */
export function seriesNames(key: string): [project: string, service: string] {
  return key.split('\u0000') as [string, string];
}

/** Anomalies among the rows alone, with nothing remembered (the first run of an install). */
export function detectAnomalies(rows: readonly CostRow[], options: DetectOptions = DEFAULTS): Anomaly[] {
  const anomalies: Anomaly[] = [];
  for (const [key, series] of dailySeries(rows)) {
    const [project, service] = seriesNames(key);
    const days = series.map((d) => ({ ...d, fromMemory: false }));
    anomalies.push(...judgeSeries(project, service, days, () => true, options).anomalies);
  }
  return anomalies.sort(byExcess);
}
