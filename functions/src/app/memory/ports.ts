import type { JsonValue, MemoryMetadata, StoredMemoryLevel } from '../../domain/memory/limits.js';
import type { MemoryStatsDelta } from '../../domain/memory/stats.js';

/** Whose memory: an install's, in its workspace. Nothing crosses this line. */
export interface MemoryScope {
  wsId: string;
  installId: string;
}

export interface StoredTask {
  key: string;
  value: JsonValue;
  version: number;
  bytes: number;
  updatedAt: Date;
}

/** A vector memory or an episode: a text, its embedding, flat metadata. */
export interface StoredVector {
  level: Extract<StoredMemoryLevel, 'vector' | 'episode'>;
  id: string;
  text: string;
  metadata: MemoryMetadata;
  embedding: number[];
  bytes: number;
  updatedAt: Date;
  /** Episodes: what it saw and did, how it ended, which run, when. */
  episode?: { saw: string; did: string; outcome: string; runId: string; at: Date };
}

/** The embedding model an install's vectors were made with: every later vector must match it. */
export interface EmbeddingSpace {
  model: string;
  dimensions: number;
}

export interface MemoryStore {
  /** The install's embedding space, set to `wanted` by the first call (in a transaction). */
  embeddingSpace(scope: MemoryScope, wanted: EmbeddingSpace): Promise<EmbeddingSpace>;
  getTask(scope: MemoryScope, key: string): Promise<StoredTask | null>;
  /**
   * Read-modify-write of one key in a transaction: `change` sees the stored record and answers
   * the next one, or null to delete it; two concurrent writes are serialised, never lost.
   */
  changeTask<T>(scope: MemoryScope, key: string, change: (current: StoredTask | null) => { next: StoredTask | null; result: T }): Promise<T>;
  /** Keys in [start, end) after `after`, in key order: at most `limit`. */
  listTasks(scope: MemoryScope, range: { start: string; end: string }, after: string | null, limit: number): Promise<Pick<StoredTask, 'key' | 'version' | 'updatedAt'>[]>;
  putVectors(scope: MemoryScope, items: StoredVector[]): Promise<{ replacedBytes: number; added: number }>;
  deleteVector(scope: MemoryScope, level: StoredVector['level'], id: string): Promise<number | null>;
  /** The `k` nearest of a level (COSINE distance), metadata-filtered, within `maxDistance`, newer than `since`. */
  nearest(
    scope: MemoryScope,
    level: StoredVector['level'],
    query: number[],
    options: { k: number; filter: Record<string, string | number | boolean>; maxDistance?: number | undefined },
  ): Promise<{ item: StoredVector; distance: number }[]>;
  /** The newest of a level since a time. */
  newest(scope: MemoryScope, level: StoredVector['level'], options: { k: number; since?: Date | undefined }): Promise<StoredVector[]>;
  /** Counter increments (domain/memory/stats.ts), blind: no read. */
  count(scope: MemoryScope, delta: MemoryStatsDelta): Promise<void>;
}
