import { CloudProviderError, type CloudErrorReason } from '../../../app/cloud/ports.js';

/**
 * The one place the GCP adapter talks HTTP: Google's REST APIs over `fetch`, with their shared
 * conventions (https://cloud.google.com/apis/design/errors, AIP-158 pagination). Every request
 * carries a Bearer token; no error message ever contains it.
 */

export interface GoogleApiOptions {
  fetch?: typeof fetch;
  /** When set, `https://<host>.googleapis.com/...` becomes `<apiRoot>/<host>.googleapis.com/...` (the local stand-in). */
  apiRoot?: string;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Tries per request, the first included (default 5). */
  maxAttempts?: number;
  /** Pages per listing before giving up with a clear error (default 100). */
  maxPages?: number;
}

export interface GoogleRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  token: string;
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** What the caller is doing, for error messages ("Compute Engine instances.stop"). */
  api: string;
  /** Another content type for the body (a Kubernetes strategic merge patch). */
  contentType?: string;
  /** Another transport for this request (a GKE control plane, trusted by its own CA). */
  via?: typeof fetch;
}

/** Google's error body: `{ error: { code, message, status, details[], errors[] } }`. */
interface GoogleErrorBody {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    errors?: { reason?: string; message?: string; domain?: string }[];
    details?: { '@type'?: string; reason?: string; metadata?: Record<string, string> }[];
  };
}

const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';
/** Legacy `errors[].reason` values and ErrorInfo reasons Google uses for a quota or rate refusal. */
const THROTTLE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded', 'RATE_LIMIT_EXCEEDED', 'RESOURCE_EXHAUSTED']);
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 32_000;
/** A Retry-After longer than this is capped: a run should fail readably rather than hang. */
const MAX_RETRY_AFTER_MS = 60_000;
const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Outcome = { ok: true; body: unknown } | { ok: false; retry: boolean; error: CloudProviderError; retryAfterMs: number | null; throttled: boolean };

export class GoogleApi {
  private readonly fetchImpl: typeof fetch;
  private readonly apiRoot: string | undefined;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  readonly maxAttempts: number;
  readonly maxPages: number;

  constructor(options: GoogleApiOptions = {}) {
    this.fetchImpl = options.fetch ?? fetch;
    this.apiRoot = options.apiRoot?.replace(/\/+$/, '');
    this.sleep = options.sleep ?? sleepFor;
    this.random = options.random ?? Math.random;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.maxPages = Math.max(1, options.maxPages ?? 100);
  }

  /** The URL actually called: Google's, or the stand-in's when `apiRoot` is set. */
  resolve(url: string, query: GoogleRequest['query'] = {}): string {
    let out = url;
    if (this.apiRoot) {
      const m = /^https:\/\/([a-z0-9-]+\.googleapis\.com)(\/.*)?$/.exec(url);
      if (m) out = `${this.apiRoot}/${m[1]}${m[2] ?? ''}`;
    }
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
    const qs = params.toString();
    return qs ? `${out}${out.includes('?') ? '&' : '?'}${qs}` : out;
  }

  /** One call, retried on throttling, 5xx and network failures; the JSON answer (`{}` for an empty one). */
  async call<T = Record<string, unknown>>(req: GoogleRequest): Promise<T> {
    const started = Date.now();
    let waited = 0;
    let last: Extract<Outcome, { ok: false }> | undefined;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const outcome = await this.once(req);
      if (outcome.ok) return outcome.body as T;
      last = outcome;
      if (!outcome.retry) throw outcome.error;
      if (attempt === this.maxAttempts) break;
      const backoff = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
      // Equal jitter: half the backoff for sure, the other half at random, so parallel runs spread out.
      const jittered = Math.round(backoff / 2 + (this.random() * backoff) / 2);
      const delay = outcome.retryAfterMs !== null ? Math.min(MAX_RETRY_AFTER_MS, Math.max(outcome.retryAfterMs, 0)) : jittered;
      waited += delay;
      await this.sleep(delay);
    }
    const spent = Math.max(waited, Date.now() - started);
    const tries = `${this.maxAttempts} attempt${this.maxAttempts === 1 ? '' : 's'} over ${(spent / 1000).toFixed(1)}s`;
    if (last!.throttled) {
      throw new CloudProviderError('gcp', 'throttled', `Google Cloud kept throttling ${req.api} (${last!.error.providerCode ?? 'rate limited'}) after ${tries}; try again later or raise the project's quota.`, {
        providerCode: last!.error.providerCode,
      });
    }
    throw new CloudProviderError('gcp', 'unavailable', `${req.api} was unavailable after ${tries}: ${last!.error.message}`, { providerCode: last!.error.providerCode });
  }

  private async once(req: GoogleRequest): Promise<Outcome> {
    const headers: Record<string, string> = { authorization: `Bearer ${req.token}`, accept: 'application/json' };
    if (req.body !== undefined) headers['content-type'] = req.contentType ?? 'application/json';
    let res: Response;
    try {
      res = await (req.via ?? this.fetchImpl)(this.resolve(req.url, req.query), {
        method: req.method,
        headers,
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      });
    } catch (e) {
      const why = redact(e instanceof Error ? e.message : String(e), req.token);
      return { ok: false, retry: true, throttled: false, retryAfterMs: null, error: new CloudProviderError('gcp', 'unavailable', `${req.api} could not be reached (${why}).`, { providerCode: 'network' }) };
    }
    const text = await res.text();
    if (res.ok) {
      if (!text.trim()) return { ok: true, body: {} };
      try {
        return { ok: true, body: JSON.parse(text) };
      } catch {
        return { ok: false, retry: false, throttled: false, retryAfterMs: null, error: new CloudProviderError('gcp', 'unavailable', `${req.api} answered HTTP ${res.status} with a body that is not JSON.`) };
      }
    }
    return classify(req, res.status, text, res.headers.get('retry-after'));
  }

  /**
   * Every page of a listing (AIP-158): `pageToken` in the query (or the body for POST listings)
   * until the answer has no `nextPageToken`. Bounded by `maxPages`.
   */
  async *pages<P extends Record<string, unknown>>(req: GoogleRequest, opts: { tokenIn?: 'query' | 'body'; nextToken?: (page: P) => unknown } = {}): AsyncGenerator<P> {
    const nextOf = opts.nextToken ?? ((p: P) => p['nextPageToken']);
    let token: string | undefined;
    const seen = new Set<string>();
    for (let n = 1; ; n++) {
      if (n > this.maxPages) {
        throw new CloudProviderError('gcp', 'unavailable', `${req.api} had more than ${this.maxPages} pages; stopped reading rather than loop without end. Narrow the listing (a filter, a project).`);
      }
      const page =
        opts.tokenIn === 'body'
          ? await this.call<P>({ ...req, body: { ...(req.body as object), ...(token ? { pageToken: token } : {}) } })
          : await this.call<P>({ ...req, query: { ...req.query, pageToken: token } });
      yield page;
      const next = nextOf(page);
      if (typeof next !== 'string' || next === '') return;
      if (seen.has(next)) throw new CloudProviderError('gcp', 'unavailable', `${req.api} answered the same page token twice; stopped reading rather than loop without end.`);
      seen.add(next);
      token = next;
    }
  }

  /** The items under `key` of every page. */
  async listAll<T>(req: GoogleRequest, key: string, opts: { tokenIn?: 'query' | 'body' } = {}): Promise<T[]> {
    const out: T[] = [];
    for await (const page of this.pages<Record<string, unknown>>(req, opts)) {
      const items = page[key];
      if (Array.isArray(items)) out.push(...(items as T[]));
    }
    return out;
  }
}

/** Replaces every occurrence of the token (and of its URL-encoded form) in a message. */
export function redact(message: string, token: string): string {
  if (!token) return message;
  let out = message;
  for (const form of new Set([token, encodeURIComponent(token)])) out = out.split(form).join('[redacted]');
  return out;
}

/** Seconds or an HTTP date, as RFC 9110 allows. */
function retryAfterMs(header: string | null): number | null {
  if (!header) return null;
  const s = Number(header);
  if (Number.isFinite(s)) return Math.round(s * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** A failed answer in the platform's terms: which reason, whether trying again may help. */
function classify(req: GoogleRequest, status: number, text: string, retryAfter: string | null): Outcome {
  let parsed: GoogleErrorBody = {};
  try {
    parsed = JSON.parse(text) as GoogleErrorBody;
  } catch {
    // Not Google's JSON error (a proxy's HTML page): the status alone decides.
  }
  const err = parsed.error ?? {};
  const info = (err.details ?? []).find((d) => d['@type'] === ERROR_INFO);
  const reasons = [...(err.errors ?? []).map((e) => e.reason ?? ''), info?.reason ?? ''];
  const code = err.status ?? (reasons.find(Boolean) || String(status));
  const said = redact((err.message ?? (text.slice(0, 200) || `HTTP ${status}`)).trim(), req.token);
  const throttled = status === 429 || (status === 403 && (err.status === 'RESOURCE_EXHAUSTED' || reasons.some((r) => THROTTLE_REASONS.has(r))));
  const fail = (reason: CloudErrorReason, message: string, retry: boolean, extra: { permissions?: string[] } = {}): Outcome => ({
    ok: false,
    retry,
    throttled,
    retryAfterMs: retryAfterMs(retryAfter),
    error: new CloudProviderError('gcp', reason, message, { providerCode: code, ...extra }),
  });

  if (throttled) return fail('throttled', `${req.api} was throttled: ${said}`, true);
  if (status === 401) return fail('unauthenticated', `${req.api} refused the access token (HTTP 401 ${code}): it expired or was revoked; mint a new one.`, false);
  if (status === 403) {
    const permissions = permissionsNamed(info?.metadata, said);
    const which = permissions.length ? ` (missing ${permissions.join(', ')})` : '';
    return fail('permission_denied', `${req.api} was denied${which}: ${said}`, false, { permissions });
  }
  if (status === 404) return fail('not_found', `${req.api}: not found (${said}).`, false);
  if (status === 400 || status === 409 || status === 412 || status === 422) return fail('invalid', `${req.api} refused the request (HTTP ${status} ${code}): ${said}`, false);
  if (status >= 500 || status === 408) return fail('unavailable', `HTTP ${status} ${code}: ${said}`, true);
  return fail('invalid', `${req.api} answered HTTP ${status} ${code}: ${said}`, false);
}

/** The permission Google's ErrorInfo names (`metadata.permission`), or one quoted in the message. */
function permissionsNamed(metadata: Record<string, string> | undefined, message: string): string[] {
  const fromInfo = metadata?.['permission'] ?? metadata?.['permissions'];
  if (fromInfo) return fromInfo.split(/[\s,]+/).filter(Boolean);
  const quoted = /[Pp]ermission '([a-z][\w.]+)'|'([a-z][\w]*\.[\w.]+)' (?:permission|denied)|Required '([a-z][\w.]+)' permission/.exec(message);
  const p = quoted?.[1] ?? quoted?.[2] ?? quoted?.[3];
  return p ? [p] : [];
}
