import { z } from 'zod';
import { Id, Name, Timestamp } from './common.js';
import { EventType } from './events.js';

/**
 * Notification channels: where a workspace's platform events (events.ts) are delivered. Each
 * channel has a kind (email, Slack incoming webhook, signed outbound webhook) and an event
 * filter (empty: every event type). Delivery is at least once upstream and once per (event,
 * channel) here: each delivery is recorded under the event's id, so a redelivered event sends
 * nothing more.
 */
export const ChannelKind = z.enum(['email', 'slack', 'webhook']);
export type ChannelKind = z.infer<typeof ChannelKind>;

/** Channels one workspace may hold. */
export const MAX_NOTIFICATION_CHANNELS = 20;
/** Addresses one email channel sends to. */
export const MAX_EMAIL_RECIPIENTS = 20;

export const NotificationChannelId = Id;

/** An http(s) URL without credentials in it (a user:password@ part would be sent to every hop). */
export const DestinationUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .refine((u) => !/^[a-z]+:\/\/[^/?#]*@/i.test(u), 'a URL must not carry a user name or password');

const EventFilter = z.array(EventType).max(EventType.options.length);
const Recipients = z.array(z.email().max(254)).min(1).max(MAX_EMAIL_RECIPIENTS);

const common = {
  name: Name(80),
  /** The event types delivered; empty or absent: all of them. */
  events: EventFilter.optional(),
  /** A disabled channel receives nothing (its deliveries stay readable). Default true. */
  enabled: z.boolean().optional(),
};

export const CreateNotificationChannelIn = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('email'), ...common, to: Recipients }).strict(),
    /** The Slack incoming webhook URL is itself a credential: stored as a secret, never shown again. */
    z.object({ kind: z.literal('slack'), ...common, webhookUrl: DestinationUrl }).strict(),
    /** The server generates the signing secret and returns it once, in the creation's answer. */
    z.object({ kind: z.literal('webhook'), ...common, url: DestinationUrl }).strict(),
  ])
  .meta({ id: 'CreateNotificationChannel' });
export type CreateNotificationChannel = z.input<typeof CreateNotificationChannelIn>;

/** Changes to a channel; its kind never changes. Fields of another kind are refused. */
export const UpdateNotificationChannelIn = z
  .object({
    name: Name(80).optional(),
    events: EventFilter.optional(),
    enabled: z.boolean().optional(),
    to: Recipients.optional(),
    webhookUrl: DestinationUrl.optional(),
    url: DestinationUrl.optional(),
  })
  .strict()
  .meta({ id: 'UpdateNotificationChannel' });
export type UpdateNotificationChannel = z.input<typeof UpdateNotificationChannelIn>;

export const NotificationChannelOut = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: ChannelKind,
    /** Empty: every event type. */
    events: z.array(EventType),
    enabled: z.boolean(),
    /** Email channels: the recipients. */
    to: z.array(z.string()).nullable(),
    /** Webhook channels: the receiver's URL. */
    url: z.string().nullable(),
    /** Slack channels: the webhook URL's host and last characters only (the URL is a credential). */
    webhookUrlHint: z.string().nullable(),
    /** Webhook channels: the first characters of the current signing secret, to tell secrets apart. */
    secretPrefix: z.string().nullable(),
    createdAt: Timestamp,
    createdBy: z.string(),
    updatedAt: Timestamp,
  })
  .meta({ id: 'NotificationChannel' });
export type NotificationChannel = z.output<typeof NotificationChannelOut>;

export const CreatedNotificationChannelOut = NotificationChannelOut.extend({
  /** Webhook channels: the signing secret, in this response only (null for other kinds). */
  signingSecret: z.string().nullable(),
}).meta({ id: 'CreatedNotificationChannel' });
export type CreatedNotificationChannel = z.output<typeof CreatedNotificationChannelOut>;

export const RotatedSecretOut = z
  .object({
    channel: NotificationChannelOut,
    /** The new signing secret, in this response only. */
    signingSecret: z.string(),
    /** Until then deliveries are signed with the old secret too (a second v1 value), so receivers can switch. */
    previousValidUntil: Timestamp,
  })
  .meta({ id: 'RotatedNotificationSecret' });

export const DeliveryStatus = z.enum([
  /** Claimed; being sent. */
  'sending',
  'delivered',
  /** A webhook attempt failed; another is scheduled (nextAttemptAt). */
  'retrying',
  /** Given up (email and Slack after their attempt, webhooks after the retry window). */
  'failed',
  /** The destination resolved to an address that is not allowed (destination_not_allowed). */
  'refused',
]);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

export const DeliveryAttemptOut = z.object({
  n: z.number().int(),
  at: Timestamp,
  ok: z.boolean(),
  /** HTTP status of Slack and webhook receivers. */
  httpStatus: z.number().int().nullable(),
  /** The SMTP server's answer (email). */
  smtpResponse: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  durationMs: z.number(),
});

export const NotificationDeliveryOut = z
  .object({
    eventId: z.string(),
    eventType: EventType,
    channelId: z.string(),
    status: DeliveryStatus,
    attemptCount: z.number().int(),
    /** The latest attempts, newest last. */
    attempts: z.array(DeliveryAttemptOut),
    /** A test delivery (`:test`), not an event that happened. */
    test: z.boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    nextAttemptAt: Timestamp.nullable(),
  })
  .meta({ id: 'NotificationDelivery' });
export type NotificationDelivery = z.output<typeof NotificationDeliveryOut>;

/**
 * Outbound webhook headers (docs/webhooks.md). The signature is
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, with one more `v1` while
 * a rotated secret is still valid; receivers verify it with the client's verifyWebhookSignature.
 */
export const WEBHOOK_HEADERS = {
  signature: 'Agent-Marketplace-Signature',
  eventId: 'Agent-Marketplace-Event-Id',
  eventType: 'Agent-Marketplace-Event-Type',
} as const;
