import type { AgentContext } from '@agent-marketplace/runner';
import { clusterLogs, DEFAULTS, normalizeSeverity, SEVERITY_ORDER, type Cluster, type ClusterOptions, type LogEntry } from './cluster.ts';

const num = (v: unknown, fallback: number, min: number, max: number) =>
  typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : fallback;

/** Reads the input defensively: the platform validated it, but a default is never assumed present. */
export function readOptions(input: Record<string, unknown>, now: Date = new Date()): ClusterOptions & { maxClusters: number; services: string[] } {
  const asOf = typeof input['asOf'] === 'string' && Number.isFinite(Date.parse(input['asOf'])) ? input['asOf'] : now.toISOString();
  const sev = normalizeSeverity(input['minSeverity'] ?? DEFAULTS.minSeverity);
  return {
    asOf,
    windowHours: Math.round(num(input['windowHours'], DEFAULTS.windowHours, 2, 24 * 14)),
    minSeverity: (SEVERITY_ORDER as readonly string[]).includes(sev) ? sev : DEFAULTS.minSeverity,
    similarity: num(input['similarity'], DEFAULTS.similarity, 0.3, 1),
    spikeFactor: num(input['spikeFactor'], DEFAULTS.spikeFactor, 1, 1000),
    minSpikeCount: Math.round(num(input['minSpikeCount'], DEFAULTS.minSpikeCount, 1, 1_000_000)),
    maxClusters: Math.round(num(input['maxClusters'], 25, 1, 200)),
    services: Array.isArray(input['services']) ? input['services'].filter((s): s is string => typeof s === 'string') : [],
  };
}

function causePrompt(c: Cluster): string {
  return [
    'You are an SRE. Below is the most frequent error cluster from a production log window.',
    'Answer with exactly one sentence naming the most probable cause and what to check first. Do not invent facts not implied by the data.',
    '',
    `Template: ${c.template}`,
    `Occurrences: ${c.count} (${c.lastHourCount} in the last hour, ${c.hourlyMean}/hour before${c.spike ? ', a spike' : ''})`,
    `Services: ${c.services.join(', ')}`,
    `First seen: ${c.firstSeen}, last seen: ${c.lastSeen}`,
    `Sample: ${c.sample.message.slice(0, 800)}`,
  ].join('\n');
}

/** Clusters the error lines of the connected project's log export by message template. */
export default async function run(ctx: AgentContext) {
  const options = readOptions(ctx.input);
  ctx.log.info('Reading the log export', { account: ctx.cloud.account, asOf: options.asOf, windowHours: options.windowHours });
  ctx.progress(10, 'Reading log entries');
  const all = await ctx.cloud.dataset<LogEntry>('logs');
  const rows = options.services.length ? all.filter((r) => options.services.includes(r.service)) : all;
  ctx.log.info(`Loaded ${all.length} log lines`, { lines: all.length, considered: rows.length, services: options.services });

  ctx.progress(40, 'Clustering error messages');
  const report = clusterLogs(rows, options);
  const spikes = report.clusters.filter((c) => c.spike);
  const clusters = report.clusters.slice(0, options.maxClusters);
  ctx.log.info(`${report.errors} ${options.minSeverity}+ entries in ${report.clusters.length} clusters`, {
    window: report.window,
    inWindow: report.inWindow,
    errors: report.errors,
    exactTemplates: report.exactTemplates,
    clusters: report.clusters.length,
  });
  if (report.inWindow === 0 && rows.length > 0) {
    const newest = rows.reduce((m, r) => (r.timestamp > m ? r.timestamp : m), '');
    ctx.log.warn(`No log entries between ${report.window.from} and ${report.window.to}; the newest entry is from ${newest}: pass asOf to analyse an earlier window`, {
      window: report.window,
      newest,
    });
  }
  if (report.invalid) ctx.log.warn(`${report.invalid} entries have an unreadable timestamp and were skipped`, { invalid: report.invalid });
  for (const c of clusters.slice(0, 5)) {
    ctx.log.info(`${c.count}× ${c.template}`, { clusterId: c.id, count: c.count, services: c.services, variants: c.variants });
  }
  for (const c of spikes) {
    ctx.log.warn(`Spike: ${c.lastHourCount} in the last hour vs ${c.hourlyMean}/hour before: ${c.template}`, {
      clusterId: c.id,
      lastHourCount: c.lastHourCount,
      hourlyMean: c.hourlyMean,
      spikeRatio: c.spikeRatio,
      services: c.services,
    });
  }

  const top = clusters[0];
  let probableCause: { clusterId: string; text: string } | null = null;
  if (!ctx.llm) {
    ctx.log.info('No language model is configured: skipping the probable-cause sentence for the top cluster.');
  } else if (top) {
    ctx.progress(80, 'Asking for a probable cause');
    const text = (await ctx.llm.complete(causePrompt(top), { maxTokens: 120, signal: ctx.signal })).trim().slice(0, 500);
    probableCause = { clusterId: top.id, text };
    ctx.log.info('Probable cause of the top cluster', { clusterId: top.id, text });
  }

  ctx.progress(100, 'Done');
  return {
    clusters,
    probableCause,
    summary: {
      logLines: all.length,
      considered: rows.length,
      window: report.window,
      inWindow: report.inWindow,
      errors: report.errors,
      invalidTimestamps: report.invalid,
      exactTemplates: report.exactTemplates,
      clusters: report.clusters.length,
      reported: clusters.length,
      spikes: spikes.map((c) => c.id),
      topClusterId: top?.id ?? null,
      probableCause: probableCause?.text ?? null,
      options,
    },
    usage: { unit: 'thousand log lines', quantity: Math.round(all.length) / 1000 },
  };
}
