import { z } from 'zod';

/** Shapes every part of the API shares. */
export const Timestamp = z.iso.datetime();

/** Workspace, install, run and key ids: letters and digits (Firestore-safe, URL-safe). */
export const Id = z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'an id of letters and digits');

/**
 * One schema per kind of path id. The API's router parses every path parameter with its
 * operation's params schema before authorization, so no id that Firestore would take for a
 * path (`a/b`, `..`) or refuse (`__x__`, a lone surrogate) reaches a document lookup.
 */
export const WorkspaceId = Id;
export const InstallId = Id;
export const RunId = Id;
export const ApiKeyId = Id;
/** Firebase Auth uids (28 letters and digits when the Auth service makes them). */
export const UserId = Id;

// eslint-disable-next-line no-control-regex -- detecting control characters is the point
const CONTROL_OR_BIDI = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Firestore refuses text that is not well-formed UTF-16 (a lone surrogate fails the write). */
export const isWellFormedText = (s: string): boolean => s.isWellFormed();

/**
 * A display name (workspace, API key): trimmed, 1 to `max` characters, no control or
 * bidirectional-override characters (they hide or reorder text in lists and logs).
 */
export const Name = (max = 80) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !CONTROL_OR_BIDI.test(s), 'control characters are not allowed in a name');

/**
 * Every JSON body is walked before its schema runs: each string and key must be well-formed
 * Unicode, and nesting stays under Firestore's limit of 20 levels (with room for the fields
 * a body is stored under).
 */
export const MAX_BODY_DEPTH = 16;

/** Query strings arrive as text (coerced); clients pass numbers. */
export const PageQuery = z
  .object({
    limit: z.coerce.number<number>().int().min(1).max(100).default(25),
    cursor: z.string().max(1024).optional(),
  })
  .strict();

/** A page of a list: pass `nextCursor` back as `cursor` for the next; null on the last page. */
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** A page of a list as the client sees it. */
export type Page<T> = { items: T[]; nextCursor: string | null };

export const Ack = z.object({ ok: z.literal(true) }).meta({ id: 'Ack' });

/** RFC 9457 problem details, with our stable `code` and the request id. */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    requestId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string(), code: z.string().optional() })).optional(),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof Problem>;

/** Statuses every operation can answer with, and what they mean here. */
export const COMMON_ERRORS: Readonly<Record<number, string>> = {
  400: 'Invalid input (validation_failed, invalid_path, malformed_json, ...)',
  401: 'Missing, expired, forged or revoked credentials',
  403: 'Authenticated, but the role or scope does not allow this',
  404: 'Not found, or not visible to the caller',
  413: 'Request body larger than 1 MiB',
  429: 'Over a limit (workspace_limit_reached, api_key_limit_reached, search_rate_limited, ...); see Retry-After',
  500: 'A bug; the request id is logged',
};

/** The largest request body the API accepts. */
export const MAX_BODY_BYTES = 1024 * 1024;
