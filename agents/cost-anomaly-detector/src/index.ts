import type { AgentContext } from '@agent-marketplace/runner';
import { baselineKey, isDay, mergeBaseline, readBaseline, rememberable, sameBaseline, REMEMBER_MAX_DAYS, type RememberedBaseline, type RunSeries } from './baseline.ts';
import { byExcess, dailySeries, DEFAULTS, judgeSeries, seriesNames, type Anomaly, type CostRow, type SeriesDay } from './detect.ts';

const round2 = (n: number) => Math.round(n * 100) / 100;
/** Memory calls in flight at once. */
const MEMORY_CONCURRENCY = 8;

function numberInput(input: Record<string, unknown>, key: string, fallback: number): number {
  const v = input[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

function dayInput(input: Record<string, unknown>, key: string): string | null {
  const v = input[key];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string' || !isDay(v)) throw new Error(`${key} must be a date as YYYY-MM-DD, got ${JSON.stringify(v)}`);
  return v;
}

/** Runs `fn` over `items`, at most `limit` at a time; after a failure starts no more, and throws it once all in flight ended. */
async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const failure: { error?: unknown } = {};
  const worker = async () => {
    while (next < items.length && !('error' in failure)) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (error) {
        if (!('error' in failure)) failure.error = error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if ('error' in failure) throw failure.error;
}

const codeOf = (err: unknown) => (err as { code?: unknown } | null)?.code;

interface Series {
  key: string | null;
  project: string;
  service: string;
  /** This run's daily costs. */
  days: { date: string; cost: number }[];
  remembered: RememberedBaseline | null;
  /** The remembered value's version; null when the key was absent. */
  version: number | null;
}

type Memory = AgentContext['memory']['task'];
type MemoryValue = Parameters<Memory['put']>[1];

/**
 * Reads the billing dataset of the connected account and reports anomalous daily spend, each day
 * judged against the baseline remembered from earlier runs (task memory) plus this run's earlier
 * days; then remembers the days it saw.
 */
export default async function run(ctx: AgentContext) {
  // The platform has validated the input against agent.yaml's inputs schema.
  const input = ctx.input;
  const options = {
    windowDays: numberInput(input, 'windowDays', DEFAULTS.windowDays),
    threshold: numberInput(input, 'threshold', DEFAULTS.threshold),
    minExcess: numberInput(input, 'minExcess', DEFAULTS.minExcess),
  };
  const requested = Math.max(0, Math.min(REMEMBER_MAX_DAYS, Math.floor(numberInput(input, 'rememberDays', 60))));
  // A remembered window shorter than the baseline window could not fill it.
  const rememberDays = requested === 0 ? 0 : Math.max(requested, options.windowDays);
  const from = dayInput(input, 'from');
  const to = dayInput(input, 'to');
  if (from && to && from > to) throw new Error(`from (${from}) is after to (${to})`);

  ctx.log.info('Reading the billing export', { account: ctx.cloud.account, ...(from ? { from } : {}), ...(to ? { to } : {}) });
  ctx.progress(10, 'Reading billing export');
  const all = await ctx.cloud.dataset<CostRow>('billing');
  const rows = all.filter((r) => (!from || String(r.date).slice(0, 10) >= from) && (!to || String(r.date).slice(0, 10) <= to));
  const total = rows.reduce((sum, r) => sum + r.cost, 0);
  ctx.log.info(`Loaded ${rows.length} cost rows`, { rows: rows.length, totalCost: round2(total), ...(rows.length < all.length ? { outsideDates: all.length - rows.length } : {}) });

  const series: Series[] = [...dailySeries(rows)].map(([k, days]) => {
    const [project, service] = seriesNames(k);
    return { key: rememberDays > 0 && rememberable(project, service) ? baselineKey(project, service) : null, project, service, days, remembered: null, version: null };
  });

  ctx.progress(30, 'Reading remembered baselines');
  const memory = await readRemembered(ctx, series, rememberDays);

  ctx.progress(50, 'Detecting anomalies');
  const anomalies: Anomaly[] = [];
  const verdicts = new Map<Series, { judged: Set<string>; flagged: Set<string> }>();
  let judgedDays = 0;
  let tooShortDays = 0;
  for (const s of series) {
    const merged = new Map<string, SeriesDay>();
    for (const [date, cost] of Object.entries(s.remembered?.days ?? {})) merged.set(date, { date, cost, fromMemory: true });
    for (const d of s.days) merged.set(d.date, { date: d.date, cost: d.cost, fromMemory: false });
    for (const date of s.remembered?.flagged ?? []) {
      const d = merged.get(date);
      if (d) d.flagged = true;
    }
    const ordered = [...merged.values()].sort((a, b) => a.date.localeCompare(b.date));
    const verdict = judgeSeries(s.project, s.service, ordered, (d) => !d.fromMemory, options);
    anomalies.push(...verdict.anomalies);
    judgedDays += verdict.judged.length;
    tooShortDays += verdict.tooShort.length;
    verdicts.set(s, { judged: new Set(verdict.judged), flagged: new Set(verdict.anomalies.map((a) => a.date)) });
  }
  anomalies.sort(byExcess);
  for (const a of anomalies) {
    ctx.log.warn(`${a.project} / ${a.service} on ${a.date}: $${a.cost} vs ~$${a.expected} expected`, { ...a });
  }
  const excess = round2(anomalies.reduce((s, a) => s + a.excess, 0));
  ctx.log.info(anomalies.length ? `Found ${anomalies.length} anomalies, $${excess} above baseline` : 'No anomalies found', {
    anomalies: anomalies.length,
    excess,
    judgedDays,
    tooShortDays,
  });
  if (tooShortDays > 0) {
    ctx.log.info(`${tooShortDays} series-days had fewer than ${options.windowDays} earlier days to compare with and were not judged`, { tooShortDays, windowDays: options.windowDays });
  }

  if (memory.used) {
    ctx.progress(70, 'Remembering baselines');
    await writeRemembered(ctx, series, verdicts, rememberDays, memory);
  }

  let summary: string | null = null;
  if (!ctx.llm) {
    ctx.log.info('No language model is configured: skipping the written summary.');
  } else if (anomalies.length > 0) {
    ctx.progress(80, 'Writing a summary');
    summary = await ctx.llm.complete(
      `Summarise these cloud cost anomalies for a finance channel in two sentences:\n${JSON.stringify(anomalies.slice(0, 10))}`,
      { maxTokens: 200, signal: ctx.signal },
    );
  }
  ctx.progress(100, 'Done');
  return {
    anomalies,
    summary: {
      rows: rows.length,
      anomalies: anomalies.length,
      excessCost: excess,
      series: series.length,
      judgedDays,
      tooShortDays,
      memory,
      options: { ...options, rememberDays, from, to },
      text: summary,
    },
  };
}

interface MemoryFigures {
  /** Whether remembered baselines were read and written this run. */
  used: boolean;
  /** Why not, when not. */
  reason: string | null;
  /** Series of this run found in memory. */
  seriesRemembered: number;
  /** Days known only from memory that this run's series were merged with. */
  daysFromMemory: number;
  written: number;
  unchanged: number;
  failed: number;
}

/** The remembered baseline of each series, one read per series (a missing key reads as nothing remembered). */
async function readRemembered(ctx: AgentContext, series: Series[], rememberDays: number): Promise<MemoryFigures> {
  const figures: MemoryFigures = { used: false, reason: null, seriesRemembered: 0, daysFromMemory: 0, written: 0, unchanged: 0, failed: 0 };
  if (rememberDays === 0) {
    figures.reason = 'rememberDays is 0';
    ctx.log.info('rememberDays is 0: judging only this run\'s billing rows, remembering nothing.');
    return figures;
  }
  const keyed = series.filter((s) => s.key !== null);
  if (keyed.length < series.length) ctx.log.warn(`${series.length - keyed.length} series have names too long to remember`, { notRemembered: series.length - keyed.length });
  try {
    await forEachLimit(keyed, MEMORY_CONCURRENCY, async (s) => {
      const item = await ctx.memory.task.get(s.key!);
      s.version = item?.version ?? null;
      s.remembered = item ? readBaseline(item.value, s.project, s.service) : null;
    });
  } catch (err) {
    if (codeOf(err) !== 'memory_level_not_declared') throw err;
    for (const s of series) {
      s.remembered = null;
      s.version = null;
    }
    figures.reason = 'task memory is not available to this install';
    ctx.log.info('Task memory is not available: judging only this run\'s billing rows, remembering nothing.');
    return figures;
  }
  figures.used = true;
  for (const s of keyed) {
    if (!s.remembered) continue;
    figures.seriesRemembered += 1;
    const seen = new Set(s.days.map((d) => d.date));
    figures.daysFromMemory += Object.keys(s.remembered.days).filter((d) => !seen.has(d)).length;
  }
  ctx.log.info(
    figures.seriesRemembered
      ? `Remembered baselines for ${figures.seriesRemembered} of ${series.length} series (${figures.daysFromMemory} days not in this run's rows)`
      : `No remembered baselines yet for these ${series.length} series: this run starts them`,
    { seriesRemembered: figures.seriesRemembered, series: series.length, daysFromMemory: figures.daysFromMemory, rememberDays },
  );
  return figures;
}

/**
 * Writes each series' merged baseline back: a put conditional on the version read (one call, no
 * second read); when another run wrote meanwhile, `update` merges this run's days into what that
 * run left, so neither loses the other's days. A series whose days and flags did not change is not
 * written. A failed write is reported, not fatal: the anomalies found stand.
 */
async function writeRemembered(
  ctx: AgentContext,
  series: Series[],
  verdicts: Map<Series, { judged: Set<string>; flagged: Set<string> }>,
  rememberDays: number,
  figures: MemoryFigures,
): Promise<void> {
  const now = new Date();
  const options = { rememberDays, now, runId: ctx.runId };
  await forEachLimit(
    series.filter((s) => s.key !== null),
    MEMORY_CONCURRENCY,
    async (s) => {
      const verdict = verdicts.get(s)!;
      const run: RunSeries = { project: s.project, service: s.service, days: new Map(s.days.map((d) => [d.date, d.cost])), judged: verdict.judged, flagged: verdict.flagged };
      const next = mergeBaseline(s.remembered, run, options);
      if (s.version !== null && sameBaseline(s.remembered, next)) {
        figures.unchanged += 1;
        return;
      }
      try {
        try {
          await ctx.memory.task.put(s.key!, next as MemoryValue, { expectedVersion: s.version });
        } catch (err) {
          if (codeOf(err) !== 'memory_version_conflict') throw err;
          ctx.log.info(`${s.project} / ${s.service}: another run remembered this baseline meanwhile; merging into theirs`, { key: s.key });
          await ctx.memory.task.update<MemoryValue>(s.key!, (current) => mergeBaseline(readBaseline(current, s.project, s.service), run, options) as MemoryValue);
        }
        figures.written += 1;
      } catch (err) {
        figures.failed += 1;
        ctx.log.warn(`Could not remember the baseline of ${s.project} / ${s.service}: ${err instanceof Error ? err.message : String(err)}`, { key: s.key, code: codeOf(err) ?? null });
      }
    },
  );
  ctx.log.info(`Remembered ${figures.written} baselines (${figures.unchanged} unchanged${figures.failed ? `, ${figures.failed} failed` : ''})`, {
    written: figures.written,
    unchanged: figures.unchanged,
    failed: figures.failed,
    rememberDays,
  });
}
