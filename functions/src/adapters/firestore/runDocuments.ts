import { Timestamp } from 'firebase-admin/firestore';
import type { QuotaShard, ShardRead } from '../../domain/monthQuota.js';
import { RUN_INTERNAL_FIELDS, type Run, type RunInternal } from '../../domain/models.js';
import { poolOf, type SlotPool } from '../../domain/runSlots.js';
import { firestore } from './client.js';

/** Where a workspace's runs and what hangs off them live in Firestore (DESIGN.md "Data model"). */
export const wsRef = (wsId: string) => firestore().collection('workspaces').doc(wsId);
export const runsOf = (wsId: string) => wsRef(wsId).collection('runs');
/**
 * A run's runner and executor bookkeeping (RUN_INTERNAL_FIELDS): a document of its own, which
 * firestore.rules does not match and so no client reads. The run document holds what the API shows.
 */
export const runInternalRef = (wsId: string, runId: string) => runsOf(wsId).doc(runId).collection('internal').doc('runner');
const INTERNAL = new Set<string>(RUN_INTERNAL_FIELDS);
/** A run (or an update of one) split into its document's part and its internal document's part. */
export function splitRun<T extends Record<string, unknown>>(data: T): { doc: Record<string, unknown>; internal: Record<string, unknown> } {
  const doc: Record<string, unknown> = {};
  const internal: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) (INTERNAL.has(k) ? internal : doc)[k] = v;
  return { doc, internal };
}
/** A run from its document and its internal document (absent until dispatch writes it). */
export function joinRun(doc: Run, internal: Partial<RunInternal> | null): Run {
  const out = splitRun(doc).doc as Run;
  return {
    ...out,
    lease: internal?.lease ?? null,
    executionId: internal?.executionId ?? null,
    runnerTokenHash: internal?.runnerTokenHash ?? null,
    bootstrap: internal?.bootstrap ?? null,
    ...(internal?.secretRefs ? { secretRefs: internal.secretRefs } : {}),
  };
}
/** Concurrency slots (domain/runSlots.ts): the workspace's pool, and each install's. */
export const wsSlotsOf = (wsId: string) => wsRef(wsId).collection('runSlots');
export const slotsOf = (run: Pick<Run, 'wsId' | 'installId'>, pool: SlotPool) =>
  pool === 'workspace' ? wsSlotsOf(run.wsId) : wsRef(run.wsId).collection('installs').doc(run.installId).collection('runSlots');
export const slotRef = (run: Pick<Run, 'wsId' | 'installId'>, id: string) => slotsOf(run, poolOf(id)).doc(id);
/** The month quota's shards (domain/monthQuota.ts). */
export const shardsOf = (wsId: string, month: string) => wsRef(wsId).collection('runMonths').doc(month).collection('shards');
export const shardId = (index: number) => `s${String(index).padStart(3, '0')}`;
/** Lost races surface as ALREADY_EXISTS (a slot or shard created first), FAILED_PRECONDITION (a shard changed) or NOT_FOUND. */
export const LOST_RACE = new Set([5, 6, 9]);

/** A shard's version is its update time, carried as text through the domain. */
export const versionOf = (t: Timestamp) => `${t.seconds}.${String(t.nanoseconds).padStart(9, '0')}`;
export const timestampOf = (version: string) => {
  const [seconds, nanos] = version.split('.');
  return new Timestamp(Number(seconds), Number(nanos));
};
export const shardRead = (snap: FirebaseFirestore.DocumentSnapshot): ShardRead =>
  snap.exists ? { shard: snap.data() as QuotaShard, version: versionOf(snap.updateTime!) } : { shard: null, version: null };

/** Run metrics (domain/runMetrics.ts): an install's document, and its deltas by concurrency slot. */
export const metricsOf = (wsId: string) => wsRef(wsId).collection('metrics');
export const mainId = (installId: string) => `install_${installId}`;
export const deltaId = (installId: string, shard: string) => `install_${installId}.${shard}`;

/** Zero-padded sequence numbers make document ids sort in sequence order. */
export const seqId = (seq: number) => String(seq).padStart(10, '0');
