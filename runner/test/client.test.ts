import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { RunnerApiError, RunnerClient } from '../src/client.ts';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A real HTTP server answering with the given statuses in turn. */
async function serve(statuses: number[]): Promise<{ url: string; hits: { auth: string | undefined; body: string }[] }> {
  const hits: { auth: string | undefined; body: string }[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hits.push({ auth: req.headers.authorization, body });
      const status = statuses[Math.min(hits.length - 1, statuses.length - 1)]!;
      res.writeHead(status, { 'Content-Type': status < 400 ? 'application/json' : 'application/problem+json' });
      res.end(JSON.stringify(status < 400 ? { ok: true } : { code: `c${status}`, detail: `status ${status}` }));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/v1/runner`, hits };
}

describe('RunnerClient', () => {
  it('retries 5xx and 429 with backoff, then succeeds', async () => {
    const { url, hits } = await serve([503, 429, 200]);
    const client = new RunnerClient({ baseUrl: url, runId: 'r1', token: 'rt_t', baseDelayMs: 5 });
    expect(await client.post('heartbeat', {})).toEqual({ ok: true });
    expect(hits).toHaveLength(3);
    expect(hits[0]!.auth).toBe('Bearer rt_t');
  });

  it('does not retry a 4xx answer', async () => {
    const { url, hits } = await serve([409]);
    const client = new RunnerClient({ baseUrl: url, runId: 'r1', token: 't', baseDelayMs: 5 });
    await expect(client.post('logs', { seq: 0, lines: [] })).rejects.toMatchObject({ status: 409, code: 'c409' });
    expect(hits).toHaveLength(1);
  });

  it('gives up after maxAttempts and reports the last error', async () => {
    const { url, hits } = await serve([500]);
    const client = new RunnerClient({ baseUrl: url, runId: 'r1', token: 't', baseDelayMs: 1, maxAttempts: 3 });
    await expect(client.post('complete', {})).rejects.toBeInstanceOf(RunnerApiError);
    expect(hits).toHaveLength(3);
  });

  it('survives a refused connection by retrying', async () => {
    const client = new RunnerClient({ baseUrl: 'http://127.0.0.1:9/v1/runner', runId: 'r1', token: 't', baseDelayMs: 1, maxAttempts: 2 });
    await expect(client.post('started', {})).rejects.toBeTruthy();
  });
});
