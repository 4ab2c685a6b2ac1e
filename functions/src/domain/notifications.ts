import { z } from 'zod';
import { EventType, PlatformEvent } from '@agent-marketplace/contract/events';
import { ChannelKind, DeliveryStatus, MAX_NOTIFICATION_CHANNELS } from '@agent-marketplace/contract/notifications';
import { AppError } from './errors.js';

export { ChannelKind, DeliveryStatus, EventType, MAX_NOTIFICATION_CHANNELS, PlatformEvent };

/**
 * `workspaces/{wsId}/notificationChannels/{id}`. Credentials (the Slack URL, the webhook
 * signing secrets) live in the secret store; the document keeps their references only.
 */
export const Channel = z.object({
  id: z.string(),
  wsId: z.string(),
  name: z.string(),
  kind: ChannelKind,
  events: z.array(EventType),
  enabled: z.boolean(),
  email: z.object({ to: z.array(z.string()) }).nullable(),
  slack: z.object({ urlRef: z.string(), hint: z.string() }).nullable(),
  webhook: z
    .object({
      url: z.string(),
      secretRef: z.string(),
      secretPrefix: z.string(),
      /** The secret before the last rotation: deliveries carry its signature too until `previousUntil`. */
      previousSecretRef: z.string().nullable(),
      previousUntil: z.date().nullable(),
    })
    .nullable(),
  createdAt: z.date(),
  createdBy: z.string(),
  updatedAt: z.date(),
});
export type Channel = z.infer<typeof Channel>;

export interface DeliveryAttempt {
  n: number;
  at: Date;
  ok: boolean;
  httpStatus: number | null;
  smtpResponse: string | null;
  error: { code: string; message: string } | null;
  durationMs: number;
}

/**
 * `.../notificationChannels/{ch}/deliveries/{eventId}`: created once per (event, channel) by
 * the first delivery of the event (the dedupe), then one attempt appended per try. It keeps
 * the event, so a retry task carries ids only.
 */
export interface Delivery {
  eventId: string;
  eventType: EventType;
  channelId: string;
  wsId: string;
  status: DeliveryStatus;
  attemptCount: number;
  attempts: DeliveryAttempt[];
  event: PlatformEvent;
  test: boolean;
  createdAt: Date;
  updatedAt: Date;
  nextAttemptAt: Date | null;
  /** While `sending`: until when the sender holds it (a sender that died is taken over after). */
  leaseUntil: Date | null;
}

/** Attempts kept on a delivery record (the count goes on). */
export const KEPT_ATTEMPTS = 20;
/** How long one sender holds a delivery before another may take it over. */
export const DELIVERY_LEASE_SECONDS = 60;

/** Whether a channel takes an event: enabled, and its filter empty or naming the type. */
export function channelWants(channel: Pick<Channel, 'enabled' | 'events'>, type: EventType): boolean {
  return channel.enabled && (channel.events.length === 0 || channel.events.includes(type));
}

export const channelLimitReached = (max = MAX_NOTIFICATION_CHANNELS) =>
  new AppError('rate_limited', 'notification_channel_limit_reached', `A workspace may have at most ${max} notification channels; delete one first.`);

export interface RetryPolicy {
  /** The first retry's delay; each next one doubles. */
  baseSeconds: number;
  /** No delay grows past this. */
  maxDelaySeconds: number;
  /** No attempt is scheduled later than this after the first one. */
  windowSeconds: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseSeconds: 30, maxDelaySeconds: 3600, windowSeconds: 24 * 3600 };

/**
 * When to try a webhook again after failed attempt `attempt` (1-based) made at `failedAt`, the
 * first attempt having been at `firstAt`: exponential backoff with up to 20% jitter, capped,
 * and null once the next try would fall outside the window (then the delivery has failed).
 * `random` is injected so the schedule is testable.
 */
export function nextRetryAt(attempt: number, firstAt: Date, failedAt: Date, policy: RetryPolicy = DEFAULT_RETRY, random: () => number = Math.random): Date | null {
  const exp = Math.min(policy.maxDelaySeconds, policy.baseSeconds * 2 ** Math.min(attempt - 1, 30));
  const delay = exp * (1 + 0.2 * random());
  const at = new Date(failedAt.getTime() + Math.round(delay * 1000));
  return at.getTime() - firstAt.getTime() > policy.windowSeconds * 1000 ? null : at;
}

/** Whether an attempt's failure is worth another try: network trouble, 408, 429 and 5xx; not a refusal or a 4xx. */
export function retryable(attempt: Pick<DeliveryAttempt, 'ok' | 'httpStatus' | 'error'>): boolean {
  if (attempt.ok) return false;
  if (attempt.error && ['destination_not_allowed', 'scheme_not_allowed', 'channel_misconfigured'].includes(attempt.error.code)) return false;
  if (attempt.httpStatus === null) return true;
  return attempt.httpStatus === 408 || attempt.httpStatus === 429 || attempt.httpStatus >= 500;
}

/** The delivery after one attempt: its status, the attempts kept, and when to try again. */
export function afterAttempt(
  delivery: Pick<Delivery, 'attempts' | 'attemptCount' | 'createdAt'>,
  attempt: DeliveryAttempt,
  kind: ChannelKind,
  policy: RetryPolicy = DEFAULT_RETRY,
  random?: () => number,
): Pick<Delivery, 'status' | 'attempts' | 'attemptCount' | 'nextAttemptAt' | 'updatedAt' | 'leaseUntil'> {
  const attempts = [...delivery.attempts, attempt].slice(-KEPT_ATTEMPTS);
  const base = { attempts, attemptCount: attempt.n, updatedAt: attempt.at, leaseUntil: null };
  if (attempt.ok) return { ...base, status: 'delivered', nextAttemptAt: null };
  if (attempt.error?.code === 'destination_not_allowed' || attempt.error?.code === 'scheme_not_allowed') return { ...base, status: 'refused', nextAttemptAt: null };
  // Only webhooks are retried: a Slack or email failure is recorded and shown, not repeated.
  const next = kind === 'webhook' && retryable(attempt) ? nextRetryAt(attempt.n, delivery.createdAt, attempt.at, policy, random) : null;
  return { ...base, status: next ? 'retrying' : 'failed', nextAttemptAt: next };
}

/** The one-line text of an event for email subjects and Slack messages. */
export function eventHeadline(event: PlatformEvent): string {
  return `[${event.type}] ${event.summary}`;
}

/** Why one attempt failed, with a stable code recorded on the delivery (destination_not_allowed, timeout, ...). */
export class DeliveryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The receiver's HTTP status, when it answered. */
    readonly httpStatus: number | null = null,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
