import type { Transaction } from 'firebase-admin/firestore';
import type { UsageEvent } from '@agent-marketplace/contract/billing';
import type { PlatformEvent } from '@agent-marketplace/contract/events';
import type { OutboxTopic } from '../../app/notifications/ports.js';
import type { AgentStatsFact } from '../../domain/agentStats.js';
import { firestore } from './client.js';

/** `workspaces/{wsId}/outbox/{eventId}` (app/notifications/outbox.ts). */
export const outboxOf = (wsId: string) => firestore().collection('workspaces').doc(wsId).collection('outbox');

/** Days a published entry is kept (TTL on expiresAt) for inspection before Firestore deletes it. */
export const OUTBOX_KEEP_DAYS = 7;

/**
 * Writes an event's outbox entry inside the producer's transaction: the event exists exactly
 * when its fact does. Platform events go to `run-events`, usage facts to `usage-events`, run
 * facts for developer analytics to `agent-stats`.
 */
export function writeOutbox(tx: Transaction, event: PlatformEvent | UsageEvent | AgentStatsFact, now: Date, topic: OutboxTopic = 'run-events'): void {
  tx.create(outboxOf(event.wsId).doc(event.id), { event, createdAt: now, publishedAt: null, ...(topic === 'run-events' ? {} : { topic }) });
}
