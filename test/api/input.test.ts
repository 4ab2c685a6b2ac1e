import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { call, codeOf, type Reply } from '../support/http.ts';
import { urls } from '../support/stack.ts';
import { newWorkspace, signUp } from '../support/users.ts';

/**
 * Input that used to reach Firestore (or the host's body parser) and come back as a 500 or
 * as the host's HTML: every one of these is a 4xx problem+json with a stable code.
 */
const expectProblem = (r: Reply, status: number, code: string) => {
  expect({ status: r.status, code: codeOf(r), type: r.contentType.split(';')[0] }).toEqual({ status, code, type: 'application/problem+json' });
};

describe('path ids are validated before anything else', () => {
  // Bad percent-encoding (`%E0`, overlong or surrogate UTF-8) never reaches the function on the
  // emulators: the Hosting emulator answers its own 500 and the Functions emulator's front its
  // own 400 page. Our router's answer to it is covered in functions/test/router.test.ts.
  it('an encoded slash, a reserved id, control characters, too long: 400 invalid_path with the parameter, signed in or not', async () => {
    const ws = await newWorkspace();
    const nasty = ['a%2Fb', '__x__', '__name__', 'x'.repeat(2000), '%00', '%1B', 'a%20b', '%F0%9F%98%80'];
    for (const id of nasty) {
      for (const token of [ws.owner.idToken, undefined]) {
        const r = await call('GET', `/workspaces/${id}`, { token });
        expectProblem(r, 400, 'invalid_path');
        expect(r.body.errors[0].path).toBe('path.wsId');
        expectProblem(await call('GET', `/workspaces/${ws.id}/installs/${id}`, { token }), 400, 'invalid_path');
        expectProblem(await call('GET', `/workspaces/${ws.id}/runs/${id}/logs`, { token }), 400, 'invalid_path');
        expectProblem(await call('DELETE', `/workspaces/${ws.id}/api-keys/${id}`, { token }), 400, 'invalid_path');
      }
      expectProblem(await call('GET', `/agents/${id}`), 400, 'invalid_path');
      expectProblem(await call('GET', `/agents/cost-anomaly-detector/versions/${id}`), 400, 'invalid_path');
    }
    // `..%2F..` is refused by the Hosting emulator's own router; at the function's URL it is ours.
    expectProblem(await call('GET', '/workspaces/..%2F..', { base: urls.functionsApi, token: ws.owner.idToken }), 400, 'invalid_path');
   }, 180_000);
});

describe('strings in bodies are well-formed Unicode; names have no control characters', () => {
  it('a lone surrogate anywhere in a body is 400 at its path, never a failed Firestore write', async () => {
    const ws = await newWorkspace();
    const token = ws.owner.idToken;
    for (const name of ['a\uD800', '\uDC00b', 'x\uDBFFy']) {
      const r = await call('POST', '/workspaces', { token, body: { name } });
      expectProblem(r, 400, 'validation_failed');
      expect(r.body.errors[0].path).toBe('body.name');
      const key = await call('POST', `/workspaces/${ws.id}/api-keys`, { token, body: { name, scopes: ['runs.read'] } });
      expectProblem(key, 400, 'validation_failed');
      expect(key.body.errors[0].path).toBe('body.name');
      const install = await call('POST', `/workspaces/${ws.id}/installs`, { token, body: { agentId: name } });
      expectProblem(install, 400, 'validation_failed');
      expect(install.body.errors[0].path).toBe('body.agentId');
    }
    // In a key, and deep inside a free-form value.
    const install = await call('POST', `/workspaces/${ws.id}/installs`, { token, body: { agentId: 'cost-anomaly-detector' } });
    expect(install.status).toBe(201);
    const config = await call('PUT', `/workspaces/${ws.id}/installs/${install.body.id}/config`, { token, body: { config: { ['k\uD800']: 1, deep: [{ x: 'ok' }, { y: '\uDFFF' }] } } });
    expectProblem(config, 400, 'validation_failed');
    expect(config.body.errors.map((e: { path: string }) => e.path)).toEqual(['body.config.k\uFFFD', 'body.config.deep.1.y']);
  });

  it('workspace and API key names refuse control characters, at the field', async () => {
    const ws = await newWorkspace();
    const token = ws.owner.idToken;
    for (const name of ['a\u0000b', 'tab\there', 'new\nline', 'esc\u001b[31m', 'del\u007f', 'c1\u0085', 'bidi\u202Eevil']) {
      const r = await call('POST', '/workspaces', { token, body: { name } });
      expectProblem(r, 400, 'validation_failed');
      expect(r.body.errors[0].path).toBe('body.name');
      const key = await call('POST', `/workspaces/${ws.id}/api-keys`, { token, body: { name, scopes: ['runs.read'] } });
      expectProblem(key, 400, 'validation_failed');
      expect(key.body.errors[0].path).toBe('body.name');
    }
    // Letters of every script are fine.
    expect((await call('POST', '/workspaces', { token, body: { name: 'Équipe 東京 ✓' } })).status).toBe(201);
  });
});

/** Sends a body of `size` bytes of JSON, in 1 MiB writes; resolves with the answer and how long it took. */
function sendBig(url: string, size: number, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': String(size), ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body, ms: Math.round(performance.now() - started) }));
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    chunk.write('{"name":"');
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const n = Math.min(chunk.length, size - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('request bodies are capped before the host parses them', () => {
  it('a 33 MB body (past the host parser’s own 32 MB) is a 413 problem, unauthenticated, through Hosting and at the function URL', async () => {
    for (const base of [urls.api, urls.functionsApi]) {
      const r = await sendBig(`${base}/workspaces`, 33 * 1024 * 1024);
      expect({ status: r.status, type: r.type.split(';')[0] }).toEqual({ status: 413, type: 'application/problem+json' });
      expect(JSON.parse(r.body)).toMatchObject({ code: 'payload_too_large' });
      console.log(`[input] 33 MB body via ${base === urls.api ? 'Hosting' : 'function URL'}: ${r.status} in ${r.ms} ms`);
    }
    const thirty = await sendBig(`${urls.functionsApi}/workspaces`, 30 * 1024 * 1024);
    expect(thirty.status).toBe(413);
    console.log(`[input] 30 MB body at the function URL: ${thirty.status} in ${thirty.ms} ms`);
  });

  it('a compressed body that inflates past 1 MiB is a 413 problem (the parser stops inflating at the cap)', async () => {
    const user = await signUp();
    const bomb = gzipSync(Buffer.from(JSON.stringify({ name: 'x'.repeat(20 * 1024 * 1024) })));
    expect(bomb.length).toBeLessThan(64 * 1024);
    for (const token of [user.idToken, undefined]) {
      const r = await call('POST', '/workspaces', { token, raw: bomb, headers: { 'Content-Encoding': 'gzip' } });
      expectProblem(r, 413, 'payload_too_large');
    }
  });

  it('an unknown content encoding is a problem too, not the host’s HTML', async () => {
    const user = await signUp();
    const r = await call('POST', '/workspaces', { token: user.idToken, raw: '{"name":"x"}', headers: { 'Content-Encoding': 'zstd-nope' } });
    expectProblem(r, 415, 'unsupported_media_type');
  });
});
