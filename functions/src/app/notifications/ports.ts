import type { PlatformEvent } from '@agent-marketplace/contract/events';
import type { DestinationPolicy } from '../../domain/addressPolicy.js';
import type { Channel, Delivery, DeliveryAttempt, RetryPolicy } from '../../domain/notifications.js';
import type { Page, PageRequest } from '../shared/paging.js';

/** What notification delivery needs: channels and their delivery log, the event outbox, the topic, the senders. */

/** One entry of `workspaces/{wsId}/outbox/{eventId}`, written by a producer in the transaction of its fact. */
/** The Pub/Sub topics the outbox publishes to: platform events (notifications), usage facts (billing) and run facts (developer analytics). */
export type OutboxTopic = 'run-events' | 'usage-events' | 'agent-stats';

export interface OutboxEntry {
  wsId: string;
  id: string;
  topic: OutboxTopic;
  /** The PlatformEvent as JSON (as the producer wrote it; the consumer validates it). */
  event: unknown;
  publishedAt: Date | null;
}

export interface NotificationStore {
  /** Creates the channel unless the workspace already has `max` (notification_channel_limit_reached). */
  createChannel(channel: Channel, max: number): Promise<void>;
  getChannel(wsId: string, channelId: string): Promise<Channel | null>;
  listChannels(wsId: string, page: PageRequest): Promise<Page<Channel>>;
  /** Every channel of the workspace (they are few: MAX_NOTIFICATION_CHANNELS). */
  channelsOf(wsId: string): Promise<Channel[]>;
  /** Read-modify-write in a transaction; null when the channel does not exist. */
  updateChannel(wsId: string, channelId: string, change: (channel: Channel) => Channel): Promise<Channel | null>;
  /** Deletes the channel (its delivery log goes with it); the channel as it was, or null. */
  deleteChannel(wsId: string, channelId: string): Promise<Channel | null>;

  /**
   * Claims the delivery of one event to one channel: creates its record (the dedupe of
   * repeated deliveries). Returns the record to send with, or null when it exists already
   * (sent, being sent, or scheduled), unless its sender's lease ran out: then it is taken over.
   */
  claimDelivery(delivery: Delivery, now: Date): Promise<Delivery | null>;
  /** Takes a retrying delivery for its attempt `attempt` (its previous attempt count + 1); null when that attempt is not due (done, or taken). */
  leaseRetry(wsId: string, channelId: string, eventId: string, attempt: number, now: Date, leaseUntil: Date): Promise<Delivery | null>;
  recordAttempt(wsId: string, channelId: string, eventId: string, patch: Pick<Delivery, 'status' | 'attempts' | 'attemptCount' | 'nextAttemptAt' | 'updatedAt' | 'leaseUntil'>): Promise<void>;
  getDelivery(wsId: string, channelId: string, eventId: string): Promise<Delivery | null>;
  /** Deliveries whose next attempt was due before `before` and has not happened (a lost retry task, a retry sender that died), across workspaces. */
  overdueRetries(before: Date, limit: number): Promise<Delivery[]>;
  listDeliveries(wsId: string, channelId: string, page: PageRequest): Promise<Page<Delivery>>;

  outboxEntries(wsId: string, eventIds: readonly string[]): Promise<OutboxEntry[]>;
  markPublished(wsId: string, eventIds: readonly string[], at: Date): Promise<void>;
  /** Entries created before `before` and still unpublished, oldest first, across workspaces. */
  unpublished(before: Date, limit: number): Promise<OutboxEntry[]>;
}

/** The outbox's topics (`run-events`, `usage-events`, `agent-stats`). */
export interface EventPublisher {
  publish(eventId: string, event: unknown, topic?: OutboxTopic): Promise<void>;
}

export interface EmailMessage {
  to: string[];
  subject: string;
  text: string;
  headers: Record<string, string>;
}

export interface EmailSender {
  /** Resolves with the SMTP server's answer to the message; throws DeliveryError. */
  send(message: EmailMessage): Promise<{ response: string }>;
}

export interface HttpDelivery {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export interface HttpSender {
  /** POSTs to an untrusted URL through the destination policy; throws DeliveryError (destination_not_allowed, timeout, ...). */
  post(request: HttpDelivery): Promise<{ status: number; finalUrl: string }>;
}

export interface NotificationRetry {
  wsId: string;
  channelId: string;
  eventId: string;
  /** The attempt this task makes (2 for the first retry). */
  attempt: number;
}

export interface NotificationRetryQueue {
  enqueue(task: NotificationRetry, delaySeconds: number): Promise<void>;
}

export interface NotifyConfig {
  policy: DestinationPolicy;
  /** Hosts a Slack channel's URL may name (hooks.slack.com), besides an allowed address. */
  slackHosts: readonly string[];
  emailFrom: string;
  retry: RetryPolicy;
}

export interface Notifiers {
  email: EmailSender;
  http: HttpSender;
}

export type { DeliveryAttempt, PlatformEvent };
