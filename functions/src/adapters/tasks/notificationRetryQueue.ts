import type { NotificationRetry, NotificationRetryQueue } from '../../app/notifications/ports.js';
import { notificationRetryTask } from '../../app/notifications/tasks.js';
import { enqueueOnce } from './enqueueOnce.js';

/** Enqueues webhook retries onto the `retryNotification` task queue function, scheduled after the backoff. */
export class CloudTasksNotificationRetryQueue implements NotificationRetryQueue {
  constructor(private readonly region: string) {}

  enqueue(task: NotificationRetry, delaySeconds: number): Promise<void> {
    return enqueueOnce(this.region, notificationRetryTask.name, { ...task }, notificationRetryTask.taskId(task), delaySeconds);
  }
}
