import type { z } from 'zod';
import type { Permission } from './roles.js';
import { routes, type OperationId } from './routes.js';

/**
 * Who may call an operation. The API's router checks it in one place before any handler runs:
 * - public: anyone (the catalog, health, signed webhooks);
 * - user: a signed-in Firebase user, not bound to a workspace;
 * - workspace: a member of `:wsId` whose role grants `permission`, or (unless `apiKeys` is
 *   false) a workspace API key holding that scope;
 * - runner: the run-scoped token of `:runId`.
 */
export type Access =
  | { readonly kind: 'public' }
  | { readonly kind: 'user' }
  | { readonly kind: 'workspace'; readonly permission: Permission; readonly apiKeys?: boolean }
  | { readonly kind: 'runner' };

export interface ResponseSpec {
  /** The success status. */
  readonly status: number;
  /** The success body (JSON as the client sees it: times are ISO strings). */
  readonly schema: z.ZodType;
  readonly description: string;
  /** A streamed response: its media type, and the data schema of each event type it sends. */
  readonly stream?: { readonly contentType: 'text/event-stream'; readonly events: Readonly<Record<string, z.ZodType>> };
  /** A document that is not JSON (a CSV, a PDF): its media type; the body is its bytes. */
  readonly file?: { readonly contentType: 'text/csv; charset=utf-8' | 'application/pdf' };
}

/** What an operation takes and answers, apart from where it lives (routes.ts). */
export interface EndpointSpec {
  readonly summary: string;
  readonly tags: readonly string[];
  readonly access: Access;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  readonly response: ResponseSpec;
  /** Error statuses this operation may answer with besides the ones every operation can. */
  readonly errors?: readonly number[];
}

export type Endpoint<Op extends OperationId = OperationId, S extends EndpointSpec = EndpointSpec> = S &
  (typeof routes)[Op] & { readonly operationId: Op; readonly idempotent?: true };

/** An operation's whole definition: its route line (routes.ts) with its schemas. */
export function endpoint<const Op extends OperationId, const S extends EndpointSpec>(operationId: Op, spec: S): Endpoint<Op, S> {
  return { operationId, ...routes[operationId], ...spec } as Endpoint<Op, S>;
}
