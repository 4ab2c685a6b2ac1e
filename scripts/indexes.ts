/**
 * Writes firestore.indexes.json: the catalog's indexes come from the same plan the API
 * queries with (functions/src/domain/catalogSearch.ts); the rest are listed here beside the
 * query that needs them. `npm run indexes` regenerates; a test fails when the file is stale.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogIndexes } from '../functions/lib/domain/catalogSearch.js';

/** The production embedder's dimension (functions/src/config MEMORY_EMBEDDING_DIMENSIONS's default): change both together. */
const EMBEDDING_DIMENSIONS = 1536;

type Field = { fieldPath: string; order?: string; arrayConfig?: string };
const idx = (collectionGroup: string, queryScope: 'COLLECTION' | 'COLLECTION_GROUP', fields: Field[]) => ({ collectionGroup, queryScope, fields });
const asc = (fieldPath: string): Field => ({ fieldPath, order: 'ASCENDING' });
const desc = (fieldPath: string): Field => ({ fieldPath, order: 'DESCENDING' });

export function indexesFile() {
  return {
    indexes: [
      ...catalogIndexes(),
      // adapters/firestore/catalog.ts listReviews
      idx('reviews', 'COLLECTION', [desc('updatedAt'), desc('uid')]),
      // adapters/firestore/workspaces.ts listForUser
      idx('members', 'COLLECTION_GROUP', [asc('uid'), asc('wsId')]),
      // adapters/firestore/runs.ts list (all, and by install)
      idx('runs', 'COLLECTION', [desc('createdAt'), desc('id')]),
      idx('runs', 'COLLECTION', [asc('installId'), desc('createdAt'), desc('id')]),
      idx('runs', 'COLLECTION', [asc('state'), desc('createdAt'), desc('id')]),
      idx('runs', 'COLLECTION', [asc('installId'), asc('state'), desc('createdAt'), desc('id')]),
      // adapters/firestore/versions.ts reviewQueue (platform admins' queue across agents; a cold group: versions change a few times a day)
      idx('versions', 'COLLECTION_GROUP', [asc('state'), asc('submittedAt')]),
      // adapters/firestore/schedules.ts due
      idx('schedules', 'COLLECTION', [asc('active'), asc('nextFireAt')]),
      // adapters/firestore/installs.ts list, apiKeys.ts list
      idx('installs', 'COLLECTION', [desc('createdAt'), desc('id')]),
      idx('apiKeys', 'COLLECTION', [desc('createdAt'), desc('id')]),
      // adapters/firestore/approvals.ts list (all, by state, install or run, and both), listByRun, due (the SLA sweep, across workspaces);
      // the web inbox's live pending list (web/src/live/approvalsFirestore.ts listenToPending) is list's query by state, install or run
      idx('approvals', 'COLLECTION', [desc('createdAt'), desc('id')]),
      ...['state', 'installId', 'runId'].map((f) => idx('approvals', 'COLLECTION', [asc(f), desc('createdAt'), desc('id')])),
      ...['installId', 'runId'].map((f) => idx('approvals', 'COLLECTION', [asc(f), asc('state'), desc('createdAt'), desc('id')])),
      // ... and by install and run together (the inbox opened from a run, with an install chosen)
      idx('approvals', 'COLLECTION', [asc('installId'), asc('runId'), desc('createdAt'), desc('id')]),
      idx('approvals', 'COLLECTION', [asc('installId'), asc('runId'), asc('state'), desc('createdAt'), desc('id')]),
      idx('approvals', 'COLLECTION', [asc('runId'), asc('createdAt')]),
      idx('approvals', 'COLLECTION_GROUP', [asc('state'), asc('dueAt')]),
      // adapters/firestore/notifications.ts listChannels, listDeliveries, unpublished (the outbox sweep, across workspaces)
      idx('notificationChannels', 'COLLECTION', [desc('createdAt'), desc('id')]),
      idx('deliveries', 'COLLECTION', [desc('createdAt'), desc('eventId')]),
      idx('outbox', 'COLLECTION_GROUP', [asc('publishedAt'), asc('createdAt')]),
      // app/billing/invoices.ts via adapters/firestore/billingAccounts.ts: a customer's mirrored invoices, newest first
      idx('stripeInvoices', 'COLLECTION', [asc('customerId'), desc('created'), desc('id')]),
      // adapters/firestore/earnings.ts payouts of a publisher (history, newest first; pending ones for the sweep)
      idx('payouts', 'COLLECTION', [asc('publisherId'), desc('createdAt'), desc('id')]),
      idx('payouts', 'COLLECTION', [asc('publisherId'), asc('status')]),
      // adapters/firestore/usageLedger.ts unreported (the usage reporter, across workspaces)
      idx('usage', 'COLLECTION_GROUP', [asc('reportedAt'), asc('recordedAt')]),
      // adapters/firestore/agentStats.ts activeInstalls: a COUNT of an agent's active installs of a version, across workspaces
      idx('installs', 'COLLECTION_GROUP', [asc('agentId'), asc('state'), asc('version')]),
      // adapters/firestore/earnings.ts entriesBetween: a publisher's revenue entries of a period (developer analytics)
      idx('revenueEntries', 'COLLECTION', [asc('publisherId'), asc('createdAt')]),
      // adapters/firestore/memory.ts: an install's task keys by prefix (listTasks, browseTasks); the newest episodes (newest);
      // vector memories and episodes newest first, a page at a time (browseVectors). The least recently used (eviction) and
      // a level in id order (restampBatch) are served by single-field indexes; the sweep's expired items by expiresAt's.
      idx('memory', 'COLLECTION', [asc('level'), asc('key')]),
      idx('memory', 'COLLECTION', [asc('level'), desc('updatedAt')]),
      idx('memory', 'COLLECTION', [asc('level'), desc('updatedAt'), desc('__name__')]),
      // findNearest (adapters/firestore/memory.ts nearest): vector memories or episodes of a level, for the configured
      // embedder's dimension (MEMORY_EMBEDDING_DIMENSIONS); a search filtered on metadata needs one more, per key
      // combination, which Firestore names in its error (memory_search_index_missing; docs/memory.md "Indexes").
      { collectionGroup: 'memory', queryScope: 'COLLECTION', fields: [asc('level'), { fieldPath: 'embedding', vectorConfig: { dimension: EMBEDDING_DIMENSIONS, flat: {} } }] },
    ],
    fieldOverrides: [
      // adapters/firestore/approvals.ts chainQueued: log entries left queued, across workspaces.
      { collectionGroup: 'approvalLogQueue', fieldPath: 'queuedAt', indexes: [{ order: 'ASCENDING', queryScope: 'COLLECTION' }, { order: 'ASCENDING', queryScope: 'COLLECTION_GROUP' }] },
      // app/runWatchdog.ts: runs due for a look, across workspaces. watchAt moves in 5 s steps (domain/runWatch.ts).
      {
        collectionGroup: 'runs',
        fieldPath: 'watchAt',
        indexes: [
          { order: 'ASCENDING', queryScope: 'COLLECTION' },
          { order: 'ASCENDING', queryScope: 'COLLECTION_GROUP' },
        ],
      },
      // Written on every heartbeat and never queried; run inputs, outputs and progress are read whole.
      { collectionGroup: 'runs', fieldPath: 'heartbeatAt', indexes: [] },
      { collectionGroup: 'runs', fieldPath: 'progress', indexes: [] },
      { collectionGroup: 'runs', fieldPath: 'input', indexes: [] },
      { collectionGroup: 'runs', fieldPath: 'outputs', indexes: [] },
      // Metrics are read whole (adapters/firestore/runs.ts metrics); their maps grow, and finishing runs write lastRunAt.
      { collectionGroup: 'metrics', fieldPath: 'durationHist', indexes: [] },
      { collectionGroup: 'metrics', fieldPath: 'daily', indexes: [] },
      { collectionGroup: 'metrics', fieldPath: 'lastRunAt', indexes: [] },
      // Concurrency slots are only listed and counted; their timestamp rises with every admission.
      // (Month quota shards keep their indexes: the metrics sum their runs with an aggregation, which scans the index.)
      { collectionGroup: 'runSlots', fieldPath: 'at', indexes: [] },
      // A month's usage counters are read whole; their map grows with each install and version.
      { collectionGroup: 'usageMonths', fieldPath: 'lines', indexes: [] },
      // Log chunks are read by sequence only; their lines and timestamps need no index.
      { collectionGroup: 'logs', fieldPath: 'lines', indexes: [] },
      { collectionGroup: 'logs', fieldPath: 'receivedAt', indexes: [] },
      // Search tokens are only ever matched with array-contains (composite indexes above).
      { collectionGroup: 'agents', fieldPath: 'searchTokens', indexes: [{ arrayConfig: 'CONTAINS', queryScope: 'COLLECTION' }] },
      { collectionGroup: 'agents', fieldPath: 'searchWords', indexes: [] },
      // Anonymous search counters (api/rateLimits): a window's document is deleted after it ends.
      { collectionGroup: 'rateLimits', fieldPath: 'expiresAt', ttl: true, indexes: [] },
      { collectionGroup: 'idempotency', fieldPath: 'expiresAt', ttl: true, indexes: [] },
      { collectionGroup: 'idempotency', fieldPath: 'bodyJson', indexes: [] },
      // app/notifications/retry.ts sweepRetries: overdue webhook retries, across workspaces.
      {
        collectionGroup: 'deliveries',
        fieldPath: 'nextAttemptAt',
        indexes: [
          { order: 'ASCENDING', queryScope: 'COLLECTION' },
          { order: 'ASCENDING', queryScope: 'COLLECTION_GROUP' },
        ],
      },
      // Published outbox entries are deleted a week after publishing; events and delivery records are read whole.
      { collectionGroup: 'outbox', fieldPath: 'expiresAt', ttl: true, indexes: [] },
      { collectionGroup: 'outbox', fieldPath: 'event', indexes: [] },
      { collectionGroup: 'deliveries', fieldPath: 'event', indexes: [] },
      { collectionGroup: 'deliveries', fieldPath: 'attempts', indexes: [] },
      // Agent stats (adapters/firestore/agentStats.ts): day shards are read by id range, whole; a counted fact's marker
      // is only ever created (its create is the dedupe) and deleted a month later.
      { collectionGroup: 'days', fieldPath: 'versions', indexes: [] },
      { collectionGroup: 'facts', fieldPath: 'factId', indexes: [] },
      { collectionGroup: 'facts', fieldPath: 'expiresAt', ttl: true, indexes: [] },
      { collectionGroup: 'versions', fieldPath: 'yaml', indexes: [] },
      { collectionGroup: 'versions', fieldPath: 'manifest', indexes: [] },
      // Agent memory (adapters/firestore/memory.ts): items past retention (expiresAt: the last write plus the level's retention
      // for the install) are deleted by the sweep (app/memory/sweepMemory.ts), which counts them. TTL on ttlAt, a week later, is
      // the production backstop, never indexed. Values and texts are read whole, never queried.
      { collectionGroup: 'memory', fieldPath: 'ttlAt', ttl: true, indexes: [] },
      {
        collectionGroup: 'memory',
        fieldPath: 'expiresAt',
        indexes: [
          { order: 'ASCENDING', queryScope: 'COLLECTION' },
          { order: 'ASCENDING', queryScope: 'COLLECTION_GROUP' },
        ],
      },
      // app/memory/sweepMemory.ts: installs whose items need new expiry times after a retention change, across workspaces.
      {
        collectionGroup: 'internal',
        fieldPath: 'restampPending',
        indexes: [
          { order: 'ASCENDING', queryScope: 'COLLECTION' },
          { order: 'ASCENDING', queryScope: 'COLLECTION_GROUP' },
        ],
      },
      { collectionGroup: 'memory', fieldPath: 'json', indexes: [] },
      { collectionGroup: 'memory', fieldPath: 'text', indexes: [] },
      { collectionGroup: 'memory', fieldPath: 'episode', indexes: [] },
      // app/memory/sweepMemory.ts: uninstalled installs whose memory is due for its purge, across workspaces.
      {
        collectionGroup: 'installs',
        fieldPath: 'memoryPurgeAt',
        indexes: [
          { order: 'ASCENDING', queryScope: 'COLLECTION' },
          { order: 'ASCENDING', queryScope: 'COLLECTION_GROUP' },
        ],
      },
    ],
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'firestore.indexes.json');
  writeFileSync(file, `${JSON.stringify(indexesFile(), null, 2)}\n`);
  console.log(`wrote ${file}`);
}
