import { FieldPath, FieldValue, Timestamp, type DocumentReference, type DocumentSnapshot } from 'firebase-admin/firestore';
import type { EmbeddingSpace, ExpiryCandidate, MemoryDump, MemoryScope, MemoryStore, StoredTask, StoredVector } from '../../app/memory/ports.js';
import { AppError } from '../../domain/errors.js';
import { STORED_MEMORY_LEVELS, type StoredMemoryLevel } from '../../domain/memory/limits.js';
import { DEFAULT_RETENTION_DAYS, expiresAt } from '../../domain/memory/retention.js';
import type { MemoryStats, MemoryStatsDelta } from '../../domain/memory/stats.js';
import { emptyMemoryStats, incrementsOf, MEMORY_COUNTERS } from '../../domain/memory/stats.js';
import { dataOf, decodeCursor, encodeCursor, firestore, revive } from './client.js';

/**
 * An install's memory (docs/memory.md): `workspaces/{ws}/installs/{id}/memory/{doc}`, one document
 * per task key (`t_<base64url key>`, the key in a field for prefix ranges), vector memory
 * (`v_<id>`) and episode (`e_<runId>`); its embedding space and counters in
 * `installs/{id}/internal/memory`. No rule lets a client read either: the API serves them.
 * Task values are stored as JSON text: Firestore cannot hold arrays of arrays.
 *
 * Every item carries `expiresAt` (its last write plus the level's default retention) for the
 * production TTL policy (firestore.indexes.json); it is only a backstop: the retention sweep
 * (app/memory/sweepMemory.ts) deletes first and counts what it deleted, which TTL cannot.
 */
type VectorValue = ReturnType<typeof FieldValue.vector>;

const installRef = (s: MemoryScope) => firestore().collection('workspaces').doc(s.wsId).collection('installs').doc(s.installId);
const memoryOf = (s: MemoryScope) => installRef(s).collection('memory');
const internalRef = (s: MemoryScope) => installRef(s).collection('internal').doc('memory');
const taskRef = (s: MemoryScope, key: string) => memoryOf(s).doc(`t_${Buffer.from(key).toString('base64url')}`);
const vectorRef = (s: MemoryScope, level: StoredVector['level'], id: string) => memoryOf(s).doc(`${level === 'vector' ? 'v' : 'e'}_${id}`);

interface TaskDoc {
  level: 'task';
  key: string;
  json: string;
  version: number;
  bytes: number;
  updatedAt: Date;
}
interface VectorDoc extends Omit<StoredVector, 'embedding'> {
  embedding: VectorValue;
}

const taskOf = (d: TaskDoc): StoredTask => ({ key: d.key, value: JSON.parse(d.json), version: d.version, bytes: d.bytes, updatedAt: d.updatedAt });
const vectorOf = (raw: Record<string, unknown>): StoredVector => {
  const embedding = (raw['embedding'] as VectorValue).toArray();
  const rest = revive<Omit<VectorDoc, 'embedding'>>({ ...raw, embedding: null });
  return { ...rest, embedding } as StoredVector;
};

export class FirestoreMemoryStore implements MemoryStore {
  async embeddingSpace(scope: MemoryScope, wanted: EmbeddingSpace): Promise<EmbeddingSpace> {
    const ref = internalRef(scope);
    const known = dataOf<{ space?: EmbeddingSpace }>(await ref.get())?.space;
    if (known) return known;
    return firestore().runTransaction(async (tx) => {
      const space = (await tx.get(ref)).get('space') as EmbeddingSpace | undefined;
      if (space) return space;
      tx.set(ref, { space: wanted }, { merge: true });
      return wanted;
    });
  }

  async getTask(scope: MemoryScope, key: string): Promise<StoredTask | null> {
    const d = dataOf<TaskDoc>(await taskRef(scope, key).get());
    return d ? taskOf(d) : null;
  }

  async changeTask<T>(scope: MemoryScope, key: string, change: (current: StoredTask | null) => { next: StoredTask | null; result: T }): Promise<T> {
    const ref = taskRef(scope, key);
    return firestore().runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      const current = snap.exists ? taskOf(revive<TaskDoc>(snap.data())) : null;
      const { next, result } = change(current);
      if (next) {
        const doc: TaskDoc = { level: 'task', key, json: JSON.stringify(next.value), version: next.version, bytes: next.bytes, updatedAt: next.updatedAt };
        tx.set(ref, { ...doc, expiresAt: expiresAt('task', next.updatedAt, DEFAULT_RETENTION_DAYS) });
      }
      else if (current) tx.delete(ref);
      return result;
    });
  }

  async listTasks(scope: MemoryScope, range: { start: string; end: string }, after: string | null, limit: number) {
    let q = memoryOf(scope).where('level', '==', 'task').where('key', '>=', range.start).where('key', '<', range.end).orderBy('key').limit(limit);
    if (after !== null) q = q.startAfter(after);
    const snap = await q.select('key', 'version', 'updatedAt').get();
    return snap.docs.map((d) => revive<Pick<StoredTask, 'key' | 'version' | 'updatedAt'>>(d.data()));
  }

  async putVectors(scope: MemoryScope, items: StoredVector[]): Promise<{ replacedBytes: number; added: number }> {
    const refs = items.map((i) => vectorRef(scope, i.level, i.id));
    return firestore().runTransaction(async (tx) => {
      const before = await tx.getAll(...refs);
      let replacedBytes = 0;
      let added = 0;
      before.forEach((snap, n) => {
        if (snap.exists) replacedBytes += Number(snap.get('bytes') ?? 0);
        else added += 1;
        const { embedding, ...rest } = items[n]!;
        tx.set(refs[n]!, { ...rest, embedding: FieldValue.vector(embedding), expiresAt: expiresAt(rest.level, rest.updatedAt, DEFAULT_RETENTION_DAYS) });
      });
      return { replacedBytes, added };
    });
  }

  async deleteVector(scope: MemoryScope, level: StoredVector['level'], id: string): Promise<number | null> {
    const ref: DocumentReference = vectorRef(scope, level, id);
    return firestore().runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      if (!snap.exists) return null;
      tx.delete(ref);
      return Number(snap.get('bytes') ?? 0);
    });
  }

  async nearest(scope: MemoryScope, level: StoredVector['level'], query: number[], options: { k: number; filter: Record<string, string | number | boolean>; maxDistance?: number | undefined }) {
    let q = memoryOf(scope).where('level', '==', level);
    for (const [k, v] of Object.entries(options.filter)) q = q.where(`metadata.${k}`, '==', v);
    const snap = await q
      .findNearest({
        vectorField: 'embedding',
        queryVector: query,
        limit: options.k,
        distanceMeasure: 'COSINE',
        distanceResultField: '_distance',
        ...(options.maxDistance !== undefined ? { distanceThreshold: options.maxDistance } : {}),
      })
      .get();
    return snap.docs.map((d) => {
      const { _distance, ...raw } = d.data() as Record<string, unknown>;
      return { item: vectorOf(raw), distance: Number(_distance) };
    });
  }

  async newest(scope: MemoryScope, level: StoredVector['level'], options: { k: number; since?: Date | undefined }) {
    let q = memoryOf(scope).where('level', '==', level).orderBy('updatedAt', 'desc');
    if (options.since) q = q.where('updatedAt', '>=', options.since);
    const snap = await q.limit(options.k).get();
    return snap.docs.map((d) => vectorOf(d.data()));
  }

  async count(scope: MemoryScope, delta: MemoryStatsDelta): Promise<void> {
    const increments = Object.entries(incrementsOf(delta));
    if (increments.length === 0) return;
    await internalRef(scope).set({ stats: nest(increments.map(([k, n]) => [k, FieldValue.increment(n)])) }, { merge: true });
  }

  // ---- The customer's view and the retention sweep ----

  async summary(scope: MemoryScope) {
    const d = dataOf<{ space?: EmbeddingSpace; stats?: unknown }>(await internalRef(scope).get());
    return { stats: statsFrom(d?.stats), space: d?.space ?? null };
  }

  async statsOf(wsId: string, installIds: string[]) {
    const out = new Map<string, MemoryStats>();
    if (installIds.length === 0) return out;
    const snaps = await firestore().getAll(...installIds.map((installId) => internalRef({ wsId, installId })));
    snaps.forEach((snap, n) => {
      const stats = snap.get('stats') as unknown;
      if (stats) out.set(installIds[n]!, statsFrom(stats));
    });
    return out;
  }

  async browseTasks(scope: MemoryScope, range: { start: string; end: string }, after: string | null, limit: number) {
    let q = memoryOf(scope).where('level', '==', 'task').where('key', '>=', range.start).where('key', '<', range.end).orderBy('key').limit(limit);
    if (after !== null) q = q.startAfter(after);
    const snap = await q.select(...TASK_FIELDS).get();
    return snap.docs.map((d) => taskOf(revive<TaskDoc>(d.data())));
  }

  async browseVectors(scope: MemoryScope, level: StoredVector['level'], cursor: string | null, limit: number) {
    let q = memoryOf(scope).where('level', '==', level).orderBy('updatedAt', 'desc').orderBy(FieldPath.documentId(), 'desc');
    if (cursor !== null) {
      const [millis, id] = decodeCursor(cursor, 2) as [number, string];
      if (typeof millis !== 'number' || typeof id !== 'string') throw badCursor();
      q = q.startAfter(Timestamp.fromMillis(millis), id);
    }
    const snap = await q.select(...VECTOR_FIELDS).limit(limit + 1).get();
    const docs = snap.docs.slice(0, limit);
    const last = docs.at(-1);
    const items = docs.map((d) => vectorFields(d));
    const next = snap.docs.length > limit && last ? encodeCursor([items.at(-1)!.updatedAt.getTime(), last.id]) : null;
    return { items, next };
  }

  async dump(scope: MemoryScope, cursor: string | null, limit: number): Promise<MemoryDump> {
    let q = memoryOf(scope).orderBy(FieldPath.documentId());
    if (cursor !== null) {
      const [after] = decodeCursor(cursor, 1);
      if (typeof after !== 'string' || !/^[tve]_/.test(after) || after.includes('/')) throw badCursor();
      q = q.startAfter(after);
    }
    const snap = await q.select(...TASK_FIELDS, ...VECTOR_FIELDS).limit(limit + 1).get();
    const docs = snap.docs.slice(0, limit);
    const out: MemoryDump = { task: [], vector: [], episode: [], next: null };
    for (const d of docs) {
      const level = d.get('level') as StoredMemoryLevel;
      if (level === 'task') out.task.push(taskOf(revive<TaskDoc>(d.data())));
      else if (level === 'vector' || level === 'episode') out[level].push(vectorFields(d));
    }
    if (snap.docs.length > limit) out.next = encodeCursor([docs.at(-1)!.id]);
    return out;
  }

  async forgetBatch(scope: MemoryScope, limit: number) {
    const snap = await memoryOf(scope).select('level', 'bytes').limit(limit + 1).get();
    const docs = snap.docs.slice(0, limit);
    if (docs.length > 0) {
      const batch = firestore().batch();
      for (const d of docs) batch.delete(d.ref);
      await batch.commit();
    }
    const removed = docs.map((d) => ({ level: d.get('level') as StoredMemoryLevel, bytes: Number(d.get('bytes') ?? 0) }));
    const more = snap.docs.length > limit;
    if (more) return { removed, more, reset: false };
    // Nothing left: the counters and the embedding space go too, unless a run wrote meanwhile.
    const reset = await firestore().runTransaction(async (tx) => {
      const left = await tx.get(memoryOf(scope).select().limit(1));
      if (!left.empty) return false;
      tx.delete(internalRef(scope));
      return true;
    });
    return { removed, more: !reset, reset };
  }

  async expiredCandidates(level: StoredMemoryLevel, before: Date, limit: number): Promise<ExpiryCandidate[]> {
    const snap = await firestore().collectionGroup('memory').where('level', '==', level).where('updatedAt', '<', before).orderBy('updatedAt').select('key', 'id', 'bytes', 'updatedAt').limit(limit).get();
    const out: ExpiryCandidate[] = [];
    for (const d of snap.docs) {
      const scope = scopeOfMemoryDoc(d.ref);
      if (!scope) continue;
      const id = (level === 'task' ? d.get('key') : d.get('id')) as unknown;
      if (typeof id !== 'string') continue;
      out.push({ scope, level, id, lastWriteAt: (d.get('updatedAt') as Timestamp).toDate(), bytes: Number(d.get('bytes') ?? 0) });
    }
    return out;
  }

  async deleteUnwritten(candidates: ExpiryCandidate[]): Promise<ExpiryCandidate[]> {
    if (candidates.length === 0) return [];
    const refs = candidates.map((c) => (c.level === 'task' ? taskRef(c.scope, c.id) : vectorRef(c.scope, c.level, c.id)));
    return firestore().runTransaction(async (tx) => {
      const snaps = await tx.getAll(...refs);
      const deleted: ExpiryCandidate[] = [];
      snaps.forEach((snap, n) => {
        const written = snap.get('updatedAt') as Timestamp | undefined;
        // Written again since the sweep read it: it lives on.
        if (!snap.exists || written?.toMillis() !== candidates[n]!.lastWriteAt.getTime()) return;
        tx.delete(refs[n]!);
        deleted.push({ ...candidates[n]!, bytes: Number(snap.get('bytes') ?? 0) });
      });
      return deleted;
    });
  }

  async purgesDue(now: Date, limit: number) {
    const snap = await firestore().collectionGroup('installs').where('memoryPurgeAt', '<=', now).orderBy('memoryPurgeAt').select().limit(limit).get();
    return snap.docs.flatMap((d) => {
      const [root, wsId, installs, installId] = d.ref.path.split('/');
      return root === 'workspaces' && installs === 'installs' && wsId && installId ? [{ wsId, installId }] : [];
    });
  }

  async purged(scope: MemoryScope) {
    await installRef(scope).update({ memoryPurgeAt: null });
  }
}

/** `{'vector.searches': x}` as `{vector: {searches: x}}`: set with merge takes nested objects, not dotted paths. */
function nest(entries: [string, unknown][]): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [path, v] of entries) {
    const [level, counter] = path.split('.') as [string, string];
    (out[level] ??= {})[counter] = v;
  }
  return out;
}

const TASK_FIELDS = ['level', 'key', 'json', 'version', 'bytes', 'updatedAt'] as const;
/** Everything of a vector memory or an episode but its embedding (12 KiB at 1536 dimensions). */
const VECTOR_FIELDS = ['level', 'id', 'text', 'metadata', 'bytes', 'updatedAt', 'episode'] as const;

const vectorFields = (d: DocumentSnapshot): Omit<StoredVector, 'embedding'> => revive<Omit<StoredVector, 'embedding'>>(d.data());

const badCursor = () => new AppError('invalid', 'invalid_cursor', 'The pagination cursor is malformed or from another listing.');

/** `workspaces/{ws}/installs/{id}/memory/{doc}` → its install; null for a `memory` collection anywhere else. */
function scopeOfMemoryDoc(ref: DocumentReference): MemoryScope | null {
  const [root, wsId, installs, installId, memory] = ref.path.split('/');
  return root === 'workspaces' && installs === 'installs' && memory === 'memory' && wsId && installId ? { wsId, installId } : null;
}

/** Stored counters as MemoryStats: absent ones are 0. */
function statsFrom(raw: unknown): MemoryStats {
  const stats = emptyMemoryStats();
  const levels = (raw ?? {}) as Record<string, Record<string, unknown> | undefined>;
  for (const level of STORED_MEMORY_LEVELS) {
    for (const c of MEMORY_COUNTERS) {
      const n = levels[level]?.[c];
      if (typeof n === 'number' && Number.isFinite(n)) stats[level][c] = n;
    }
  }
  return stats;
}
