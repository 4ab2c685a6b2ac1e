import type { AgentContext } from '@agent-marketplace/runner';
import { DEFAULTS, detectAnomalies, type CostRow } from './detect.ts';

/** Reads the billing dataset of the connected account and reports anomalous daily spend. */
export default async function run(ctx: AgentContext) {
  // The platform has validated the input against agent.yaml's inputs schema.
  const options = {
    windowDays: (ctx.input['windowDays'] as number | undefined) ?? DEFAULTS.windowDays,
    threshold: (ctx.input['threshold'] as number | undefined) ?? DEFAULTS.threshold,
    minExcess: (ctx.input['minExcess'] as number | undefined) ?? DEFAULTS.minExcess,
  };
  ctx.log.info('Reading the billing export', { account: ctx.cloud.account });
  ctx.progress(10, 'Reading billing export');
  const rows = await ctx.cloud.dataset<CostRow>('billing');
  const total = rows.reduce((sum, r) => sum + r.cost, 0);
  ctx.log.info(`Loaded ${rows.length} cost rows`, { rows: rows.length, totalCost: Math.round(total * 100) / 100 });

  ctx.progress(50, 'Detecting anomalies');
  const anomalies = detectAnomalies(rows, options);
  for (const a of anomalies) {
    ctx.log.warn(`${a.project} / ${a.service} on ${a.date}: $${a.cost} vs ~$${a.expected} expected`, { ...a });
  }
  const excess = Math.round(anomalies.reduce((s, a) => s + a.excess, 0) * 100) / 100;
  ctx.log.info(anomalies.length ? `Found ${anomalies.length} anomalies, $${excess} above baseline` : 'No anomalies found', {
    anomalies: anomalies.length,
    excess,
  });

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
  return { anomalies, summary: { rows: rows.length, anomalies: anomalies.length, excessCost: excess, options, text: summary } };
}
