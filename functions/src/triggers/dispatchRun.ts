import { logger } from 'firebase-functions/logger';
import { onTaskDispatched } from 'firebase-functions/v2/tasks';
import { dispatchRunTask } from '../app/runs/backgroundTasks.js';
import { dispatchRun as dispatch } from '../app/runs/dispatchRun.js';
import { params } from '../config/index.js';
import { getDeps } from './deps.js';

/**
 * The task queue of `dispatchRunTask` (app/backgroundTasks.ts): one task per run attempt.
 * Failures to start are thrown so the queue retries them; a malformed task is acknowledged
 * (retrying cannot fix it).
 */
export const dispatchRun = onTaskDispatched(
  {
    region: params.region,
    retryConfig: dispatchRunTask.retry,
    rateLimits: dispatchRunTask.rateLimits,
    timeoutSeconds: dispatchRunTask.timeoutSeconds,
    memory: dispatchRunTask.memory,
  },
  async (req) => {
    const task = dispatchRunTask.payload.safeParse(req.data);
    if (!task.success) {
      logger.error('dispatchRun: malformed task acknowledged', { issues: task.error.issues });
      return;
    }
    const outcome = await dispatch((await getDeps()).deps, task.data);
    logger.info('dispatchRun', { ...task.data, outcome });
  },
);
