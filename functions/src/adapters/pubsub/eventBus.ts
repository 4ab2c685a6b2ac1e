import type { PubSub, Topic } from '@google-cloud/pubsub';
import type { EventPublisher, OutboxTopic } from '../../app/notifications/ports.js';

/** The topic platform events go to; `triggers/notifications.ts` consumes it. */
export const RUN_EVENTS_TOPIC = 'run-events';
/** The topic usage facts go to; `triggers/usage.ts` records them in the ledger. */
export const USAGE_EVENTS_TOPIC = 'usage-events';
/** The topic finished runs' facts go to; `triggers/agentStats.ts` counts them in the agents' daily stats. */
export const AGENT_STATS_TOPIC = 'agent-stats';

const NOT_FOUND = 5;

/**
 * Publishes the outbox's events to their topic (`run-events` by default, `usage-events` for
 * usage facts, `agent-stats` for finished runs): data is the event's JSON, attribute `eventId`
 * its id (consumers dedupe on it). The client loads on first publish (keeps cold starts
 * small). On an emulator (PUBSUB_EMULATOR_HOST) a missing topic is created: the Functions
 * emulator makes it only once the consumer function has loaded.
 */
export class PubSubEventBus implements EventPublisher {
  private client: Promise<PubSub> | undefined;
  private readonly topics = new Map<string, Topic>();

  constructor(
    private readonly projectId: string,
    private readonly defaultTopic: OutboxTopic = RUN_EVENTS_TOPIC,
  ) {}

  private async topicOf(name: string): Promise<Topic> {
    this.client ??= import('@google-cloud/pubsub')
      .then(({ PubSub }) => new PubSub({ projectId: this.projectId }))
      .catch((err: unknown) => {
        this.client = undefined;
        throw err;
      });
    const client = await this.client;
    let topic = this.topics.get(name);
    if (!topic) {
      topic = client.topic(name, { batching: { maxMessages: 100, maxMilliseconds: 5 } });
      this.topics.set(name, topic);
    }
    return topic;
  }

  async publish(eventId: string, event: unknown, topicName: OutboxTopic = this.defaultTopic): Promise<void> {
    const topic = await this.topicOf(topicName);
    const message = { data: Buffer.from(JSON.stringify(event)), attributes: { eventId } };
    try {
      await topic.publishMessage(message);
    } catch (err) {
      if ((err as { code?: number }).code !== NOT_FOUND || !process.env['PUBSUB_EMULATOR_HOST']) throw err;
      await topic.create().catch((e: unknown) => {
        if ((e as { code?: number }).code !== 6) throw e;
      });
      await topic.publishMessage(message);
    }
  }
}
