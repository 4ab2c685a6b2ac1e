import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The hosts' own packages (untyped here): express, and the body-parser our guard patches.
type Middleware = (req: IncomingMessage, res: unknown, next: () => void) => void;
type Parser = (options: Record<string, unknown>) => Middleware;
const require = createRequire(import.meta.url);
const express = require('express') as () => { use(m: Middleware): void; listen(port: number, host: string): Server };
const bodyParser = require('body-parser') as Record<'json' | 'text' | 'urlencoded' | 'raw', Parser>;

/**
 * The `localUploads` function itself (triggers/localUploads.ts) behind the body parsers the
 * Functions emulator's runtime installs (json, text, urlencoded, raw for any type, 32 MB, each
 * saving `rawBody`), with our guard capping them at 1 MiB: small bodies arrive read, larger ones
 * unread, and both must upload. Config comes from the environment, as in the emulator.
 */

const PROJECT = `demo-blobs-${randomBytes(4).toString('hex')}`;
const MiB = 1024 * 1024;
let server: Server;
let base = '';
let blobs: import('../src/app/publishing/ports.ts').BlobStore;
let blobRoot = '';

beforeAll(async () => {
  const { params, loadConfig } = await import('../src/config/index.ts');
  const env: Record<string, string> = { GCLOUD_PROJECT: PROJECT, BLOBS: 'local', LOCAL_UPLOADS_URL: 'http://127.0.0.1:1', RUNNER_API_URL: 'http://127.0.0.1:1/v1/runner', EXECUTOR: 'local', SECRETS: 'local', METADATA_SERVER_DETECTION: 'none' };
  for (const p of Object.values(params) as { name: string; options?: { default?: unknown } }[]) {
    process.env[p.name] = env[p.name] ?? String(p.options?.default ?? '');
  }
  process.env['GCLOUD_PROJECT'] = PROJECT;
  const { localUploads } = await import('../src/index.ts');
  const { getDeps } = await import('../src/triggers/deps.ts');
  blobs = (await getDeps()).deps.blobs;
  blobRoot = path.join(loadConfig().repoRoot, '.local', 'blobs', PROJECT);
  const saveRaw = (req: IncomingMessage & { rawBody?: Buffer }, _res: unknown, buf: Buffer) => void (req.rawBody = buf);
  const app = express();
  app.use(bodyParser.json({ limit: '32mb', verify: saveRaw }));
  app.use(bodyParser.text({ limit: '32mb', verify: saveRaw }));
  app.use(bodyParser.urlencoded({ extended: true, limit: '32mb', verify: saveRaw }));
  app.use(bodyParser.raw({ type: '*/*', limit: '32mb', verify: saveRaw }));
  app.use((req, res) => void localUploads(req as never, res as never));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  if (blobRoot) rmSync(blobRoot, { recursive: true, force: true });
});

/** The signed URL, sent to this test's server instead of the emulator's address. */
async function signedTo(key: string, maxBytes: number) {
  const signed = await blobs.signedUploadUrl(key, { contentType: 'application/gzip', maxBytes, expiresInSeconds: 60 });
  expect(signed.url).toMatch(/^http:\/\/127\.0\.0\.1:1\/localUploads\/[\w-]+\.[\w-]{43}$/);
  return { ...signed, url: `${base}/${signed.url.split('/localUploads/')[1]}` };
}

describe('the localUploads function', () => {
  it('is wired to the local store when BLOBS=local', () => {
    expect(blobs.kind).toBe('local');
  });

  it('stores a body the host read (under 1 MiB) and one it left unread (over 1 MiB)', async () => {
    for (const [key, size] of [['t/small', 1000], ['t/large', 5 * MiB]] as const) {
      const signed = await signedTo(key, 8 * MiB);
      const bytes = randomBytes(size);
      const res = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: bytes });
      expect(res.status, key).toBe(200);
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(await res.json()).toEqual({ key, sizeBytes: size, contentType: 'application/gzip', sha256: createHash('sha256').update(bytes).digest('hex') });
      expect((await blobs.get(key, { maxBytes: 8 * MiB })).equals(bytes)).toBe(true);
    }
  });

  it('answers refusals as problem+json: 413 past the limit, 415 another type, 403 a bad token', async () => {
    const signed = await signedTo('t/refused', 2 * MiB);
    const tooBig = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: Buffer.alloc(3 * MiB) });
    expect(tooBig.status).toBe(413);
    expect(tooBig.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await tooBig.json()).toMatchObject({ code: 'blob_too_large', status: 413 });
    const json = await fetch(signed.url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(json.status).toBe(415);
    expect(await json.json()).toMatchObject({ code: 'upload_content_type' });
    const forged = await fetch(`${signed.url.slice(0, -3)}AAA`, { method: 'PUT', headers: signed.headers, body: Buffer.alloc(10) });
    expect(forged.status).toBe(403);
    expect(await forged.json()).toMatchObject({ code: 'upload_url_invalid' });
    expect(await blobs.stat('t/refused')).toBeNull();
  });
});
