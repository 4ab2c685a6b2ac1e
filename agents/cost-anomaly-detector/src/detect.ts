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

export function detectAnomalies(rows: readonly CostRow[], options: DetectOptions = DEFAULTS): Anomaly[] {
  const anomalies: Anomaly[] = [];
  for (const [key, series] of dailySeries(rows)) {
    const [project, service] = key.split('\u0000') as [string, string];
    for (let i = options.windowDays; i < series.length; i++) {
      const window = series.slice(i - options.windowDays, i).map((d) => d.cost);
      const base = median(window);
      // 1.4826 scales MAD to a standard deviation for normal data; the floor avoids dividing by ~0.
      const spread = Math.max(1.4826 * median(window.map((c) => Math.abs(c - base))), base * 0.02, 0.01);
      const day = series[i]!;
      const excess = day.cost - base;
      const score = excess / spread;
      if (score >= options.threshold && excess >= options.minExcess) {
        anomalies.push({ date: day.date, project, service, cost: day.cost, expected: round2(base), excess: round2(excess), score: round2(score) });
      }
    }
  }
  return anomalies.sort((a, b) => b.excess - a.excess || a.date.localeCompare(b.date));
}
