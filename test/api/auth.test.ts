import { describe, expect, it } from 'vitest';
import { assertSafeAuth } from '../../functions/src/config/index.ts';
import { call, codeOf } from '../support/http.ts';
import { addMember, forgeToken, newWorkspace, signUp } from '../support/users.ts';

describe('authentication', () => {
  it('no token: 401 with a WWW-Authenticate challenge', async () => {
    const r = await call('GET', '/workspaces');
    expect(r.status).toBe(401);
    expect(codeOf(r)).toBe('missing_credentials');
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('a malformed Authorization header: 401', async () => {
    const r = await call('GET', '/workspaces', { headers: { Authorization: 'Basic dXNlcjpwYXNz' } });
    expect(r.status).toBe(401);
    expect(codeOf(r)).toBe('malformed_authorization');
  });

  it('an expired ID token: 401 token_expired', async () => {
    const user = await signUp();
    const now = Math.floor(Date.now() / 1000);
    const token = forgeToken({ sub: user.uid, user_id: user.uid, iat: now - 7200, auth_time: now - 7200, exp: now - 3600 });
    const r = await call('GET', '/workspaces', { token });
    expect(r.status).toBe(401);
    expect(codeOf(r)).toBe('token_expired');
  });

  it('a token for another project (audience and issuer): 401', async () => {
    const user = await signUp();
    const token = forgeToken({ sub: user.uid, user_id: user.uid, aud: 'demo-someone-else', iss: 'https://securetoken.google.com/demo-someone-else' });
    const r = await call('GET', '/workspaces', { token });
    expect(r.status).toBe(401);
    expect(codeOf(r)).toBe('invalid_token');
  });

  it('a forged token for a user that does not exist: 401 (revocation check looks the user up)', async () => {
    const r = await call('GET', '/workspaces', { token: forgeToken({ sub: 'ghost-user-0001', user_id: 'ghost-user-0001' }) });
    expect(r.status).toBe(401);
  });

  it('garbage tokens: 401', async () => {
    for (const token of ['abc', 'a.b.c', 'amk_x_y_z', 'rt_nope']) {
      const r = await call('GET', '/workspaces', { token });
      expect(r.status, token).toBe(401);
    }
  });

  it('the API refuses to run with the Auth emulator outside a demo-* project', () => {
    expect(() => assertSafeAuth({ projectId: 'acme-prod', authEmulatorHost: '127.0.0.1:9099' })).toThrow(/Refusing to start/);
    expect(() => assertSafeAuth({ projectId: 'demo-agent-marketplace', authEmulatorHost: '127.0.0.1:9099' })).not.toThrow();
    expect(() => assertSafeAuth({ projectId: 'acme-prod', authEmulatorHost: undefined })).not.toThrow();
  });
});

describe('API keys', () => {
  it('are shown once, stored hashed, scoped, and stop working when revoked', async () => {
    const ws = await newWorkspace();
    const created = await call('POST', `/workspaces/${ws.id}/api-keys`, {
      token: ws.owner.idToken,
      body: { name: 'ci', scopes: ['runs.read', 'installs.read'] },
    });
    expect(created.status).toBe(201);
    const secret: string = created.body.secret;
    expect(secret.startsWith(`amk_${ws.id}_`)).toBe(true);
    expect(created.body.secretHash).toBeUndefined();

    const listed = await call('GET', `/workspaces/${ws.id}/api-keys`, { token: ws.owner.idToken });
    expect(listed.body.items).toHaveLength(1);
    const secretPart = secret.split('_').slice(3).join('_');
    expect(secretPart.length).toBeGreaterThan(20);
    expect(JSON.stringify(listed.body)).not.toContain(secretPart);

    expect((await call('GET', `/workspaces/${ws.id}/runs`, { token: secret })).status).toBe(200);
    // Out of scope: installing, managing keys or members.
    const install = await call('POST', `/workspaces/${ws.id}/installs`, { token: secret, body: { agentId: 'cost-anomaly-detector' } });
    expect(install.status).toBe(403);
    expect((await call('GET', `/workspaces/${ws.id}/api-keys`, { token: secret })).status).toBe(403);
    expect((await call('GET', '/workspaces', { token: secret })).status).toBe(403);

    // A tampered secret is as good as none.
    const tampered = secret.slice(0, -2) + (secret.endsWith('aa') ? 'bb' : 'aa');
    expect((await call('GET', `/workspaces/${ws.id}/runs`, { token: tampered })).status).toBe(401);

    const revoked = await call('DELETE', `/workspaces/${ws.id}/api-keys/${created.body.id}`, { token: ws.owner.idToken });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    const after = await call('GET', `/workspaces/${ws.id}/runs`, { token: secret });
    expect(after.status).toBe(401);
    expect(codeOf(after)).toBe('invalid_api_key');
  });

  it('cannot be created with a scope outside the allowed set', async () => {
    const ws = await newWorkspace();
    const r = await call('POST', `/workspaces/${ws.id}/api-keys`, { token: ws.owner.idToken, body: { name: 'x', scopes: ['members.manage'] } });
    expect(r.status).toBe(400);
  });

  it('with an expiry stop working once it passes: 401 api_key_expired', async () => {
    const ws = await newWorkspace();
    const expiresAt = new Date(Date.now() + 4000).toISOString();
    const created = await call('POST', `/workspaces/${ws.id}/api-keys`, { token: ws.owner.idToken, body: { name: 'short', scopes: ['runs.read'], expiresAt } });
    expect(created.status).toBe(201);
    expect(created.body.expiresAt).toBe(expiresAt);
    expect((await call('GET', `/workspaces/${ws.id}/runs`, { token: created.body.secret })).status).toBe(200);
    let after = await call('GET', `/workspaces/${ws.id}/runs`, { token: created.body.secret });
    for (const deadline = Date.now() + 20_000; after.status === 200 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 500));
      after = await call('GET', `/workspaces/${ws.id}/runs`, { token: created.body.secret });
    }
    expect(after.status).toBe(401);
    expect(codeOf(after)).toBe('api_key_expired');
    // An expiry in the past, or one that is not a time, is refused at creation.
    const past = await call('POST', `/workspaces/${ws.id}/api-keys`, { token: ws.owner.idToken, body: { name: 'past', scopes: ['runs.read'], expiresAt: new Date(Date.now() - 60_000).toISOString() } });
    expect(past.status).toBe(400);
    const garbage = await call('POST', `/workspaces/${ws.id}/api-keys`, { token: ws.owner.idToken, body: { name: 'bad', scopes: ['runs.read'], expiresAt: 'tomorrow' } });
    expect(garbage.status).toBe(400);
  });

  it('stop working when the member who created them leaves the workspace', async () => {
    const ws = await newWorkspace();
    const admin = await addMember(ws, 'admin');
    const key = await call('POST', `/workspaces/${ws.id}/api-keys`, { token: admin.idToken, body: { name: 'admins', scopes: ['runs.read'] } });
    expect(key.status).toBe(201);
    expect((await call('GET', `/workspaces/${ws.id}/runs`, { token: key.body.secret })).status).toBe(200);

    expect((await call('DELETE', `/workspaces/${ws.id}/members/${admin.uid}`, { token: ws.owner.idToken })).status).toBe(204);
    const after = await call('GET', `/workspaces/${ws.id}/runs`, { token: key.body.secret });
    expect(after.status).toBe(401);
    expect(codeOf(after)).toBe('invalid_api_key');
    const listed = await call('GET', `/workspaces/${ws.id}/api-keys`, { token: ws.owner.idToken });
    expect(listed.body.items.find((k: { id: string }) => k.id === key.body.id).revokedAt).toEqual(expect.any(String));
  });

  it('re-owned by an admin before its creator leaves, keep working; re-owning checks the new owner', async () => {
    const ws = await newWorkspace();
    const admin = await addMember(ws, 'admin');
    const viewer = await addMember(ws, 'viewer');
    const make = async (name: string, scopes: string[]) =>
      (await call('POST', `/workspaces/${ws.id}/api-keys`, { token: admin.idToken, body: { name, scopes } })).body as { id: string; secret: string; ownedBy: string };
    const kept = await make('kept', ['runs.read', 'runs.trigger']);
    const lost = await make('lost', ['runs.read']);
    expect(kept.ownedBy).toBe(admin.uid);

    const transfer = (keyId: string, toUid: string, token = ws.owner.idToken) => call('POST', `/workspaces/${ws.id}/api-keys/${keyId}:transfer`, { token, body: { toUid } });
    // A viewer cannot own a key that triggers runs; a non-member cannot own one at all; a viewer cannot re-own keys.
    const tooWeak = await transfer(kept.id, viewer.uid);
    expect(tooWeak.status).toBe(403);
    expect(codeOf(tooWeak)).toBe('scope_exceeds_role');
    const outsider = await transfer(kept.id, 'someoneElse123');
    expect(outsider.status).toBe(404);
    expect(codeOf(outsider)).toBe('member_not_found');
    expect((await transfer(kept.id, viewer.uid, viewer.idToken)).status).toBe(403);

    const moved = await transfer(kept.id, ws.owner.uid);
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ ownedBy: ws.owner.uid, createdBy: admin.uid, revokedAt: null });

    expect((await call('DELETE', `/workspaces/${ws.id}/members/${admin.uid}`, { token: ws.owner.idToken })).status).toBe(204);
    expect((await call('GET', `/workspaces/${ws.id}/runs`, { token: kept.secret })).status).toBe(200);
    expect((await call('GET', `/workspaces/${ws.id}/runs`, { token: lost.secret })).status).toBe(401);
    // A revoked key stays revoked.
    const revived = await transfer(lost.id, ws.owner.uid);
    expect(revived.status).toBe(409);
    expect(codeOf(revived)).toBe('api_key_revoked');
  });

  it("a workspace's key cannot reach another workspace (404)", async () => {
    const a = await newWorkspace();
    const b = await newWorkspace();
    const key = await call('POST', `/workspaces/${a.id}/api-keys`, { token: a.owner.idToken, body: { name: 'a', scopes: ['runs.read'] } });
    const r = await call('GET', `/workspaces/${b.id}/runs`, { token: key.body.secret });
    expect(r.status).toBe(404);
    expect(codeOf(r)).toBe('workspace_not_found');
  });
});
