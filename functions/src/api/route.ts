import type { z } from 'zod';
import type { Deps } from '../app/ports.js';
import type { Principal, WorkspaceAccess } from '../app/principal.js';
import type { Permission } from '../domain/roles.js';

/**
 * Who may call a route. Checked in one place (the router) before any handler runs:
 * - public: anyone, the catalog and health;
 * - user: a signed-in Firebase user, not bound to a workspace;
 * - workspace: a member (by role) or a workspace API key (by scope) of `:wsId`;
 * - runner: the run-scoped token of `:runId`.
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'user' }
  | { kind: 'workspace'; permission: Permission; apiKeys?: boolean }
  | { kind: 'runner' };

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface HandlerContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal | null;
  /** Present on workspace routes. */
  access: WorkspaceAccess | null;
  deps: Deps;
  requestId: string;
  /** The body exactly as received (signed webhooks verify it). */
  rawBody: Buffer | undefined;
  headers: Record<string, string | string[] | undefined>;
}

export interface HandlerResult {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
  /** A streamed response (server-sent events): written chunk by chunk until it resolves. */
  stream?: (write: (chunk: string) => void, signal: AbortSignal) => Promise<void>;
}

export interface RouteDef<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: Method;
  /** Express-style path under the API root, e.g. `/v1/workspaces/:wsId`. */
  path: string;
  operationId: string;
  summary: string;
  tags: string[];
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** Creating POSTs honour `Idempotency-Key`. */
  idempotent?: boolean;
  /** Success status and body schema; the contract and the OpenAPI document come from it. */
  response: { status: number; schema: z.ZodType; description: string };
  /** Error codes this route may answer with besides the ones every route can. */
  errors?: number[];
  handler(ctx: HandlerContext<z.infer<P>, z.infer<Q>, z.infer<B>>): Promise<HandlerResult>;
}

/** Keeps the schema types flowing into the handler. */
export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  def: RouteDef<P, Q, B>,
): RouteDef {
  return def as unknown as RouteDef;
}
