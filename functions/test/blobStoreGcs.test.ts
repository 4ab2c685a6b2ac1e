import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GcsBlobStore } from '../src/adapters/blobs/gcsBlobStore.ts';
import { AppError } from '../src/domain/errors.ts';

/**
 * Contract tests of the Cloud Storage adapter: the real adapter and the real
 * `@google-cloud/storage` client, pointed (`apiEndpoint`) at a small stand-in of the JSON API
 * that records every request. Signing runs offline with a key made here.
 */

const BUCKET = 'am-bundles';
const GZIP = 'application/gzip';
const CLIENT_EMAIL = 'functions@demo-blobs.iam.gserviceaccount.com';
const NOW = new Date('2030-05-06T07:08:09.500Z');
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('base64');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** A multipart insert's two parts. */
  resource?: Record<string, unknown>;
  media?: { contentType: string; bytes: Buffer };
}

interface StoredObject {
  bytes: Buffer;
  resource: Record<string, unknown>;
}

/** The JSON API, as far as the adapter uses it: multipart insert, metadata, media download, delete. */
class FakeGcs {
  readonly requests: Recorded[] = [];
  readonly objects = new Map<string, StoredObject>();
  private generation = 1_700_000_000_000_000;
  /** Answers the next inserts with these statuses after storing (a lost response), or instead of storing. */
  failInsert: { status: number; afterStoring: boolean }[] = [];
  /** Serves these bytes on download instead of the stored ones. */
  tamperDownload: Buffer | undefined;
  private server = http.createServer((req, res) => void this.handle(req, res));
  url = '';

  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  async stop() {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
  reset() {
    this.requests.length = 0;
    this.objects.clear();
    this.failInsert = [];
    this.tamperDownload = undefined;
  }

  /** An object as a signed-URL PUT leaves it: no custom metadata. */
  putDirect(name: string, bytes: Buffer, contentType = GZIP) {
    this.objects.set(name, { bytes, resource: this.resourceOf(name, bytes, { contentType }) });
  }

  private resourceOf(name: string, bytes: Buffer, given: Record<string, unknown>) {
    return { ...given, kind: 'storage#object', bucket: BUCKET, name, size: String(bytes.length), md5Hash: md5(bytes), generation: String(++this.generation), metageneration: '1' };
  }

  private json(res: http.ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));
  }
  private error(res: http.ServerResponse, status: number, reason: string, message: string) {
    this.json(res, status, { error: { code: status, message, errors: [{ reason, message }] } });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.url);
    const rec: Recorded = { method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers };
    this.requests.push(rec);

    const insert = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (req.method === 'POST' && insert && rec.query['uploadType'] === 'multipart') {
      const boundary = /boundary=([^;]+)/.exec(req.headers['content-type'] ?? '')?.[1];
      if (insert[1] !== BUCKET || !boundary) return this.error(res, 400, 'invalid', 'bad insert');
      const parts = multipart(body, boundary);
      rec.resource = JSON.parse(parts[0]!.body.toString('utf8')) as Record<string, unknown>;
      rec.media = { contentType: parts[1]!.headers['content-type'] ?? '', bytes: parts[1]!.body };
      const name = rec.query['name']!;
      const fail = this.failInsert.shift();
      if (fail && !fail.afterStoring) return this.error(res, fail.status, 'forbidden', 'refused');
      if (rec.query['ifGenerationMatch'] === '0' && this.objects.has(name)) {
        return this.error(res, 412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.');
      }
      if (rec.resource['md5Hash'] && rec.resource['md5Hash'] !== md5(rec.media.bytes)) {
        return this.error(res, 400, 'invalid', 'Provided MD5 hash does not match the calculated MD5 hash.');
      }
      const resource = this.resourceOf(name, rec.media.bytes, { contentType: rec.resource['contentType'], metadata: rec.resource['metadata'] });
      this.objects.set(name, { bytes: rec.media.bytes, resource });
      if (fail) return this.error(res, fail.status, 'backendError', 'lost response');
      return this.json(res, 200, resource);
    }

    const object = /^\/storage\/v1\/b\/([^/]+)\/o\/([^/]+)$/.exec(url.pathname);
    if (object) {
      const name = decodeURIComponent(object[2]!);
      const stored = object[1] === BUCKET ? this.objects.get(name) : undefined;
      const generationOk = !rec.query['generation'] || rec.query['generation'] === stored?.resource['generation'];
      if (!stored || !generationOk) return this.error(res, 404, 'notFound', `No such object: ${BUCKET}/${name}`);
      if (req.method === 'DELETE') {
        this.objects.delete(name);
        return void res.writeHead(204).end();
      }
      if (req.method === 'GET' && rec.query['alt'] === 'media') {
        const bytes = this.tamperDownload ?? stored.bytes;
        res.writeHead(200, {
          'content-type': String(stored.resource['contentType']),
          'x-goog-hash': `md5=${md5(bytes)}`,
          'x-goog-stored-content-encoding': 'identity',
          'x-goog-generation': String(stored.resource['generation']),
        });
        return void res.end(bytes);
      }
      if (req.method === 'GET') return this.json(res, 200, stored.resource);
    }
    return this.error(res, 400, 'invalid', `unexpected ${req.method} ${url.pathname}`);
  }
}

function multipart(body: Buffer, boundary: string): { headers: Record<string, string>; body: Buffer }[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { headers: Record<string, string>; body: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  for (;;) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    const part = body.subarray(start + 2, next - 2); // CRLF after the delimiter, CRLF before the next
    const split = part.indexOf('\r\n\r\n');
    const headers = Object.fromEntries(
      part
        .subarray(0, split)
        .toString('latin1')
        .split('\r\n')
        .map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
    );
    parts.push({ headers, body: Buffer.from(part.subarray(split + 4)) });
    at = next;
  }
  return parts;
}

const fake = new FakeGcs();
let store: GcsBlobStore;
beforeAll(async () => {
  await fake.start();
  store = new GcsBlobStore({
    bucket: BUCKET,
    now: () => NOW,
    storageOptions: {
      apiEndpoint: fake.url,
      projectId: 'demo-blobs',
      credentials: { client_email: CLIENT_EMAIL, private_key: privateKey },
      // One retry, after the client's minimum delay (1 s).
      retryOptions: { maxRetries: 1, retryDelayMultiplier: 1, maxRetryDelay: 1, totalTimeout: 10 },
    },
  });
});
afterAll(() => fake.stop());
beforeEach(() => fake.reset());

async function rejectsWith(p: Promise<unknown>, code: string): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  return err as AppError;
}

describe('GcsBlobStore requests', () => {
  it('puts with one multipart insert: the object name, ifGenerationMatch=0, its type, MD5 and sha256 metadata', async () => {
    const bytes = Buffer.from('a bundle');
    const info = await store.put('bundles/agent-1/1.0.0/source.tgz', bytes, { contentType: GZIP, maxBytes: 1024 });
    expect(info).toEqual({ key: 'bundles/agent-1/1.0.0/source.tgz', sizeBytes: bytes.length, contentType: GZIP, sha256: sha(bytes) });
    expect(fake.requests).toHaveLength(1);
    const [insert] = fake.requests;
    expect(insert).toMatchObject({
      method: 'POST',
      path: `/upload/storage/v1/b/${BUCKET}/o`,
      query: { uploadType: 'multipart', name: 'bundles/agent-1/1.0.0/source.tgz', ifGenerationMatch: '0' },
      resource: { contentType: GZIP, md5Hash: md5(bytes), metadata: { sha256: sha(bytes) } },
      media: { contentType: GZIP, bytes },
    });
    expect(fake.objects.get('bundles/agent-1/1.0.0/source.tgz')?.bytes).toEqual(bytes);
  });

  it('writes once: a 412 with the same SHA-256 stored answers the same info, other bytes are blob_exists', async () => {
    const bytes = Buffer.from('first');
    const first = await store.put('k/once', bytes, { contentType: GZIP, maxBytes: 100 });
    fake.requests.length = 0;
    expect(await store.put('k/once', bytes, { contentType: GZIP, maxBytes: 100 })).toEqual(first);
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.query['ifGenerationMatch'] ?? ''}`)).toEqual([
      `POST /upload/storage/v1/b/${BUCKET}/o 0`,
      `GET /storage/v1/b/${BUCKET}/o/k%2Fonce `,
    ]);
    const err = await rejectsWith(store.put('k/once', Buffer.from('other'), { contentType: GZIP, maxBytes: 100 }), 'blob_exists');
    expect(err.kind).toBe('conflict');
    expect(fake.objects.get('k/once')?.bytes.toString()).toBe('first');
  });

  it('compares by MD5 and size with an object a signed upload left (no sha256 metadata)', async () => {
    const bytes = Buffer.from('uploaded through a signed URL');
    fake.putDirect('k/signed', bytes);
    expect(await store.stat('k/signed')).toEqual({ key: 'k/signed', sizeBytes: bytes.length, contentType: GZIP, sha256: null });
    expect(await store.put('k/signed', bytes, { contentType: GZIP, maxBytes: 100 })).toEqual({ key: 'k/signed', sizeBytes: bytes.length, contentType: GZIP, sha256: sha(bytes) });
    await rejectsWith(store.put('k/signed', Buffer.from('something else'), { contentType: GZIP, maxBytes: 100 }), 'blob_exists');
  });

  it('survives a retried insert whose first try was stored but whose answer was lost', async () => {
    fake.failInsert = [{ status: 503, afterStoring: true }];
    const bytes = Buffer.from('stored, answer lost');
    expect(await store.put('k/retry', bytes, { contentType: GZIP, maxBytes: 100 })).toMatchObject({ sha256: sha(bytes) });
    expect(fake.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'GET']);
    expect(fake.requests.every((r) => r.method !== 'POST' || r.query['ifGenerationMatch'] === '0')).toBe(true);
  });

  it('rethrows other errors as they are (not AppErrors), and refuses oversize or bad input before any request', async () => {
    fake.failInsert = [{ status: 403, afterStoring: false }];
    const err = await store.put('k/denied', Buffer.from('x'), { contentType: GZIP, maxBytes: 10 }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(AppError);
    expect((err as { code?: number }).code).toBe(403);
    fake.requests.length = 0;
    await rejectsWith(store.put('k/big', Buffer.alloc(11), { contentType: GZIP, maxBytes: 10 }), 'blob_too_large');
    await rejectsWith(store.put('../k', Buffer.alloc(1), { contentType: GZIP, maxBytes: 10 }), 'blob_key_invalid');
    await rejectsWith(store.get('a//b', { maxBytes: 10 }), 'blob_key_invalid');
    await rejectsWith(store.stat('a/./b'), 'blob_key_invalid');
    await rejectsWith(store.delete(''), 'blob_key_invalid');
    await rejectsWith(store.put('k/ct', Buffer.alloc(1), { contentType: 'nope', maxBytes: 10 }), 'blob_content_type_invalid');
    await rejectsWith(store.signedUploadUrl('k/x', { contentType: GZIP, maxBytes: 10, expiresInSeconds: 8 * 86_400 }), 'blob_expiry_invalid');
    expect(fake.requests).toEqual([]);
  });

  it('stats from the metadata: null when missing', async () => {
    await store.put('k/s', Buffer.from('abc'), { contentType: 'text/plain', maxBytes: 10 });
    expect(await store.stat('k/s')).toEqual({ key: 'k/s', sizeBytes: 3, contentType: 'text/plain', sha256: sha(Buffer.from('abc')) });
    expect(await store.stat('k/none')).toBeNull();
  });

  it('gets the generation it measured, checked against its size, MD5 and SHA-256', async () => {
    const bytes = Buffer.alloc(200_000, 5);
    await store.put('k/g', bytes, { contentType: GZIP, maxBytes: 1e6 });
    fake.requests.length = 0;
    expect(sha(await store.get('k/g', { maxBytes: 1e6 }))).toBe(sha(bytes));
    const generation = fake.objects.get('k/g')!.resource['generation'];
    expect(fake.requests.map((r) => [r.method, r.path, r.query])).toEqual([
      ['GET', `/storage/v1/b/${BUCKET}/o/k%2Fg`, {}],
      ['GET', `/storage/v1/b/${BUCKET}/o/k%2Fg`, { alt: 'media', generation }],
    ]);
  });

  it('refuses to download more than maxBytes (by the metadata, before the media request) or a missing blob', async () => {
    await store.put('k/big', Buffer.alloc(1000), { contentType: GZIP, maxBytes: 1e6 });
    fake.requests.length = 0;
    const err = await rejectsWith(store.get('k/big', { maxBytes: 999 }), 'blob_too_large');
    expect(err.kind).toBe('too_large');
    expect(fake.requests.map((r) => r.query['alt'] ?? 'metadata')).toEqual(['metadata']);
    await rejectsWith(store.get('k/missing', { maxBytes: 999 }), 'blob_not_found');
  });

  it('refuses bytes that are not the ones recorded (blob_corrupt), or more than the metadata said', async () => {
    await store.put('k/c', Buffer.from('recorded'), { contentType: GZIP, maxBytes: 100 });
    fake.tamperDownload = Buffer.from('RECORDED'); // its MD5 header matches, its SHA-256 does not
    await rejectsWith(store.get('k/c', { maxBytes: 100 }), 'blob_corrupt');
    fake.tamperDownload = Buffer.from('recorded and then some');
    await rejectsWith(store.get('k/c', { maxBytes: 100 }), 'blob_too_large');
  });

  it('deletes with one DELETE; a missing object is fine', async () => {
    await store.put('k/d', Buffer.from('x'), { contentType: GZIP, maxBytes: 10 });
    fake.requests.length = 0;
    await store.delete('k/d');
    await store.delete('k/d');
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`DELETE /storage/v1/b/${BUCKET}/o/k%2Fd`, `DELETE /storage/v1/b/${BUCKET}/o/k%2Fd`]);
    expect(await store.stat('k/d')).toBeNull();
  });
});

describe('GcsBlobStore signed upload URLs', () => {
  /** The V4 canonical request and string to sign, written from Cloud Storage's documentation (not the client's code). */
  function stringToSign(method: string, url: URL, headers: Record<string, string>): string {
    const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const query = [...url.searchParams]
      .filter(([k]) => k !== 'X-Goog-Signature')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${enc(k)}=${enc(v)}`)
      .join('&');
    const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
    const canonicalHeaders = names.map((h) => `${h}:${headers[h]!.trim()}\n`).join('');
    const canonical = [method, url.pathname, query, canonicalHeaders, names.join(';'), 'UNSIGNED-PAYLOAD'].join('\n');
    const credential = url.searchParams.get('X-Goog-Credential')!;
    return ['GOOG4-RSA-SHA256', url.searchParams.get('X-Goog-Date'), credential.slice(credential.indexOf('/') + 1), createHash('sha256').update(canonical).digest('hex')].join('\n');
  }

  it('signs a V4 PUT of the object covering its content type, the size range and create-only, valid for the time asked', async () => {
    const signed = await store.signedUploadUrl('bundles/agent-1/2.0.0/source.tgz', { contentType: GZIP, maxBytes: 100 * 1024 * 1024, expiresInSeconds: 900 });
    expect(fake.requests).toEqual([]); // signing is local: no request
    expect(signed.method).toBe('PUT');
    expect(signed.maxBytes).toBe(100 * 1024 * 1024);
    expect(signed.expiresAt).toEqual(new Date('2030-05-06T07:23:09Z'));
    expect(signed.headers).toEqual({ 'content-type': GZIP, 'x-goog-content-length-range': '0,104857600', 'x-goog-if-generation-match': '0' });

    const url = new URL(signed.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${fake.url}/${BUCKET}/bundles/agent-1/2.0.0/source.tgz`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      'X-Goog-Algorithm': 'GOOG4-RSA-SHA256',
      'X-Goog-Credential': `${CLIENT_EMAIL}/20300506/auto/storage/goog4_request`,
      'X-Goog-Date': '20300506T070809Z',
      'X-Goog-Expires': '900',
      'X-Goog-SignedHeaders': 'content-type;host;x-goog-content-length-range;x-goog-if-generation-match',
      'X-Goog-Signature': expect.stringMatching(/^[0-9a-f]{512}$/),
    });

    // The signature verifies with the service account's public key over exactly these headers
    // (the client signs the host without its port), and fails for any other size range or type.
    const signature = Buffer.from(url.searchParams.get('X-Goog-Signature')!, 'hex');
    const headers: Record<string, string> = { ...signed.headers, host: url.hostname };
    expect(verify('sha256', Buffer.from(stringToSign('PUT', url, headers)), publicKey, signature)).toBe(true);
    expect(verify('sha256', Buffer.from(stringToSign('PUT', url, { ...headers, 'x-goog-content-length-range': '0,999999999' })), publicKey, signature)).toBe(false);
    expect(verify('sha256', Buffer.from(stringToSign('PUT', url, { ...headers, 'content-type': 'text/html' })), publicKey, signature)).toBe(false);
    expect(verify('sha256', Buffer.from(stringToSign('GET', url, headers)), publicKey, signature)).toBe(false);
    const { 'x-goog-if-generation-match': _dropped, ...withoutPrecondition } = headers;
    expect(verify('sha256', Buffer.from(stringToSign('PUT', url, withoutPrecondition)), publicKey, signature)).toBe(false);
  });
});
