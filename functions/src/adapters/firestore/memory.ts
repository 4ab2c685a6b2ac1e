import { FieldPath, FieldValue, Timestamp, type DocumentReference, type DocumentSnapshot } from 'firebase-admin/firestore';
import type { EmbeddingSpace, EvictionCandidateRef, ExpiryCandidate, MemoryDump, MemoryItemRef, MemoryScope, MemoryState, MemoryStore, StoredTask, StoredVector } from '../../app/memory/ports.js';
import { AppError } from '../../domain/errors.js';
import { STORED_MEMORY_LEVELS, type StoredMemoryLevel } from '../../domain/memory/limits.js';
import type { RetentionOverrides } from '../../domain/memory/retention.js';
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
 * Every item carries `expiresAt` (its last write plus its level's retention for the install),
 * which the retention sweep (app/memory/sweepMemory.ts) queries across installs; the sweep
 * deletes and counts what it deleted, which TTL cannot. Production's TTL policy
 * (firestore.indexes.json) deletes on `ttlAt`, written beside every `expiresAt`. And
 * `lastAccessAt`, the quota's least-recently-used order.
 */
type VectorValue = ReturnType<typeof FieldValue.vector>;

/**
 * TTL deletes a week after `expiresAt`: a backstop for a sweep that stopped. On `expiresAt` itself
 * it could delete an item whose retention was made longer before the sweep's restamp (200 items
 * a transaction) reached it, which for a large install takes hours.
 */
const TTL_BACKSTOP_MS = 7 * 86_400_000;
const stamps = (expiresAt: Date) => ({ expiresAt, ttlAt: new Date(expiresAt.getTime() + TTL_BACKSTOP_MS) });

const installRef = (s: MemoryScope) => firestore().collection('workspaces').doc(s.wsId).collection('installs').doc(s.installId);
const memoryOf = (s: MemoryScope) => installRef(s).collection('memory');
const internalRef = (s: MemoryScope) => installRef(s).collection('internal').doc('memory');
/**
 * The counters reads move (reads, searches, search hits) are spread over shards: a run that
 * searches in a loop would otherwise pass a document's sustained write rate. The gauges and
 * the counters writes move stay on `internal/memory`, where a write's quota check reads them.
 */
const READ_SHARDS = 4;
const READ_COUNTERS: readonly string[] = ['reads', 'searches', 'searchHits'];
const readShardRef = (s: MemoryScope, n: number) => installRef(s).collection('internal').doc(`memoryReads${n}`);
const readShardRefs = (s: MemoryScope) => Array.from({ length: READ_SHARDS }, (_, n) => readShardRef(s, n));
const taskRef = (s: MemoryScope, key: string) => memoryOf(s).doc(`t_${Buffer.from(key).toString('base64url')}`);
const vectorRef = (s: MemoryScope, level: StoredVector['level'], id: string) => memoryOf(s).doc(`${level === 'vector' ? 'v' : 'e'}_${id}`);

interface TaskDoc {
  level: 'task';
  key: string;
  json: string;
  version: number;
  bytes: number;
  updatedAt: Date;
  expiresAt: Date;
  lastAccessAt: Date;
}
interface VectorDoc extends Omit<StoredVector, 'embedding'> {
  embedding: VectorValue;
}

const taskOf = (d: TaskDoc): StoredTask => ({
  key: d.key,
  value: JSON.parse(d.json),
  version: d.version,
  bytes: d.bytes,
  updatedAt: d.updatedAt,
  expiresAt: d.expiresAt,
  lastAccessAt: d.lastAccessAt ?? d.updatedAt,
});
const vectorOf = (raw: Record<string, unknown>): StoredVector => {
  const embedding = (raw['embedding'] as VectorValue).toArray();
  const { ttlAt: _ttl, ...stored } = raw;
  const rest = revive<Omit<VectorDoc, 'embedding'>>({ ...stored, embedding: null });
  return { ...rest, embedding } as StoredVector;
};

/** Installs' embedding spaces this instance has seen: at most this many are kept. */
const SPACE_CACHE_SIZE = 10_000;

export class FirestoreMemoryStore implements MemoryStore {
  /**
   * An install's space changes only when all its memory is forgotten, and then only to the
   * platform embedder's, which is what this instance would record anyway: a space this instance
   * saw equal to the one it wants is kept, sparing a read per vector call.
   */
  private readonly spaces = new Map<string, EmbeddingSpace>();

  async embeddingSpace(scope: MemoryScope, wanted: EmbeddingSpace): Promise<EmbeddingSpace> {
    const key = `${scope.wsId}/${scope.installId}`;
    const cached = this.spaces.get(key);
    if (cached && cached.model === wanted.model && cached.dimensions === wanted.dimensions) return cached;
    const ref = internalRef(scope);
    const space =
      dataOf<{ space?: EmbeddingSpace }>(await ref.get())?.space ??
      (await firestore().runTransaction(async (tx) => {
        const stored = (await tx.get(ref)).get('space') as EmbeddingSpace | undefined;
        if (stored) return stored;
        tx.set(ref, { space: wanted }, { merge: true });
        return wanted;
      }));
    if (this.spaces.size >= SPACE_CACHE_SIZE) this.spaces.delete(this.spaces.keys().next().value!);
    this.spaces.set(key, space);
    return space;
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
        const doc: TaskDoc = {
          level: 'task',
          key,
          json: JSON.stringify(next.value),
          version: next.version,
          bytes: next.bytes,
          updatedAt: next.updatedAt,
          expiresAt: next.expiresAt,
          lastAccessAt: next.lastAccessAt,
        };
        tx.set(ref, { ...doc, ...stamps(next.expiresAt) });
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
        tx.set(refs[n]!, { ...rest, ...stamps(rest.expiresAt), embedding: FieldValue.vector(embedding) });
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
      .get()
      .catch((err: unknown) => {
        throw indexMissing(err, Object.keys(options.filter)) ?? err;
      });
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
    const increments = Object.entries(incrementsOf(delta)).map(([k, n]) => [k, FieldValue.increment(n)] as [string, unknown]);
    const isRead = ([path]: [string, unknown]) => READ_COUNTERS.includes(path.split('.')[1]!);
    const reads = increments.filter(isRead);
    const rest = increments.filter((i) => !isRead(i));
    await Promise.all([
      rest.length > 0 && internalRef(scope).set({ stats: nest(rest) }, { merge: true }),
      reads.length > 0 && readShardRef(scope, Math.floor(Math.random() * READ_SHARDS)).set({ stats: nest(reads) }, { merge: true }),
    ]);
  }

  // ---- The customer's view and the retention sweep ----

  async summary(scope: MemoryScope, options: { readCounters?: boolean } = {}): Promise<MemoryState> {
    const [main, ...shards] = await firestore().getAll(internalRef(scope), ...(options.readCounters === false ? [] : readShardRefs(scope)));
    const d = dataOf<InternalDoc>(main!);
    const stats = sumStats([d?.stats, ...shards.map((shard) => shard.get('stats') as unknown)]);
    return { stats, space: d?.space ?? null, retention: d?.retention ?? {}, restamp: d?.restamp ?? {}, runs: typeof d?.runs === 'number' ? d.runs : 0 };
  }

  async countRun(scope: MemoryScope): Promise<void> {
    await internalRef(scope).set({ runs: FieldValue.increment(1) }, { merge: true });
  }

  async setRetention(scope: MemoryScope, overrides: RetentionOverrides, restamp: readonly StoredMemoryLevel[]): Promise<void> {
    // mergeFields: `retention` is replaced whole (a level set back to its default disappears); each marked level starts from the first item.
    const marks = restamp.map((level) => `restamp.${level}`);
    await internalRef(scope).set(
      { retention: overrides, restamp: Object.fromEntries(restamp.map((l) => [l, ''])), ...(restamp.length > 0 ? { restampPending: true } : {}) },
      { mergeFields: ['retention', ...marks, ...(restamp.length > 0 ? ['restampPending'] : [])] },
    );
  }

  async restampsDue(limit: number): Promise<MemoryScope[]> {
    const snap = await firestore().collectionGroup('internal').where('restampPending', '==', true).select().limit(limit).get();
    return snap.docs.flatMap((d) => installAt(d.ref, ['internal', 'memory']) ?? []);
  }

  async restampBatch(scope: MemoryScope, level: StoredMemoryLevel, expiry: (lastWriteAt: Date) => Date, limit: number) {
    const ref = internalRef(scope);
    // One transaction: a run writing an item meanwhile retries it, so no item keeps a stale stamp.
    return firestore().runTransaction(async (tx) => {
      const internal = dataOf<InternalDoc>(await tx.get(ref));
      const from = internal?.restamp?.[level];
      if (from === undefined) return { restamped: 0, done: true };
      let q = memoryOf(scope).where('level', '==', level).orderBy(FieldPath.documentId()).select('updatedAt').limit(limit);
      if (from !== '') q = q.startAfter(from);
      const snap = await tx.get(q);
      for (const d of snap.docs) tx.update(d.ref, stamps(expiry((d.get('updatedAt') as Timestamp).toDate())));
      const done = snap.docs.length < limit;
      const left = Object.keys(internal?.restamp ?? {}).filter((l) => l !== level);
      if (!done) tx.update(ref, { [`restamp.${level}`]: snap.docs.at(-1)!.id });
      else tx.update(ref, { [`restamp.${level}`]: FieldValue.delete(), restampPending: left.length > 0 });
      return { restamped: snap.docs.length, done };
    });
  }

  async touch(items: MemoryItemRef[], at: Date): Promise<void> {
    if (items.length === 0) return;
    const writer = firestore().bulkWriter();
    // An item forgotten meanwhile is not brought back: update, and a missing document is skipped.
    writer.onWriteError((e) => e.code !== 5 && e.failedAttempts < 3);
    for (const i of items) void writer.update(refOf(i), { lastAccessAt: at }).catch(() => undefined);
    await writer.close();
  }

  async leastRecentlyUsed(scope: MemoryScope, limit: number): Promise<EvictionCandidateRef[]> {
    const snap = await memoryOf(scope).orderBy('lastAccessAt').select('level', 'key', 'id', 'bytes', 'lastAccessAt').limit(limit).get();
    return snap.docs.flatMap((d) => {
      const item = itemOfDoc(scope, d);
      return item ? [{ ...item, bytes: Number(d.get('bytes') ?? 0), lastAccessAt: (d.get('lastAccessAt') as Timestamp).toDate() }] : [];
    });
  }

  async evict(candidates: EvictionCandidateRef[]): Promise<EvictionCandidateRef[]> {
    // Used since it was chosen: it is no longer the least recent; it stays.
    return deleteUnchanged(candidates, 'lastAccessAt', (c) => c.lastAccessAt);
  }

  async statsOf(wsId: string, installIds: string[]) {
    const out = new Map<string, { stats: MemoryStats; runs: number }>();
    if (installIds.length === 0) return out;
    const per = 1 + READ_SHARDS;
    const snaps = await firestore().getAll(...installIds.flatMap((installId) => [internalRef({ wsId, installId }), ...readShardRefs({ wsId, installId })]));
    installIds.forEach((installId, n) => {
      const docs = snaps.slice(n * per, (n + 1) * per);
      const raws = docs.map((snap) => snap.get('stats') as unknown);
      const runs = docs[0]!.get('runs') as unknown;
      if (raws.some(Boolean)) out.set(installId, { stats: sumStats(raws), runs: typeof runs === 'number' ? runs : 0 });
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

  async forgetBatch(scope: MemoryScope, limit: number, options: { purge?: boolean } = {}) {
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
    // Nothing left: the counters and the embedding space go too, unless a run wrote meanwhile;
    // the customer's retention stays with the install until it is purged.
    const reset = await firestore().runTransaction(async (tx) => {
      const left = await tx.get(memoryOf(scope).select().limit(1));
      if (!left.empty) return false;
      if (options.purge) tx.delete(internalRef(scope));
      else tx.set(internalRef(scope), { stats: FieldValue.delete(), space: FieldValue.delete(), runs: FieldValue.delete() }, { merge: true });
      for (const shard of readShardRefs(scope)) tx.delete(shard);
      return true;
    });
    return { removed, more: !reset, reset };
  }

  async expiredCandidates(now: Date, limit: number): Promise<ExpiryCandidate[]> {
    const snap = await firestore().collectionGroup('memory').where('expiresAt', '<=', now).orderBy('expiresAt').select('level', 'key', 'id', 'bytes', 'updatedAt').limit(limit).get();
    return snap.docs.flatMap((d) => {
      const scope = scopeOfMemoryDoc(d.ref);
      const item = scope && itemOfDoc(scope, d);
      return item ? [{ ...item, lastWriteAt: (d.get('updatedAt') as Timestamp).toDate(), bytes: Number(d.get('bytes') ?? 0) }] : [];
    });
  }

  async extend(candidate: ExpiryCandidate, expiresAt: Date): Promise<void> {
    const ref = refOf(candidate);
    await firestore().runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      if (snap.exists && (snap.get('updatedAt') as Timestamp | undefined)?.toMillis() === candidate.lastWriteAt.getTime()) tx.update(ref, stamps(expiresAt));
    });
  }

  async deleteUnwritten(candidates: ExpiryCandidate[]): Promise<ExpiryCandidate[]> {
    // Written again since the sweep read it: it lives on.
    return deleteUnchanged(candidates, 'updatedAt', (c) => c.lastWriteAt);
  }

  async purgesDue(now: Date, limit: number) {
    const snap = await firestore().collectionGroup('installs').where('memoryPurgeAt', '<=', now).orderBy('memoryPurgeAt').select().limit(limit).get();
    return snap.docs.flatMap((d) => installAt(d.ref, []) ?? []);
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

const TASK_FIELDS = ['level', 'key', 'json', 'version', 'bytes', 'updatedAt', 'expiresAt', 'lastAccessAt'] as const;
/** Everything of a vector memory or an episode but its embedding (12 KiB at 1536 dimensions). */
const VECTOR_FIELDS = ['level', 'id', 'text', 'metadata', 'bytes', 'updatedAt', 'expiresAt', 'lastAccessAt', 'episode'] as const;

const vectorFields = (d: DocumentSnapshot): Omit<StoredVector, 'embedding'> => revive<Omit<StoredVector, 'embedding'>>(d.data());

/**
 * Production Firestore refuses a vector search without its vector index (FAILED_PRECONDITION,
 * naming the index to create); the emulator needs none. A filtered search needs an index per
 * combination of metadata keys, which cannot all be declared ahead: say so clearly (412).
 */
function indexMissing(err: unknown, filterKeys: string[]): AppError | null {
  const e = err as { code?: unknown; message?: unknown };
  if (e?.code !== 9 || typeof e.message !== 'string' || !/index/i.test(e.message)) return null;
  const on = filterKeys.length > 0 ? ` filtered on ${filterKeys.map((k) => `metadata.${k}`).join(', ')}` : '';
  return new AppError('precondition', 'memory_search_index_missing', `Vector memory cannot be searched${on} yet: the platform has no vector index for it. Search without the filter, or ask the platform operator to add the index (docs/memory.md "Indexes").`);
}

const badCursor = () => new AppError('invalid', 'invalid_cursor', 'The pagination cursor is malformed or from another listing.');

/**
 * Deletes, in one transaction, each candidate whose `field` still holds the time it was chosen
 * by; the others changed meanwhile and stay. Those deleted, with their stored bytes.
 */
async function deleteUnchanged<C extends MemoryItemRef & { bytes: number }>(candidates: C[], field: 'updatedAt' | 'lastAccessAt', chosenAt: (c: C) => Date): Promise<C[]> {
  if (candidates.length === 0) return [];
  const refs = candidates.map(refOf);
  return firestore().runTransaction(async (tx) => {
    const snaps = await tx.getAll(...refs);
    const deleted: C[] = [];
    snaps.forEach((snap, n) => {
      const candidate = candidates[n]!;
      if (!snap.exists || (snap.get(field) as Timestamp | undefined)?.toMillis() !== chosenAt(candidate).getTime()) return;
      tx.delete(refs[n]!);
      deleted.push({ ...candidate, bytes: Number(snap.get('bytes') ?? 0) });
    });
    return deleted;
  });
}

interface InternalDoc {
  space?: EmbeddingSpace;
  stats?: unknown;
  runs?: unknown;
  retention?: RetentionOverrides;
  restamp?: Partial<Record<StoredMemoryLevel, string>>;
}

const refOf = (i: MemoryItemRef): DocumentReference => (i.level === 'task' ? taskRef(i.scope, i.id) : vectorRef(i.scope, i.level, i.id));

/** A memory document as the item it is (level and id: the task key, the vector id or the episode's run id); null if malformed. */
function itemOfDoc(scope: MemoryScope, d: DocumentSnapshot): MemoryItemRef | null {
  const level = d.get('level') as unknown;
  if (level !== 'task' && level !== 'vector' && level !== 'episode') return null;
  const id = (level === 'task' ? d.get('key') : d.get('id')) as unknown;
  return typeof id === 'string' ? { scope, level, id } : null;
}

/**
 * A document found across collections (a collection-group query) as the install it belongs to:
 * `workspaces/{ws}/installs/{id}` followed by `tail` (null: any id). Null for the same
 * collection anywhere else.
 */
function installAt(ref: DocumentReference, tail: readonly (string | null)[]): MemoryScope | null {
  const [root, wsId, installs, installId, ...rest] = ref.path.split('/');
  const fits = root === 'workspaces' && installs === 'installs' && rest.length === tail.length && tail.every((part, n) => part === null || rest[n] === part);
  return fits && wsId && installId ? { wsId, installId } : null;
}

/** `workspaces/{ws}/installs/{id}/memory/{doc}` → its install. */
const scopeOfMemoryDoc = (ref: DocumentReference): MemoryScope | null => installAt(ref, ['memory', null]);

/** The sum of stored counters (the main document's and the read shards'). */
function sumStats(raws: unknown[]): MemoryStats {
  const total = emptyMemoryStats();
  for (const raw of raws) {
    const stats = statsFrom(raw);
    for (const level of STORED_MEMORY_LEVELS) for (const c of MEMORY_COUNTERS) total[level][c] += stats[level][c];
  }
  return total;
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
