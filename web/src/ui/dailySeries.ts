/** The metrics' daily counts as the series the charts draw. Pure: no DOM, no chart library. */
import type { DailyCounts } from '@agent-marketplace/client';

const DAY = 86_400;

/** The last `days` calendar days (UTC) ending today, with zeros where nothing ran. */
export function dailySeries(daily: DailyCounts[], days = 30, today = new Date()): { x: number[]; runs: number[]; failed: number[]; rate: (number | null)[] } {
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) / 1000;
  const byDate = new Map<string, DailyCounts>();
  for (const d of daily) {
    const prev = byDate.get(d.date);
    byDate.set(d.date, prev ? { date: d.date, runs: prev.runs + d.runs, succeeded: prev.succeeded + d.succeeded, failed: prev.failed + d.failed } : d);
  }
  const x: number[] = [];
  const runs: number[] = [];
  const failed: number[] = [];
  const rate: (number | null)[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const at = end - i * DAY;
    const d = byDate.get(new Date(at * 1000).toISOString().slice(0, 10));
    x.push(at);
    runs.push(d?.runs ?? 0);
    failed.push(d?.failed ?? 0);
    const finished = (d?.succeeded ?? 0) + (d?.failed ?? 0);
    rate.push(finished ? (d!.succeeded / finished) * 100 : null);
  }
  return { x, runs, failed, rate };
}
