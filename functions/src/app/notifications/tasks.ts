import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * The webhook retry queue, in one place like dispatchRunTask (runs/backgroundTasks.ts): the
 * task queue function that serves it, its payload (ids only: the delivery record holds the
 * event), and one task id per (delivery, attempt) so Cloud Tasks refuses a duplicate.
 * Backoff is ours (domain/notifications.ts nextRetryAt, given as the task's schedule time);
 * the queue's own retries only cover a handler that crashed.
 */
export const notificationRetryTask = {
  name: 'retryNotification',
  payload: z
    .object({ wsId: z.string().min(1).max(64), channelId: z.string().min(1).max(64), eventId: z.string().min(1).max(200), attempt: z.number().int().min(2).max(1000) })
    .strict(),
  retry: { maxAttempts: 3, minBackoffSeconds: 10, maxBackoffSeconds: 300 },
  rateLimits: { maxConcurrentDispatches: 100, maxDispatchesPerSecond: 50 },
  timeoutSeconds: 60,
  memory: '256MiB',
  /** Cloud Tasks ids take letters, digits, - and _: the event id is hashed in. */
  taskId: (t: { wsId: string; channelId: string; eventId: string; attempt: number }) =>
    `notify-${t.wsId}-${t.channelId}-${createHash('sha256').update(t.eventId).digest('hex').slice(0, 32)}-${t.attempt}`,
} as const;
