import type { Topic } from '@google-cloud/pubsub';
import type { EventPublisher } from '../../app/notifications/ports.js';

/** The topic platform events go to; `triggers/notifications.ts` consumes it. */
export const RUN_EVENTS_TOPIC = 'run-events';

const NOT_FOUND = 5;

/**
 * Publishes platform events to `run-events`: data is the event's JSON, attribute `eventId` its
 * id (consumers dedupe on it). The client loads on first publish (keeps cold starts small). On
 * an emulator (PUBSUB_EMULATOR_HOST) a missing topic is created: the Functions emulator makes
 * it only once the consumer function has loaded.
 */
export class PubSubEventBus implements EventPublisher {
  private topic: Promise<Topic> | undefined;

  constructor(
    private readonly projectId: string,
    private readonly topicName = RUN_EVENTS_TOPIC,
  ) {}

  private topicOf(): Promise<Topic> {
    this.topic ??= import('@google-cloud/pubsub')
      .then(({ PubSub }) => new PubSub({ projectId: this.projectId }).topic(this.topicName, { batching: { maxMessages: 100, maxMilliseconds: 5 } }))
      .catch((err: unknown) => {
        this.topic = undefined;
        throw err;
      });
    return this.topic;
  }

  async publish(eventId: string, event: unknown): Promise<void> {
    const topic = await this.topicOf();
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
