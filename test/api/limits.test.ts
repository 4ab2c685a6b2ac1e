import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { call, codeOf, type Reply } from '../support/http.ts';
import { newWorkspace, signUp } from '../support/users.ts';

/**
 * The test stack's limits (scripts/lib/stack.ts TEST_PARAMS): 6 workspaces per user (a paging test makes 5), 4 open
 * API keys per workspace, 150 anonymous catalog searches per client per 60 s window.
 */
const WORKSPACES = 6;
const KEYS = 4;
const SEARCHES = 150;
const WINDOW_SECONDS = 60;

const expectLimited = (r: Reply, code: string) => {
  expect({ status: r.status, code: codeOf(r), type: r.contentType.split(';')[0] }).toEqual({ status: 429, code, type: 'application/problem+json' });
  const retry = Number(r.headers.get('retry-after'));
  expect(Number.isInteger(retry) && retry > 0).toBe(true);
  return retry;
};

/** A documentation address (RFC 3849) no other test uses, as the nearest proxy saw it (rightmost). */
const freshIp = () => `203.0.113.9, 2001:db8::${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}`;

describe('limits', () => {
  it('workspaces per user', async () => {
    const user = await signUp('many');
    for (let i = 0; i < WORKSPACES; i++) expect((await call('POST', '/workspaces', { token: user.idToken, body: { name: `W${i}` } })).status).toBe(201);
    const over = await call('POST', '/workspaces', { token: user.idToken, body: { name: 'one too many' } });
    expectLimited(over, 'workspace_limit_reached');
    // Another user is not affected.
    expect((await call('POST', '/workspaces', { token: (await signUp()).idToken, body: { name: 'mine' } })).status).toBe(201);
  });

  it('workspaces per user hold under concurrent creates', async () => {
    const user = await signUp('burst');
    const answers = await Promise.all(Array.from({ length: WORKSPACES + 4 }, (_, i) => call('POST', '/workspaces', { token: user.idToken, body: { name: `B${i}` } })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(WORKSPACES);
    for (const a of answers.filter((x) => x.status !== 201)) expectLimited(a, 'workspace_limit_reached');
   }, 180_000);

  it('open API keys per workspace; revoking one frees its place', async () => {
    const ws = await newWorkspace();
    const token = ws.owner.idToken;
    const create = () => call('POST', `/workspaces/${ws.id}/api-keys`, { token, body: { name: 'k', scopes: ['runs.read'] } });
    const ids: string[] = [];
    for (let i = 0; i < KEYS; i++) {
      const r = await create();
      expect(r.status).toBe(201);
      ids.push(r.body.id);
    }
    expectLimited(await create(), 'api_key_limit_reached');
    expect((await call('DELETE', `/workspaces/${ws.id}/api-keys/${ids[0]}`, { token })).status).toBe(200);
    expect((await create()).status).toBe(201);
    expectLimited(await create(), 'api_key_limit_reached');
  });

  it('anonymous catalog searches per client, keyed by the forwarded client address; signed-in users and other clients go on', async () => {
    const ip = freshIp();
    const search = () => call('GET', '/agents?q=cost&limit=1', { headers: { 'X-Forwarded-For': ip } });
    let ok = 0;
    let refused: Reply | undefined;
    let rounds = 0;
    // A fixed window may turn over once during the burst: the refusal comes after SEARCHES to 2 × SEARCHES answers.
    while (!refused && ok <= 2 * SEARCHES && rounds++ < 100) {
      const batch = await Promise.all(Array.from({ length: 10 }, search));
      for (const r of batch) {
        if (r.status === 200) ok += 1;
        else if (r.status === 429) refused ??= r;
        // An emulator's own answer (no request id: a worker that did not start in time) is not the API's.
        else if (r.headers.get('x-request-id') !== null) throw new Error(`unexpected answer ${r.status}: ${JSON.stringify(r.body)}`);
      }
    }
    expect(ok).toBeGreaterThanOrEqual(SEARCHES);
    expect(refused, 'a 429 after the limit').toBeDefined();
    expect(expectLimited(refused!, 'search_rate_limited')).toBeLessThanOrEqual(WINDOW_SECONDS);
    // Same client signed in: not an anonymous search.
    const user = await signUp();
    expect((await call('GET', '/agents?q=cost&limit=1', { token: user.idToken, headers: { 'X-Forwarded-For': ip } })).status).toBe(200);
    // Another client.
    expect((await call('GET', '/agents?q=cost&limit=1', { headers: { 'X-Forwarded-For': freshIp() } })).status).toBe(200);
  }, 300_000);
});
