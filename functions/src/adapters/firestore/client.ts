import {
  getFirestore,
  Timestamp,
  type DocumentSnapshot,
  type Firestore,
  type Query,
} from 'firebase-admin/firestore';
import { AppError } from '../../domain/errors.js';
import type { Page, PageRequest } from '../../app/shared/paging.js';
import { adminApp } from '../firebaseApp.js';

let db: Firestore | undefined;

export function firestore(): Firestore {
  if (!db) {
    db = getFirestore(adminApp());
    db.settings({ ignoreUndefinedProperties: true });
  }
  return db;
}

/** Firestore Timestamps back to Dates, recursively, so the domain only sees Dates. */
export function revive<T>(value: unknown): T {
  if (value instanceof Timestamp) return value.toDate() as T;
  if (Array.isArray(value)) return value.map((v) => revive(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = revive(v);
    return out as T;
  }
  return value as T;
}

export function dataOf<T>(snap: DocumentSnapshot): T | null {
  return snap.exists ? revive<T>(snap.data()) : null;
}

/** Opaque cursors: the sort values of the last item, base64url JSON. */
export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): unknown[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(values) && values.length === arity && values.every((v) => ['string', 'number'].includes(typeof v))) {
      return values;
    }
  } catch {
    // fall through
  }
  throw new AppError('invalid', 'invalid_cursor', 'The pagination cursor is malformed or from another listing.');
}

/** How each cursor value is carried: Firestore Timestamps as millis, others as they are. */
export type CursorField = 'timestamp' | 'plain';

/**
 * Runs `query`, already ordered by the fields `cursorOf` returns (in that order), one page
 * at a time. The last document's values become the opaque next cursor.
 */
export async function paginate<T>(
  query: Query,
  page: PageRequest,
  fields: readonly CursorField[],
  cursorOf: (data: T, id: string) => unknown[],
): Promise<Page<T>> {
  let q = query.limit(page.limit + 1);
  if (page.cursor) {
    const values = decodeCursor(page.cursor, fields.length);
    q = q.startAfter(
      ...values.map((v, i) => (fields[i] === 'timestamp' ? Timestamp.fromMillis(Number(v)) : v)),
    );
  }
  const snap = await q.get();
  const docs = snap.docs.slice(0, page.limit);
  const items = docs.map((d) => revive<T>(d.data()));
  const last = docs.at(-1);
  const nextCursor =
    snap.docs.length > page.limit && last
      ? encodeCursor(cursorOf(revive<T>(last.data()), last.id).map((v) => (v instanceof Date ? v.getTime() : v)))
      : null;
  return { items, nextCursor };
}

/**
 * A transaction that lost to others on a hot document too many times is a retryable 503 with
 * Retry-After, not a 500: the caller may simply try again.
 */
export async function contended<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if ((err as { code?: number }).code === 10) {
      throw new AppError('unavailable', 'contention', 'Too many concurrent updates to the same item; retry shortly.', { retryAfterSeconds: 1 });
    }
    throw err;
  }
}
