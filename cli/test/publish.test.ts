import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { manifestProblems } from '../src/commands/publish.ts';
import { ApiError } from '@agent-marketplace/client';
import { formatBytes, packBundle } from '../src/pack.ts';
import { AGENT_YAML, am, developerVersion, fakeServer, folder, problemOf, scanReport, type Routes } from './support.ts';

const VALIDATE = 'POST /v1/manifests/validate';
const UPLOADS = 'POST /v1/publishers/acme/agents/my-agent/uploads';
const SUBMIT = 'POST /v1/publishers/acme/agents/my-agent/versions';
const GET_VERSION = 'GET /v1/publishers/acme/agents/my-agent/versions/1.2.3';
const MANIFEST = { id: 'my-agent', name: 'My agent', version: '1.2.3', publisher: 'acme' };

const agentDir = () =>
  folder({
    'agent.yaml': AGENT_YAML,
    'src/index.ts': 'export default async function run() {\n  return { ok: true };\n}\n',
    'node_modules/dep/index.js': 'skipped',
    '.amignore': '*.log\n',
    'debug.log': 'skipped too',
  });

/** The API as publish meets it: the manifest is valid, uploads go to /upload/<token> on the same server, submissions are accepted. */
const api = (over: Routes = {}): Routes => ({
  [VALIDATE]: () => ({ status: 200, body: { valid: true, manifest: MANIFEST } }),
  [SUBMIT]: () => ({ status: 202, body: developerVersion() }),
  ...over,
});
const env = { AM_TOKEN: 'ci-token' };
/** What publish says on stderr (not a terminal) once agentDir() is packed: agent.yaml, src/index.ts and .amignore. */
const packedLine = async (dir: string) => `Packed 3 files, 128 B (${formatBytes((await packBundle(dir)).bytes.length)} compressed).\n`;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('am publish', () => {
  it('validates, packs and submits a small bundle inline (base64), with the manifest text and the bearer token', async () => {
    const server = await fakeServer(api());
    const dir = agentDir();
    const out = await am(['publish', dir, '--api', server.base], { env });
    expect(out.stderr).toBe(await packedLine(dir));
    expect(out.code).toBe(0);
    expect(server.hits.map((h) => h.route)).toEqual([VALIDATE, SUBMIT]);
    const [validate, submit] = server.hits;
    expect(validate!.json()).toEqual({ yaml: AGENT_YAML });
    expect(submit!.headers.authorization).toBe('Bearer ci-token');
    expect(submit!.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    const body = submit!.json();
    expect(Object.keys(body).sort()).toEqual(['bundle', 'manifest']);
    expect(body.manifest).toBe(AGENT_YAML);
    expect(Object.keys(body.bundle)).toEqual(['base64']);
    const bytes = Buffer.from(body.bundle.base64, 'base64');
    expect(bytes.equals((await packBundle(dir)).bytes)).toBe(true);
    const tar = gunzipSync(bytes).toString('latin1');
    expect(tar).toContain('src/index.ts');
    expect(tar).not.toContain('node_modules');
    expect(tar).not.toContain('debug.log');
    expect(out.stdout).toMatch(/^Submitted acme\/my-agent 1\.2\.3: submitted \(bundle [\d.]+ (B|KiB), inline, sha256 [0-9a-f]{64}\)\.\n$/);
  });

  it('over the inline limit: asks for an upload URL, PUTs the bytes with exactly its headers, submits the upload id', async () => {
    const dir = agentDir();
    const packed = await packBundle(dir);
    const server = await fakeServer(
      api({
        [UPLOADS]: () => ({
          status: 201,
          body: {
            uploadId: 'UPLOAD0123456789abcd',
            url: `${serverBase}/upload/signed-token`,
            method: 'PUT',
            headers: { 'content-type': 'application/gzip', 'x-goog-content-length-range': `0,${packed.bytes.length}` },
            expiresAt: '2026-03-04T11:00:00.000Z',
            maxBytes: packed.bytes.length,
          },
        }),
        'PUT /upload/signed-token': () => ({ status: 200, body: { ok: true } }),
      }),
    );
    const serverBase = server.base;
    const out = await am(['publish', dir, '--api', server.base, '--inline-max', '100'], { env });
    const size = formatBytes(packed.bytes.length);
    expect(out.stderr).toBe(`${await packedLine(dir)}Uploading ${size}...\nUploaded ${size}.\n`);
    expect(out.code).toBe(0);
    expect(server.hits.map((h) => h.route)).toEqual([VALIDATE, UPLOADS, 'PUT /upload/signed-token', SUBMIT]);
    const [, create, put, submit] = server.hits;
    expect(create!.json()).toEqual({ sizeBytes: packed.bytes.length });
    expect(put!.headers['content-type']).toBe('application/gzip');
    expect(put!.headers['x-goog-content-length-range']).toBe(`0,${packed.bytes.length}`);
    expect(put!.headers['content-length']).toBe(String(packed.bytes.length));
    // The upload URL is signed, not ours: our bearer token stays with the API.
    expect(put!.headers.authorization).toBeUndefined();
    expect(sha256(put!.body)).toBe(packed.sha256);
    expect(submit!.json()).toEqual({ manifest: AGENT_YAML, bundle: { uploadId: 'UPLOAD0123456789abcd' } });
    expect(out.stdout).toContain(', uploaded, sha256 ');
  });

  it('--inline-max 0 always uploads; a bundle at exactly the limit goes inline', async () => {
    const dir = agentDir();
    const size = (await packBundle(dir)).bytes.length;
    const server = await fakeServer(api());
    expect((await am(['publish', dir, '--api', server.base, '--inline-max', String(size)], { env })).code).toBe(0);
    expect(server.of(SUBMIT)[0]!.json().bundle).toHaveProperty('base64');
    const refused = await am(['publish', dir, '--api', server.base, '--inline-max', '0'], { env });
    expect(server.of(UPLOADS)).toHaveLength(1); // asked for (and this test's API has no such route: 404)
    expect(refused.code).toBe(1);
  });

  it('an upload the store refuses exits 1 with upload_failed and its problem code; nothing is submitted', async () => {
    const server = await fakeServer(
      api({
        [UPLOADS]: () => ({ status: 201, body: { uploadId: 'UPLOAD0123456789abcd', url: '/upload/t', method: 'PUT', headers: { 'content-type': 'application/gzip' }, expiresAt: 'x', maxBytes: 10_000_000 } }),
        'PUT /upload/t': () => ({ status: 403, body: problemOf(403, 'upload_url_expired', 'This upload URL has expired.') }),
      }),
    );
    const out = await am(['publish', agentDir(), '--api', server.base, '--inline-max', '0', '--json'], { env });
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stderr)).toEqual({ error: { code: 'upload_failed', message: 'The bundle upload was refused: HTTP 403 (upload_url_expired: This upload URL has expired.).' } });
    expect(server.of('PUT /upload/t')).toHaveLength(1); // a relative URL is the API's
    expect(server.of(SUBMIT)).toHaveLength(0);
  });

  it('a bundle over the upload\'s maxBytes is refused before any byte is sent', async () => {
    const server = await fakeServer(
      api({ [UPLOADS]: () => ({ status: 201, body: { uploadId: 'UPLOAD0123456789abcd', url: '/upload/t', method: 'PUT', headers: {}, expiresAt: 'x', maxBytes: 10 } }) }),
    );
    const out = await am(['publish', agentDir(), '--api', server.base, '--inline-max', '0'], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^Packed 3 files, .*\nerror: bundle_too_large: The bundle is .*; the upload takes at most 10 B\.\n$/);
    expect(server.hits.map((h) => h.route)).toEqual([VALIDATE, UPLOADS]);
  });

  it('--wait polls the version until the scan decides, prints the report with path:line, exits 0 in review', async () => {
    const server = await fakeServer(
      api({ [GET_VERSION]: (_h, n) => ({ status: 200, body: n < 3 ? developerVersion() : developerVersion({ state: 'in_review', scan: scanReport(true) }) }) }),
    );
    const dir = agentDir();
    const out = await am(['publish', dir, '--api', server.base, '--wait'], { env });
    expect(out.code).toBe(0);
    expect(server.of(GET_VERSION)).toHaveLength(3);
    expect(out.stderr).toBe(`${await packedLine(dir)}Waiting for the scan...\nThe scan decided after 0 s.\n`);
    expect(out.stdout).toContain('acme/my-agent 1.2.3: in_review\nScan: passed (2026-03-04 10:11 UTC)\n');
    expect(out.stdout).toContain('  pass  manifest  Manifest\n');
    expect(out.stdout).toContain('  WARN  secrets   Secrets in the source\n');
    expect(out.stdout).toContain('warn: src/index.ts:3 an AWS access key id\n');
  });

  it('--wait ending scan_failed exits 1, the failing blocker marked', async () => {
    const server = await fakeServer(api({ [GET_VERSION]: () => ({ status: 200, body: developerVersion({ state: 'scan_failed', scan: scanReport(false) }) }) }));
    const out = await am(['publish', agentDir(), '--api', server.base, '--wait'], { env });
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('acme/my-agent 1.2.3: scan_failed\nScan: FAILED');
    expect(out.stdout).toContain('  FAIL  secrets   Secrets in the source (blocks review)\n');
    expect(out.stdout).toContain('fail: src/index.ts:3 an AWS access key id\n');
  });

  it('--json prints the final version as the API gave it, and nothing else', async () => {
    const final = developerVersion({ state: 'in_review', scan: scanReport(true) });
    const server = await fakeServer(api({ [GET_VERSION]: () => ({ status: 200, body: final }) }));
    const out = await am(['publish', agentDir(), '--api', server.base, '--wait', '--json'], { env });
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(out.stdout)).toEqual(final);
    const plain = await am(['publish', agentDir(), '--api', server.base, '--json'], { env });
    expect(JSON.parse(plain.stdout)).toEqual(developerVersion());
  });

  it('--wait gives up after --timeout with wait_timeout', async () => {
    const server = await fakeServer(api({ [GET_VERSION]: () => ({ status: 200, body: developerVersion() }) }));
    const out = await am(['publish', agentDir(), '--api', server.base, '--wait', '--timeout', '0'], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('error: wait_timeout: acme/my-agent 1.2.3: submitted after 0 s: still waiting for the scan.');
  });

  it('--notes sends the file as the release notes; a missing notes file stops before any request', async () => {
    const server = await fakeServer(api());
    const notes = join(folder({ 'NOTES.md': '## 1.2.3\nFaster.\n' }), 'NOTES.md');
    expect((await am(['publish', agentDir(), '--api', server.base, '--notes', notes], { env })).code).toBe(0);
    expect(server.of(SUBMIT)[0]!.json().releaseNotes).toBe('## 1.2.3\nFaster.\n');
    const before = server.hits.length;
    const out = await am(['publish', agentDir(), '--api', server.base, '--notes', '/nonexistent/NOTES.md'], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^error: notes_unreadable: /);
    expect(server.hits).toHaveLength(before);
  });

  it('an invalid manifest exits 1 listing each problem at agent.yaml:line; nothing is packed or submitted', async () => {
    const server = await fakeServer(
      api({
        [VALIDATE]: () => ({
          status: 400,
          body: problemOf(400, 'manifest_invalid', 'agent.yaml has 2 problem(s)', [
            { path: 'version', message: 'a semantic version such as 1.2.3 (line 3)', code: 'invalid_format' },
            { path: 'permissions', message: 'Required', code: 'invalid_type' },
          ]),
        }),
      }),
    );
    const dir = agentDir();
    const out = await am(['publish', dir, '--api', server.base], { env });
    expect(out.code).toBe(1);
    const file = join(dir, 'agent.yaml');
    expect(out.stderr).toBe(`error: manifest_invalid: ${file} is not valid:\n  ${file}:3  version: a semantic version such as 1.2.3\n  ${file}  permissions: Required\n`);
    expect(server.hits.map((h) => h.route)).toEqual([VALIDATE]);
  });

  it('an API refusal of the submission exits 1 with its code; under --json with its status and request id', async () => {
    const server = await fakeServer(api({ [SUBMIT]: () => ({ status: 409, body: problemOf(409, 'version_exists', 'Version 1.2.3 is already published.') }) }));
    const dir = agentDir();
    const out = await am(['publish', dir, '--api', server.base], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toBe(`${await packedLine(dir)}error: Refused: Version 1.2.3 is already published. (version_exists, request req-1).\n`);
    const json = await am(['publish', agentDir(), '--api', server.base, '--json'], { env });
    expect(JSON.parse(json.stderr).error).toMatchObject({ code: 'version_exists', status: 409, requestId: 'req-1' });
    expect(json.stdout).toBe('');
  });

  it('a folder without agent.yaml exits 1 with manifest_missing; a bad --inline-max is a usage error', async () => {
    const out = await am(['publish', folder({ 'README.md': 'x' }), '--api', 'http://127.0.0.1:9'], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^error: manifest_missing: No agent.yaml in /);
    expect((await am(['publish', '--inline-max', '-1'], { env })).code).toBe(2);
    expect((await am(['publish', '--inline-max', String(8 * 1024 * 1024 + 1)], { env })).code).toBe(2);
    expect((await am(['publish', '--timeout', '1.5'], { env })).code).toBe(2);
  });
});

describe('am validate', () => {
  it('a valid manifest exits 0 naming the version', async () => {
    const server = await fakeServer(api());
    const dir = agentDir();
    const out = await am(['validate', dir, '--api', server.base], { env });
    expect(out).toEqual({ code: 0, stdout: `${join(dir, 'agent.yaml')} is valid: acme/my-agent 1.2.3.\n`, stderr: '' });
  });

  it('problems go to stdout, one a line with its line; exit 1; --json gives them as data', async () => {
    const server = await fakeServer(
      api({ [VALIDATE]: () => ({ status: 400, body: problemOf(400, 'manifest_yaml_invalid', 'agent.yaml is not valid YAML', [{ path: 'line 7', message: 'Map keys must be unique', code: 'DUPLICATE_KEY' }]) }) }),
    );
    const dir = agentDir();
    const out = await am(['validate', dir, '--api', server.base], { env });
    expect(out.code).toBe(1);
    expect(out.stdout).toBe(`${join(dir, 'agent.yaml')} has 1 problem (manifest_yaml_invalid):\n  ${join(dir, 'agent.yaml')}:7  (document): Map keys must be unique\n`);
    const json = await am(['validate', dir, '--api', server.base, '--json'], { env });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ valid: false, code: 'manifest_yaml_invalid', problems: [{ path: '(document)', message: 'Map keys must be unique', line: 7 }] });
  });

  it('an error that is not about the manifest (401) is an error, not a list of problems', async () => {
    const server = await fakeServer(api({ [VALIDATE]: () => ({ status: 401, body: problemOf(401, 'unauthenticated') }) }));
    const out = await am(['validate', agentDir(), '--api', server.base], { env });
    expect(out).toMatchObject({ code: 1, stdout: '' });
    expect(out.stderr).toContain('(unauthenticated, request req-1)');
  });

  it('manifestProblems: a problem without field errors is one problem of the document', () => {
    const err = new ApiError({ message: 'm', status: 413, code: 'manifest_too_large', requestId: null, retryAfter: null, problem: problemOf(413, 'manifest_too_large', 'agent.yaml exceeds 65536 bytes.') });
    expect(manifestProblems(err)).toEqual([{ path: '(document)', message: 'agent.yaml exceeds 65536 bytes.' }]);
  });
});
