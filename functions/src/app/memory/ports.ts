import type { JsonValue, MemoryMetadata, StoredMemoryLevel } from '../../domain/memory/limits.js';
import type { RetentionOverrides } from '../../domain/memory/retention.js';
import type { MemoryStats, MemoryStatsDelta } from '../../domain/memory/stats.js';

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
  /** When retention deletes it: its last write plus its level's retention for the install (retention.ts expiresAt). */
  expiresAt: Date;
  /** Its last write or its last read at most a day earlier (retention.ts shouldTouch): the quota evicts the least recent first. */
  lastAccessAt: Date;
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
  expiresAt: Date;
  lastAccessAt: Date;
  /** Episodes: what it saw and did, how it ended, which run, when. */
  episode?: { saw: string; did: string; outcome: string; runId: string; at: Date };
}

/** One stored memory, wherever it lives: `id` is the task key, the vector id or the episode's run id. */
export interface MemoryItemRef {
  scope: MemoryScope;
  level: StoredMemoryLevel;
  id: string;
}

/** A memory the retention sweep may delete: written last at `lastWriteAt`. */
export interface ExpiryCandidate extends MemoryItemRef {
  lastWriteAt: Date;
  bytes: number;
}

/** A memory the quota may evict: accessed last at `lastAccessAt`. */
export interface EvictionCandidateRef extends MemoryItemRef {
  bytes: number;
  lastAccessAt: Date;
}

/** What an install's memory is and may be: its counters, embedding space and retention overrides (one read). */
export interface MemoryState {
  stats: MemoryStats;
  space: EmbeddingSpace | null;
  retention: RetentionOverrides;
  /** Levels whose items' `expiresAt` must be rewritten after a retention change, and where that got to. */
  restamp: Partial<Record<StoredMemoryLevel, string>>;
  /** Runs of the install that ended with memory declared (the denominator of reads and writes per run). */
  runs: number;
}

/** One page of an install's memory, every level, no embeddings (an export). */
export interface MemoryDump {
  task: StoredTask[];
  vector: Omit<StoredVector, 'embedding'>[];
  episode: Omit<StoredVector, 'embedding'>[];
  /** Where the next page starts (opaque to the use case); null on the last. */
  next: string | null;
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

  // ---- The customer's view (app/memory/installMemory.ts) and the retention sweep ----

  /**
   * The install's counters (zeros where none), embedding space (null before the first vector) and
   * retention overrides. Without `readCounters` (a write's quota check), reads, searches and hits
   * are left at 0: they are kept apart, and only the customer's view needs them.
   */
  summary(scope: MemoryScope, options?: { readCounters?: boolean }): Promise<MemoryState>;
  /** A run of the install ended with memory declared. */
  countRun(scope: MemoryScope): Promise<void>;
  /** Records the install's retention overrides, and marks the levels whose items need new expiry times. */
  setRetention(scope: MemoryScope, overrides: RetentionOverrides, restamp: readonly StoredMemoryLevel[]): Promise<void>;
  /** Across every workspace: installs with items to restamp, at most `limit`. */
  restampsDue(limit: number): Promise<MemoryScope[]>;
  /**
   * Rewrites `expiresAt` of at most `limit` items of a level (in id order, from where the last
   * call stopped) as `expiry(lastWriteAt)`; when the level is done, its mark is cleared.
   */
  restampBatch(scope: MemoryScope, level: StoredMemoryLevel, expiry: (lastWriteAt: Date) => Date, limit: number): Promise<{ restamped: number; done: boolean }>;
  /** Sets `lastAccessAt` of items just read (the caller decides which are due, shouldTouch); blind, a missing item is skipped. */
  touch(items: MemoryItemRef[], at: Date): Promise<void>;
  /** The install's least recently accessed items, any level, at most `limit`, oldest first. */
  leastRecentlyUsed(scope: MemoryScope, limit: number): Promise<EvictionCandidateRef[]>;
  /** Deletes each candidate unless it was accessed or written since it was read: those deleted, with their bytes. */
  evict(candidates: EvictionCandidateRef[]): Promise<EvictionCandidateRef[]>;
  /** The counters of several installs of a workspace: only those that have any. */
  statsOf(wsId: string, installIds: string[]): Promise<Map<string, { stats: MemoryStats; runs: number }>>;
  /** Keys in [start, end) after `after`, in key order, with their values: at most `limit`. */
  browseTasks(scope: MemoryScope, range: { start: string; end: string }, after: string | null, limit: number): Promise<StoredTask[]>;
  /** Vector memories or episodes, newest first, after the cursor a previous page returned: at most `limit`, and the cursor of the next. */
  browseVectors(scope: MemoryScope, level: StoredVector['level'], cursor: string | null, limit: number): Promise<{ items: Omit<StoredVector, 'embedding'>[]; next: string | null }>;
  /** A page of everything (at most `limit` items), in id order, after the cursor a previous page returned. */
  dump(scope: MemoryScope, cursor: string | null, limit: number): Promise<MemoryDump>;
  /**
   * Deletes at most `limit` of the install's memories, any level, without reading them whole:
   * what went, per level in bytes, and whether more remain. With nothing left, the counters and
   * the embedding space go too (`reset`); the retention settings stay, unless `purge` (the
   * install is gone) removes them too.
   */
  forgetBatch(scope: MemoryScope, limit: number, options?: { purge?: boolean }): Promise<{ removed: { level: StoredMemoryLevel; bytes: number }[]; more: boolean; reset: boolean }>;
  /** Across every install: memories whose `expiresAt` is at or before `now`, soonest first, at most `limit`. */
  expiredCandidates(now: Date, limit: number): Promise<ExpiryCandidate[]>;
  /** Deletes each candidate unless it was written since it was read: those deleted. */
  deleteUnwritten(candidates: ExpiryCandidate[]): Promise<ExpiryCandidate[]>;
  /** Sets a candidate's `expiresAt` (its install's retention keeps it longer than its stamp said), unless written since. */
  extend(candidate: ExpiryCandidate, expiresAt: Date): Promise<void>;
  /** Across every workspace: installs whose memory is due for its purge at `now`, at most `limit`. */
  purgesDue(now: Date, limit: number): Promise<MemoryScope[]>;
  /** The purge is done: the install is no longer due. */
  purged(scope: MemoryScope): Promise<void>;
}
