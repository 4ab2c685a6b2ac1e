import { logger } from 'firebase-functions/logger';

/** What the two outbox consumers read of a Pub/Sub message (firebase-functions' Message). */
interface PubSubMessage {
  readonly json: unknown;
  readonly messageId: string;
}

/** What messageJson answers for data that is not JSON. */
export const NOT_JSON = Symbol('not JSON');

/**
 * A message's JSON data, or NOT_JSON (logged) when its data is not JSON: the consumer
 * acknowledges such a message, since no redelivery would make it readable.
 */
export function messageJson(consumer: string, message: PubSubMessage): unknown {
  try {
    return message.json;
  } catch {
    logger.error(`${consumer}: message is not JSON; acknowledged`, { messageId: message.messageId });
    return NOT_JSON;
  }
}
