import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeFetch, type Resolver } from '../src/adapters/notify/safeFetch.ts';
import { DeliveryError } from '../src/domain/notifications.ts';

/**
 * The SSRF guard with names under our control (an injected resolver): nothing here ever
 * connects anywhere but the test server on 127.0.0.1. Refusals happen before any connection,
 * which the server's request count shows.
 */
let server: http.Server;
let port: number;
const hits: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url} host=${req.headers.host}`);
    const m = /^\/redirect(\d{3})?\?to=(.*)$/.exec(req.url ?? '');
    if (m) {
      res.writeHead(Number(m[1] ?? 307), { Location: decodeURIComponent(m[2]!) });
      return res.end();
    }
    if (req.url === '/big') {
      res.writeHead(200);
      return res.end('x'.repeat(1024 * 1024));
    }
    if (req.url === '/slow') return setTimeout(() => res.end('late'), 2000);
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const local = { allowedAddresses: ['127.0.0.1'], allowHttp: true };
const strict = { allowedAddresses: [] as string[], allowHttp: true };
/** Names we decide: each resolves where the map says; the count shows no second lookup. */
function resolverOf(map: Record<string, string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const fn = (async (host: string) => {
    calls.push(host);
    const found = map[host];
    if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }) as const);
  }) as Resolver & { calls: string[] };
  fn.calls = calls;
  return fn;
}

async function refusal(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

const post = { method: 'POST' as const, headers: { 'Content-Type': 'application/json' }, body: '{}' };

describe('safeFetch', () => {
  it('reaches an allowed literal address, sending the body', async () => {
    const res = await safeFetch(`http://127.0.0.1:${port}/ok`, post, { policy: local });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('ok');
  });

  it.each([
    ['the metadata server', 'http://169.254.169.254/computeMetadata/v1/'],
    ['a private address', 'http://10.0.0.1/hook'],
    ['a CGNAT address', 'http://100.64.1.1/hook'],
    ['IPv6 loopback', 'http://[::1]:80/hook'],
    ['an IPv4-mapped metadata address', 'http://[::ffff:169.254.169.254]/'],
    ['the metadata host name', 'http://metadata.google.internal/computeMetadata/v1/'],
  ])('refuses %s before any lookup or connection', async (_what, url) => {
    const resolver = resolverOf({});
    const before = hits.length;
    const err = await refusal(safeFetch(url, post, { policy: local, resolver }));
    expect(err.code).toBe('destination_not_allowed');
    expect(resolver.calls).toEqual([]);
    expect(hits.length).toBe(before);
  });

  it.each([
    ['127.0.0.1', ['127.0.0.1']],
    ['10.0.0.1', ['10.0.0.1']],
    ['169.254.169.254', ['169.254.169.254']],
    ['a public and a private address', ['93.184.216.34', '192.168.0.10']],
  ])('refuses a name resolving to %s, allow-list or not', async (_what, addresses) => {
    const resolver = resolverOf({ 'hooks.customer.test': addresses });
    const before = hits.length;
    for (const policy of [local, strict]) {
      const err = await refusal(safeFetch(`http://hooks.customer.test:${port}/x`, post, { policy, resolver }));
      expect(err.code).toBe('destination_not_allowed');
      expect(err.message).toMatch(/resolves to/);
    }
    expect(hits.length).toBe(before);
  });

  it('refuses 127.0.0.1 itself without the allow-list', async () => {
    const err = await refusal(safeFetch(`http://127.0.0.1:${port}/ok`, post, { policy: strict }));
    expect(err.code).toBe('destination_not_allowed');
  });

  it('checks every redirect hop: a redirect to an internal address or name is refused there', async () => {
    for (const target of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/', `http://localhost:${port}/ok`, 'file:///etc/passwd']) {
      const before = hits.length;
      const err = await refusal(safeFetch(`http://127.0.0.1:${port}/redirect?to=${encodeURIComponent(target)}`, post, { policy: local }));
      expect(['destination_not_allowed', 'scheme_not_allowed']).toContain(err.code);
      // Only the first hop reached our server.
      expect(hits.length).toBe(before + 1);
    }
    // An allowed hop is followed (307 keeps the POST).
    const ok = await safeFetch(`http://127.0.0.1:${port}/redirect?to=${encodeURIComponent(`http://127.0.0.1:${port}/ok`)}`, post, { policy: local });
    expect(ok).toMatchObject({ status: 200, finalUrl: `http://127.0.0.1:${port}/ok` });
    expect(hits.at(-1)).toMatch(/^POST \/ok/);
  });

  it('a redirect that would turn the POST into a bodiless GET (301, 302, 303) fails the delivery instead of losing the event', async () => {
    for (const status of [301, 302, 303]) {
      const before = hits.length;
      const err = await refusal(safeFetch(`http://127.0.0.1:${port}/redirect${status}?to=${encodeURIComponent(`http://127.0.0.1:${port}/ok`)}`, post, { policy: local }));
      expect({ code: err.code, status: err.httpStatus }).toEqual({ code: 'redirect_changes_method', status });
      expect(err.message).toContain('307 or 308');
      // The target was never asked.
      expect(hits.length).toBe(before + 1);
    }
    // 308 keeps the POST and its body.
    const ok = await safeFetch(`http://127.0.0.1:${port}/redirect308?to=${encodeURIComponent(`http://127.0.0.1:${port}/ok`)}`, post, { policy: local });
    expect(ok.status).toBe(200);
    expect(hits.at(-1)).toMatch(/^POST \/ok/);
  });

  it('stops after three redirects', async () => {
    const hop = (to: string) => `http://127.0.0.1:${port}/redirect?to=${encodeURIComponent(to)}`;
    const err = await refusal(safeFetch(hop(hop(hop(hop(`http://127.0.0.1:${port}/ok`)))), post, { policy: local }));
    expect(err.code).toBe('too_many_redirects');
  });

  it('refuses plain http in production, other schemes always, and credentials in URLs', async () => {
    expect((await refusal(safeFetch(`http://127.0.0.1:${port}/ok`, post, { policy: { allowedAddresses: ['127.0.0.1'], allowHttp: false } }))).code).toBe('scheme_not_allowed');
    expect((await refusal(safeFetch('ftp://127.0.0.1/x', post, { policy: local }))).code).toBe('scheme_not_allowed');
    expect((await refusal(safeFetch(`http://u:p@127.0.0.1:${port}/ok`, post, { policy: local }))).code).toBe('destination_not_allowed');
  });

  it('caps the response it reads, and times out', async () => {
    const big = await safeFetch(`http://127.0.0.1:${port}/big`, { ...post, method: 'GET', body: undefined }, { policy: local, maxResponseBytes: 1000 });
    expect(big.body.length).toBe(1000);
    const err = await refusal(safeFetch(`http://127.0.0.1:${port}/slow`, post, { policy: local, timeoutMs: 300 }));
    expect(err.code).toBe('timeout');
  });

  it('an unresolvable name is a retryable dns failure', async () => {
    const err = await refusal(safeFetch('https://nowhere.customer.test/x', post, { policy: local, resolver: resolverOf({}) }));
    expect(err.code).toBe('dns_failed');
  });
});
