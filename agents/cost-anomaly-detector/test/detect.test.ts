import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectAnomalies, median, type CostRow } from '../src/detect.ts';

const rows = (JSON.parse(readFileSync(new URL('../fixtures/cloud.json', import.meta.url), 'utf8')) as { datasets: { billing: CostRow[] } }).datasets.billing;

describe('cost anomaly detection on the shipped billing export', () => {
  const anomalies = detectAnomalies(rows);

  it('finds the runaway BigQuery job, the egress burst and the forgotten dev VM', () => {
    const keys = anomalies.map((a) => `${a.date} ${a.project} ${a.service}`);
    expect(keys).toContain('2026-10-22 acme-prod BigQuery');
    expect(keys).toContain('2026-10-18 acme-prod Networking');
    expect(keys).toContain('2026-10-27 acme-dev Compute Engine');
  });

  it('does not flag ordinary weekday and weekend variation', () => {
    const flagged = new Set(anomalies.map((a) => `${a.project} ${a.service}`));
    expect(flagged.has('acme-prod Cloud Storage')).toBe(false);
    expect(flagged.has('acme-prod Cloud SQL')).toBe(false);
    expect(flagged.has('acme-data BigQuery')).toBe(false);
  });

  it('orders anomalies by excess, worst first, with expected below actual', () => {
    expect(anomalies[0]?.excess).toBeGreaterThan(400);
    for (let i = 1; i < anomalies.length; i++) expect(anomalies[i - 1]!.excess).toBeGreaterThanOrEqual(anomalies[i]!.excess);
    for (const a of anomalies) expect(a.cost).toBeGreaterThan(a.expected);
  });

  it('a spike is judged against the days before it only, so a persistent one is flagged once it starts', () => {
    const dev = anomalies.filter((a) => a.project === 'acme-dev').map((a) => a.date).sort();
    expect(dev[0]).toBe('2026-10-27');
  });

  it('with nothing remembered, every baseline is windowDays days of the rows themselves', () => {
    for (const a of anomalies) expect(a).toMatchObject({ baselineDays: 14, baselineFromMemory: 0, reportedBefore: false });
  });

  it('median handles even, odd and empty input', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBe(0);
  });
});
