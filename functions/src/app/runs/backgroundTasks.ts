import { z } from 'zod';

/**
 * The background tasks the platform enqueues, each in one place: its queue (the name of the
 * task queue function that serves it), its payload schema, its retry and rate settings, and
 * its task ids. The trigger and the queue adapter both read from here.
 */
export const dispatchRunTask = {
  /** The task queue function (functions/src/index.ts exports it under this name) and its Cloud Tasks queue. */
  name: 'dispatchRun',
  /** Ids, never payloads: the run document holds the rest (DESIGN.md: tasks are small, at-least-once). */
  payload: z.object({ wsId: z.string().min(1), runId: z.string().min(1), attempt: z.number().int().min(1) }).strict(),
  /** Failures to start an execution are retried by the queue; dispatch itself is idempotent per attempt. */
  retry: { maxAttempts: 5, minBackoffSeconds: 2, maxBackoffSeconds: 60 },
  rateLimits: { maxConcurrentDispatches: 200, maxDispatchesPerSecond: 100 },
  timeoutSeconds: 120,
  memory: '256MiB',
  /**
   * One task per run attempt, so Cloud Tasks itself refuses a second for the same attempt; a
   * watchdog redelivery gets its own id (Cloud Tasks keeps a spent id for about an hour).
   */
  taskId: (task: { wsId: string; runId: string; attempt: number }, redelivery?: number) =>
    `run-${task.wsId}-${task.runId}-${task.attempt}${redelivery ? `-r${redelivery}` : ''}`,
} as const;

export type DispatchTask = z.infer<typeof dispatchRunTask.payload>;
