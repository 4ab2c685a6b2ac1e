import { MAX_BODY_BYTES } from '@agent-marketplace/contract';
import type { z } from 'zod';
import type { Deps } from '../app/deps.js';
import type { IdTokenVerifier } from '../app/workspaces/ports.js';
import type { Principal } from '../app/shared/principal.js';
import { newId, sha256 } from '../app/shared/credentials.js';
import { AppError } from '../domain/errors.js';
import { authenticate, authorize, bearerOf } from './authenticate.js';
import { inputShapeIssues } from '../domain/inputShape.js';
import { problemFor, validationError } from './problem.js';
import type { HandlerResult, RouteDef } from './route.js';

export { MAX_BODY_BYTES };

export interface ApiRequest {
  method: string;
  /** Path from the API root, starting with `/v1`. */
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer | undefined;
  /** Set when the platform's body parser already refused the body. */
  bodyParseFailed?: boolean;
  /** Set when the platform's body parser stopped at the size cap (or was never let read: Content-Length). */
  bodyTooLarge?: boolean;
  /** Set when the platform's body parser refused the body's encoding or charset. */
  bodyEncodingRefused?: boolean;
  /** The caller's address as the trusted proxies saw it (api/clientAddress.ts). */
  clientIp?: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  stream?: HandlerResult['stream'];
  /** A document that is not JSON (the route's `file` media type is in the headers). */
  bytes?: Uint8Array;
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

/** What the host's body parser refused (bodyParserGuard.ts) is answered first, before anyone is authenticated. */
function refuseHostBody(req: ApiRequest): void {
  if (req.bodyTooLarge) throw new AppError('too_large', 'payload_too_large', `The request body exceeds ${MAX_BODY_BYTES} bytes.`);
  if (req.bodyEncodingRefused) throw new AppError('invalid', 'unsupported_media_type', 'Send the request body as application/json, in UTF-8, uncompressed or gzip/deflate/br.');
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
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new AppError('invalid', 'malformed_json', 'The request body is not valid JSON.');
  }
  refuseIssues(inputShapeIssues(parsed, 'body'), 'validation_failed', 'body');
  return parsed;
}

function refuseIssues(issues: { path: string; message: string; code?: string }[], code: string, where: string): void {
  const first = issues[0];
  if (first) throw new AppError('invalid', code, `Invalid ${where}: ${first.path}: ${first.message}`, { issues });
}

const invalidPath = (issues: { path: string; message: string; code?: string }[]) => {
  const first = issues[0];
  return new AppError('invalid', 'invalid_path', first ? `Invalid path: ${first.path}: ${first.message}` : 'Invalid path.', { issues });
};

/**
 * Path parameters, decoded and parsed with the operation's params schema before anyone is
 * authenticated or any document read: an id Firestore would take as a path (`a%2Fb`, `..`)
 * or refuse (`__x__`, a lone surrogate) never reaches it.
 */
function pathParamsOf(route: RouteDef, names: string[], match: RegExpExecArray): Record<string, string> {
  const raw: Record<string, string> = {};
  const issues: { path: string; message: string; code: string }[] = [];
  names.forEach((name, i) => {
    try {
      raw[name] = decodeURIComponent(match[i + 1] ?? '');
    } catch {
      issues.push({ path: `path.${name}`, message: 'is not valid percent-encoded UTF-8', code: 'invalid_encoding' });
    }
  });
  if (issues.length) throw invalidPath(issues);
  if (!route.params) {
    if (names.length) throw new Error(`route ${route.operationId} has path parameters but no params schema`);
    return raw;
  }
  const result = route.params.safeParse(raw);
  if (!result.success) throw invalidPath(validationError('path', result.error).issues ?? []);
  return result.data as Record<string, string>;
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
      refuseHostBody(req);
      const params = pathParamsOf(route, hit.c.names, hit.match);

      const token = bearerOf(header(req, 'authorization'));
      // On a public route a credential is optional: a bad one is ignored, a good one makes the
      // caller known (a signed-in catalog search is not counted as anonymous).
      const seen = { userAgent: header(req, 'user-agent') };
      const principal = !token ? null : route.access.kind !== 'public' ? await authenticate(deps, verifier, token, seen) : await authenticate(deps, verifier, token, seen).catch(() => null);
      const access = await authorize(deps, route.access, principal, params);

      refuseIssues(inputShapeIssues(req.query, 'query'), 'validation_failed', 'query');
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
      let creation = { id: newId(), resumed: false };
      if (idemKeyHeader !== undefined) {
        if (!/^[\x21-\x7e]{1,255}$/.test(idemKeyHeader)) {
          throw new AppError('invalid', 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
        }
        idemKey = sha256([idempotencyScope(principal), method, req.path, idemKeyHeader].join('\n'));
        const requestHash = sha256(req.rawBody?.toString('utf8') ?? '');
        const found = await deps.idempotency.begin(idemKey, requestHash, creation.id);
        if (found.kind === 'reused') {
          throw new AppError('conflict', 'idempotency_key_reused', 'This Idempotency-Key was used with a different request body.');
        }
        if (found.kind === 'in_progress') {
          throw new AppError('conflict', 'idempotency_in_progress', 'A request with this Idempotency-Key is still in progress.', {
            retryAfterSeconds: found.retryAfterSeconds,
          });
        }
        if (found.kind === 'replay') return { status: found.status, headers: { ...base, 'Idempotent-Replayed': 'true' }, body: found.body };
        creation = { id: found.resourceId, resumed: found.resumed };
      }

      let result: HandlerResult;
      try {
        result = await route.handler({ params, query, body, principal, access, deps, requestId, rawBody: req.rawBody, headers: req.headers, creation, clientIp: req.clientIp ?? 'unknown' });
      } catch (err) {
        if (idemKey) {
          // A use case's own error is a settled outcome: the key is free, and the next attempt gets a new id.
          // Anything else may have come after a side effect: the next attempt reuses the id and finds it.
          await (err instanceof AppError ? deps.idempotency.release(idemKey) : deps.idempotency.abandon(idemKey)).catch(() => undefined);
        }
        throw err;
      }
      const status = result.status ?? route.response.status;
      if (result.stream) return { status, headers: { ...base, ...result.headers }, body: undefined, stream: result.stream };
      if (route.response.file) {
        if (!(result.body instanceof Uint8Array)) throw new Error(`route ${route.operationId} answers a file but its handler gave no bytes`);
        return { status, headers: { ...base, 'Content-Type': route.response.file.contentType, ...result.headers }, body: undefined, bytes: result.body };
      }
      // The response schema is the contract: it also strips internal fields (hashes, leases).
      const out = status === 204 ? undefined : route.response.schema.parse(toJson(result.body));
      if (idemKey) {
        // The side effect happened: answer it. If the key cannot be completed, its lease is ended
        // (or ends by itself shortly): a retry then reuses the id and finds what was created.
        const key = idemKey;
        await deps.idempotency.complete(key, status, out ?? null).catch(async (err: unknown) => {
          console.error(JSON.stringify({ severity: 'WARNING', requestId, message: `idempotency key not completed: ${String(err)}` }));
          await deps.idempotency.abandon(key).catch(() => undefined);
        });
      }
      return { status, headers: { ...base, ...result.headers }, body: out };
    } catch (err) {
      const p = problemFor(err, requestId);
      if (p.status >= 500) console.error(JSON.stringify({ severity: 'ERROR', requestId, message: (err as Error)?.stack ?? String(err) }));
      return { status: p.status, headers: { ...base, ...p.headers }, body: p.body };
    }
  }

  return { handle, routes };
}
