import { MAX_BODY_BYTES } from '@agent-marketplace/contract';
import type { z } from 'zod';
import type { Deps } from '../app/deps.js';
import type { IdTokenVerifier } from '../app/workspaces/ports.js';
import type { Principal } from '../app/shared/principal.js';
import { newId, sha256 } from '../app/shared/credentials.js';
import { AppError } from '../domain/errors.js';
import { authenticate, authorize, bearerOf } from './authenticate.js';
import { problemFor, validationError } from './problem.js';
import type { HandlerResult, RouteDef } from './route.js';

export { MAX_BODY_BYTES };
const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

export interface ApiRequest {
  method: string;
  /** Path from the API root, starting with `/v1`. */
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer | undefined;
  /** Set when the platform's body parser already refused the body. */
  bodyParseFailed?: boolean;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  stream?: HandlerResult['stream'];
}

interface CompiledRoute {
  route: RouteDef;
  pattern: RegExp;
  names: string[];
}

function compile(route: RouteDef): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) =>
      // `:name` is a parameter; `::verb` a literal custom method (`/runs/:runId::cancel` matches `/runs/r1:cancel`).
      segment.replace(/::([A-Za-z]+)|:([A-Za-z]+)|([^:]+)/g, (_m, verb: string | undefined, name: string | undefined, literal: string | undefined) => {
        if (verb) return `:${verb}`;
        if (name) {
          names.push(name);
          return '([^/:]+)';
        }
        return (literal ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }),
    )
    .join('/');
  return { route, pattern: new RegExp(`^${source}/?$`), names };
}

const header = (req: ApiRequest, name: string): string | undefined => {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

/** Dates and other JSON-able values as the client will see them. */
const toJson = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

function parseWith<T extends z.ZodType>(schema: T | undefined, value: unknown, where: 'body' | 'query' | 'path'): z.infer<T> {
  if (!schema) return undefined as z.infer<T>;
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(where, result.error);
  return result.data;
}

function readJsonBody(req: ApiRequest): unknown {
  const raw = req.rawBody;
  if (req.bodyParseFailed && (!raw || raw.length <= MAX_BODY_BYTES)) {
    throw new AppError('invalid', 'malformed_json', 'The request body is not valid JSON.');
  }
  if (raw && raw.length > MAX_BODY_BYTES) {
    throw new AppError('too_large', 'payload_too_large', `The request body exceeds ${MAX_BODY_BYTES} bytes.`);
  }
  if (!raw || raw.length === 0) return undefined;
  const type = header(req, 'content-type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw new AppError('invalid', 'unsupported_media_type', 'Send the request body as application/json.');
  }
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new AppError('invalid', 'malformed_json', 'The request body is not valid JSON.');
  }
}

function idempotencyScope(principal: Principal | null): string {
  if (!principal) return 'anonymous';
  switch (principal.kind) {
    case 'user':
      return `user:${principal.uid}`;
    case 'apiKey':
      return `key:${principal.wsId}:${principal.keyId}`;
    case 'runner':
      return `runner:${principal.runId}`;
    case 'webhook':
      return `webhook:${principal.installId}`;
    case 'system':
      return `system:${principal.name}`;
  }
}

const isEmptyObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;

export interface Router {
  handle(req: ApiRequest): Promise<ApiResponse>;
  routes: readonly RouteDef[];
}

export function createRouter(routes: readonly RouteDef[], deps: Deps, verifier: IdTokenVerifier): Router {
  const compiled = routes.map(compile);

  async function handle(req: ApiRequest): Promise<ApiResponse> {
    const incomingId = header(req, 'x-request-id');
    const requestId = incomingId && /^[\w.-]{8,128}$/.test(incomingId) ? incomingId : newId(16);
    const base = { 'X-Request-Id': requestId, 'Cache-Control': 'no-store' };
    try {
      const method = req.method.toLowerCase();
      const candidates = compiled
        .map((c) => ({ c, match: c.pattern.exec(req.path) }))
        .filter((x): x is { c: CompiledRoute; match: RegExpExecArray } => x.match !== null);
      if (candidates.length === 0) throw new AppError('not_found', 'route_not_found', `No route matches ${req.path}.`);
      const hit = candidates.find((x) => x.c.route.method.toLowerCase() === method);
      if (!hit) {
        const allow = [...new Set(candidates.map((x) => x.c.route.method))].join(', ');
        if (method === 'options') return { status: 204, headers: { ...base, Allow: allow }, body: undefined };
        const err = new AppError('invalid', 'method_not_allowed', `${req.method} is not allowed here; use ${allow}.`);
        const p = problemFor(err, requestId);
        return { status: p.status, headers: { ...base, ...p.headers, Allow: allow }, body: p.body };
      }
      const { route } = hit.c;
      const rawParams: Record<string, string> = {};
      hit.c.names.forEach((name, i) => {
        rawParams[name] = decodeURIComponent(hit.match[i + 1] ?? '');
      });

      const token = bearerOf(header(req, 'authorization'));
      const principal = token && route.access.kind !== 'public' ? await authenticate(deps, verifier, token, { userAgent: header(req, 'user-agent') }) : null;
      const access = await authorize(deps, route.access, principal, rawParams);

      const params = parseWith(route.params, rawParams, 'path');
      const query = parseWith(route.query, req.query, 'query');
      const rawBody = readJsonBody(req);
      let body: unknown;
      if (route.body) {
        body = parseWith(route.body, rawBody ?? {}, 'body');
      } else if (rawBody !== undefined && !isEmptyObject(rawBody)) {
        throw new AppError('invalid', 'unexpected_body', 'This route takes no request body.');
      }

      const idemKeyHeader = route.idempotent ? header(req, 'idempotency-key') : undefined;
      let idemKey: string | null = null;
      if (idemKeyHeader !== undefined) {
        if (!/^[\x21-\x7e]{1,255}$/.test(idemKeyHeader)) {
          throw new AppError('invalid', 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
        }
        idemKey = sha256([idempotencyScope(principal), method, req.path, idemKeyHeader].join('\n'));
        const requestHash = sha256(req.rawBody?.toString('utf8') ?? '');
        const existing = await deps.idempotency.begin(idemKey, requestHash, IDEMPOTENCY_TTL_SECONDS);
        if (existing) {
          if (existing.requestHash !== requestHash) {
            throw new AppError('conflict', 'idempotency_key_reused', 'This Idempotency-Key was used with a different request body.');
          }
          if (existing.state === 'pending' || existing.status === null) {
            throw new AppError('conflict', 'idempotency_in_progress', 'A request with this Idempotency-Key is still in progress.', {
              retryAfterSeconds: 1,
            });
          }
          return { status: existing.status, headers: { ...base, 'Idempotent-Replayed': 'true' }, body: existing.body };
        }
      }

      try {
        const result = await route.handler({ params, query, body, principal, access, deps, requestId, rawBody: req.rawBody, headers: req.headers });
        const status = result.status ?? route.response.status;
        if (result.stream) return { status, headers: { ...base, ...result.headers }, body: undefined, stream: result.stream };
        // The response schema is the contract: it also strips internal fields (hashes, leases).
        const out = status === 204 ? undefined : route.response.schema.parse(toJson(result.body));
        if (idemKey) await deps.idempotency.complete(idemKey, status, out ?? null);
        return { status, headers: { ...base, ...result.headers }, body: out };
      } catch (err) {
        // A failed attempt does not burn the key: the client may retry with it.
        if (idemKey) await deps.idempotency.release(idemKey).catch(() => undefined);
        throw err;
      }
    } catch (err) {
      const p = problemFor(err, requestId);
      if (p.status >= 500) console.error(JSON.stringify({ severity: 'ERROR', requestId, message: (err as Error)?.stack ?? String(err) }));
      return { status: p.status, headers: { ...base, ...p.headers }, body: p.body };
    }
  }

  return { handle, routes };
}
