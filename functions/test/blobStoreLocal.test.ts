import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBlobKey, MAX_BLOB_KEY_LENGTH } from '../src/adapters/blobs/keys.ts';
import { LocalBlobStore } from '../src/adapters/blobs/localBlobStore.ts';
import { localUploadHandler, type UploadRequest } from '../src/adapters/blobs/localUploadHandler.ts';
import { signUploadToken, verifyUploadToken } from '../src/adapters/blobs/uploadToken.ts';
import { AppError } from '../src/domain/errors.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'am-blobs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const SECRET = 'test-upload-secret';
const UPLOAD_URL = 'http://127.0.0.1:5001/demo-x/us-central1/localUploads';
const T0 = new Date('2030-01-01T00:00:00Z');
const GZIP = 'application/gzip';
const MiB = 1024 * 1024;

function freshStore(now: () => Date = () => T0) {
  const dir = path.join(root, `s${++n}`);
  return { dir, store: new LocalBlobStore({ root: dir, uploadUrl: UPLOAD_URL, uploadSecret: SECRET, now }) };
}
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const files = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)) : []);

async function rejectsWith(p: Promise<unknown>, code: string): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  return err as AppError;
}

describe('blob keys', () => {
  it('accepts /-separated segments of [A-Za-z0-9._-]', () => {
    for (const key of ['a', 'bundles/agent-1/1.2.3/source.tar.gz', 'A_b-C.d/..x/x..', '...', 'k'.repeat(MAX_BLOB_KEY_LENGTH)]) {
      expect(() => assertBlobKey(key), key).not.toThrow();
    }
  });

  it('refuses empty, dot and dot-dot segments, other characters and long keys with blob_key_invalid', () => {
    for (const key of ['', '/a', 'a/', 'a//b', '.', '..', 'a/../b', 'a/./b', '../x', 'a b', 'a\\b', 'ä', 'a\0b', 'a?b', 'a%2fb', 'k'.repeat(MAX_BLOB_KEY_LENGTH + 1), 42, null]) {
      let code: string | undefined;
      try {
        assertBlobKey(key);
      } catch (err) {
        code = err instanceof AppError ? `${err.kind}/${err.code}` : 'not-app-error';
      }
      expect(code, JSON.stringify(key)).toBe('invalid/blob_key_invalid');
    }
  });
});

describe('LocalBlobStore', () => {
  it('puts, stats, gets and deletes a blob, recording its type, size and SHA-256', async () => {
    const { store, dir } = freshStore();
    const bytes = Buffer.from('a gzip tarball, say');
    const info = await store.put('bundles/a/1.0.0.tgz', bytes, { contentType: GZIP, maxBytes: 1024 });
    expect(info).toEqual({ key: 'bundles/a/1.0.0.tgz', sizeBytes: bytes.length, contentType: GZIP, sha256: sha(bytes) });
    expect(await store.stat('bundles/a/1.0.0.tgz')).toEqual(info);
    expect(await store.get('bundles/a/1.0.0.tgz', { maxBytes: 1024 })).toEqual(bytes);
    // A sidecar beside the bytes, nothing else left behind (no temporary files).
    const stored = files(dir);
    expect(stored.map((f) => path.extname(f)).sort()).toEqual(['.blob', '.json']);
    const sidecar = JSON.parse(readFileSync(stored.find((f) => f.endsWith('.json'))!, 'utf8'));
    expect(sidecar).toMatchObject({ key: 'bundles/a/1.0.0.tgz', contentType: GZIP, sha256: sha(bytes), sizeBytes: bytes.length });
    expect(statSync(stored[0]!).mode & 0o077).toBe(0);

    await store.delete('bundles/a/1.0.0.tgz');
    expect(await store.stat('bundles/a/1.0.0.tgz')).toBeNull();
    await rejectsWith(store.get('bundles/a/1.0.0.tgz', { maxBytes: 1024 }), 'blob_not_found');
    expect(files(dir)).toEqual([]);
    await store.delete('bundles/a/1.0.0.tgz'); // deleting what is not there is fine
    await store.delete('never/was');
  });

  it('keeps keys apart that differ in case, or where one is the folder of another', async () => {
    const { store } = freshStore();
    await store.put('k', Buffer.from('1'), { contentType: 'text/plain', maxBytes: 10 });
    await store.put('K', Buffer.from('2'), { contentType: 'text/plain', maxBytes: 10 });
    await store.put('k/sub', Buffer.from('3'), { contentType: 'text/plain', maxBytes: 10 });
    expect((await store.get('k', { maxBytes: 10 })).toString()).toBe('1');
    expect((await store.get('K', { maxBytes: 10 })).toString()).toBe('2');
    expect((await store.get('k/sub', { maxBytes: 10 })).toString()).toBe('3');
  });

  it('writes once: the same bytes again answer the same info, other bytes are blob_exists and change nothing', async () => {
    const { store, dir } = freshStore();
    const first = await store.put('x/y', Buffer.from('one'), { contentType: GZIP, maxBytes: 100 });
    expect(await store.put('x/y', Buffer.from('one'), { contentType: GZIP, maxBytes: 100 })).toEqual(first);
    const err = await rejectsWith(store.put('x/y', Buffer.from('two'), { contentType: GZIP, maxBytes: 100 }), 'blob_exists');
    expect(err.kind).toBe('conflict');
    expect((await store.get('x/y', { maxBytes: 100 })).toString()).toBe('one');
    expect(files(dir)).toHaveLength(2);
    // Once deleted, the key can be written again, with other bytes.
    await store.delete('x/y');
    await store.put('x/y', Buffer.from('two'), { contentType: GZIP, maxBytes: 100 });
    expect((await store.get('x/y', { maxBytes: 100 })).toString()).toBe('two');
  });

  it('refuses bad keys, content types and limits on every call', async () => {
    const { store, dir } = freshStore();
    const opts = { contentType: GZIP, maxBytes: 10 };
    for (const key of ['../escape', 'a//b', '/abs', 'a/..', 'sp ace']) {
      await rejectsWith(store.put(key, Buffer.from('x'), opts), 'blob_key_invalid');
      await rejectsWith(store.get(key, { maxBytes: 10 }), 'blob_key_invalid');
      await rejectsWith(store.stat(key), 'blob_key_invalid');
      await rejectsWith(store.delete(key), 'blob_key_invalid');
      await rejectsWith(store.signedUploadUrl(key, { ...opts, expiresInSeconds: 60 }), 'blob_key_invalid');
    }
    for (const contentType of ['', 'gzip', 'text/plain\r\nx-evil: 1', 'a/b c']) {
      await rejectsWith(store.put('k', Buffer.from('x'), { contentType, maxBytes: 10 }), 'blob_content_type_invalid');
    }
    await rejectsWith(store.put('k', Buffer.from('x'), { contentType: GZIP, maxBytes: -1 }), 'blob_limit_invalid');
    await rejectsWith(store.signedUploadUrl('k', { ...opts, expiresInSeconds: 0 }), 'blob_expiry_invalid');
    await rejectsWith(store.signedUploadUrl('k', { ...opts, expiresInSeconds: 7 * 86_400 + 1 }), 'blob_expiry_invalid');
    expect(files(dir)).toEqual([]);
  });

  it('enforces the size limit: put stores nothing past it, get reads nothing past it', async () => {
    const { store, dir } = freshStore();
    const err = await rejectsWith(store.put('big', Buffer.alloc(11), { contentType: GZIP, maxBytes: 10 }), 'blob_too_large');
    expect(err.kind).toBe('too_large');
    expect(files(dir)).toEqual([]);
    await store.put('ten', Buffer.alloc(10, 1), { contentType: GZIP, maxBytes: 10 });
    await rejectsWith(store.get('ten', { maxBytes: 9 }), 'blob_too_large');
    expect(await store.get('ten', { maxBytes: 10 })).toHaveLength(10);
  });

  it('detects damage through the sidecar: altered bytes, a changed size, a broken or foreign sidecar', async () => {
    const { store, dir } = freshStore();
    await store.put('d', Buffer.from('original'), { contentType: GZIP, maxBytes: 100 });
    const data = files(dir).find((f) => f.endsWith('.blob'))!;
    const side = files(dir).find((f) => f.endsWith('.json'))!;
    writeFileSync(data, 'ORIGINAL'); // same size, other bytes
    await rejectsWith(store.get('d', { maxBytes: 100 }), 'blob_corrupt');
    writeFileSync(data, 'longer than it was');
    await rejectsWith(store.get('d', { maxBytes: 100 }), 'blob_corrupt');
    writeFileSync(data, 'original');
    expect((await store.get('d', { maxBytes: 100 })).toString()).toBe('original');

    const sidecar = JSON.parse(readFileSync(side, 'utf8'));
    writeFileSync(side, JSON.stringify({ ...sidecar, key: 'other' }));
    await rejectsWith(store.stat('d'), 'blob_corrupt');
    writeFileSync(side, JSON.stringify({ ...sidecar, file: '../../../etc/passwd' }));
    await rejectsWith(store.get('d', { maxBytes: 100 }), 'blob_corrupt');
    writeFileSync(side, '{not json');
    await rejectsWith(store.get('d', { maxBytes: 100 }), 'blob_corrupt');
    // A damaged blob can still be deleted, data and all, and the key reused.
    await store.delete('d');
    expect(await store.stat('d')).toBeNull();
    expect(files(dir)).toEqual([]);
    await store.put('d', Buffer.from('again'), { contentType: GZIP, maxBytes: 100 });

    rmSync(files(dir).find((f) => f.endsWith('.blob'))!);
    await rejectsWith(store.get('d', { maxBytes: 100 }), 'blob_corrupt');
  });

  it('lets one of many concurrent puts of a key win; the others get the same info or blob_exists', async () => {
    const { store, dir } = freshStore();
    const same = Buffer.alloc(256 * 1024, 7);
    const results = await Promise.allSettled([
      ...Array.from({ length: 8 }, () => store.put('race', same, { contentType: GZIP, maxBytes: MiB })),
      ...Array.from({ length: 8 }, (_, i) => store.put('race', Buffer.alloc(256 * 1024, 100 + i), { contentType: GZIP, maxBytes: MiB })),
    ]);
    const stored = await store.get('race', { maxBytes: MiB });
    const winner = sha(stored);
    for (const [i, r] of results.entries()) {
      const bytesSha = i < 8 ? sha(same) : sha(Buffer.alloc(256 * 1024, 100 + (i - 8)));
      if (bytesSha === winner) {
        expect(r.status, `put ${i}`).toBe('fulfilled');
        expect((r as PromiseFulfilledResult<{ sha256: string }>).value.sha256).toBe(winner);
      } else {
        expect(r.status, `put ${i}`).toBe('rejected');
        expect(((r as PromiseRejectedResult).reason as AppError).code).toBe('blob_exists');
      }
    }
    // One blob: its sidecar and its data, no leftovers from the losers.
    expect(files(dir)).toHaveLength(2);
  });
});

describe('local signed uploads', () => {
  const newReq = (token: string, body: Buffer | AsyncIterable<Uint8Array>, headers: Record<string, string> = {}, method = 'PUT'): UploadRequest => ({
    method,
    token,
    headers: { 'content-type': GZIP, 'content-length': String(Buffer.isBuffer(body) ? body.length : 0), ...headers },
    body,
    requestId: 'req-1',
  });
  const tokenOf = (url: string) => {
    expect(url.startsWith(`${UPLOAD_URL}/`)).toBe(true);
    return url.slice(UPLOAD_URL.length + 1);
  };

  it('signs a URL to the upload function that carries key, type, limit and expiry under an HMAC', async () => {
    const { store } = freshStore();
    const signed = await store.signedUploadUrl('bundles/a/1.0.0.tgz', { contentType: GZIP, maxBytes: 100 * MiB, expiresInSeconds: 900 });
    expect(signed).toEqual({
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:5001\/demo-x\/us-central1\/localUploads\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/),
      method: 'PUT',
      headers: { 'content-type': GZIP },
      expiresAt: new Date(T0.getTime() + 900_000),
      maxBytes: 100 * MiB,
    });
    expect(verifyUploadToken(SECRET, tokenOf(signed.url), T0)).toEqual({ key: 'bundles/a/1.0.0.tgz', contentType: GZIP, maxBytes: 100 * MiB, expiresAt: signed.expiresAt });
    // Another secret does not verify it.
    expect(() => verifyUploadToken('other-secret', tokenOf(signed.url), T0)).toThrow(/not valid/);
  });

  it('stores a valid upload and answers its info, with the SHA-256 of the bytes stored', async () => {
    const { store } = freshStore();
    const signed = await store.signedUploadUrl('up/ok.tgz', { contentType: GZIP, maxBytes: 1000, expiresInSeconds: 60 });
    const handle = localUploadHandler(store, SECRET, () => new Date(T0.getTime() + 59_000));
    const bytes = Buffer.from('bundle bytes');
    const res = await handle(newReq(tokenOf(signed.url), bytes, signed.headers));
    expect(res).toEqual({ status: 200, headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'req-1' }, body: { key: 'up/ok.tgz', sizeBytes: bytes.length, contentType: GZIP, sha256: sha(bytes) } });
    expect(await store.get('up/ok.tgz', { maxBytes: 1000 })).toEqual(bytes);
    // The same bytes again: the same answer. Other bytes: 409 blob_exists, the first stays.
    expect((await handle(newReq(tokenOf(signed.url), bytes))).status).toBe(200);
    const other = await handle(newReq(tokenOf(signed.url), Buffer.from('other bytes!')));
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ code: 'blob_exists', status: 409, type: 'urn:agent-marketplace:problem:blob_exists', title: 'Conflict', requestId: 'req-1' });
    expect(other.headers['Content-Type']).toBe('application/problem+json');
    expect(await store.get('up/ok.tgz', { maxBytes: 1000 })).toEqual(bytes);
  });

  it('refuses an expired URL with 403 upload_url_expired', async () => {
    const { store } = freshStore();
    const signed = await store.signedUploadUrl('up/late', { contentType: GZIP, maxBytes: 1000, expiresInSeconds: 60 });
    const handle = localUploadHandler(store, SECRET, () => new Date(T0.getTime() + 60_000));
    const res = await handle(newReq(tokenOf(signed.url), Buffer.from('x')));
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'upload_url_expired', title: 'Forbidden' });
    expect(await store.stat('up/late')).toBeNull();
  });

  it('refuses a tampered, truncated, foreign or re-signed token with 403 upload_url_invalid', async () => {
    const { store } = freshStore();
    const signed = await store.signedUploadUrl('up/t', { contentType: GZIP, maxBytes: 10, expiresInSeconds: 60 });
    const handle = localUploadHandler(store, SECRET, () => T0);
    const token = tokenOf(signed.url);
    const [payload, mac] = token.split('.') as [string, string];
    const grant = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const bigger = Buffer.from(JSON.stringify({ ...grant, m: 10 * MiB })).toString('base64url');
    const otherKey = Buffer.from(JSON.stringify({ ...grant, k: 'up/other' })).toString('base64url');
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const tampered = [
      `${bigger}.${mac}`,
      `${otherKey}.${mac}`,
      `${payload}.${flip(mac, 0)}`,
      `${payload}.${flip(mac, 42)}`,
      `${flip(payload, 3)}.${mac}`,
      `${payload}.${mac.slice(0, 40)}`,
      `${payload}`,
      '',
      `${payload}.${mac}.x`,
      signUploadToken('not-our-secret', { key: 'up/t', contentType: GZIP, maxBytes: 10, expiresAt: new Date(T0.getTime() + 60_000) }),
    ];
    for (const t of tampered) {
      const res = await handle(newReq(t, Buffer.from('x')));
      expect(res.status, t).toBe(403);
      expect(res.body, t).toMatchObject({ code: 'upload_url_invalid' });
    }
    expect(await store.stat('up/t')).toBeNull();
    expect(await store.stat('up/other')).toBeNull();
  });

  it('refuses another content type with 415 upload_content_type, a compressed body with 415, no length with 411, other methods with 405', async () => {
    const { store } = freshStore();
    const signed = await store.signedUploadUrl('up/ct', { contentType: GZIP, maxBytes: 10, expiresInSeconds: 60 });
    const handle = localUploadHandler(store, SECRET, () => T0);
    const token = tokenOf(signed.url);
    const body = Buffer.from('x');
    for (const contentType of ['application/json', 'application/gzip; charset=utf-8', 'APPLICATION/GZIP']) {
      const res = await handle(newReq(token, body, { 'content-type': contentType }));
      expect(res.status, contentType).toBe(415);
      expect(res.body).toMatchObject({ code: 'upload_content_type', title: 'Unsupported Media Type' });
    }
    const noType = newReq(token, body);
    delete noType.headers['content-type'];
    expect((await handle(noType)).body).toMatchObject({ code: 'upload_content_type' });
    expect((await handle(newReq(token, body, { 'content-encoding': 'gzip' }))).body).toMatchObject({ status: 415, code: 'upload_content_encoding' });
    const noLength = newReq(token, body);
    delete noLength.headers['content-length'];
    expect((await handle(noLength)).body).toMatchObject({ status: 411, code: 'upload_length_required' });
    expect((await handle(newReq(token, body, { 'content-length': '2' }))).body).toMatchObject({ status: 400, code: 'upload_length_mismatch' });
    for (const method of ['GET', 'POST', 'DELETE']) {
      const res = await handle(newReq(token, body, {}, method));
      expect(res.status).toBe(405);
      expect(res.headers['Allow']).toBe('PUT');
      expect(res.body).toMatchObject({ code: 'method_not_allowed' });
    }
    expect(await store.stat('up/ct')).toBeNull();
  });

  it('answers 413 blob_too_large on a declared length past the limit without reading the body', async () => {
    const { store, dir } = freshStore();
    const signed = await store.signedUploadUrl('up/big', { contentType: GZIP, maxBytes: 1000, expiresInSeconds: 60 });
    const handle = localUploadHandler(store, SECRET, () => T0);
    let pulled = 0;
    async function* body() {
      for (;;) {
        pulled += 1;
        yield Buffer.alloc(100);
      }
    }
    const res = await handle(newReq(tokenOf(signed.url), body(), { 'content-length': '1001' }));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'blob_too_large', title: 'Content Too Large' });
    expect(res.headers['Connection']).toBe('close');
    expect(pulled).toBe(0);
    // A body longer than it declared stops being read just past the limit.
    const res2 = await handle(newReq(tokenOf(signed.url), body(), { 'content-length': '1000' }));
    expect(res2.status).toBe(413);
    expect(pulled).toBe(11);
    expect((await handle(newReq(tokenOf(signed.url), Buffer.alloc(1001), { 'content-length': '1000' }))).status).toBe(413);
    expect(files(dir)).toEqual([]);
  });

  it('over HTTP: a 413 comes back before the client sends a byte of its body, and a streamed upload is stored', async () => {
    let handle: ReturnType<typeof localUploadHandler> | undefined;
    // The stream path of triggers/localUploads.ts: the request itself is the body.
    const server = http.createServer((req, res) => {
      void handle!({ method: req.method ?? '', token: (req.url ?? '').slice(1), headers: req.headers, body: req }).then((r) => {
        res.writeHead(r.status, r.headers).end(JSON.stringify(r.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const store = new LocalBlobStore({ root: path.join(root, `s${++n}`), uploadUrl: `http://127.0.0.1:${port}`, uploadSecret: SECRET });
      handle = localUploadHandler(store, SECRET, () => new Date());
      const big = await store.signedUploadUrl('http/big', { contentType: GZIP, maxBytes: 64 * 1024, expiresInSeconds: 60 });
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(big.url, { method: 'PUT', headers: { 'content-type': GZIP, 'content-length': String(10 * MiB) } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        });
        req.on('error', reject);
        req.flushHeaders(); // headers only; the body is never sent
      });
      expect(status).toBe(413);
      expect(await store.stat('http/big')).toBeNull();

      const ok = await store.signedUploadUrl('http/ok', { contentType: GZIP, maxBytes: 4 * MiB, expiresInSeconds: 60 });
      const bytes = Buffer.alloc(3 * MiB, 0xab);
      const res = await fetch(ok.url, { method: 'PUT', headers: ok.headers, body: bytes });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ key: 'http/ok', sizeBytes: bytes.length, contentType: GZIP, sha256: sha(bytes) });
      expect(sha(await store.get('http/ok', { maxBytes: 4 * MiB }))).toBe(sha(bytes));
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
