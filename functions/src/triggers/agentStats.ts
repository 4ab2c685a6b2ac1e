import { logger } from 'firebase-functions/logger';
import { onMessagePublished } from 'firebase-functions/v2/pubsub';
import { recordRunFact } from '../app/publishing/agentStats.js';
import { params } from '../config/index.js';
import { getDeps } from './deps.js';
import { messageJson, NOT_JSON } from './messageJson.js';

/** Pub/Sub `agent-stats` (adapters/pubsub/eventBus.ts): counts each finished run in its agent's daily stats, once. */
export const recordAgentStats = onMessagePublished(
  // Retried on a thrown error (the stats could not be written); a malformed message is acknowledged.
  { topic: 'agent-stats', region: params.region, retry: true, timeoutSeconds: 60, memory: '256MiB' },
  async (event) => {
    const data = messageJson('recordAgentStats', event.data.message);
    if (data === NOT_JSON) return;
    const outcome = await recordRunFact((await getDeps()).deps, data);
    if (outcome.outcome === 'malformed') logger.error('recordAgentStats: not a run fact; acknowledged', { messageId: event.data.message.messageId, issues: outcome.issues });
    else logger.info('recordAgentStats', outcome);
  },
);
