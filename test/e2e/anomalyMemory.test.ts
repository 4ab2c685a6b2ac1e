import { describe, expect, it } from 'vitest';
import { call } from '../support/http.ts';
import { finished, trigger, waitFor } from '../support/probe.ts';
import { installAgent, newWorkspace } from '../support/users.ts';

/**
 * Memory that changes what an agent finds (issue 25): the cost-anomaly detector remembers each
 * series' daily costs in the install's task memory, so a later run that reads only three days of
 * billing still judges them against the weeks an earlier run saw.
 */
interface Found { date: string; project: string; service: string; baselineDays: number; baselineFromMemory: number; reportedBefore: boolean }
interface Summary { judgedDays: number; tooShortDays: number; memory: { used: boolean; seriesRemembered: number; written: number } }

describe('the cost-anomaly detector remembers its baselines', () => {
  it('a run reading the last 3 days finds the BigQuery spike against the days an earlier run remembered', { timeout: 180_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installAgent(ws, 'cost-anomaly-detector');
    const runOnce = async (input: Record<string, unknown>) => {
      const res = await trigger(ws, installId, input);
      expect(res.status).toBe(201);
      const run = await waitFor(ws, res.body.id as string, finished, 60_000);
      expect({ state: run.state, error: run.error }).toEqual({ state: 'succeeded', error: null });
      return run.outputs as { anomalies: Found[]; summary: Summary };
    };

    const lastThree = { from: '2026-10-20', to: '2026-10-22' };
    // On a fresh install three days are too few to judge: nothing is found.
    const blind = await runOnce({ ...lastThree, rememberDays: 0 });
    expect(blind.anomalies).toEqual([]);
    expect(blind.summary).toMatchObject({ judgedDays: 0, tooShortDays: 24, memory: { used: false } });

    const first = await runOnce({ to: '2026-10-19' });
    expect(first.anomalies.map((a) => `${a.date} ${a.project} ${a.service}`)).toEqual(['2026-10-18 acme-prod Networking']);
    expect(first.summary.memory).toMatchObject({ used: true, seriesRemembered: 0, written: 8 });

    // What it remembered, as the customer browses it.
    const browsed = await call('GET', `/workspaces/${ws.id}/installs/${installId}/memory/task?prefix=baselines/acme-prod/`, { token: ws.owner.idToken });
    expect(browsed.status).toBe(200);
    const items = browsed.body.items as { key: string; value: { days: Record<string, number> } }[];
    expect(items.map((i) => i.key)).toContain('baselines/acme-prod/BigQuery');
    expect(Object.keys(items.find((i) => i.key === 'baselines/acme-prod/BigQuery')!.value.days)).toHaveLength(19);

    const second = await runOnce(lastThree);
    expect(second.anomalies).toEqual([
      expect.objectContaining({ date: '2026-10-22', project: 'acme-prod', service: 'BigQuery', baselineDays: 14, baselineFromMemory: 12, reportedBefore: false }),
    ]);
    expect(second.summary).toMatchObject({ judgedDays: 24, tooShortDays: 0, memory: { used: true, seriesRemembered: 8, written: 8 } });

    // Reading the same days again does not count them twice, and the spike is known as reported.
    const third = await runOnce(lastThree);
    expect(third.anomalies).toEqual([expect.objectContaining({ date: '2026-10-22', service: 'BigQuery', reportedBefore: true })]);
    expect(third.summary.memory).toMatchObject({ used: true, written: 0 });
    const after = await call('GET', `/workspaces/${ws.id}/installs/${installId}/memory/task?prefix=baselines/acme-prod/BigQuery`, { token: ws.owner.idToken });
    const bigQuery = (after.body.items as { value: { days: Record<string, number>; flagged: string[] } }[])[0]!.value;
    expect(Object.keys(bigQuery.days)).toHaveLength(22);
    expect(bigQuery.flagged).toEqual(['2026-10-22']);
  });
});
