import type { BodyOf, OperationId, ParamsOf, QueryOf, ResponseOf } from '@agent-marketplace/contract';
import { fillPath, routes } from '@agent-marketplace/contract/routes';
import { ApiError, describeInEnglish, errorFrom, type DescribeError } from './errors.js';

/** A bearer credential: a Firebase ID token or a workspace API key (`amk_...`), or a function giving one. */
export type Credential = string | null | undefined | (() => string | null | undefined | Promise<string | null | undefined>);

export interface ClientOptions {
  /**
   * Where the API lives: the origin (and any prefix) that `/v1/...` paths are appended to,
   * e.g. `https://marketplace.example.com`. Empty: same origin (a browser page).
   */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer ...` on every request. */
  credential?: Credential;
  fetch?: typeof fetch;
  /** How many times a request safe to repeat is retried after a network failure (default 2). */
  networkRetries?: number;
  /** Retries on these answers too (the runner retries 429 and 5xx; people usually should not). */
  retryStatus?: (status: number) => boolean;
  /** Attempts in all when `retryStatus` says retry (default 1: no retry). */
  maxAttempts?: number;
  /** First retry delay; each next one doubles, with jitter (default 500 ms). */
  baseDelayMs?: number;
  /** Each attempt's time limit (default none). */
  timeoutMs?: number;
  /** The message of each ApiError (default: English, with the code and request id). */
  describeError?: DescribeError;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** For creating POSTs: the key to send (default: a fresh one per call, the same on its retries). */
  idempotencyKey?: string;
  headers?: Record<string, string>;
}

type Slot<K extends string, T> = [T] extends [undefined] ? { [P in K]?: undefined } : Partial<T> extends T ? { [P in K]?: T } : { [P in K]: T };

/** What one call of an operation takes: its path parameters, query and body, each where it has them. */
export type CallArgs<Op extends OperationId> = Slot<'params', ParamsOf<Op>> & Slot<'query', QueryOf<Op>> & Slot<'body', BodyOf<Op>> & RequestOptions;
export type ArgList<Op extends OperationId> = Partial<CallArgs<Op>> extends CallArgs<Op> ? [args?: CallArgs<Op>] : [args: CallArgs<Op>];

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
const jitter = (ms: number) => ms / 2 + Math.random() * (ms / 2);

function queryString(query: Record<string, unknown> | undefined): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}

export type Client = ReturnType<typeof createClient>;

/**
 * A typed client of the Agent Marketplace API. Every operation of `/v1/openapi.json` is one
 * `call` by its operation id; types come from the contract, so a renamed field is a type error.
 * Lists (`pages`, `items`) and the run stream (`streamRun`) are functions of their own, so a
 * bundle carries only what it uses.
 *
 *     const api = createClient({ baseUrl: 'https://...', credential: process.env.AM_API_KEY });
 *     const run = await api.call('triggerRun', { params: { wsId, installId }, body: { input: {} } });
 *     for await (const m of streamRun(api, { wsId, runId: run.id })) if (m.event === 'logs') ...
 */
export function createClient(options: ClientOptions = {}) {
  const base = (options.baseUrl ?? '').replace(/\/$/, '');
  const fetchImpl = options.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const describe = options.describeError ?? describeInEnglish;
  const networkRetries = options.networkRetries ?? 2;
  const maxAttempts = options.maxAttempts ?? 1;
  const baseDelayMs = options.baseDelayMs ?? 500;

  async function headersFor(extra: Record<string, string> = {}): Promise<Record<string, string>> {
    const credential = typeof options.credential === 'function' ? await options.credential() : options.credential;
    return { Accept: 'application/json', ...(credential ? { Authorization: `Bearer ${credential}` } : {}), ...extra };
  }

  function signalFor(signal: AbortSignal | undefined): AbortSignal | undefined {
    if (!options.timeoutMs) return signal;
    const timeout = AbortSignal.timeout(options.timeoutMs);
    return signal ? AbortSignal.any([signal, timeout]) : timeout;
  }

  async function call<Op extends OperationId>(op: Op, ...[args]: ArgList<Op>): Promise<ResponseOf<Op>> {
    const route = routes[op] as { method: string; path: string; idempotent?: true; file?: true };
    const a = (args ?? {}) as { params?: Record<string, string>; query?: Record<string, unknown>; body?: unknown } & RequestOptions;
    const url = `${base}${fillPath(route.path, a.params)}${queryString(a.query)}`;
    const hasBody = a.body !== undefined && route.method !== 'GET' && route.method !== 'DELETE';
    const idempotencyKey = route.idempotent ? (a.idempotencyKey ?? crypto.randomUUID()) : undefined;
    const body = hasBody ? JSON.stringify(a.body) : undefined;
    // Repeating is safe for reads, whole-resource PUTs and POSTs that carry an Idempotency-Key;
    // a DELETE or PATCH repeated after a lost reply could report an error for work that was done.
    const safe = route.method === 'GET' || route.method === 'PUT' || idempotencyKey !== undefined;

    for (let attempt = 1, networkFailures = 0; ; attempt++) {
      const requestId = crypto.randomUUID();
      const headers = await headersFor({
        'X-Request-Id': requestId,
        ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
        ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
        ...a.headers,
      });
      let res: Response;
      try {
        res = await fetchImpl(url, { method: route.method, headers, body, signal: signalFor(a.signal) ?? null });
      } catch (err) {
        if (a.signal?.aborted) throw err;
        const retry = options.retryStatus ? attempt < maxAttempts : safe && networkFailures < networkRetries;
        networkFailures++;
        if (retry) {
          await sleep(jitter(baseDelayMs * 2 ** (attempt - 1)), a.signal);
          continue;
        }
        const facts = { status: 0, problem: null, requestId, retryAfter: null };
        throw new ApiError({ message: `${describe(facts)} (${(err as Error).message})`, code: 'network_error', ...facts });
      }
      if (res.ok) {
        if (res.status === 204) return undefined as ResponseOf<Op>;
        // Documents (an invoice's CSV or PDF) come as bytes; everything else is JSON.
        if (route.file) return new Uint8Array(await res.arrayBuffer()) as ResponseOf<Op>;
        return (await res.json()) as ResponseOf<Op>;
      }
      const error = await errorFrom(res, requestId, describe);
      if (options.retryStatus?.(res.status) && attempt < maxAttempts) {
        const wait = error.retryAfter !== null ? error.retryAfter * 1000 : jitter(baseDelayMs * 2 ** (attempt - 1));
        await sleep(wait, a.signal);
        continue;
      }
      throw error;
    }
  }

  return {
    call,
    /** How this client reaches the API (for the stream reader, which is not a plain call). */
    transport: { base, fetch: fetchImpl, describe, headersFor } as Transport,
  };
}

export interface Transport {
  base: string;
  fetch: typeof fetch;
  describe: DescribeError;
  headersFor(extra?: Record<string, string>): Promise<Record<string, string>>;
}
