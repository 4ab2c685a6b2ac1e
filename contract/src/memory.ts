import { z } from 'zod';
import { RunId, Timestamp } from './common.js';

/**
 * Agent memory (docs/memory.md): the shapes an agent hands to its memory, and their limits,
 * shared by the runner API, the REST routes and the platform's checks
 * (functions/src/domain/memory/limits.ts turns their issues into errors).
 */

/** A problem with one field of a memory input (the platform's field issue). */
export interface MemoryIssue {
  path: string;
  message: string;
  code?: string;
}

/** The levels memory keeps past a run (`session` lives and dies with the run, in the runner). */
export const StoredMemoryLevel = z.enum(['task', 'vector', 'episode']);
export type StoredMemoryLevel = z.infer<typeof StoredMemoryLevel>;
export const STORED_MEMORY_LEVELS = StoredMemoryLevel.options;

export const MEMORY_LIMITS = {
  taskKeyMaxChars: 200,
  /** A task value, serialised as JSON, in UTF-8 bytes: well under Firestore's 1 MiB document. */
  taskValueMaxBytes: 64 * 1024,
  /** Nesting of a task value: Firestore stores at most 20 levels, and the value sits under a field. */
  taskValueMaxDepth: 16,
  vectorIdMaxChars: 128,
  /** A vector or episode text, in UTF-8 bytes: embedding models take about 8k tokens, and a memory is a note, not a document. */
  textMaxBytes: 8 * 1024,
  metadataMaxKeys: 20,
  metadataKeyMaxChars: 64,
  metadataStringMaxChars: 256,
  /** Equality filters per search: each combination of filtered fields needs its own vector index. */
  filterMaxKeys: 4,
  searchMaxK: 50,
  searchDefaultK: 5,
  listMaxLimit: 100,
  listDefaultLimit: 50,
} as const;

/** UTF-8 bytes of a string, counted without allocating (a lone surrogate counts as U+FFFD: 3 bytes). */
export function utf8Bytes(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

const KIB = (n: number) => `${n / 1024} KiB`;

// ---- Task keys --------------------------------------------------------------------------

const TASK_KEY_CHARS = /^[A-Za-z0-9._:/-]+$/;

/**
 * `baselines/gcp/europe-west1`, `rejected:vm-123`. Slashes group keys for listing by prefix;
 * `..` and a leading `/` are refused so a key never reads as a relative or absolute path in a
 * URL or an export. Firestore document ids cannot hold `/`: the store encodes keys.
 */
export const TaskKey = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(MEMORY_LIMITS.taskKeyMaxChars, `must be at most ${MEMORY_LIMITS.taskKeyMaxChars} characters`)
  .regex(TASK_KEY_CHARS, 'may hold only letters, digits and . _ : / -')
  .refine((k) => !k.includes('..'), 'must not contain ..')
  .refine((k) => !k.startsWith('/'), 'must not start with /');

/** A prefix to list task keys by: empty (every key), or the start of a valid key. */
export const TaskKeyPrefix = z
  .string({ error: 'must be a string' })
  .max(MEMORY_LIMITS.taskKeyMaxChars, `must be at most ${MEMORY_LIMITS.taskKeyMaxChars} characters`)
  .regex(/^[A-Za-z0-9._:/-]*$/, 'may hold only letters, digits and . _ : / -')
  .refine((k) => !k.includes('..'), 'must not contain ..')
  .refine((k) => !k.startsWith('/'), 'must not start with /');

// ---- JSON values ------------------------------------------------------------------------

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * A task value is plain JSON: null, booleans, finite numbers, well-formed strings, arrays and
 * plain objects, nested at most `taskValueMaxDepth` levels, at most `taskValueMaxBytes` once
 * serialised. Iterative, so a hostile nesting costs a loop, not the stack. At most `limit` issues.
 */
export function jsonValueIssues(value: unknown, path = 'value', limit = 20): MemoryIssue[] {
  const issues: MemoryIssue[] = [];
  if (value === undefined) return [{ path, message: 'is required (use null for an empty value)', code: 'required' }];
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path, depth: 0 }];
  while (stack.length > 0 && issues.length < limit) {
    const { v, path: at, depth } = stack.pop()!;
    if (v === null || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) issues.push({ path: at, message: 'must be a finite number', code: 'not_json' });
      continue;
    }
    if (typeof v === 'string') {
      if (!v.isWellFormed()) issues.push({ path: at, message: 'is not well-formed Unicode (a lone surrogate)', code: 'invalid_text' });
      continue;
    }
    if (typeof v !== 'object' || (!Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null)) {
      issues.push({ path: at, message: 'is not a JSON value', code: 'not_json' });
      continue;
    }
    if (depth >= MEMORY_LIMITS.taskValueMaxDepth) {
      issues.push({ path: at, message: `nests deeper than ${MEMORY_LIMITS.taskValueMaxDepth} levels`, code: 'too_deep' });
      continue;
    }
    const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, x] = entries[i]!;
      if (!k.isWellFormed()) {
        issues.push({ path: `${at}.${k.toWellFormed()}`, message: 'is a key that is not well-formed Unicode', code: 'invalid_text' });
        continue;
      }
      stack.push({ v: x, path: `${at}.${k}`, depth: depth + 1 });
    }
  }
  if (issues.length > 0) return issues;
  const bytes = jsonBytes(value);
  if (bytes > MEMORY_LIMITS.taskValueMaxBytes) {
    return [{ path, message: `is ${bytes} bytes as JSON; at most ${KIB(MEMORY_LIMITS.taskValueMaxBytes)} (${MEMORY_LIMITS.taskValueMaxBytes} bytes)`, code: 'too_large' }];
  }
  return [];
}

/** UTF-8 bytes of a value serialised as JSON (what the size limit measures). */
export const jsonBytes = (value: unknown): number => utf8Bytes(JSON.stringify(value) ?? '');

export const TaskValue = z.unknown().superRefine((v, ctx) => {
  for (const issue of jsonValueIssues(v, '')) {
    ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path.split('.').filter(Boolean) });
  }
});

// ---- Vector items -------------------------------------------------------------------------

/**
 * A vector memory's id, chosen by the agent so an upsert replaces (`vm-123-rejected`). A
 * Firestore document id as is: no `/`, not `.` or `..`, not `__…__`.
 */
export const VectorItemId = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(MEMORY_LIMITS.vectorIdMaxChars, `must be at most ${MEMORY_LIMITS.vectorIdMaxChars} characters`)
  .regex(/^[A-Za-z0-9._:-]+$/, 'may hold only letters, digits and . _ : -')
  .refine((id) => id !== '.' && id !== '..', 'must not be . or ..')
  .refine((id) => !/^__.*__$/.test(id), 'must not start and end with __ (reserved)');

/** The text a memory is embedded from: not blank, well-formed, at most `textMaxBytes` in UTF-8. */
export const MemoryText = z
  .string({ error: 'must be a string' })
  .refine((t) => t.trim().length > 0, 'must not be blank')
  .refine((t) => t.isWellFormed(), 'is not well-formed Unicode (a lone surrogate)')
  .refine((t) => utf8Bytes(t) <= MEMORY_LIMITS.textMaxBytes, {
    message: `must be at most ${KIB(MEMORY_LIMITS.textMaxBytes)} (${MEMORY_LIMITS.textMaxBytes} bytes) in UTF-8`,
    params: { tooLarge: true },
  });

/**
 * Metadata keys are plain field names (`region`, `vm_id`), so the store can filter on
 * `metadata.<key>` without quoting; `__…__` is reserved by Firestore.
 */
export const MetadataKey = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be letters, digits and _, not starting with a digit')
  .max(MEMORY_LIMITS.metadataKeyMaxChars, `must be at most ${MEMORY_LIMITS.metadataKeyMaxChars} characters`)
  .refine((k) => !/^__.*__$/.test(k), 'must not start and end with __ (reserved)');

export const MetadataValue = z.union(
  [
    z.string().max(MEMORY_LIMITS.metadataStringMaxChars, `a string must be at most ${MEMORY_LIMITS.metadataStringMaxChars} characters`).refine((s) => s.isWellFormed(), 'is not well-formed Unicode'),
    z.number().refine(Number.isFinite, 'must be a finite number'),
    z.boolean(),
  ],
  { error: 'must be a string, a number or a boolean (metadata is flat)' },
);
export type MetadataValue = z.infer<typeof MetadataValue>;

/** Flat metadata, filterable by equality: at most `metadataMaxKeys` keys. */
export const MemoryMetadata = z
  .record(MetadataKey, MetadataValue)
  .refine((m) => Object.keys(m).length <= MEMORY_LIMITS.metadataMaxKeys, `must have at most ${MEMORY_LIMITS.metadataMaxKeys} keys`);
export type MemoryMetadata = z.infer<typeof MemoryMetadata>;

export const VectorItemInput = z
  .object({
    id: VectorItemId,
    text: MemoryText,
    metadata: MemoryMetadata.default({}),
  })
  .strict();
export type VectorItemInput = z.infer<typeof VectorItemInput>;

// ---- Episodes ------------------------------------------------------------------------------

export const EpisodeOutcome = z.enum(['succeeded', 'failed', 'partial']);
export type EpisodeOutcome = z.infer<typeof EpisodeOutcome>;

/**
 * One run's episode: what it saw, what it did, how it ended, which run, when. `saw` and `did`
 * are embedded together (episodeText) so the next run can ask for the most relevant ones.
 */
export const EpisodeInput = z
  .object({
    saw: MemoryText,
    did: MemoryText,
    outcome: EpisodeOutcome,
    runId: RunId,
    at: Timestamp,
    metadata: MemoryMetadata.default({}),
  })
  .strict();
export type EpisodeInput = z.infer<typeof EpisodeInput>;

/** What an episode is embedded from (together at most 2 × textMaxBytes: embedding models take that). */
export const episodeText = (e: Pick<EpisodeInput, 'saw' | 'did'>) => `Saw: ${e.saw}\nDid: ${e.did}`;

// ---- Search and list options -----------------------------------------------------------------

export const SearchFilter = z
  .record(MetadataKey, MetadataValue)
  .refine((f) => Object.keys(f).length <= MEMORY_LIMITS.filterMaxKeys, `must have at most ${MEMORY_LIMITS.filterMaxKeys} keys`);

/** `k` nearest (1..50, 5 by default), an equality filter on metadata keys, a score floor in 0..1 (vectors.ts). */
export const SearchOptions = z
  .object({
    k: z.number().int('must be a whole number').min(1, 'must be at least 1').max(MEMORY_LIMITS.searchMaxK, `must be at most ${MEMORY_LIMITS.searchMaxK}`).default(MEMORY_LIMITS.searchDefaultK),
    filter: SearchFilter.default({}),
    minScore: z.number().min(0, 'must be at least 0').max(1, 'must be at most 1').default(0),
  })
  .strict();
export type SearchOptions = z.infer<typeof SearchOptions>;

/** Listing task keys: a prefix, a page size, and the cursor a previous page returned (task.ts). */
export const TaskListOptions = z
  .object({
    prefix: TaskKeyPrefix.default(''),
    limit: z.number().int('must be a whole number').min(1, 'must be at least 1').max(MEMORY_LIMITS.listMaxLimit, `must be at most ${MEMORY_LIMITS.listMaxLimit}`).default(MEMORY_LIMITS.listDefaultLimit),
    cursor: z.string().max(1024).optional(),
  })
  .strict();
export type TaskListOptions = z.infer<typeof TaskListOptions>;

// ---- The runner API's memory calls (an agent's own install's memory) -------------------------

export const TaskGetIn = z.object({ key: TaskKey }).strict().meta({ id: 'MemoryTaskGet' });
export const TaskPutIn = z
  .object({
    key: TaskKey,
    value: TaskValue,
    /** Omitted: last write wins. null: only if the key does not exist. A number: only if the key is at that version. */
    expectedVersion: z.number().int().min(1).nullable().optional(),
  })
  .strict()
  .meta({ id: 'MemoryTaskPut' });
export const TaskDeleteIn = z.object({ key: TaskKey, expectedVersion: z.number().int().min(1).optional() }).strict().meta({ id: 'MemoryTaskDelete' });
export const TaskItemOut = z.object({ key: z.string(), value: z.unknown(), version: z.number().int(), updatedAt: Timestamp }).meta({ id: 'MemoryTaskItem' });
export const TaskGetOut = z.object({ item: TaskItemOut.nullable() }).meta({ id: 'MemoryTaskFound' });
export const TaskPutOut = z.object({ key: z.string(), version: z.number().int() }).meta({ id: 'MemoryTaskWritten' });
export const TaskListOut = z
  .object({ items: z.array(z.object({ key: z.string(), version: z.number().int(), updatedAt: Timestamp })), nextCursor: z.string().nullable() })
  .meta({ id: 'MemoryTaskKeys' });

export const VectorUpsertIn = z.object({ items: z.array(VectorItemInput).min(1).max(20) }).strict().meta({ id: 'MemoryVectorUpsert' });
export const VectorSearchIn = SearchOptions.extend({ query: MemoryText }).strict().meta({ id: 'MemoryVectorSearch' });
export const VectorDeleteIn = z.object({ id: VectorItemId }).strict().meta({ id: 'MemoryVectorDelete' });
export const MemoryHit = z.object({ id: z.string(), text: z.string(), metadata: z.record(z.string(), z.unknown()), score: z.number(), updatedAt: Timestamp }).meta({ id: 'MemoryHit' });
export const VectorSearchOut = z.object({ results: z.array(MemoryHit) }).meta({ id: 'MemoryVectorResults' });

/** What a run records of itself; the platform adds the run and the time. */
export const EpisodeRecordIn = EpisodeInput.omit({ runId: true, at: true }).strict().meta({ id: 'MemoryEpisodeRecord' });
export const EpisodeSearchIn = z
  .object({
    /** Ranks by similarity to this text; without it, the newest first. */
    query: MemoryText.optional(),
    k: z.number().int().min(1).max(MEMORY_LIMITS.searchMaxK).default(MEMORY_LIMITS.searchDefaultK),
    since: Timestamp.optional(),
    minScore: z.number().min(0).max(1).default(0),
  })
  .strict()
  .meta({ id: 'MemoryEpisodeSearch' });
export const EpisodeOut = z
  .object({ runId: z.string(), at: Timestamp, saw: z.string(), did: z.string(), outcome: EpisodeOutcome, metadata: z.record(z.string(), z.unknown()), score: z.number().nullable() })
  .meta({ id: 'MemoryEpisode' });
export const EpisodeSearchOut = z.object({ episodes: z.array(EpisodeOut) }).meta({ id: 'MemoryEpisodes' });

// ---- The customer's REST routes: browse, search, forget, export an install's memory ----------

/** A page size and the cursor a previous page returned (query strings: numbers arrive as text). */
const browseLimit = z.coerce
  .number<number>()
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(MEMORY_LIMITS.listMaxLimit, `must be at most ${MEMORY_LIMITS.listMaxLimit}`)
  .default(MEMORY_LIMITS.listDefaultLimit);
export const MemoryPageQuery = z.object({ limit: browseLimit, cursor: z.string().max(1024).optional() }).strict();
export const TaskBrowseQuery = z.object({ prefix: TaskKeyPrefix.default(''), limit: browseLimit, cursor: z.string().max(1024).optional() }).strict();

const LevelFigures = z.object({
  items: z.number().int(),
  bytes: z.number().int(),
  reads: z.number().int(),
  writes: z.number().int(),
  searches: z.number().int(),
  searchHits: z.number().int(),
  /** Searches with at least one result at or above their minScore, of all searches; null before the first. */
  hitRate: z.number().nullable(),
  evictions: z.number().int(),
  expirations: z.number().int(),
});
const Levels = <T extends z.ZodType>(t: T) => z.object({ task: t, vector: t, episode: t });

/** The counters are the agent's own use (the runner API); browsing, searching and exporting here are not counted. */
export const MemorySummaryOut = z
  .object({
    installId: z.string(),
    levels: Levels(LevelFigures),
    total: LevelFigures,
    /** The model and dimensions the install's vectors were embedded with; null before the first. */
    embeddingSpace: z.object({ model: z.string(), dimensions: z.number().int() }).nullable(),
    /** Days an item is kept after its last write, per level: the defaults with the install's overrides. */
    retentionDays: Levels(z.number().int()),
    /** Each level's retention when the install sets none. */
    defaultRetentionDays: Levels(z.number().int()),
    /** The levels whose retention the install set (PUT …/memory/retention); the others keep the default. */
    retentionOverrides: z.object({ task: z.number().int(), vector: z.number().int(), episode: z.number().int() }).partial(),
    /** The longest retention the workspace's plan allows per level. */
    maxRetentionDays: Levels(z.number().int()),
    /** What the install may keep; past it, the least recently used memories are evicted to make room. */
    quota: z.object({ maxItems: z.number().int(), maxBytes: z.number().int() }),
    /** Runs of the install that ended with memory declared, and their memory reads and writes on average (null before the first). */
    runs: z.number().int(),
    perRun: z.object({ reads: z.number().nullable(), writes: z.number().nullable() }),
    /** An uninstalled install's memory is deleted at this time; null while installed. */
    purgeAt: Timestamp.nullable(),
  })
  .meta({ id: 'MemorySummary' });

export const MemoryVectorItemOut = z.object({ id: z.string(), text: z.string(), metadata: z.record(z.string(), z.unknown()), updatedAt: Timestamp }).meta({ id: 'MemoryVectorItem' });
export const MemoryEpisodeItemOut = z
  .object({ runId: z.string(), at: Timestamp, saw: z.string(), did: z.string(), outcome: EpisodeOutcome, metadata: z.record(z.string(), z.unknown()), updatedAt: Timestamp })
  .meta({ id: 'MemoryEpisodeItem' });

export const TaskBrowseOut = z.object({ items: z.array(TaskItemOut), nextCursor: z.string().nullable() }).meta({ id: 'MemoryTaskPage' });
export const VectorBrowseOut = z.object({ items: z.array(MemoryVectorItemOut), nextCursor: z.string().nullable() }).meta({ id: 'MemoryVectorPage' });
export const EpisodeBrowseOut = z.object({ items: z.array(MemoryEpisodeItemOut), nextCursor: z.string().nullable() }).meta({ id: 'MemoryEpisodePage' });

export const MemoryForgotOut = z.object({ deleted: z.boolean() }).meta({ id: 'MemoryForgot' });
/** One bounded batch of "forget everything": call again while `more` is true. */
export const MemoryForgetAllOut = z
  .object({ deleted: z.number().int(), more: z.boolean() })
  .meta({ id: 'MemoryForgetAll' });

/** Items an export page holds at most: a page is one bounded read (embeddings are never read). */
export const MEMORY_EXPORT_PAGE = 500;

/**
 * An export, a page at a time (every memory of the install, no embeddings): task keys, then
 * vector memories, then episodes, in id order. Pass `nextCursor` back as `cursor` until it is
 * null and concatenate the three lists.
 */
export const MemoryExportOut = z
  .object({
    install: z.object({ id: z.string(), wsId: z.string(), agentId: z.string() }),
    exportedAt: Timestamp,
    task: z.array(TaskItemOut),
    vector: z.array(MemoryVectorItemOut),
    episodes: z.array(MemoryEpisodeItemOut),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'MemoryExport' });
export const MemoryExportQuery = z.object({ cursor: z.string().max(1024).optional() }).strict();

const retentionDays = z.number().int('must be a whole number of days').min(1, 'must be at least 1 day');
/**
 * An install's retention per level, in days after an item's last write, within the plan's
 * maxima; a level given null goes back to the default, a level left out keeps what it had.
 */
export const MemoryRetentionIn = z
  .object({
    retentionDays: z.object({ task: retentionDays.nullable(), vector: retentionDays.nullable(), episode: retentionDays.nullable() }).partial().strict(),
  })
  .strict()
  .meta({ id: 'MemoryRetention' });
export type MemoryRetentionIn = z.infer<typeof MemoryRetentionIn>;
