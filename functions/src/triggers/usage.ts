import { logger } from 'firebase-functions/logger';
import { onMessagePublished } from 'firebase-functions/v2/pubsub';
import { recordUsage } from '../app/billing/usage.js';
import { params } from '../config/index.js';
import { getDeps } from './deps.js';

/** Pub/Sub `usage-events` (adapters/pubsub/eventBus.ts): records each usage fact in the ledger, once. */
export const recordUsageEvents = onMessagePublished(
  // Retried on a thrown error (the ledger could not be written); a malformed message is acknowledged.
  { topic: 'usage-events', region: params.region, retry: true, timeoutSeconds: 60, memory: '256MiB' },
  async (event) => {
    let data: unknown;
    try {
      data = event.data.message.json;
    } catch {
      logger.error('recordUsageEvents: message is not JSON; acknowledged', { messageId: event.data.message.messageId });
      return;
    }
    const outcome = await recordUsage((await getDeps()).deps, data);
    if (outcome.outcome === 'malformed') logger.error('recordUsageEvents: not a usage fact; acknowledged', { messageId: event.data.message.messageId, issues: outcome.issues });
    else logger.info('recordUsageEvents', outcome);
  },
);
