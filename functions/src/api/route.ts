import type { Endpoint } from '@agent-marketplace/contract';
import type { z } from 'zod';
import type { Deps } from '../app/deps.js';
import type { Principal, WorkspaceAccess } from '../app/shared/principal.js';

export type { Access } from '@agent-marketplace/contract';

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

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
  /**
   * The id a creating route gives what it creates: fixed by the request's Idempotency-Key, so
   * a retry finds what an earlier attempt created (`resumed`: one may have), else random.
   */
  creation: { id: string; resumed: boolean };
  /** The caller's address as the trusted proxies saw it (api/clientAddress.ts), for per-client limits. */
  clientIp: string;
}

export interface HandlerResult<T = unknown> {
  status?: number;
  /** The response body before the contract's response schema parses it (it strips internal fields). */
  body: T;
  headers?: Record<string, string>;
  /** A streamed response (server-sent events): written chunk by chunk until it resolves. */
  stream?: (write: (chunk: string) => void, signal: AbortSignal) => Promise<void>;
}

type Of<E, K extends 'params' | 'query' | 'body'> = E extends { readonly [P in K]: infer S } ? Parsed<S> : undefined;

export type Handler<E extends Endpoint> = (ctx: HandlerContext<Of<E, 'params'>, Of<E, 'query'>, Of<E, 'body'>>) => Promise<HandlerResult>;

/** A contract endpoint with the handler that serves it (its types erased: the router has parsed the input). */
export type RouteDef = Endpoint & { handler(ctx: HandlerContext<any, any, any>): Promise<HandlerResult> };

/** Attaches a handler to an endpoint of the contract; the schemas' types flow into it. */
export function implement<E extends Endpoint>(endpoint: E, handler: Handler<E>): RouteDef {
  return { ...endpoint, handler } as unknown as RouteDef;
}
