import { describe, expect, it } from 'vitest';
import { LogBatcher } from '../src/logBatcher.ts';
import type { LogLine } from '../src/types.ts';

const line = (msg: string): LogLine => ({ ts: new Date().toISOString(), level: 'info', msg });

describe('LogBatcher', () => {
  it('batches by count, keeps order, numbers batches consecutively', async () => {
    const sent: { seq: number; lines: LogLine[] }[] = [];
    const b = new LogBatcher({ maxLines: 3, maxDelayMs: 10_000, send: async (batch) => void sent.push(batch) });
    for (let i = 0; i < 7; i++) b.add(line(`m${i}`));
    await b.flush();
    expect(sent.map((s) => s.seq)).toEqual([0, 1, 2]);
    expect(sent.flatMap((s) => s.lines.map((l) => l.msg))).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
  });

  it('flushes after the time window without an explicit flush', async () => {
    const sent: number[] = [];
    const b = new LogBatcher({ maxDelayMs: 20, send: async (batch) => void sent.push(batch.lines.length) });
    b.add(line('a'));
    b.add(line('b'));
    await new Promise((r) => setTimeout(r, 80));
    expect(sent).toEqual([2]);
  });

  it('splits by size and truncates oversized messages with a marker', async () => {
    const sent: { seq: number; lines: LogLine[] }[] = [];
    const b = new LogBatcher({ maxBytes: 1000, maxMessageChars: 300, send: async (batch) => void sent.push(batch) });
    for (let i = 0; i < 10; i++) b.add(line('x'.repeat(500)));
    await b.flush();
    expect(sent.length).toBeGreaterThan(2);
    for (const s of sent) expect(JSON.stringify(s.lines).length).toBeLessThan(1500);
    expect(sent[0]!.lines[0]!.msg.endsWith('…[truncated]')).toBe(true);
  });

  it('sends one batch at a time, so a slow batch never lets a later one overtake it', async () => {
    const order: number[] = [];
    let inflight = 0;
    let maxInflight = 0;
    const b = new LogBatcher({
      maxLines: 1,
      send: async (batch) => {
        inflight++;
        maxInflight = Math.max(maxInflight, inflight);
        await new Promise((r) => setTimeout(r, batch.seq === 0 ? 30 : 1));
        order.push(batch.seq);
        inflight--;
      },
    });
    b.add(line('slow'));
    b.add(line('fast'));
    await b.flush();
    expect(order).toEqual([0, 1]);
    expect(maxInflight).toBe(1);
  });

  it('reports a delivery failure on flush', async () => {
    const b = new LogBatcher({ send: async () => Promise.reject(new Error('down')) });
    b.add(line('x'));
    await expect(b.flush()).rejects.toThrow('down');
  });

  it('drops what an agent logs faster than it can be sent, keeps memory bounded, and says how much it dropped', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const sent: { seq: number; lines: LogLine[] }[] = [];
    const b = new LogBatcher({
      maxLines: 10,
      maxQueuedBytes: 2_000,
      maxDelayMs: 10_000,
      send: async (batch) => {
        await gate; // the platform is slow
        sent.push(batch);
      },
    });
    for (let i = 0; i < 1000; i++) b.add(line(`m${i}`));
    release();
    await b.flush();
    const msgs = sent.flatMap((s) => s.lines.map((l) => l.msg));
    expect(msgs.length).toBeLessThan(100);
    expect(msgs[0]).toBe('m0');
    const kept = msgs.filter((m) => m.startsWith('m')).length;
    expect(msgs.at(-1)).toBe(`${1000 - kept} log lines were dropped: the agent logged faster than they could be sent.`);
    expect(sent.map((s) => s.seq)).toEqual(sent.map((_, i) => i));
  });
});
