/**
 * Run metrics kept incrementally: each finished run bumps counters and one bucket of a
 * log-scale duration histogram (no scans of past runs). Percentiles come from the histogram,
 * accurate to the bucket width (each bucket is 25% wider than the one before).
 *
 * A finished run counts in a delta of its install's metrics, one delta per workspace
 * concurrency slot (metricsShardOf): a slot holds one run at a time, so a delta takes one
 * write per run it held, about one a second at most however busy the install, where a single
 * document per install would take every finish. An install's figures are its document plus
 * its deltas; the reader folds the deltas into the document now and then (rollUpDue). An
 * agent's figures are its installs' summed.
 */
export type RunOutcome = 'succeeded' | 'failed' | 'canceled' | 'timed_out';

const FIRST_BOUND_MS = 50;
const GROWTH = 1.25;
/** Bucket 0 holds durations under 50 ms; bucket i holds [50·1.25^(i-1), 50·1.25^i). The last is open. */
export const BUCKETS = 90;

export function bucketOf(durationMs: number): number {
  if (durationMs < FIRST_BOUND_MS) return 0;
  const i = Math.floor(Math.log(durationMs / FIRST_BOUND_MS) / Math.log(GROWTH)) + 1;
  return Math.min(BUCKETS - 1, i);
}

function boundsOf(bucket: number): [number, number] {
  if (bucket === 0) return [0, FIRST_BOUND_MS];
  return [FIRST_BOUND_MS * GROWTH ** (bucket - 1), FIRST_BOUND_MS * GROWTH ** bucket];
}

export type Histogram = Record<string, number>;

/** The p-th percentile (0 < p < 1) by linear interpolation inside the bucket; null when empty. */
export function percentile(hist: Histogram, p: number): number | null {
  const entries = Object.entries(hist)
    .map(([k, n]) => [Number(k), n] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const rank = p * total;
  let seen = 0;
  for (const [bucket, n] of entries) {
    if (seen + n >= rank) {
      const [lo, hi] = boundsOf(bucket);
      return Math.round(lo + ((rank - seen) / n) * (hi - lo));
    }
    seen += n;
  }
  return Math.round(boundsOf(entries.at(-1)![0])[1]);
}

export function mergeHistograms(hists: Histogram[]): Histogram {
  const out: Histogram = {};
  for (const h of hists) for (const [k, n] of Object.entries(h)) out[k] = (out[k] ?? 0) + n;
  return out;
}

/** One metrics document (per install, per agent within a workspace). */
export interface MetricsDoc {
  runs: number;
  succeeded: number;
  failed: number;
  canceled: number;
  timed_out: number;
  durationHist: Histogram;
  lastRunAt: Date | null;
  /** `YYYY-MM-DD` → counts of runs that finished that UTC day. */
  daily: Record<string, { runs: number; succeeded: number; failed: number }>;
}

export interface MetricsSummary {
  runs: number;
  succeeded: number;
  failed: number;
  canceled: number;
  timedOut: number;
  successRate: number | null;
  durationP50Ms: number | null;
  durationP95Ms: number | null;
  lastRunAt: Date | null;
  daily: Array<{ date: string; runs: number; succeeded: number; failed: number }>;
}

export function summarize(docs: Array<Partial<MetricsDoc>>, today: Date, days = 30): MetricsSummary {
  const sum = (k: 'runs' | 'succeeded' | 'failed' | 'canceled' | 'timed_out') => docs.reduce((s, d) => s + (d[k] ?? 0), 0);
  const hist = mergeHistograms(docs.map((d) => d.durationHist ?? {}));
  const runs = sum('runs');
  const succeeded = sum('succeeded');
  const decided = succeeded + sum('failed') + sum('timed_out');
  const since = new Date(today.getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  const daily = new Map<string, { runs: number; succeeded: number; failed: number }>();
  for (const d of docs) {
    for (const [date, c] of Object.entries(d.daily ?? {})) {
      if (date < since) continue;
      const acc = daily.get(date) ?? { runs: 0, succeeded: 0, failed: 0 };
      daily.set(date, { runs: acc.runs + (c.runs ?? 0), succeeded: acc.succeeded + (c.succeeded ?? 0), failed: acc.failed + (c.failed ?? 0) });
    }
  }
  const last = docs.map((d) => d.lastRunAt ?? null).filter((d): d is Date => d !== null);
  return {
    runs,
    succeeded,
    failed: sum('failed'),
    canceled: sum('canceled'),
    timedOut: sum('timed_out'),
    // Canceled runs are a person's choice, not the agent's failure: not in the rate.
    successRate: decided === 0 ? null : Math.round((succeeded / decided) * 1000) / 1000,
    durationP50Ms: percentile(hist, 0.5),
    durationP95Ms: percentile(hist, 0.95),
    lastRunAt: last.length ? new Date(Math.max(...last.map((d) => d.getTime()))) : null,
    daily: [...daily.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([date, c]) => ({ date, ...c })),
  };
}

/** The increments one finished run adds to a metrics document. */
export function metricsIncrement(outcome: RunOutcome, durationMs: number | null, finishedAt: Date) {
  const day = finishedAt.toISOString().slice(0, 10);
  return {
    counters: { runs: 1, [outcome]: 1 } as Record<string, number>,
    bucket: durationMs === null ? null : String(bucketOf(durationMs)),
    day,
    dayCounters: { runs: 1, ...(outcome === 'succeeded' ? { succeeded: 1 } : {}), ...(outcome === 'failed' || outcome === 'timed_out' ? { failed: 1 } : {}) } as Record<string, number>,
  };
}

/** Every figure of several metrics documents (an install's and its deltas, or an agent's installs) in one. */
export function mergeMetrics(docs: Array<Partial<MetricsDoc>>): MetricsDoc {
  const sum = (k: 'runs' | 'succeeded' | 'failed' | 'canceled' | 'timed_out') => docs.reduce((s, d) => s + (d[k] ?? 0), 0);
  const daily: MetricsDoc['daily'] = {};
  for (const d of docs) {
    for (const [date, c] of Object.entries(d.daily ?? {})) {
      const acc = daily[date] ?? { runs: 0, succeeded: 0, failed: 0 };
      daily[date] = { runs: acc.runs + (c.runs ?? 0), succeeded: acc.succeeded + (c.succeeded ?? 0), failed: acc.failed + (c.failed ?? 0) };
    }
  }
  const last = docs.map((d) => d.lastRunAt?.getTime() ?? null).filter((t): t is number => t !== null);
  return {
    runs: sum('runs'),
    succeeded: sum('succeeded'),
    failed: sum('failed'),
    canceled: sum('canceled'),
    timed_out: sum('timed_out'),
    durationHist: mergeHistograms(docs.map((d) => d.durationHist ?? {})),
    lastRunAt: last.length ? new Date(Math.max(...last)) : null,
    daily,
  };
}

/** The delta a finished run counts in: the workspace slot it held; a run that held none, a shard of its id. */
export function metricsShardOf(run: { id: string; slots: readonly string[] }): string {
  const slot = run.slots.find((id) => /^w\d+$/.test(id));
  if (slot) return slot;
  let hash = 0;
  for (const c of run.id) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return `h${String(hash % 16).padStart(2, '0')}`;
}

/** How often an install's deltas are folded into its document: at most one write a minute on that document. */
export const ROLLUP_EVERY_MS = 60_000;

/** At most this many deltas are folded in one transaction (a commit takes at most 500 writes); the rest wait for the next fold. */
export const MAX_FOLD = 400;

/** Whether a reader that found `deltas` deltas of an install should fold them in now. */
export function rollUpDue(lastRollUp: Date | null, deltas: number, now: Date): boolean {
  return deltas > 0 && (lastRollUp === null || now.getTime() - lastRollUp.getTime() >= ROLLUP_EVERY_MS);
}
