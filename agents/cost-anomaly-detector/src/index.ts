import { readFile } from 'node:fs/promises';
import type { AgentContext } from '@agent-marketplace/runner';
import { DEFAULTS, detectAnomalies, type CostRow } from './detect.ts';

function numberInput(input: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const value = input[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`input.${name} must be a number between ${min} and ${max}`);
  }
  return value;
}

/** Reads the billing export (locally the fixture that ships with the agent) and reports anomalies. */
export default async function run(ctx: AgentContext) {
  const options = {
    windowDays: numberInput(ctx.input, 'windowDays', DEFAULTS.windowDays, 3, 60),
    threshold: numberInput(ctx.input, 'threshold', DEFAULTS.threshold, 1, 50),
    minExcess: numberInput(ctx.input, 'minExcess', DEFAULTS.minExcess, 0, 1_000_000),
  };
  ctx.log.info('Reading billing export', { source: 'fixtures/billing-export.json' });
  ctx.progress(10, 'Reading billing export');
  const file = JSON.parse(await readFile(new URL('../fixtures/billing-export.json', import.meta.url), 'utf8')) as { rows: CostRow[] };
  const rows = file.rows;
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
  ctx.progress(100, 'Done');
  return { anomalies, summary: { rows: rows.length, anomalies: anomalies.length, excessCost: excess, options } };
}
