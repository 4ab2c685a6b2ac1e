import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, createClient, createRunnerClient, items, streamRun } from '../src/index.ts';

/** The client against a real HTTP server on loopback, answering as the handler says. */
interface Hit {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(handler: (hit: Hit, res: ServerResponse, n: number) => void): Promise<{ base: string; hits: Hit[] }> {
  const hits: Hit[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const hit = { method: req.method!, url: req.url!, headers: req.headers, body };
      hits.push(hit);
      handler(hit, res, hits.length);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { base: `http://127.0.0.1:${(server.address() as { port: number }).port}`, hits };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const problem = (status: number, code: string) => ({ type: `urn:x:${code}`, title: 'Nope', status, detail: `it is ${code}`, code, requestId: 'req-from-server' });

describe('createClient', () => {
  it('fills the path, query, body and credential of an operation from the contract', async () => {
    const { base, hits } = await serve((_h, res) => json(res, 201, { id: 'r1', state: 'queued' }));
    const api = createClient({ baseUrl: base, credential: async () => 'id-token' });
    const run = await api.call('triggerRun', { params: { wsId: 'w 1', installId: 'i1' }, body: { input: { x: 1 } } });
    expect(run).toMatchObject({ id: 'r1', state: 'queued' });
    expect(hits[0]).toMatchObject({ method: 'POST', url: '/v1/workspaces/w%201/installs/i1/runs', body: '{"input":{"x":1}}' });
    expect(hits[0]!.headers['authorization']).toBe('Bearer id-token');
    expect(hits[0]!.headers['content-type']).toBe('application/json');
    expect(hits[0]!.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // A creating POST carries an Idempotency-Key.
    expect(hits[0]!.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);

    await api.call('listRuns', { params: { wsId: 'w1' }, query: { state: 'failed', installId: undefined, limit: 5 } });
    expect(hits[1]).toMatchObject({ method: 'GET', url: '/v1/workspaces/w1/runs?state=failed&limit=5', body: '' });
    // An action POST (cancel, at its custom method) carries none, and no body.
    await api.call('cancelRun', { params: { wsId: 'w1', runId: 'r1' } });
    expect(hits[2]).toMatchObject({ method: 'POST', url: '/v1/workspaces/w1/runs/r1:cancel', body: '' });
    expect(hits[2]!.headers['idempotency-key']).toBeUndefined();
  });

  it('answers 204 with undefined and refuses a path parameter left empty', async () => {
    const { base } = await serve((_h, res) => (res.writeHead(204), res.end()));
    const api = createClient({ baseUrl: base });
    expect(await api.call('uninstall', { params: { wsId: 'w1', installId: 'i1' } })).toBeUndefined();
    await expect(api.call('getRun', { params: { wsId: 'w1', runId: '' } })).rejects.toThrow(/runId/);
  });

  it('turns problem+json into an ApiError with the code, request id and Retry-After', async () => {
    const { base } = await serve((_h, res) => json(res, 429, problem(429, 'concurrent_run_limit'), { 'Retry-After': '15', 'X-Request-Id': 'req-from-server' }));
    const api = createClient({ baseUrl: base, describeError: ({ problem: p, retryAfter }) => `${p?.code} in ${retryAfter}` });
    const err = await api.call('triggerRun', { params: { wsId: 'w1', installId: 'i1' }, body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 429, code: 'concurrent_run_limit', requestId: 'req-from-server', retryAfter: 15, message: 'concurrent_run_limit in 15' });
    expect((err as ApiError).problem?.detail).toBe('it is concurrent_run_limit');
  });

  it('an error without a problem body still has a status and a code', async () => {
    const { base } = await serve((_h, res) => (res.writeHead(502, { 'Content-Type': 'text/html' }), res.end('<h1>bad gateway</h1>')));
    const err = await createClient({ baseUrl: base }).call('health').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 502, code: 'http_error', problem: null });
  });

  it('repeats a creating POST after a dropped connection with the same Idempotency-Key; never a DELETE', async () => {
    const { base, hits } = await serve((_h, res, n) => (n === 1 ? res.socket!.destroy() : json(res, 201, { id: 'w1' })));
    const api = createClient({ baseUrl: base, baseDelayMs: 1 });
    await api.call('createWorkspace', { body: { name: 'Acme' } });
    expect(hits).toHaveLength(2);
    expect(hits[1]!.headers['idempotency-key']).toBe(hits[0]!.headers['idempotency-key']);

    const dropping = await serve((_h, res) => res.socket!.destroy());
    const err = await createClient({ baseUrl: dropping.base, baseDelayMs: 1 })
      .call('removeMember', { params: { wsId: 'w1', uid: 'u1' } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, code: 'network_error' });
    expect(dropping.hits).toHaveLength(1);
  });

  it('walks cursor pages and their items', async () => {
    const pages: Record<string, unknown> = {
      '': { items: [{ id: 'a' }, { id: 'b' }], nextCursor: 'c1' },
      c1: { items: [{ id: 'c' }], nextCursor: 'c2' },
      c2: { items: [], nextCursor: null },
    };
    const { base, hits } = await serve((h, res) => json(res, 200, pages[new URL(h.url, 'http://x').searchParams.get('cursor') ?? '']));
    const api = createClient({ baseUrl: base });
    const ids: string[] = [];
    for await (const ws of items(api, 'listWorkspaces', { query: { limit: 2 } })) ids.push(ws.id);
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(hits.map((h) => h.url)).toEqual(['/v1/workspaces?limit=2', '/v1/workspaces?limit=2&cursor=c1', '/v1/workspaces?limit=2&cursor=c2']);
  });
});

describe('streamRun', () => {
  const frame = (id: string, event: string, data: unknown) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

  it('resumes after a dropped stream with Last-Event-ID and ends at `end`', async () => {
    const { base, hits } = await serve((h, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      if (!h.headers['last-event-id']) {
        res.write('retry: 10\n\n');
        res.write(frame('0.-1', 'transition', { seq: 0, from: null, to: 'queued', reason: 'created', attempt: 1, at: '2026-01-01T00:00:00Z' }));
        // Half an event, then the connection drops: the half must not be delivered.
        res.write('id: 0.0\nevent: logs\ndata: {"seq":0,');
        setTimeout(() => res.socket!.destroy(), 20);
        return;
      }
      res.write(frame('0.0', 'logs', { seq: 0, attempt: 1, lines: [{ ts: '2026-01-01T00:00:00Z', level: 'info', msg: 'hi' }] }));
      res.end(frame('0.0', 'end', { state: 'succeeded' }));
    });
    const seen: string[] = [];
    for await (const m of streamRun(createClient({ baseUrl: base }), { wsId: 'w1', runId: 'r1' })) {
      seen.push(m.event === 'logs' ? `logs:${m.data.lines[0]!.msg}` : m.event);
    }
    expect(seen).toEqual(['transition', 'logs:hi', 'end']);
    expect(hits.map((h) => h.headers['last-event-id'])).toEqual([undefined, '0.-1']);
    expect(hits[0]!.url).toBe('/v1/workspaces/w1/runs/r1/stream');
  });

  it('throws the ApiError of a refused stream instead of retrying it', async () => {
    const { base, hits } = await serve((_h, res) => json(res, 404, problem(404, 'run_not_found')));
    const iterate = async () => {
      for await (const _m of streamRun(createClient({ baseUrl: base }), { wsId: 'w1', runId: 'nope' })) void _m;
    };
    await expect(iterate()).rejects.toMatchObject({ status: 404, code: 'run_not_found' });
    expect(hits).toHaveLength(1);
  });
});

describe('createRunnerClient', () => {
  it('retries 5xx and 429 with backoff on the run’s path, then succeeds', async () => {
    const statuses = [503, 429, 200];
    const { base, hits } = await serve((_h, res, n) => (statuses[n - 1] === 200 ? json(res, 200, { ok: true }) : json(res, statuses[n - 1]!, problem(statuses[n - 1]!, 'busy'))));
    const runner = createRunnerClient({ apiUrl: `${base}/v1/runner`, runId: 'r1', token: 'rt_t', baseDelayMs: 5 });
    expect(await runner.call('runnerHeartbeat', {})).toEqual({ ok: true });
    expect(hits.map((h) => h.url)).toEqual(Array(3).fill('/v1/runner/runs/r1/heartbeat'));
    expect(hits[0]!.headers['authorization']).toBe('Bearer rt_t');
  });

  it('does not retry another 4xx, and gives up after maxAttempts', async () => {
    const conflict = await serve((_h, res) => json(res, 409, problem(409, 'run_finished')));
    const runner = createRunnerClient({ apiUrl: `${conflict.base}/v1/runner/`, runId: 'r1', token: 't', baseDelayMs: 1 });
    await expect(runner.call('runnerLogs', { seq: 0, lines: [{ ts: '2026-01-01T00:00:00Z', level: 'info', msg: 'x' }] })).rejects.toMatchObject({ status: 409, code: 'run_finished' });
    expect(conflict.hits).toHaveLength(1);

    const failing = await serve((_h, res) => json(res, 500, problem(500, 'internal')));
    const flaky = createRunnerClient({ apiUrl: `${failing.base}/v1/runner`, runId: 'r1', token: 't', baseDelayMs: 1, maxAttempts: 3 });
    await expect(flaky.call('runnerComplete', { outcome: 'succeeded' })).rejects.toBeInstanceOf(ApiError);
    expect(failing.hits).toHaveLength(3);
  });

  it('retries a refused connection, then reports a network error', async () => {
    const runner = createRunnerClient({ apiUrl: 'http://127.0.0.1:9/v1/runner', runId: 'r1', token: 't', baseDelayMs: 1, maxAttempts: 2 });
    await expect(runner.call('runnerStarted')).rejects.toMatchObject({ code: 'network_error' });
  });

  it('refuses a runner API URL that is not one', () => {
    expect(() => createRunnerClient({ apiUrl: 'http://127.0.0.1:9/v1', runId: 'r1', token: 't' })).toThrow(/\/v1\/runner/);
  });
});
