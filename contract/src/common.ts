import { z } from 'zod';

/** Shapes every part of the API shares. */
export const Timestamp = z.iso.datetime();

/** Workspace, install, run and key ids: letters and digits (Firestore-safe, URL-safe). */
export const Id = z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'an id of letters and digits');

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
  400: 'Invalid input (validation_failed, malformed_json, ...)',
  401: 'Missing, expired, forged or revoked credentials',
  403: 'Authenticated, but the role or scope does not allow this',
  404: 'Not found, or not visible to the caller',
  413: 'Request body larger than 1 MiB',
  500: 'A bug; the request id is logged',
};

/** The largest request body the API accepts. */
export const MAX_BODY_BYTES = 1024 * 1024;
