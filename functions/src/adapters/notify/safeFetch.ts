import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { HttpDelivery, HttpSender } from '../../app/notifications/ports.js';
import { canonicalAddress, checkDestination, checkScheme, isBlockedHostName, type DestinationPolicy } from '../../domain/addressPolicy.js';
import { DeliveryError } from '../../domain/notifications.js';

/** Resolves a host name to its addresses (injectable: tests give names their own answers). */
export type Resolver = (host: string) => Promise<{ address: string; family: 4 | 6 }[]>;

export const systemResolver: Resolver = async (host) => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export interface SafeFetchOptions {
  policy: DestinationPolicy;
  resolver?: Resolver;
  /** The whole exchange, redirects included. */
  timeoutMs?: number;
  /** Response bytes read at most (the rest is dropped: only the status matters). */
  maxResponseBytes?: number;
  maxRedirects?: number;
}

export interface SafeResponse {
  status: number;
  finalUrl: string;
  /** The start of the body, at most maxResponseBytes. */
  body: Buffer;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * A POST to an untrusted URL (customer webhooks, Slack). The host is resolved here and every
 * address checked against the policy (domain/addressPolicy.ts) before any connection; the
 * connection then goes to the address checked (the socket's lookup is pinned to it, while SNI,
 * certificate checks and Host keep the name), so a second DNS answer cannot move it.
 * Redirects are followed by hand, each hop checked the same way. Refusals throw
 * DeliveryError('destination_not_allowed' | 'scheme_not_allowed').
 */
export async function safeFetch(rawUrl: string, init: { method?: 'POST' | 'GET'; headers: Record<string, string>; body?: string }, options: SafeFetchOptions): Promise<SafeResponse> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const resolver = options.resolver ?? systemResolver;
  let url = parseUrl(rawUrl);
  let method = init.method ?? 'POST';
  let body = init.body;
  for (let hop = 0; ; hop++) {
    const pinned = await checkedAddress(url, options.policy, resolver);
    const res = await request(url, pinned, { method, headers: init.headers, body }, deadline, options.maxResponseBytes ?? 64 * 1024);
    if (!REDIRECTS.has(res.status) || !res.location) return { status: res.status, finalUrl: url.toString(), body: res.body };
    if (hop >= (options.maxRedirects ?? 3)) throw new DeliveryError('too_many_redirects', `More than ${options.maxRedirects ?? 3} redirects.`, res.status);
    // Browsers follow 301/302/303 after a POST as a GET without the body: for a delivery that
    // would answer 2xx having received nothing, and the event would be lost. It fails instead.
    if (method === 'POST' && res.status !== 307 && res.status !== 308) {
      throw new DeliveryError('redirect_changes_method', `The endpoint answered ${res.status} to the POST, which would be followed as a GET without the event; point the channel at the final URL (only 307 or 308 keep the POST).`, res.status);
    }
    url = parseUrl(new URL(res.location, url).toString());
    if (res.status === 303) {
      method = 'GET';
      body = undefined;
    }
  }
}

function parseUrl(raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new DeliveryError('destination_not_allowed', 'The URL is not valid.');
  }
}

/** The one address to connect to, after the policy accepted every address the host has. */
async function checkedAddress(url: URL, policy: DestinationPolicy, resolver: Resolver): Promise<{ address: string; family: 4 | 6 }> {
  const scheme = checkScheme(url.protocol, policy);
  if (!scheme.ok) throw new DeliveryError(scheme.code, `Refused ${url.protocol}//${url.host}: ${scheme.reason}.`);
  if (url.username || url.password) throw new DeliveryError('destination_not_allowed', 'A URL with credentials in it is refused.');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = canonicalAddress(host);
  let addresses: { address: string; family: 4 | 6 }[];
  if (literal !== null) {
    addresses = [{ address: host, family: host.includes(':') ? 6 : 4 }];
  } else {
    // Refuse internal names before asking DNS about them at all.
    if (isBlockedHostName(host)) throw new DeliveryError('destination_not_allowed', `Refused ${url.host}: ${host} is an internal host name.`);
    try {
      addresses = await resolver(host);
    } catch (err) {
      throw new DeliveryError('dns_failed', `${host} could not be resolved (${(err as NodeJS.ErrnoException).code ?? String(err)}).`);
    }
  }
  const decision = checkDestination(
    host,
    addresses.map((a) => a.address),
    policy,
  );
  if (!decision.ok) throw new DeliveryError(decision.code, `Refused ${url.host}: ${decision.reason}.`);
  return addresses[0]!;
}

function request(
  url: URL,
  pinned: { address: string; family: 4 | 6 },
  init: { method: string; headers: Record<string, string>; body: string | undefined },
  deadline: number,
  maxBytes: number,
): Promise<{ status: number; location: string | undefined; body: Buffer }> {
  // Every lookup the socket makes answers the checked address: no second DNS query.
  const lookup = ((_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
    if (opts?.all) cb(null, [{ address: pinned.address, family: pinned.family }]);
    else cb(null, pinned.address, pinned.family);
  }) as unknown as LookupFunction;
  const client = url.protocol === 'https:' ? https : http;
  const remaining = deadline - Date.now();
  if (remaining <= 0) return Promise.reject(new DeliveryError('timeout', 'The receiver did not answer in time.'));
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: init.method,
        headers: { ...init.headers, ...(init.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(init.body)) } : {}) },
        lookup,
        // No pooled socket: each request connects to the address just checked.
        agent: false,
        timeout: remaining,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: Buffer.concat(chunks) });
        res.on('data', (chunk: Buffer) => {
          if (size < maxBytes) chunks.push(chunk.subarray(0, maxBytes - size));
          size += chunk.length;
          // Past the cap the rest is not read: the status is what counts.
          if (size >= maxBytes) {
            res.destroy();
            done();
          }
        });
        res.on('end', done);
        res.on('error', (err) => reject(new DeliveryError('network_error', `Reading the answer failed: ${err.message}`, res.statusCode ?? null)));
      },
    );
    const timer = setTimeout(() => req.destroy(new DeliveryError('timeout', 'The receiver did not answer in time.')), remaining);
    req.on('close', () => clearTimeout(timer));
    req.on('timeout', () => req.destroy(new DeliveryError('timeout', 'The receiver did not answer in time.')));
    req.on('error', (err) => reject(err instanceof DeliveryError ? err : new DeliveryError('network_error', `${(err as NodeJS.ErrnoException).code ?? 'error'}: ${err.message}`)));
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

/** The HttpSender port over safeFetch. */
export class SafeHttpSender implements HttpSender {
  constructor(private readonly options: SafeFetchOptions) {}

  async post(delivery: HttpDelivery): Promise<{ status: number; finalUrl: string }> {
    const res = await safeFetch(delivery.url, { method: 'POST', headers: delivery.headers, body: delivery.body }, this.options);
    return { status: res.status, finalUrl: res.finalUrl };
  }
}
