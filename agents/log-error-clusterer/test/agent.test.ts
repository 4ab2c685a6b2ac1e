import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAgentForTest } from '../../../runner/src/testing.ts';

const agentDir = path.resolve(import.meta.dirname, '..');
const asOf = '2026-11-03T12:00:00Z';

interface OutCluster {
  id: string;
  template: string;
  count: number;
  services: string[];
  spike: boolean;
}

describe('log-error-clusterer on its sandbox project', () => {
  it('clusters the error lines of the last 24 hours, flags the spike and skips the LLM step without a model', async () => {
    const run = await runAgentForTest(agentDir, { input: { asOf } });
    const clusters = run.outputs['clusters'] as OutCluster[];
    const summary = run.outputs['summary'] as Record<string, unknown>;
    expect(clusters[0]).toMatchObject({ services: ['api-gateway'], spike: true });
    expect(summary).toMatchObject({ logLines: 1659, clusters: clusters.length, reported: clusters.length, spikes: [clusters[0]!.id], probableCause: null });
    expect(summary['errors']).toBe(clusters.reduce((s, c) => s + c.count, 0));
    expect(run.outputs['probableCause']).toBeNull();
    expect(run.outputs['usage']).toEqual({ unit: 'thousand log lines', quantity: 1.659 });
    const msgs = run.logs.map((l) => l.msg);
    expect(msgs).toContain('No language model is configured: skipping the probable-cause sentence for the top cluster.');
    expect(run.logs.filter((l) => l.level === 'warn' && l.msg.startsWith('Spike:'))).toHaveLength(1);
    expect(run.progress.at(-1)).toEqual({ percent: 100, message: 'Done' });
    expect(run.store.applied).toEqual([]);
    expect(JSON.stringify(run.outputs).length).toBeLessThan(200_000);
  });

  it('honours its inputs: services, maxClusters, similarity and the window', async () => {
    const billing = await runAgentForTest(agentDir, { input: { asOf, services: ['billing-worker'] } });
    const b = billing.outputs['clusters'] as OutCluster[];
    expect(b.every((c) => c.services.join() === 'billing-worker')).toBe(true);
    expect(b.map((c) => c.template.split(':')[0])).toEqual(['java.lang.NullPointerException', 'Unhandled exception in scheduler']);

    const few = await runAgentForTest(agentDir, { input: { asOf, maxClusters: 3 } });
    expect(few.outputs['clusters']).toHaveLength(3);
    expect((few.outputs['summary'] as { clusters: number }).clusters).toBeGreaterThan(3);

    const strict = await runAgentForTest(agentDir, { input: { asOf, similarity: 1 } });
    expect((strict.outputs['summary'] as { clusters: number }).clusters).toBe((few.outputs['summary'] as { clusters: number }).clusters + 1);

    // Without asOf the window ends now, long after this export: the run says so.
    const now = await runAgentForTest(agentDir);
    expect((now.outputs['summary'] as { inWindow: number }).inWindow).toBe(0);
    expect(now.logs.some((l) => l.level === 'warn' && l.msg.includes('the newest entry is from 2026-11-03T11:'))).toBe(true);

    // Six hours earlier the gateway had not started failing: no spike.
    const earlier = await runAgentForTest(agentDir, { input: { asOf: '2026-11-03T06:00:00Z', windowHours: 12 } });
    expect((earlier.outputs['summary'] as { spikes: string[] }).spikes).toEqual([]);
  });

  it('asks the model for a probable cause of the top cluster when one is configured', async () => {
    const prompts: string[] = [];
    const run = await runAgentForTest(agentDir, {
      input: { asOf },
      llm: { model: 'test-model', complete: async (p) => (prompts.push(p), ' checkout-api is failing behind the gateway; check its recent deploy. ') },
    });
    const top = (run.outputs['clusters'] as OutCluster[])[0]!;
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toContain(top.template);
    expect(prompts[0]).toContain('a spike');
    expect(run.outputs['probableCause']).toEqual({ clusterId: top.id, text: 'checkout-api is failing behind the gateway; check its recent deploy.' });
    expect((run.outputs['summary'] as { probableCause: string }).probableCause).toBe('checkout-api is failing behind the gateway; check its recent deploy.');
  });
});
