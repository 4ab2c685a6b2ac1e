import { DELIVERY_LEASE_SECONDS } from '../../domain/notifications.js';
import type { Deps } from '../deps.js';
import { attemptDelivery, type DeliverDeps } from './deliver.js';
import type { NotificationRetry } from './ports.js';

/** A retry this late after its due time lost its task (or its sender): the sweep enqueues it again. */
export const RETRY_OVERDUE_MS = 5 * 60_000;

/**
 * Re-enqueues retries that are overdue (the watchdog calls it every minute). A duplicate is
 * harmless: the retry takes the delivery only for the attempt it is due for.
 */
export async function sweepRetries(deps: Pick<Deps, 'notifications' | 'notifyRetries'>, now: Date, limit = 100): Promise<{ requeued: number }> {
  const overdue = await deps.notifications.overdueRetries(new Date(now.getTime() - RETRY_OVERDUE_MS), limit);
  let requeued = 0;
  for (const d of overdue) {
    if (d.status !== 'retrying' && !(d.status === 'sending' && d.leaseUntil && d.leaseUntil.getTime() <= now.getTime())) continue;
    await deps.notifyRetries.enqueue({ wsId: d.wsId, channelId: d.channelId, eventId: d.eventId, attempt: d.attemptCount + 1 }, 1).then(
      () => requeued++,
      (err: unknown) => console.error(JSON.stringify({ severity: 'WARNING', message: 'notifications: overdue retry not enqueued', eventId: d.eventId, error: String(err) })),
    );
  }
  return { requeued };
}

export type RetryOutcome = 'sent' | 'not_due' | 'channel_gone';

/**
 * A scheduled webhook retry: the delivery is taken for this attempt (a duplicate task, or one
 * for an attempt already made, finds nothing to do), then attempted like the first time.
 * The local Cloud Tasks emulator ignores schedule times, so locally retries follow at once.
 */
export async function retryDelivery(deps: DeliverDeps & Pick<Deps, 'notifications'>, task: NotificationRetry): Promise<RetryOutcome> {
  const now = deps.clock.now();
  const delivery = await deps.notifications.leaseRetry(task.wsId, task.channelId, task.eventId, task.attempt, now, new Date(now.getTime() + DELIVERY_LEASE_SECONDS * 1000));
  if (!delivery) return 'not_due';
  const channel = await deps.notifications.getChannel(task.wsId, task.channelId);
  if (!channel || !channel.enabled) {
    await deps.notifications.recordAttempt(task.wsId, task.channelId, task.eventId, {
      status: 'failed',
      attempts: delivery.attempts,
      attemptCount: delivery.attemptCount,
      nextAttemptAt: null,
      updatedAt: now,
      leaseUntil: null,
    });
    return 'channel_gone';
  }
  await attemptDelivery(deps, channel, delivery, { retry: true });
  return 'sent';
}
