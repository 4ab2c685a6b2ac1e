/**
 * The one way to call the REST API: same-origin `/v1`, the user's ID token, a request id on
 * every call, an Idempotency-Key on creating POSTs, and problem+json turned into an ApiError
 * whose message a person can read.
 */
import { idToken } from './auth.ts';
import type { Problem } from './contract.ts';
import { t } from './i18n.ts';
import { retryAfterSeconds, retryAfterText } from './retryAfter.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly problem: Problem | null;
  /** Seconds the server asked us to wait (429 and 503 carry Retry-After); null when it did not say. */
  readonly retryAfter: number | null;

  constructor(message: string, status: number, code: string, requestId: string | null, problem: Problem | null, retryAfter: number | null = null) {
    super(message);
    this.retryAfter = retryAfter;
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.problem = problem;
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Send an Idempotency-Key (creating POSTs). */
  idempotent?: boolean;
  signal?: AbortSignal;
}

const isProblem = (v: unknown): v is Problem =>
  typeof v === 'object' && v !== null && typeof (v as Problem).title === 'string' && typeof (v as Problem).code === 'string';

export async function toError(res: Response, requestId: string): Promise<ApiError> {
  const id = res.headers.get('X-Request-Id') ?? requestId;
  const type = res.headers.get('Content-Type') ?? '';
  const wait = retryAfterSeconds(res.headers.get('Retry-After'));
  const later = wait === null ? '' : ` ${retryAfterText(wait)}`;
  if (/json/i.test(type)) {
    const body: unknown = await res.json().catch(() => null);
    if (isProblem(body)) {
      // Field problems are listed one by one (the pages also show them beside their inputs).
      const detail = body.errors?.length ? body.errors.map((e) => `${e.path}: ${e.message}`).join('; ') : body.detail;
      const message = t('error.api', { title: body.title, detail, code: body.code, requestId: body.requestId || id }) + later;
      return new ApiError(message, res.status, body.code, body.requestId || id, body, wait);
    }
  }
  return new ApiError(t('error.http', { status: res.status, requestId: id }) + later, res.status, 'http_error', id, null, wait);
}

function urlOf(path: string, query: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

const NETWORK_RETRIES = 2;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends one request. A GET, or a creating POST with its Idempotency-Key (the same key on every
 * attempt, so the server does the work once), is safe to repeat after a network failure.
 */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export async function request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  const base: Record<string, string> = { Accept: 'application/json' };
  const token = await idToken();
  if (token) base.Authorization = `Bearer ${token}`;
  const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
  if (hasBody) base['Content-Type'] = 'application/json';
  if (options.idempotent) base['Idempotency-Key'] = crypto.randomUUID();
  const body = hasBody ? JSON.stringify(options.body ?? {}) : null;
  // GET reads and PUT replaces a whole resource: repeating either is safe. A DELETE or PATCH
  // repeated after a lost reply could answer with an error for work that was done: no retry.
  const retries = method === 'GET' || method === 'PUT' || options.idempotent ? NETWORK_RETRIES : 0;
  const url = urlOf(path, options.query);

  for (let attempt = 0; ; attempt++) {
    const requestId = crypto.randomUUID();
    const init: RequestInit = { method, headers: { ...base, 'X-Request-Id': requestId }, body };
    if (options.signal) init.signal = options.signal;
    let res: Response;
    try {
      res = await fetch(url, init);
    } catch (err) {
      if (options.signal?.aborted) throw err;
      if (attempt < retries) {
        await sleep(500 * 2 ** attempt);
        continue;
      }
      throw new ApiError(t('error.network'), 0, 'network_error', requestId, null);
    }
    if (!res.ok) throw await toError(res, requestId);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }
}

export const get = <T>(path: string, options?: Omit<RequestOptions, 'body' | 'idempotent'>) => request<T>('GET', path, options);

/** A POST that creates something: it carries an Idempotency-Key. */
export const create = <T>(path: string, body: unknown, options?: Omit<RequestOptions, 'body' | 'idempotent'>) =>
  request<T>('POST', path, { ...options, body, idempotent: true });

/** A POST that acts on a resource (deploy, cancel): no Idempotency-Key, never repeated. */
export const post = <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'body' | 'idempotent'>) => request<T>('POST', path, { ...options, body });

export const patch = <T>(path: string, body: unknown, options?: Omit<RequestOptions, 'body' | 'idempotent'>) => request<T>('PATCH', path, { ...options, body });

export const del = <T>(path: string, options?: Omit<RequestOptions, 'body' | 'idempotent'>) => request<T>('DELETE', path, options);

/** A PUT: replaces one part of a resource (a wizard step). */
export const put = <T>(path: string, body: unknown, options?: Omit<RequestOptions, 'body' | 'idempotent'>) => request<T>('PUT', path, { ...options, body });
