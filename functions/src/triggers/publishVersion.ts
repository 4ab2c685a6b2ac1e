import { logger } from 'firebase-functions/logger';
import { onTaskDispatched } from 'firebase-functions/v2/tasks';
import { runPipelineStep } from '../app/publishing/pipeline.js';
import { publishVersionTask } from '../app/publishing/pipelineTask.js';
import { params } from '../config/index.js';
import { getDeps } from './deps.js';

/**
 * The publishing pipeline's task queue (app/publishing/pipelineTask.ts): one task per step of a
 * version. Failures are thrown so the queue retries them; a malformed task is acknowledged.
 */
export const publishVersion = onTaskDispatched(
  {
    region: params.region,
    retryConfig: publishVersionTask.retry,
    rateLimits: publishVersionTask.rateLimits,
    timeoutSeconds: publishVersionTask.timeoutSeconds,
    memory: publishVersionTask.memory,
  },
  async (req) => {
    const task = publishVersionTask.payload.safeParse(req.data);
    if (!task.success) {
      logger.error('publishVersion: malformed task acknowledged', { issues: task.error.issues });
      return;
    }
    const outcome = await runPipelineStep((await getDeps()).deps, task.data);
    logger.info('publishVersion', { ...task.data, outcome });
  },
);
