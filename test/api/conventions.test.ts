import { describe, expect, it } from 'vitest';
import { call, codeOf } from '../support/http.ts';
import { urls } from '../support/stack.ts';
import { newWorkspace, signUp } from '../support/users.ts';

const expectProblem = (r: { status: number; contentType: string; body: any; headers: Headers }, status: number, code: string) => {
  expect({ status: r.status, code: codeOf(r) }).toEqual({ status, code });
  expect(r.contentType).toContain('application/problem+json');
  expect(r.body).toMatchObject({ status, code, title: expect.any(String), detail: expect.any(String), requestId: expect.any(String) });
  expect(r.headers.get('x-request-id')).toBe(r.body.requestId);
};

describe('API conventions', () => {
  it('answers health through Hosting and at the function URL, with a request id on every response', async () => {
    for (const base of [urls.api, urls.functionsApi]) {
      const r = await call('GET', '/health', { base });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ status: 'ok' });
      expect(r.headers.get('x-request-id')).toMatch(/^[\w.-]{8,}$/);
    }
  });

  it('echoes a well-formed incoming X-Request-Id and replaces a malformed one', async () => {
    const mine = await call('GET', '/health', { headers: { 'X-Request-Id': 'req-1234567890' } });
    expect(mine.headers.get('x-request-id')).toBe('req-1234567890');
    const bad = await call('GET', '/health', { headers: { 'X-Request-Id': 'no spaces <allowed>' } });
    expect(bad.headers.get('x-request-id')).not.toContain(' ');
  });

  it('unknown routes are 404 and wrong methods 405, as problem+json', async () => {
    expectProblem(await call('GET', '/nope'), 404, 'route_not_found');
    const r = await call('DELETE', '/agents');
    expectProblem(r, 405, 'method_not_allowed');
    expect(r.headers.get('allow')).toBe('GET');
  });

  describe('bad bodies are 4xx problem+json, never 500', () => {
    it('malformed JSON, through Hosting and at the function URL', async () => {
      const user = await signUp();
      for (const base of [urls.api, urls.functionsApi]) {
        expectProblem(await call('POST', '/workspaces', { base, token: user.idToken, raw: '{"name": "x",' }), 400, 'malformed_json');
        expectProblem(await call('POST', '/workspaces', { base, token: user.idToken, raw: 'nul' }), 400, 'malformed_json');
      }
    });

    it('unknown fields and wrong types, with every error at its path', async () => {
      const user = await signUp();
      const unknown = await call('POST', '/workspaces', { token: user.idToken, body: { name: 'ok', plan: 'enterprise' } });
      expectProblem(unknown, 400, 'validation_failed');
      expect(unknown.body.errors).toEqual([expect.objectContaining({ code: 'unrecognized_keys' })]);

      const wrong = await call('POST', '/workspaces', { token: user.idToken, body: { name: 42 } });
      expectProblem(wrong, 400, 'validation_failed');
      expect(wrong.body.errors[0].path).toBe('body.name');

      expectProblem(await call('POST', '/workspaces', { token: user.idToken, body: [] }), 400, 'validation_failed');
      expectProblem(await call('POST', '/workspaces', { token: user.idToken, body: { name: '   ' } }), 400, 'validation_failed');
    });

    it('bodies over 1 MiB are refused with 413', async () => {
      const user = await signUp();
      const big = JSON.stringify({ name: 'x'.repeat(1024 * 1024) });
      expectProblem(await call('POST', '/workspaces', { token: user.idToken, raw: big }), 413, 'payload_too_large');
    });

    it('a non-JSON content type is refused', async () => {
      const user = await signUp();
      const r = await call('POST', '/workspaces', { token: user.idToken, raw: 'name=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
      expect(r.status).toBe(415);
      expect(codeOf(r)).toBe('unsupported_media_type');
    });

    it('bad query parameters and path ids', async () => {
      const ws = await newWorkspace();
      expectProblem(await call('GET', `/workspaces/${ws.id}/runs?limit=0`, { token: ws.owner.idToken }), 400, 'validation_failed');
      expectProblem(await call('GET', `/workspaces/${ws.id}/runs?limit=abc`, { token: ws.owner.idToken }), 400, 'validation_failed');
      expectProblem(await call('GET', `/workspaces/${ws.id}/runs?color=red`, { token: ws.owner.idToken }), 400, 'validation_failed');
      expectProblem(await call('GET', `/workspaces/${ws.id}/runs?cursor=garbage`, { token: ws.owner.idToken }), 400, 'invalid_cursor');
      expectProblem(await call('GET', `/workspaces/${ws.id}/runs/not-an-id!`, { token: ws.owner.idToken }), 400, 'invalid_path');
    });
  });

  it('paginates with opaque cursors until nextCursor is null', async () => {
    const user = await signUp();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await newWorkspace(user, `ws ${i}`)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const qs: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
      const r = await call('GET', `/workspaces${qs}`, { token: user.idToken });
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.items.map((w: { id: string }) => w.id));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(ids.sort());
  });

  describe('Idempotency-Key on creating POSTs', () => {
    it('replays the first response for the same key and body', async () => {
      const user = await signUp();
      const headers = { 'Idempotency-Key': `k-${Date.now()}` };
      const first = await call('POST', '/workspaces', { token: user.idToken, body: { name: 'Once' }, headers });
      const second = await call('POST', '/workspaces', { token: user.idToken, body: { name: 'Once' }, headers });
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(second.body.id).toBe(first.body.id);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      const list = await call('GET', '/workspaces', { token: user.idToken });
      expect(list.body.items).toHaveLength(1);
    });

    it('refuses the same key with a different body (422), and keys are per caller', async () => {
      const user = await signUp();
      const other = await signUp();
      const headers = { 'Idempotency-Key': 'shared-key-1' };
      expect((await call('POST', '/workspaces', { token: user.idToken, body: { name: 'A' }, headers })).status).toBe(201);
      expectProblem(await call('POST', '/workspaces', { token: user.idToken, body: { name: 'B' }, headers }), 422, 'idempotency_key_reused');
      const theirs = await call('POST', '/workspaces', { token: other.idToken, body: { name: 'B' }, headers });
      expect(theirs.status).toBe(201);
      expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    });

    it('a failed request does not burn its key', async () => {
      const user = await signUp();
      const headers = { 'Idempotency-Key': 'retry-after-fix' };
      const ws = await newWorkspace(user);
      const bad = await call('POST', `/workspaces/${ws.id}/installs`, { token: user.idToken, body: { agentId: 'no-such-agent' }, headers });
      expect(bad.status).toBe(404);
      const again = await call('POST', `/workspaces/${ws.id}/installs`, { token: user.idToken, body: { agentId: 'no-such-agent' }, headers });
      expect(again.status).toBe(404);
      expect(again.headers.get('idempotent-replayed')).toBeNull();
    });
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const r = await call('GET', '/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    const create = r.body.paths['/v1/workspaces'].post;
    const ref: string = create.requestBody.content['application/json'].schema.$ref;
    expect(ref).toBe('#/components/schemas/CreateWorkspace');
    expect(r.body.components.schemas.CreateWorkspace).toMatchObject({
      type: 'object',
      properties: { name: { type: 'string' } },
      additionalProperties: false,
    });
    expect(create.responses['400'].content['application/problem+json']).toBeDefined();
    expect(create.parameters.map((p: { name: string }) => p.name)).toContain('Idempotency-Key');
    expect(r.body.paths['/v1/workspaces/{wsId}/installs/{installId}/runs'].post.security).toEqual([{ firebaseIdToken: [] }, { apiKey: [] }]);
    expect(r.body.paths['/v1/runner/runs/{runId}/logs'].post.requestBody).toBeDefined();
    // Every reference resolves.
    const refs = JSON.stringify(r.body).match(/#\/components\/schemas\/[A-Za-z]+/g) ?? [];
    for (const ref of new Set(refs)) expect(r.body.components.schemas[ref.split('/').at(-1)!], ref).toBeDefined();
  });
});
