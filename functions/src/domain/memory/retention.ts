import { AppError, type FieldIssue } from '../errors.js';
import type { Plan } from '../runLimits.js';
import { STORED_MEMORY_LEVELS, type StoredMemoryLevel } from './limits.js';

/**
 * How long memory is kept, how much an install may keep, and what goes when it is full.
 *
 * Retention counts from an item's LAST WRITE, not its last access: reading must not keep a
 * memory alive forever (an agent that searches every run would otherwise touch, and so keep,
 * everything its searches return), and expiry from the write needs no write per read. Access
 * times serve the quota's least-recently-used eviction only, and are recorded coarsely
 * (shouldTouch) so a read costs a write at most once a day per item.
 *
 * The defaults, by what each level is for:
 * - task, 90 days: working state (cursors, baselines, "rejected until") that every run
 *   rewrites; a key untouched for a quarter belongs to a schedule that stopped.
 * - vector, 180 days: findings worth recalling across two quarters (a VM a human kept, the
 *   cause of last season's anomaly), after which the estate they describe has usually changed.
 * - episode, 365 days: the run history the next run learns from; a year covers yearly cycles
 *   (budget seasons, year-end traffic) that a cost-anomaly detector must not flag as new.
 */

const DAY_MS = 86_400_000;

export type RetentionDays = Record<StoredMemoryLevel, number>;

export const DEFAULT_RETENTION_DAYS: RetentionDays = { task: 90, vector: 180, episode: 365 };

/** Nothing is kept for less than a day: retention is a policy, not a way to delete (forget does that). */
export const MIN_RETENTION_DAYS = 1;

/** How much memory one install may keep, on each plan. */
export interface MemoryQuota {
  maxItems: number;
  /** Stored bytes: values, texts, metadata and embeddings (itemBytes). */
  maxBytes: number;
}

export interface MemoryPlanLimits {
  /** The longest retention an install may set per level. */
  maxRetentionDays: RetentionDays;
  quota: MemoryQuota;
}

const MIB = 1024 * 1024;

/**
 * Free keeps the defaults at most; paid plans may keep longer. A 1536-dimension embedding is
 * about 12 KiB stored, so the byte quotas hold roughly 2,000 / 40,000 / 400,000 embedded items.
 */
export const MEMORY_PLAN_LIMITS: Record<Plan, MemoryPlanLimits> = {
  free: { maxRetentionDays: { task: 90, vector: 180, episode: 365 }, quota: { maxItems: 2_000, maxBytes: 25 * MIB } },
  team: { maxRetentionDays: { task: 365, vector: 730, episode: 730 }, quota: { maxItems: 50_000, maxBytes: 500 * MIB } },
  enterprise: { maxRetentionDays: { task: 1095, vector: 1095, episode: 1825 }, quota: { maxItems: 500_000, maxBytes: 5_000 * MIB } },
};

/** An uninstalled install's memory is deleted this long after the uninstall (a reinstall within it keeps it). */
export const UNINSTALL_GRACE_DAYS = 30;

/** Last-access times are rewritten at most this often per item (see the header). */
export const ACCESS_TOUCH_INTERVAL_MS = DAY_MS;

export type RetentionOverrides = Partial<Record<StoredMemoryLevel, number>>;

/** Issues with an install's retention overrides on a plan: unknown levels, not whole days, beyond the plan. */
export function retentionOverrideIssues(plan: Plan, overrides: unknown, path = 'retentionDays'): FieldIssue[] {
  if (overrides === undefined || overrides === null) return [];
  if (typeof overrides !== 'object' || Array.isArray(overrides)) return [{ path, message: 'must be an object of days per level', code: 'invalid_type' }];
  const max = MEMORY_PLAN_LIMITS[plan].maxRetentionDays;
  const issues: FieldIssue[] = [];
  for (const [level, days] of Object.entries(overrides)) {
    const at = `${path}.${level}`;
    if (!(STORED_MEMORY_LEVELS as readonly string[]).includes(level)) {
      issues.push({ path: at, message: `is not a level with retention (${STORED_MEMORY_LEVELS.join(', ')})`, code: 'unknown_level' });
    } else if (typeof days !== 'number' || !Number.isInteger(days) || days < MIN_RETENTION_DAYS) {
      issues.push({ path: at, message: `must be a whole number of days, at least ${MIN_RETENTION_DAYS}`, code: 'invalid_days' });
    } else if (days > max[level as StoredMemoryLevel]) {
      issues.push({ path: at, message: `must be at most ${max[level as StoredMemoryLevel]} days on the ${plan} plan`, code: 'memory_retention_over_plan' });
    }
  }
  return issues;
}

/**
 * The retention an install gets: the defaults, with its overrides. Refused (400): overrides
 * the plan does not allow (`memory_retention_over_plan` when the only problem is the plan).
 */
export function retentionFor(plan: Plan, overrides?: RetentionOverrides | null): RetentionDays {
  const issues = retentionOverrideIssues(plan, overrides);
  if (issues.length > 0) {
    const overPlan = issues.every((i) => i.code === 'memory_retention_over_plan');
    throw new AppError('invalid', overPlan ? 'memory_retention_over_plan' : 'memory_invalid', `Retention: ${issues[0]!.path} ${issues[0]!.message}.`, { issues });
  }
  return { ...DEFAULT_RETENTION_DAYS, ...(overrides ?? {}) };
}

/**
 * The retention an install keeps after a plan change: its overrides, each capped at the new
 * plan's maximum (a downgrade shortens, never refuses; the next sweep then deletes the excess).
 */
export function retentionAfterPlanChange(plan: Plan, overrides?: RetentionOverrides | null): RetentionDays {
  const max = MEMORY_PLAN_LIMITS[plan].maxRetentionDays;
  const days = { ...DEFAULT_RETENTION_DAYS, ...(overrides ?? {}) };
  for (const level of STORED_MEMORY_LEVELS) days[level] = Math.min(days[level], max[level]);
  return days;
}

/** An install's quota on its workspace's plan, with the workspace's overrides (set by platform admins). */
export const quotaFor = (plan: Plan, overrides?: { memoryItems?: number | undefined; memoryBytes?: number | undefined } | null): MemoryQuota => ({
  maxItems: overrides?.memoryItems ?? MEMORY_PLAN_LIMITS[plan].quota.maxItems,
  maxBytes: overrides?.memoryBytes ?? MEMORY_PLAN_LIMITS[plan].quota.maxBytes,
});

/** When an item written at `lastWriteAt` expires (the store also writes it, for a Firestore TTL policy). */
export const expiresAt = (level: StoredMemoryLevel, lastWriteAt: Date, retention: RetentionDays): Date =>
  new Date(lastWriteAt.getTime() + retention[level] * DAY_MS);

/** Per level, items written before this instant have expired: the sweep's range query. */
export function gcCutoffs(now: Date, retention: RetentionDays): Record<StoredMemoryLevel, Date> {
  return {
    task: new Date(now.getTime() - retention.task * DAY_MS),
    vector: new Date(now.getTime() - retention.vector * DAY_MS),
    episode: new Date(now.getTime() - retention.episode * DAY_MS),
  };
}

/** When an uninstalled install's memory is purged. */
export const memoryPurgeAt = (uninstalledAt: Date): Date => new Date(uninstalledAt.getTime() + UNINSTALL_GRACE_DAYS * DAY_MS);

/** Whether a read should rewrite an item's last-access time (at most once per ACCESS_TOUCH_INTERVAL_MS). */
export const shouldTouch = (lastAccessAt: Date | null, now: Date): boolean =>
  lastAccessAt === null || now.getTime() - lastAccessAt.getTime() >= ACCESS_TOUCH_INTERVAL_MS;

// ---- Garbage collection --------------------------------------------------------------------------

export interface GcCandidate {
  id: string;
  level: StoredMemoryLevel;
  lastWriteAt: Date;
}

/** Firestore commits at most 500 writes at once; a sweep batch is one commit. */
export const MAX_GC_BATCH = 500;

const LEVEL_ORDER: Record<StoredMemoryLevel, number> = { task: 0, vector: 1, episode: 2 };

const byLevelThenId = (a: { level: StoredMemoryLevel; id: string }, b: { level: StoredMemoryLevel; id: string }) =>
  LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * One sweep batch: of the candidates (typically each level's query below its gcCutoff), those
 * expired at `now`, the longest expired first (ties: level, then id), at most `batchSize`
 * (1..MAX_GC_BATCH). `more` says expired items remain for another batch.
 */
export function planGcBatch<C extends GcCandidate>(input: {
  now: Date;
  /** One retention for all, or each candidate's install's (the sweep spans installs). */
  retention: RetentionDays | ((candidate: C) => RetentionDays);
  batchSize: number;
  candidates: readonly C[];
}): {
  delete: C[];
  /** Candidates their install's retention keeps longer than their stored `expiresAt` said (a retention made longer): when they expire now. */
  extend: { candidate: C; expiresAt: Date }[];
  more: boolean;
} {
  const size = Math.floor(input.batchSize);
  if (!(size >= 1 && size <= MAX_GC_BATCH)) {
    throw new AppError('invalid', 'memory_gc_batch_size', `A sweep batch holds 1 to ${MAX_GC_BATCH} deletes, not ${input.batchSize}.`);
  }
  const now = input.now.getTime();
  const retentionOf = typeof input.retention === 'function' ? input.retention : () => input.retention as RetentionDays;
  const judged = input.candidates.map((c) => ({ c, expires: expiresAt(c.level, c.lastWriteAt, retentionOf(c)).getTime() }));
  const expired = judged.filter((x) => x.expires <= now).sort((a, b) => a.expires - b.expires || byLevelThenId(a.c, b.c));
  const extend = judged.filter((x) => x.expires > now).map((x) => ({ candidate: x.c, expiresAt: new Date(x.expires) }));
  return { delete: expired.slice(0, size).map((x) => x.c), extend, more: expired.length > size };
}

// ---- Quota and least-recently-used eviction -----------------------------------------------------

export interface EvictionCandidate {
  id: string;
  level: StoredMemoryLevel;
  bytes: number;
  lastAccessAt: Date;
}

export interface IncomingItem {
  id: string;
  level: StoredMemoryLevel;
  bytes: number;
  /** The size of the item this write replaces (same level and id); null when it is new. */
  replacesBytes: number | null;
}

export interface EvictionPlan {
  /** Least recently accessed first. */
  evict: EvictionCandidate[];
  /** The install's usage once the write and the evictions are done. */
  after: { items: number; bytes: number };
  /**
   * False when the candidates given could not make room. With every item as a candidate the
   * write must be refused (memoryQuotaExceeded); with only the oldest, fetch more and plan again.
   */
  fits: boolean;
}

const sameItem = (a: { id: string; level: StoredMemoryLevel }, b: { id: string; level: StoredMemoryLevel }) => a.id === b.id && a.level === b.level;

/**
 * What to evict so a write fits the quota: least recently accessed first, ties by level then
 * id (deterministic), never the item being written. `usage` is the install's usage before the
 * write (its counters); omitted, it is summed from the candidates, which are then all its items.
 */
export function planEviction<C extends EvictionCandidate>(input: {
  quota: MemoryQuota;
  /** The item written, or the items of one write (a vector upsert). */
  incoming: IncomingItem | readonly IncomingItem[];
  candidates: readonly C[];
  usage?: { items: number; bytes: number };
}): EvictionPlan & { evict: C[] } {
  const { quota } = input;
  const incoming: readonly IncomingItem[] = Array.isArray(input.incoming) ? input.incoming : [input.incoming as IncomingItem];
  const usage = input.usage ?? {
    items: input.candidates.length,
    bytes: input.candidates.reduce((sum, c) => sum + c.bytes, 0),
  };
  let items = usage.items + incoming.filter((i) => i.replacesBytes === null).length;
  let bytes = usage.bytes + incoming.reduce((sum, i) => sum + i.bytes - (i.replacesBytes ?? 0), 0);
  const over = () => items > quota.maxItems || bytes > quota.maxBytes;
  const evict: C[] = [];
  const incomingBytes = incoming.reduce((sum, i) => sum + i.bytes, 0);
  if (incomingBytes > quota.maxBytes || incoming.length > quota.maxItems) return { evict, after: { items, bytes }, fits: false };
  const order = input.candidates
    .filter((c) => !incoming.some((i) => sameItem(c, i)))
    .sort((a, b) => a.lastAccessAt.getTime() - b.lastAccessAt.getTime() || byLevelThenId(a, b));
  for (const c of order) {
    if (!over()) break;
    evict.push(c);
    items -= 1;
    bytes -= c.bytes;
  }
  return { evict, after: { items, bytes }, fits: !over() };
}

/** The write cannot fit even with everything else evicted (413). */
export const memoryQuotaExceeded = (quota: MemoryQuota, bytes: number) =>
  new AppError(
    'too_large',
    'memory_quota_exceeded',
    `This memory item (${bytes} bytes) does not fit the install's memory quota (${quota.maxItems} items, ${quota.maxBytes} bytes), even after evicting everything else.`,
  );

/**
 * The bytes an item is counted for: its JSON value or text and metadata in UTF-8, its
 * embedding at 8 bytes a dimension (Firestore stores doubles), and a fixed overhead for the
 * document's name, timestamps and index entries.
 */
export const ITEM_OVERHEAD_BYTES = 256;
export const itemBytes = (parts: { contentBytes: number; metadataBytes?: number; dimensions?: number }): number =>
  ITEM_OVERHEAD_BYTES + parts.contentBytes + (parts.metadataBytes ?? 0) + 8 * (parts.dimensions ?? 0);
