import { AppError } from '../errors.js';
import { jsonBytes, parseTaskValue, TaskKey, TaskKeyPrefix, type JsonValue } from './limits.js';

/**
 * Task memory: a JSON value per key, kept per install across runs, updated optimistically.
 * Every record carries a version (1 on creation, +1 per write); a write may name the version
 * it read, and loses (409 `memory_version_conflict`) when another write came first, so two
 * concurrent runs cannot lose a write. The store runs these rules inside a transaction (or a
 * write conditioned on the document's update time) with the record it read.
 */

export interface TaskRecord {
  value: JsonValue;
  version: number;
  /** The value's size as JSON, in UTF-8 bytes (what quota and analytics count). */
  bytes: number;
}

export interface TaskWrite {
  value: unknown;
  /**
   * Omitted: write whatever is there (last write wins). `null`: create only, the key must not
   * exist. A number: the key must be at exactly that version.
   */
  expectedVersion?: number | null;
}

/** A write or delete that named a version the key is not at. */
export class MemoryVersionConflict extends AppError {
  /** The key's version now; null when it does not exist. */
  readonly currentVersion: number | null;
  readonly expectedVersion: number | null;

  constructor(key: string | undefined, expected: number | null, current: number | null) {
    const subject = key === undefined ? 'The task memory key' : `Task memory key "${key}"`;
    const now = current === null ? 'does not exist' : `is at version ${current}`;
    const wanted = expected === null ? 'expected it not to exist' : `expected version ${expected}`;
    super('conflict', 'memory_version_conflict', `${subject} ${now}; the write ${wanted}. Read it again and retry.`, {
      issues: [{ path: 'expectedVersion', message: current === null ? 'the key does not exist' : `the current version is ${current}`, code: 'memory_version_conflict' }],
    });
    this.name = 'MemoryVersionConflict';
    this.currentVersion = current;
    this.expectedVersion = expected;
  }
}

function checkExpectedVersion(expected: unknown): void {
  if (expected === undefined || expected === null) return;
  if (typeof expected !== 'number' || !Number.isSafeInteger(expected) || expected < 1) {
    throw new AppError('invalid', 'memory_invalid', 'expectedVersion must be a whole number from 1, or null for "must not exist".', {
      issues: [{ path: 'expectedVersion', message: 'must be a whole number from 1, or null', code: 'invalid_type' }],
    });
  }
}

/** The version check alone: throws MemoryVersionConflict when `expected` does not match `current`. */
export function checkVersion(current: { version: number } | null, expected: number | null | undefined, key?: string): void {
  checkExpectedVersion(expected);
  if (expected === undefined) return;
  const now = current?.version ?? null;
  if (now !== expected) throw new MemoryVersionConflict(key, expected, now);
}

/**
 * The record a write leaves, given the record read (null: the key does not exist). Validates
 * the value (memory_invalid / memory_too_large), then the version.
 */
export function applyTaskWrite(current: { value: unknown; version: number } | null, write: TaskWrite, key?: string): TaskRecord {
  const value = parseTaskValue(write.value);
  checkVersion(current, write.expectedVersion, key);
  return { value, version: (current?.version ?? 0) + 1, bytes: jsonBytes(value) };
}

/**
 * Whether a delete removes anything, given the record read. Without an expected version a
 * delete is idempotent (absent: `false`); with one, the key must be at that version.
 */
export function applyTaskDelete(current: { version: number } | null, expectedVersion?: number, key?: string): { deleted: boolean } {
  checkVersion(current, expectedVersion, key);
  return { deleted: current !== null };
}

// ---- Listing by prefix --------------------------------------------------------------------

/**
 * Keys hold only ASCII characters up to `z` (0x7a), so every key that starts with `prefix`
 * sorts in [prefix, prefix + U+007F), and no other key does: the store's range query.
 */
export function taskKeyRange(prefix: string): { start: string; end: string } {
  return { start: prefix, end: `${prefix}\u007f` };
}

const CURSOR_TAG = 'tk1.';

const toBase64Url = (ascii: string) => btoa(ascii).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** An opaque cursor for the page after `lastKey` (keys are ASCII, so btoa takes them as they are). */
export const encodeTaskCursor = (lastKey: string): string => `${CURSOR_TAG}${toBase64Url(lastKey)}`;

const invalidCursor = (message: string) =>
  new AppError('invalid', 'memory_invalid_cursor', `The cursor is not one this listing returned: ${message}.`, {
    issues: [{ path: 'cursor', message, code: 'invalid_cursor' }],
  });

/**
 * The key to start after. Refused: a cursor not made by encodeTaskCursor, or one from a
 * listing of another prefix (it would skip or repeat keys).
 */
export function decodeTaskCursor(cursor: string, prefix: string): string {
  if (!cursor.startsWith(CURSOR_TAG)) throw invalidCursor('unknown format');
  const body = cursor.slice(CURSOR_TAG.length);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) throw invalidCursor('unknown format');
  let key: string;
  try {
    key = atob(body.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    throw invalidCursor('unknown format');
  }
  if (!TaskKey.safeParse(key).success) throw invalidCursor('unknown format');
  if (!key.startsWith(prefix)) throw invalidCursor('it belongs to a listing of another prefix');
  return key;
}

/**
 * A page from keys read in order, one more than `limit` (the extra one only says that another
 * page exists): the keys to show, and the cursor for the next page or null.
 */
export function taskListPage<T extends { key: string }>(read: readonly T[], limit: number): { items: T[]; nextCursor: string | null } {
  const items = read.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: read.length > limit && last ? encodeTaskCursor(last.key) : null };
}

/** Validates a prefix (memory_invalid), returning it. */
export function parseTaskPrefix(prefix: unknown): string {
  const result = TaskKeyPrefix.safeParse(prefix ?? '');
  if (result.success) return result.data;
  throw new AppError('invalid', 'memory_invalid', `The prefix is not valid: ${result.error.issues[0]?.message ?? 'invalid'}.`, {
    issues: result.error.issues.map((i) => ({ path: 'prefix', message: i.message, code: i.code })),
  });
}
