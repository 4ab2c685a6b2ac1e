import { logger } from 'firebase-functions/logger';
import { onTaskDispatched } from 'firebase-functions/v2/tasks';
import { z } from 'zod';
import { dispatchRun as dispatch } from '../app/dispatchRun.js';
import { params } from '../config/index.js';
import { getDeps } from './deps.js';

const DispatchTask = z.object({ wsId: z.string().min(1), runId: z.string().min(1), attempt: z.number().int().min(1) }).strict();

/**
 * Cloud Tasks queue `dispatchRun`: one task per run attempt. Failures to start are thrown
 * so the queue retries them; a malformed task is acknowledged (retrying cannot fix it).
 */
export const dispatchRun = onTaskDispatched(
  {
    region: params.region,
    retryConfig: { maxAttempts: 5, minBackoffSeconds: 2, maxBackoffSeconds: 60 },
    rateLimits: { maxConcurrentDispatches: 200, maxDispatchesPerSecond: 100 },
    timeoutSeconds: 120,
    memory: '256MiB',
  },
  async (req) => {
    const task = DispatchTask.safeParse(req.data);
    if (!task.success) {
      logger.error('dispatchRun: malformed task acknowledged', { issues: task.error.issues });
      return;
    }
    const outcome = await dispatch((await getDeps()).deps, task.data);
    logger.info('dispatchRun', { ...task.data, outcome });
  },
);
