import { describe, expect, it } from 'vitest';
import { InMemoryMemory, MemoryLevelError, remoteMemory } from '../src/memory.ts';

/** `ctx.memory`: undeclared levels refused by name; the in-process memory keeps the platform's version rules. */
describe('ctx.memory', () => {
  it('refuses a level the manifest does not declare, before any call', async () => {
    let calls = 0;
    const client = { call: async () => void (calls += 1) } as never;
    const memory = remoteMemory(client, ['task']);
    await expect(memory.vector.search('x')).rejects.toBeInstanceOf(MemoryLevelError);
    await expect(memory.episodes.record({ saw: 'a', did: 'b', outcome: 'succeeded' })).rejects.toMatchObject({ code: 'memory_level_not_declared', message: expect.stringContaining('episode') });
    expect(calls).toBe(0);
  });

  it('sends a put with its expected version, and update retries a conflict', async () => {
    const sent: unknown[] = [];
    let version = 3;
    const client = {
      call: async (op: string, body: { key: string; expectedVersion?: number | null }) => {
        sent.push([op, body]);
        if (op === 'runnerMemoryTaskGet') return { item: { key: body.key, value: version, version, updatedAt: '' } };
        if (op === 'runnerMemoryTaskPut') {
          // The first write loses a race: someone wrote version 4 meanwhile.
          if (version === 3) {
            version = 4;
            throw Object.assign(new Error('conflict'), { code: 'memory_version_conflict' });
          }
          return { key: body.key, version: version + 1 };
        }
        throw new Error(op);
      },
    } as never;
    const memory = remoteMemory(client, ['task']);
    expect(await memory.task.update<number>('counter', (n) => (n ?? 0) + 1)).toEqual({ value: 5, version: 5 });
    expect(sent.filter(([op]) => op === 'runnerMemoryTaskPut').map(([, b]) => b)).toEqual([
      { key: 'counter', value: 4, expectedVersion: 3 },
      { key: 'counter', value: 5, expectedVersion: 4 },
    ]);
  });

  it('in process: versions, prefixes, metadata filters and lexical scores, and episodes across runs', async () => {
    const memory = new InMemoryMemory(['task', 'vector', 'episode']);
    await memory.task.put('rejected/vm-1', { until: '2026-12-31' });
    await expect(memory.task.put('rejected/vm-1', 1, { expectedVersion: null })).rejects.toMatchObject({ code: 'memory_version_conflict' });
    expect((await memory.task.list('rejected/')).items.map((i) => i.key)).toEqual(['rejected/vm-1']);
    await memory.vector.upsert([
      { id: 'a', text: 'idle vm web-1 stopped', metadata: { region: 'eu' } },
      { id: 'b', text: 'idle vm db-2 stopped', metadata: { region: 'us' } },
      { id: 'c', text: 'certificate renewed', metadata: { region: 'eu' } },
    ]);
    expect((await memory.vector.search('idle vm stopped', { filter: { region: 'eu' } })).map((h) => h.id)).toEqual(['a', 'c']);
    memory.runId = 'run-1';
    await memory.episodes.record({ saw: '2 idle VMs', did: 'proposed 2 stops', outcome: 'succeeded' });
    memory.runId = 'run-2';
    await memory.episodes.record({ saw: 'no idle VMs', did: 'nothing', outcome: 'succeeded' });
    expect((await memory.episodes.search({ query: 'idle VMs proposed' }))[0]!.runId).toBe('run-1');
    await expect(new InMemoryMemory(['task']).vector.upsert([])).rejects.toBeInstanceOf(MemoryLevelError);
  });
});
