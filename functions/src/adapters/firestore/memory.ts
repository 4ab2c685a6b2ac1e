import { FieldValue, type DocumentReference } from 'firebase-admin/firestore';
import type { EmbeddingSpace, MemoryScope, MemoryStore, StoredTask, StoredVector } from '../../app/memory/ports.js';
import type { MemoryStatsDelta } from '../../domain/memory/stats.js';
import { incrementsOf } from '../../domain/memory/stats.js';
import { dataOf, firestore, revive } from './client.js';

/**
 * An install's memory (docs/memory.md): `workspaces/{ws}/installs/{id}/memory/{doc}`, one document
 * per task key (`t_<base64url key>`, the key in a field for prefix ranges), vector memory
 * (`v_<id>`) and episode (`e_<runId>`); its embedding space and counters in
 * `installs/{id}/internal/memory`. No rule lets a client read either: the API serves them.
 * Task values are stored as JSON text: Firestore cannot hold arrays of arrays.
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
      if (next) tx.set(ref, { level: 'task', key, json: JSON.stringify(next.value), version: next.version, bytes: next.bytes, updatedAt: next.updatedAt } satisfies TaskDoc);
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
        tx.set(refs[n]!, { ...rest, embedding: FieldValue.vector(embedding) });
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
