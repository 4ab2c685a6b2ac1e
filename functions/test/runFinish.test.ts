import { describe, expect, it } from 'vitest';
import type { Run } from '../src/domain/models.js';
import { artifactRefusal } from '../src/domain/runArtifacts.js';
import { finishEffects } from '../src/domain/runFinish.js';
import { applyTransition } from '../src/domain/runTransition.js';
import { bucketOf, mergeMetrics, metricsShardOf, rollUpDue, summarize, type MetricsDoc, type RunOutcome } from '../src/domain/runMetrics.js';

const at = new Date('2026-11-26T10:00:00Z');

function finished(over: Partial<Run>): Run {
  return {
    id: 'run1', wsId: 'ws', installId: 'inst', agentId: 'agent', agentVersion: '1.0.0', state: 'succeeded', attempt: 1,
    trigger: { kind: 'api', by: 'k' }, input: {}, createdAt: at, updatedAt: at, startedAt: new Date(at.getTime() + 1000),
    finishedAt: new Date(at.getTime() + 3500), heartbeatAt: null, progress: null, outputs: null, error: null, eventCount: 3,
    lease: null, executionId: null, runnerTokenHash: null, timeoutSeconds: 60, maxAttempts: 1, backoffSeconds: 30,
    deadlineAt: null, watchAt: null, slots: ['w0007', 'i0001'], monthShard: 3, redeliveries: 0, usage: null,
    ...over,
  };
}

/** A metrics document after Firestore applied these increments (set-merge of FieldValue.increment). */
function applied(effects: ReturnType<typeof finishEffects>[], into: Partial<MetricsDoc> = {}): Partial<MetricsDoc> {
  const doc = structuredClone(into) as Partial<MetricsDoc> & Record<string, any>;
  for (const { metrics: m } of effects) {
    for (const [k, n] of Object.entries(m.increment.counters)) doc[k] = (doc[k] ?? 0) + n;
    if (m.increment.bucket !== null) doc.durationHist = { ...doc.durationHist, [m.increment.bucket]: (doc.durationHist?.[m.increment.bucket] ?? 0) + 1 };
    const day = { ...{ runs: 0, succeeded: 0, failed: 0 }, ...doc.daily?.[m.increment.day] };
    for (const [k, n] of Object.entries(m.increment.dayCounters)) day[k as keyof typeof day] += n;
    doc.daily = { ...doc.daily, [m.increment.day]: day };
    doc.lastRunAt = m.finishedAt;
  }
  return doc;
}

describe('finishing a run', () => {
  it('frees its concurrency slots and counts in the delta of the workspace slot it held', () => {
    const effects = finishEffects(finished({}), at);
    expect(effects.free).toEqual(['w0007', 'i0001']);
    expect(effects.metrics).toMatchObject({ installId: 'inst', agentId: 'agent', shard: 'w0007', finishedAt: new Date(at.getTime() + 3500) });
    expect(effects.metrics.increment).toEqual({ counters: { runs: 1, succeeded: 1 }, bucket: String(bucketOf(2500)), day: '2026-11-26', dayCounters: { runs: 1, succeeded: 1 } });
  });

  it('a run that never started has no duration; one without slots counts in a shard of its id', () => {
    const effects = finishEffects(finished({ state: 'canceled', startedAt: null, finishedAt: null, slots: [] }), at);
    expect(effects.free).toEqual([]);
    expect(effects.metrics.increment.bucket).toBeNull();
    expect(effects.metrics.finishedAt).toEqual(at);
    expect(effects.metrics.shard).toMatch(/^h\d\d$/);
    expect(metricsShardOf({ id: 'run1', slots: [] })).toBe(effects.metrics.shard);
  });
});

describe('metrics in deltas', () => {
  it('an install document plus its deltas, folded in any order, say what one document taking every finish says', () => {
    const outcomes: RunOutcome[] = ['succeeded', 'failed', 'canceled', 'timed_out'];
    const runs = Array.from({ length: 200 }, (_, i) =>
      finished({
        id: `r${i}`,
        state: outcomes[i % 4]!,
        // Finishing in order over two days, with durations from 0 to 8.4 s.
        startedAt: new Date(at.getTime() + i * 600_000),
        finishedAt: new Date(at.getTime() + i * 600_000 + (i % 13) * 700),
        slots: [`w${String(i % 9).padStart(4, '0')}`],
      }),
    );
    const effects = runs.map((r) => finishEffects(r, at));
    const single = applied(effects);
    // Deltas by slot; half of them folded into the install's document part way through.
    const byShard = new Map<string, typeof effects>();
    for (const e of effects) byShard.set(e.metrics.shard, [...(byShard.get(e.metrics.shard) ?? []), e]);
    const shards = [...byShard.values()];
    const folded = mergeMetrics(shards.slice(0, 4).map((es) => applied(es)));
    const deltas = shards.slice(4).map((es) => applied(es));
    const merged = mergeMetrics([folded, ...deltas]);
    expect(merged).toEqual(mergeMetrics([single]));
    expect(summarize([merged], at)).toEqual(summarize([single], at));
    expect(merged.runs).toBe(200);
    expect(merged.lastRunAt).toEqual(new Date(Math.max(...runs.map((r) => r.finishedAt!.getTime()))));
  });

  it('folds an install’s deltas into its document at most once a minute', () => {
    expect(rollUpDue(null, 0, at)).toBe(false);
    expect(rollUpDue(null, 1, at)).toBe(true);
    expect(rollUpDue(new Date(at.getTime() - 59_000), 40, at)).toBe(false);
    expect(rollUpDue(new Date(at.getTime() - 60_000), 1, at)).toBe(true);
  });
});

describe('applying a transition', () => {
  const running = finished({ state: 'running', finishedAt: null, watchAt: new Date(at.getTime() + 60_000), eventCount: 3 });

  it('numbers the event after the last, writes the patch with the state; waiting for approvals frees the slots and finishes nothing', () => {
    const later = new Date(at.getTime() + 5000);
    const applied = applyTransition(running, 'awaiting_approval', 'approval requested', { progress: { percent: 50, message: 'half' } }, later);
    expect(applied.event).toEqual({ seq: 3, from: 'running', to: 'awaiting_approval', reason: 'approval requested', attempt: 1, at: later });
    expect(applied.update).toEqual({ progress: { percent: 50, message: 'half' }, state: 'awaiting_approval', updatedAt: later, eventCount: 4, watchAt: running.watchAt, slots: [] });
    expect(applied.next).toMatchObject({ state: 'awaiting_approval', eventCount: 4, slots: [] });
    expect(applied.released).toEqual(running.slots);
    expect(applied.finished).toBeNull();
    // A run that goes on running keeps its slots.
    expect(applyTransition(running, 'queued', 'retry', {}, later).released).toEqual([]);
  });

  it('a finished run is watched no more, and says what finishing frees and counts', () => {
    const applied = applyTransition(running, 'failed', 'agent_failed', { finishedAt: new Date(at.getTime() + 9000) }, at);
    expect(applied.update.watchAt).toBeNull();
    expect(applied.finished).toMatchObject({ free: ['w0007', 'i0001'], metrics: { shard: 'w0007', increment: { counters: { runs: 1, failed: 1 } } } });
    expect(() => applyTransition(applied.next, 'running', 'again', {}, at)).toThrow(/cannot go from failed to running/);
  });
});

describe('artifacts', () => {
  it('refuses a new name past the cap, never a replacement', () => {
    expect(artifactRefusal(false, 19, 20)).toBeNull();
    expect(artifactRefusal(false, 20, 20)?.code).toBe('artifact_limit');
    expect(artifactRefusal(true, 20, 20)).toBeNull();
  });
});
