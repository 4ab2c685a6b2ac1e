import { logger } from 'firebase-functions/logger';
import { onMessagePublished } from 'firebase-functions/v2/pubsub';
import { recordUsage } from '../app/billing/usage.js';
import { params } from '../config/index.js';
import { getDeps } from './deps.js';
import { messageJson, NOT_JSON } from './messageJson.js';

/** Pub/Sub `usage-events` (adapters/pubsub/eventBus.ts): records each usage fact in the ledger, once. */
export const recordUsageEvents = onMessagePublished(
  // Retried on a thrown error (the ledger could not be written); a malformed message is acknowledged.
  { topic: 'usage-events', region: params.region, retry: true, timeoutSeconds: 60, memory: '256MiB' },
  async (event) => {
    const data = messageJson('recordUsageEvents', event.data.message);
    if (data === NOT_JSON) return;
    const outcome = await recordUsage((await getDeps()).deps, data);
    if (outcome.outcome === 'malformed') logger.error('recordUsageEvents: not a usage fact; acknowledged', { messageId: event.data.message.messageId, issues: outcome.issues });
    else logger.info('recordUsageEvents', outcome);
  },
);
