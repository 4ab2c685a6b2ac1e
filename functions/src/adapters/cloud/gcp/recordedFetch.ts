/**
 * A `fetch` answering from a table of recorded routes, for tests of the GCP adapter (and the
 * integrator's end-to-end tests): no network. Routes are tried in order; a route with `times`
 * answers that many requests and then steps aside, so "429 twice, then 200" is two routes.
 * A request no route matches is answered 404 in Google's error format and kept in `unmatched`.
 */

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The parsed JSON body, the raw text when it is not JSON, undefined when there is none. */
  body: unknown;
}

export interface RecordedRoute {
  method: string;
  /** The whole URL (query included) as a string, or a pattern tested against it. */
  url: string | RegExp;
  status?: number;
  /** The JSON answer, or a function of the request. */
  body?: unknown | ((req: RecordedRequest) => unknown);
  headers?: Record<string, string>;
  /** Answers at most this many requests. */
  times?: number;
  /** Fails like a network error instead of answering. */
  networkError?: string;
}

export interface RecordedFetch {
  fetch: typeof fetch;
  requests: RecordedRequest[];
  unmatched: RecordedRequest[];
}

export function recordedFetch(routes: RecordedRoute[]): RecordedFetch {
  const requests: RecordedRequest[] = [];
  const unmatched: RecordedRequest[] = [];
  const used = new Map<RecordedRoute, number>();
  const matches = (r: RecordedRoute, req: RecordedRequest) =>
    r.method.toUpperCase() === req.method && (typeof r.url === 'string' ? r.url === req.url : r.url.test(req.url)) && (r.times === undefined || (used.get(r) ?? 0) < r.times);

  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    const text = typeof init?.body === 'string' ? init.body : undefined;
    let body: unknown = text;
    if (text !== undefined) {
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
    }
    const req: RecordedRequest = { method: (init?.method ?? 'GET').toUpperCase(), url, headers, body };
    requests.push(req);
    const route = routes.find((r) => matches(r, req));
    if (!route) {
      unmatched.push(req);
      const error = { error: { code: 404, status: 'NOT_FOUND', message: `no recorded route for ${req.method} ${url}` } };
      return new Response(JSON.stringify(error), { status: 404, headers: { 'content-type': 'application/json' } });
    }
    used.set(route, (used.get(route) ?? 0) + 1);
    if (route.networkError) throw new TypeError(route.networkError);
    const answer = typeof route.body === 'function' ? (route.body as (r: RecordedRequest) => unknown)(req) : route.body;
    const status = route.status ?? 200;
    const payload = answer === undefined || status === 204 ? null : JSON.stringify(answer);
    return new Response(payload, { status, headers: { 'content-type': 'application/json', ...route.headers } });
  };
  return { fetch: fake as typeof fetch, requests, unmatched };
}
