import { logger } from 'firebase-functions/logger';
import { onMessagePublished } from 'firebase-functions/v2/pubsub';
import { onTaskDispatched } from 'firebase-functions/v2/tasks';
import { deliverEvent } from '../app/notifications/deliver.js';
import { retryDelivery } from '../app/notifications/retry.js';
import { notificationRetryTask } from '../app/notifications/tasks.js';
import { params } from '../config/index.js';
import { getDeps } from './deps.js';
import { messageJson, NOT_JSON } from './messageJson.js';

/** Pub/Sub `run-events` (adapters/pubsub/eventBus.ts): delivers each platform event to its workspace's channels. */
export const deliverNotifications = onMessagePublished(
  // Retried on a thrown error (the channels could not be read); a malformed message is acknowledged.
  { topic: 'run-events', region: params.region, retry: true, timeoutSeconds: 120, memory: '256MiB' },
  async (event) => {
    const data = messageJson('deliverNotifications', event.data.message);
    if (data === NOT_JSON) return;
    const outcome = await deliverEvent((await getDeps()).deps, data);
    logger.info('deliverNotifications', { eventId: event.data.message.attributes?.['eventId'], ...outcome });
  },
);

/** The webhook retry queue (app/notifications/tasks.ts). */
export const retryNotification = onTaskDispatched(
  {
    region: params.region,
    retryConfig: notificationRetryTask.retry,
    rateLimits: notificationRetryTask.rateLimits,
    timeoutSeconds: notificationRetryTask.timeoutSeconds,
    memory: notificationRetryTask.memory,
  },
  async (req) => {
    const task = notificationRetryTask.payload.safeParse(req.data);
    if (!task.success) {
      logger.error('retryNotification: malformed task acknowledged', { issues: task.error.issues });
      return;
    }
    const outcome = await retryDelivery((await getDeps()).deps, task.data);
    logger.info('retryNotification', { ...task.data, outcome });
  },
);
