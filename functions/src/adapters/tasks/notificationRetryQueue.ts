import { getFunctions } from 'firebase-admin/functions';
import type { NotificationRetry, NotificationRetryQueue } from '../../app/notifications/ports.js';
import { notificationRetryTask } from '../../app/notifications/tasks.js';
import { adminApp } from '../firebaseApp.js';

/** Enqueues webhook retries onto the `retryNotification` task queue function, scheduled after the backoff. */
export class CloudTasksNotificationRetryQueue implements NotificationRetryQueue {
  constructor(private readonly region: string) {}

  async enqueue(task: NotificationRetry, delaySeconds: number): Promise<void> {
    const queue = getFunctions(adminApp()).taskQueue<NotificationRetry>(`locations/${this.region}/functions/${notificationRetryTask.name}`);
    try {
      await queue.enqueue(task, { id: notificationRetryTask.taskId(task), scheduleDelaySeconds: delaySeconds });
    } catch (err) {
      if ((err as { code?: string }).code === 'functions/task-already-exists') return;
      throw err;
    }
  }
}
