import { describe, expect, it } from 'vitest';
import { dispatchRunTask } from '../src/app/runs/backgroundTasks.ts';

describe('the background task catalog', () => {
  it('names a task queue function the codebase exports', async () => {
    const index = (await import('../src/index.ts')) as Record<string, unknown>;
    expect(index).toHaveProperty(dispatchRunTask.name);
    // firebase-functions keeps the queue settings on the function it builds.
    const endpoint = (index[dispatchRunTask.name] as { __endpoint: { taskQueueTrigger: { retryConfig: unknown } } }).__endpoint;
    expect(endpoint.taskQueueTrigger.retryConfig).toMatchObject(dispatchRunTask.retry);
  });

  it('carries ids only, and refuses anything else', () => {
    expect(dispatchRunTask.payload.safeParse({ wsId: 'w', runId: 'r', attempt: 1 }).success).toBe(true);
    expect(dispatchRunTask.payload.safeParse({ wsId: 'w', runId: 'r', attempt: 1, input: {} }).success).toBe(false);
    expect(dispatchRunTask.payload.safeParse({ wsId: 'w', runId: 'r', attempt: 0 }).success).toBe(false);
  });

  it('gives each attempt, and each watchdog redelivery of it, a task id of its own', () => {
    const ids = [
      dispatchRunTask.taskId({ wsId: 'w', runId: 'r', attempt: 1 }),
      dispatchRunTask.taskId({ wsId: 'w', runId: 'r', attempt: 2 }),
      dispatchRunTask.taskId({ wsId: 'w', runId: 'r', attempt: 2 }, 1),
    ];
    expect(new Set(ids).size).toBe(3);
    expect(dispatchRunTask.taskId({ wsId: 'w', runId: 'r', attempt: 1 })).toBe(ids[0]);
  });
});
