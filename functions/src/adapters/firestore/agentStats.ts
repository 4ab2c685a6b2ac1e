import { FieldPath, FieldValue } from 'firebase-admin/firestore';
import type { AgentStatsStore } from '../../app/publishing/ports.js';
import { RUN_OUTCOMES, statsDocId, statsIncrement, versionOfKey, type AgentStatsFact, type StatsShard, type VersionStats } from '../../domain/agentStats.js';
import { firestore } from './client.js';

/**
 * Agent run stats (docs/publishing.md "Analytics"): `agentStats/{agentId}/days/{day}_{shard}`
 * holds, per version (map key: domain/agentStats.ts versionKey), runs by outcome and started
 * runs by duration bucket; `agentStats/{agentId}/facts/{runId}` marks a fact as counted.
 */
const agentRef = (agentId: string) => firestore().collection('agentStats').doc(agentId);
const daysOf = (agentId: string) => agentRef(agentId).collection('days');
const factsOf = (agentId: string) => agentRef(agentId).collection('facts');

const ALREADY_EXISTS = 6;
/** Pub/Sub keeps an unacknowledged message 7 days at most, and a published outbox entry is not sent again: a month covers any redelivery. */
const FACT_KEEP_MS = 30 * 86_400_000;

interface StoredVersion {
  version?: string;
  hist?: Record<string, number>;
  [outcome: string]: unknown;
}

const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function versionStatsOf(stored: StoredVersion): VersionStats {
  const hist: Record<string, number> = {};
  for (const [bucket, n] of Object.entries(stored.hist ?? {})) hist[bucket] = count(n);
  const counts = Object.fromEntries(RUN_OUTCOMES.map((k) => [k, count(stored[k])])) as VersionStats['counts'];
  return { counts, hist };
}

export class FirestoreAgentStatsStore implements AgentStatsStore {
  /**
   * Per fact, one atomic batch and no transaction (as the usage ledger): the fact's marker is
   * created (create-only) and its counters incremented blindly in its day shard. A redelivery's
   * create fails, and the whole batch with it, so nothing counts twice; nothing is read, so
   * finishing runs never contend on a shard beyond its ~1 write/s.
   */
  async record(facts: readonly AgentStatsFact[], now: Date): Promise<boolean[]> {
    return Promise.all(facts.map((fact) => this.recordOne(fact, now)));
  }

  private async recordOne(fact: AgentStatsFact, now: Date): Promise<boolean> {
    const inc = statsIncrement(fact);
    const batch = firestore().batch();
    batch.create(factsOf(fact.agentId).doc(fact.runId), { factId: fact.id, expiresAt: new Date(now.getTime() + FACT_KEEP_MS) });
    const version: Record<string, unknown> = { version: inc.version, [inc.state]: FieldValue.increment(1) };
    if (inc.bucket !== null) version['hist'] = { [String(inc.bucket)]: FieldValue.increment(1) };
    // set-merge with nested objects: map keys are taken literally, never as field paths.
    batch.set(daysOf(fact.agentId).doc(statsDocId(inc.day, inc.shard)), { versions: { [inc.versionKey]: version } }, { merge: true });
    try {
      await batch.commit();
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === ALREADY_EXISTS) return false;
      throw err;
    }
  }

  /** One range of document ids (`{from}` ≤ id < `{to}~`): only the shards that exist are read. */
  async read(agentId: string, fromDay: string, toDay: string): Promise<StatsShard[]> {
    const snap = await daysOf(agentId).where(FieldPath.documentId(), '>=', fromDay).where(FieldPath.documentId(), '<', `${toDay}~`).get();
    return snap.docs.map((d) => {
      const versions = (d.get('versions') ?? {}) as Record<string, StoredVersion>;
      return {
        day: d.id.slice(0, 10),
        versions: Object.fromEntries(Object.entries(versions).map(([key, v]) => [v.version ?? versionOfKey(key), versionStatsOf(v)])),
      };
    });
  }

  /** One COUNT aggregation per version (index: installs (agentId, state, version), collection group). */
  async activeInstalls(agentId: string, versions: readonly string[]): Promise<Record<string, number>> {
    const installs = firestore().collectionGroup('installs').where('agentId', '==', agentId).where('state', '==', 'active');
    const counts = await Promise.all(versions.map(async (v) => (await installs.where('version', '==', v).count().get()).data().count));
    return Object.fromEntries(versions.map((v, i) => [v, counts[i]!]));
  }
}
