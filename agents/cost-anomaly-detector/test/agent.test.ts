import path from 'node:path';
import { TaskKey } from '@agent-marketplace/contract';
import { describe, expect, it } from 'vitest';
import { InMemoryMemory } from '../../../runner/src/memory.ts';
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

// ---- Remembered baselines -------------------------------------------------------------------

interface Found {
  date: string;
  project: string;
  service: string;
  cost: number;
  expected: number;
  baselineDays: number;
  baselineFromMemory: number;
  reportedBefore: boolean;
}
interface MemorySummary { used: boolean; reason: string | null; seriesRemembered: number; daysFromMemory: number; written: number; unchanged: number; failed: number }
interface Summary { rows: number; anomalies: number; judgedDays: number; tooShortDays: number; memory: MemorySummary }

const DAY0 = Date.UTC(2026, 10, 1);
const day = (n: number) => new Date(DAY0 + (n - 1) * 86_400_000).toISOString().slice(0, 10);
/** An ordinary day's spend: about $100, a few dollars either way. */
const normal = (n: number) => 100 + ((n * 37) % 11) - 5;

/** A sandbox account whose billing export holds `days` (day number → cost) for one series, split in two SKUs. */
function account(days: Record<number, number>, project = 'acme-prod', service = 'BigQuery') {
  const billing = Object.entries(days).flatMap(([n, cost]) => [
    { date: day(Number(n)), project, service, sku: 'Analysis', cost: Math.round(cost * 60) / 100, currency: 'USD' },
    { date: day(Number(n)), project, service, sku: 'Storage', cost: Math.round(cost * 40) / 100, currency: 'USD' },
  ]);
  return { account: 'test-account', resources: [], datasets: { billing } };
}
const range = (a: number, b: number, cost: (n: number) => number = normal) => Object.fromEntries(Array.from({ length: b - a + 1 }, (_, i) => [a + i, cost(a + i)]));

const found = (run: { outputs: Record<string, unknown> }) => run.outputs['anomalies'] as Found[];
const summaryOf = (run: { outputs: Record<string, unknown> }) => run.outputs['summary'] as Summary;
const remembered = (memory: InMemoryMemory, key = 'baselines/acme-prod/BigQuery') => memory.tasks.get(key)?.value as { days: Record<string, number>; flagged: string[] } | undefined;

describe('cost-anomaly-detector remembers its baselines (task memory)', () => {
  it('flags a spike in a 3-day run only thanks to the 14 days an earlier run remembered', async () => {
    const memory = new InMemoryMemory(['task']);
    const first = await runAgentForTest(agentDir, { fixture: account(range(1, 14)), memory });
    expect(found(first)).toEqual([]);
    expect(summaryOf(first)).toMatchObject({ tooShortDays: 14, judgedDays: 0, memory: { used: true, seriesRemembered: 0, written: 1 } });
    expect(Object.keys(remembered(memory)!.days)).toHaveLength(14);

    const lastThree = account({ ...range(15, 16), 17: 300 });
    const second = await runAgentForTest(agentDir, { fixture: lastThree, memory });
    expect(found(second)).toEqual([
      expect.objectContaining({ date: day(17), cost: 300, baselineDays: 14, baselineFromMemory: 12, reportedBefore: false }),
    ]);
    expect(found(second)[0]!.expected).toBeGreaterThan(95);
    expect(found(second)[0]!.expected).toBeLessThan(105);
    expect(summaryOf(second)).toMatchObject({ judgedDays: 3, tooShortDays: 0, memory: { used: true, seriesRemembered: 1, daysFromMemory: 14, written: 1 } });
    expect(second.logs.map((l) => l.msg)).toContain("Remembered baselines for 1 of 1 series (14 days not in this run's rows)");

    // The same three days on a fresh install (nothing remembered), or without task memory at all: not judged.
    const blind = await runAgentForTest(agentDir, { fixture: lastThree, memory: new InMemoryMemory(['task']) });
    expect(found(blind)).toEqual([]);
    expect(summaryOf(blind)).toMatchObject({ judgedDays: 0, tooShortDays: 3 });
    const undeclared = new InMemoryMemory([]);
    await runAgentForTest(agentDir, { fixture: account(range(1, 14)), memory: undeclared });
    const without = await runAgentForTest(agentDir, { fixture: lastThree, memory: undeclared });
    expect(found(without)).toEqual([]);
    expect(summaryOf(without).memory).toMatchObject({ used: false, reason: 'task memory is not available to this install', written: 0 });
    expect(without.logs.map((l) => l.msg)).toContain("Task memory is not available: judging only this run's billing rows, remembering nothing.");
  });

  it('re-reading days does not double count them: a day seen again replaces the remembered cost', async () => {
    const memory = new InMemoryMemory(['task']);
    await runAgentForTest(agentDir, { fixture: account(range(1, 14)), memory });
    // Days 10 to 14 again (day 14 restated upwards as late usage arrived) plus two new days.
    const again = await runAgentForTest(agentDir, { fixture: account({ ...range(10, 16), 14: 104 }), memory });
    expect(found(again)).toEqual([]);
    const value = remembered(memory)!;
    expect(Object.keys(value.days)).toEqual(Array.from({ length: 16 }, (_, i) => day(i + 1)));
    expect(value.days[day(12)]).toBe(normal(12));
    expect(value.days[day(14)]).toBe(104);
    expect(summaryOf(again).memory).toMatchObject({ seriesRemembered: 1, daysFromMemory: 9 });

    // The very same rows once more: nothing changes, so nothing is written.
    const version = memory.tasks.get('baselines/acme-prod/BigQuery')!.version;
    const same = await runAgentForTest(agentDir, { fixture: account({ ...range(10, 16), 14: 104 }), memory });
    expect(summaryOf(same).memory).toMatchObject({ written: 0, unchanged: 1 });
    expect(memory.tasks.get('baselines/acme-prod/BigQuery')!.version).toBe(version);

    // Re-reading a day already counted must not turn it into a spike (a sum would double it).
    const overlap = await runAgentForTest(agentDir, { fixture: account(range(15, 17)), memory });
    expect(found(overlap)).toEqual([]);
    expect(remembered(memory)!.days[day(15)]).toBe(normal(15));
  });

  it('a flagged day stays in the baseline without hiding the next spike, and is marked as reported', async () => {
    const memory = new InMemoryMemory(['task']);
    await runAgentForTest(agentDir, { fixture: account(range(1, 14)), memory });
    const spike = await runAgentForTest(agentDir, { fixture: account({ 15: 400 }), memory });
    expect(found(spike).map((a) => a.date)).toEqual([day(15)]);
    expect(remembered(memory)!.flagged).toEqual([day(15)]);
    expect(remembered(memory)!.days[day(15)]).toBe(400);

    const next = await runAgentForTest(agentDir, { fixture: account({ ...range(15, 17), 15: 400, 17: 380 }), memory });
    const byDate = Object.fromEntries(found(next).map((a) => [a.date, a]));
    expect(Object.keys(byDate).sort()).toEqual([day(15), day(17)]);
    expect(byDate[day(15)]).toMatchObject({ reportedBefore: true });
    // Day 17's expected cost is still the ordinary ~$100: the $400 day did not drag the baseline up.
    expect(byDate[day(17)]).toMatchObject({ reportedBefore: false, baselineFromMemory: 12 });
    expect(byDate[day(17)]!.expected).toBeLessThan(105);
    expect(remembered(memory)!.flagged).toEqual([day(15), day(17)]);
  });

  it('keeps memory bounded over many runs: the last rememberDays days per series', async () => {
    const memory = new InMemoryMemory(['task']);
    for (let n = 1; n <= 90; n += 3) await runAgentForTest(agentDir, { fixture: account(range(n, n + 2)), memory, input: { rememberDays: 30 } });
    const value = remembered(memory)!;
    expect(Object.keys(value.days)).toHaveLength(30);
    expect(Object.keys(value.days)[0]).toBe(day(61));
    expect(JSON.stringify(value).length).toBeLessThan(1200);
    // rememberDays below windowDays is raised to it; 0 neither reads nor writes.
    const wide = new InMemoryMemory(['task']);
    await runAgentForTest(agentDir, { fixture: account(range(1, 40)), memory: wide, input: { rememberDays: 3, windowDays: 20 } });
    expect(Object.keys(remembered(wide)!.days)).toHaveLength(20);
    const off = await runAgentForTest(agentDir, { fixture: account(range(1, 40)), memory: wide, input: { rememberDays: 0 } });
    expect(summaryOf(off).memory).toMatchObject({ used: false, reason: 'rememberDays is 0' });
    expect(Object.keys(remembered(wide)!.days)).toHaveLength(20);
  });

  it('keys odd project and service names safely, one key per series', async () => {
    const memory = new InMemoryMemory(['task']);
    const rows = [
      ...account(range(1, 14), 'acme/prod..x', 'Cloud SQL: PostgreSQL_1').datasets.billing,
      ...account(range(1, 14), 'acme', 'prod..x/Cloud SQL: PostgreSQL_1').datasets.billing,
      ...account(range(1, 14), 'équipe', '日本語 🚀').datasets.billing,
    ];
    await runAgentForTest(agentDir, { fixture: { account: 'x', resources: [], datasets: { billing: rows } }, memory });
    const keys = [...memory.tasks.keys()].sort();
    expect(keys).toEqual([
      'baselines/_C3_A9quipe/_E6_97_A5_E6_9C_AC_E8_AA_9E_20_F0_9F_9A_80',
      'baselines/acme/prod_2E_2Ex_2FCloud_20SQL_3A_20PostgreSQL_5F1',
      'baselines/acme_2Fprod_2E_2Ex/Cloud_20SQL_3A_20PostgreSQL_5F1',
    ]);
    for (const key of keys) expect(TaskKey.safeParse(key).success).toBe(true);
    expect(memory.tasks.get(keys[0]!)!.value).toMatchObject({ project: 'équipe', service: '日本語 🚀' });
    // Listing one project's baselines by prefix finds only that project's.
    expect((await memory.task.list('baselines/acme/')).items.map((i) => i.key)).toEqual([keys[1]]);
  });

  it('merges with a concurrent run instead of overwriting it (optimistic write, then update)', async () => {
    const memory = new InMemoryMemory(['task']);
    await runAgentForTest(agentDir, { fixture: account(range(1, 14)), memory });
    // Another run remembers day 20 between this run's read and its write.
    const racing: InMemoryMemory = Object.create(memory) as InMemoryMemory;
    let raced = false;
    racing.task = {
      ...memory.task,
      get: async (key) => {
        const item = await memory.task.get(key);
        if (!raced && key === 'baselines/acme-prod/BigQuery') {
          raced = true;
          const value = structuredClone(item!.value) as { days: Record<string, number> };
          value.days[day(20)] = 99;
          await memory.task.put(key, value, { expectedVersion: item!.version });
        }
        return item as never;
      },
    };
    const run = await runAgentForTest(agentDir, { fixture: account(range(15, 16)), memory: racing });
    expect(summaryOf(run).memory).toMatchObject({ written: 1, failed: 0 });
    expect(run.logs.map((l) => l.msg)).toContain('acme-prod / BigQuery: another run remembered this baseline meanwhile; merging into theirs');
    const days = remembered(memory)!.days;
    expect(days[day(20)]).toBe(99);
    expect(days[day(15)]).toBe(normal(15));
    expect(Object.keys(days)).toHaveLength(17);
  });

  it('on the shipped export: a run reading 3 days after one that read 19 finds the BigQuery spike from memory', async () => {
    const memory = new InMemoryMemory(['task']);
    const first = await runAgentForTest(agentDir, { memory, input: { to: '2026-10-19' } });
    expect(found(first).map((a) => `${a.date} ${a.service}`)).toEqual(['2026-10-18 Networking']);
    expect(memory.tasks.size).toBe(8);
    const input = { from: '2026-10-20', to: '2026-10-22' };
    const second = await runAgentForTest(agentDir, { memory, input });
    expect(found(second)).toEqual([
      expect.objectContaining({ date: '2026-10-22', project: 'acme-prod', service: 'BigQuery', baselineDays: 14, baselineFromMemory: 12, reportedBefore: false }),
    ]);
    expect(summaryOf(second)).toMatchObject({ rows: 27, judgedDays: 24, tooShortDays: 0 });
    const blind = await runAgentForTest(agentDir, { input });
    expect(found(blind)).toEqual([]);
  });

  it('refuses a date that is not YYYY-MM-DD, or from after to', async () => {
    await expect(runAgentForTest(agentDir, { input: { from: 'last week' } })).rejects.toThrow(/from must be a date/);
    await expect(runAgentForTest(agentDir, { input: { from: '2026-10-20', to: '2026-10-01' } })).rejects.toThrow(/after/);
  });
});
