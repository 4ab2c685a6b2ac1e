import { describe, expect, it } from 'vitest';
import { liveRunAndManifest } from '../src/app/runs/liveRun.ts';
import type { Deps } from '../src/app/deps.ts';

/** Every runner call that acts reads its run's manifest: a published version's, read once per instance. */
describe("a runner call's manifest", () => {
  const run = (agentId: string, state = 'running') => ({ id: 'r1', wsId: 'w1', installId: 'i1', agentId, agentVersion: '1.0.0', state }) as never;

  function catalog(published: boolean) {
    const calls: string[] = [];
    const deps = {
      runs: { get: async () => null },
      catalog: {
        getVersion: async (agentId: string, version: string) => {
          calls.push(`${agentId}@${version}`);
          return published ? ({ id: agentId, version, memory: ['task'] } as never) : null;
        },
      },
    } as unknown as Pick<Deps, 'runs' | 'catalog'>;
    return { deps, calls };
  }

  it('reads a published manifest once, however many calls its runs make', async () => {
    const { deps, calls } = catalog(true);
    for (let i = 0; i < 5; i++) expect((await liveRunAndManifest(deps, { wsId: 'w1', runId: 'r1', run: run('kept-agent') })).manifest).toMatchObject({ id: 'kept-agent' });
    expect(calls).toEqual(['kept-agent@1.0.0']);
  });

  it('never keeps a version that is not served: each call asks again, and is refused', async () => {
    const { deps, calls } = catalog(false);
    for (let i = 0; i < 2; i++) {
      await expect(liveRunAndManifest(deps, { wsId: 'w1', runId: 'r1', run: run('gone-agent') })).rejects.toMatchObject({ code: 'agent_version_not_found' });
    }
    expect(calls).toEqual(['gone-agent@1.0.0', 'gone-agent@1.0.0']);
  });

  it('checks the run is live before anything', async () => {
    const { deps, calls } = catalog(true);
    await expect(liveRunAndManifest(deps, { wsId: 'w1', runId: 'r1', run: run('ended-agent', 'succeeded') })).rejects.toMatchObject({ code: 'run_finished' });
    expect(calls).toEqual([]);
  });
});
