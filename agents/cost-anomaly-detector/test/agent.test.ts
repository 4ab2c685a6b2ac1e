import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAgentForTest } from '../../../runner/src/testing.ts';

const agentDir = path.resolve(import.meta.dirname, '..');

describe('cost-anomaly-detector on its sandbox account', () => {
  it('reports the anomalies of the shipped billing export, worst first, and skips the LLM step without a model', async () => {
    const run = await runAgentForTest(agentDir);
    const anomalies = run.outputs['anomalies'] as { date: string; service: string; excess: number }[];
    expect(anomalies[0]).toMatchObject({ date: '2026-10-22', service: 'BigQuery' });
    expect(run.outputs['summary']).toMatchObject({ rows: 270, anomalies: anomalies.length, text: null });
    expect(run.logs.map((l) => l.msg)).toContain('No language model is configured: skipping the written summary.');
    expect(run.progress.at(-1)).toEqual({ percent: 100, message: 'Done' });
  });

  it('honours its inputs', async () => {
    const strict = await runAgentForTest(agentDir, { input: { threshold: 50, minExcess: 350 } });
    expect((strict.outputs['anomalies'] as unknown[]).length).toBe(1);
  });

  it('writes a summary when a model is configured', async () => {
    const prompts: string[] = [];
    const run = await runAgentForTest(agentDir, {
      llm: { model: 'test-model', complete: async (p) => (prompts.push(p), 'Spend spiked on BigQuery on Oct 22.') },
    });
    expect(prompts[0]).toContain('BigQuery');
    expect((run.outputs['summary'] as { text: string }).text).toBe('Spend spiked on BigQuery on Oct 22.');
  });
});
