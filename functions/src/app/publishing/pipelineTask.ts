import { z } from 'zod';
import type { PipelineTask } from './ports.js';

/**
 * The publishing pipeline's background task (docs/publishing.md "Pipeline"), in one place like
 * app/runs/backgroundTasks.ts: its queue function, payload, retries and task ids.
 */
export const publishVersionTask = {
  name: 'publishVersion',
  /** Ids only; the version document holds the rest. */
  payload: z
    .object({
      agentId: z.string().min(1).max(63),
      version: z.string().min(1).max(64),
      step: z.enum(['scan', 'build', 'deploy']),
      bundle: z.string().regex(/^[a-f0-9]{16}$/),
      poll: z.number().int().min(0).max(1000),
    })
    .strict(),
  /** The platform's own calls (storage, Cloud Build, Cloud Run) fail now and then: the queue retries. */
  retry: { maxAttempts: 8, minBackoffSeconds: 5, maxBackoffSeconds: 300 },
  rateLimits: { maxConcurrentDispatches: 20, maxDispatchesPerSecond: 10 },
  /** A scan reads up to 100 MiB of bundle. */
  timeoutSeconds: 540,
  memory: '1GiB',
  /** One task per step, submission and poll: Cloud Tasks refuses a second with the same id. */
  taskId: (task: PipelineTask) => `pub-${task.agentId}-${task.version.replace(/[^A-Za-z0-9-]/g, '-')}-${task.step}-${task.bundle}-${task.poll}`,
} as const;
