import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { allRoutes } from '../../functions/src/api/routes/index.ts';
import type { RouteDef } from '../../functions/src/api/route.ts';
import { call, codeOf } from '../support/http.ts';
import { addMember, installAgent, invite, newWorkspace, signUp, signUpVerified, verifyEmail } from '../support/users.ts';

const PUBLIC = new Set([
  '/v1/health',
  '/v1/openapi.json',
  '/v1/agents',
  '/v1/agents/:agentId',
  '/v1/agents/:agentId/versions',
  '/v1/agents/:agentId/versions/:version',
  '/v1/agents/:agentId/versions/:version/cloud-permissions',
  '/v1/agents/:agentId/reviews',
  '/v1/schemas/agent-manifest.json',
]);
/** Public routes authenticated by a signature instead of a bearer token. */
const SIGNED = new Set(['/v1/hooks/:wsId/:installId']);
/** The runner's bootstrap exchange: its credential is the one-time token in the body. */
const BOOTSTRAP = new Set(['/v1/runner/runs/:runId/session']);

/** A well-formed value for each kind of path id (ids are parsed before anyone is authenticated). */
const SAMPLE: Record<string, string> = { agentId: 'cost-anomaly-detector', invoiceId: 'in_abc123XYZ', publisherId: 'platform-tests', version: '1.0.0' };

function concrete(route: RouteDef, values: Record<string, string> = {}): string {
  return route.path.replace(/::([A-Za-z]+)|:([A-Za-z]+)/g, (_m, verb: string | undefined, name: string | undefined) =>
    verb ? `:${verb}` : (values[name!] ?? SAMPLE[name!] ?? (name === 'name' && route.path.includes('/secrets/') ? 'API_TOKEN' : 'abc123XYZ')),
  );
}

const sampleBody = (route: RouteDef) => (route.body ? {} : undefined);

describe('every route is guarded', () => {
  it('the registry has the routes this guard is meant to cover', () => {
    expect(allRoutes.length).toBeGreaterThan(15);
    expect(allRoutes.filter((r) => r.access.kind === 'public').map((r) => r.path).sort()).toEqual([...PUBLIC, ...SIGNED, ...BOOTSTRAP].sort());
  });

  it.each(allRoutes.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))('%s rejects an anonymous caller unless public', async (_name, route) => {
    const r = await call(route.method.toUpperCase(), concrete(route).replace(/^\/v1/, ''), { body: sampleBody(route) });
    if (SIGNED.has(route.path)) {
      expect(r.status).toBe(401);
      expect(codeOf(r)).toBe('webhook_signature_invalid');
    } else if (BOOTSTRAP.has(route.path)) {
      expect(codeOf(r)).toBe('validation_failed');
      const forged = await call('POST', concrete(route).replace(/^\/v1/, ''), { body: { bootstrapToken: 'rb_abc123XYZ_abc123XYZ_0123456789abcdefghij' } });
      expect({ status: forged.status, code: codeOf(forged) }).toEqual({ status: 401, code: 'invalid_bootstrap_token' });
    } else if (PUBLIC.has(route.path)) {
      expect(r.status).not.toBe(401);
      expect(r.status).toBeLessThan(500);
    } else {
      expect(r.status).toBe(401);
      expect(r.contentType).toContain('application/problem+json');
    }
  });

  it("a member of workspace A gets 404 on every route of workspace B", async () => {
    const a = await newWorkspace();
    const b = await newWorkspace();
    const bInstall = await installAgent(b);
    const wsRoutes = allRoutes.filter((r) => r.access.kind === 'workspace');
    expect(wsRoutes.length).toBeGreaterThan(10);
    for (const route of wsRoutes) {
      const path = concrete(route, { wsId: b.id, installId: bInstall, uid: b.owner.uid }).replace(/^\/v1/, '');
      const r = await call(route.method.toUpperCase(), path, { token: a.owner.idToken, body: sampleBody(route) });
      expect({ route: `${route.method} ${route.path}`, status: r.status, code: codeOf(r) }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 404,
        code: 'workspace_not_found',
      });
    }
    // And B's data is untouched and invisible in A's listings.
    const listed = await call('GET', '/workspaces', { token: a.owner.idToken });
    expect(listed.body.items.map((w: { id: string }) => w.id)).toEqual([a.id]);
  });
});

describe('roles', () => {
  it('a viewer reads but cannot trigger runs or install (403), an operator can run', async () => {
    const ws = await newWorkspace();
    const installId = await installAgent(ws);
    const viewer = await addMember(ws, 'viewer');
    const operator = await addMember(ws, 'operator');

    expect((await call('GET', `/workspaces/${ws.id}/runs`, { token: viewer.idToken })).status).toBe(200);
    expect((await call('GET', `/workspaces/${ws.id}/installs`, { token: viewer.idToken })).status).toBe(200);
    const denied = await call('POST', `/workspaces/${ws.id}/installs/${installId}/runs`, { token: viewer.idToken, body: {} });
    expect(denied.status).toBe(403);
    expect(codeOf(denied)).toBe('insufficient_role');
    expect((await call('POST', `/workspaces/${ws.id}/installs`, { token: operator.idToken, body: { agentId: 'cost-anomaly-detector' } })).status).toBe(403);

    const run = await call('POST', `/workspaces/${ws.id}/installs/${installId}/runs`, { token: operator.idToken, body: {} });
    expect(run.status).toBe(201);
    expect(run.body.trigger).toEqual({ kind: 'manual', by: operator.uid });
  });

  it('members: admins cannot invite owners, the last owner cannot leave', async () => {
    const ws = await newWorkspace();
    const admin = await addMember(ws, 'admin');
    const someone = await signUpVerified('someone');

    const asOwner = await call('POST', `/workspaces/${ws.id}/invitations`, { token: admin.idToken, body: { email: someone.email, role: 'owner' } });
    expect(asOwner.status).toBe(403);
    expect(codeOf(asOwner)).toBe('role_not_assignable');
    const asViewer = await call('POST', `/workspaces/${ws.id}/invitations`, { token: admin.idToken, body: { email: someone.email, role: 'viewer' } });
    expect(asViewer.status).toBe(201);
    expect((await call('POST', '/invitations:accept', { token: someone.idToken, body: { token: asViewer.body.token } })).status).toBe(201);
    const again = await call('POST', `/workspaces/${ws.id}/invitations`, { token: admin.idToken, body: { email: someone.email, role: 'viewer' } });
    const twice = await call('POST', '/invitations:accept', { token: someone.idToken, body: { token: again.body.token } });
    expect(twice.status).toBe(409);
    expect(codeOf(twice)).toBe('already_member');

    const leave = await call('DELETE', `/workspaces/${ws.id}/members/${ws.owner.uid}`, { token: ws.owner.idToken });
    expect(leave.status).toBe(412);
    expect(codeOf(leave)).toBe('last_owner');
    const demote = await call('PATCH', `/workspaces/${ws.id}/members/${ws.owner.uid}`, { token: ws.owner.idToken, body: { role: 'viewer' } });
    expect(codeOf(demote)).toBe('last_owner');

    const promote = await call('PATCH', `/workspaces/${ws.id}/members/${admin.uid}`, { token: ws.owner.idToken, body: { role: 'owner' } });
    expect(promote.status).toBe(200);
    expect((await call('DELETE', `/workspaces/${ws.id}/members/${ws.owner.uid}`, { token: ws.owner.idToken })).status).toBe(204);
    // The former owner is now outside the workspace.
    expect((await call('GET', `/workspaces/${ws.id}`, { token: ws.owner.idToken })).status).toBe(404);

    const members = await call('GET', `/workspaces/${ws.id}/members`, { token: admin.idToken });
    expect(members.body.items.map((m: { role: string }) => m.role).sort()).toEqual(['owner', 'viewer']);
  });

  it('an owner invitation accepted keeps the owner count exact: the first owner may then leave', async () => {
    const ws = await newWorkspace();
    const next = await signUpVerified('next-owner');
    const token = await invite(ws, next.email, 'owner');
    expect((await call('POST', '/invitations:accept', { token: next.idToken, body: { token } })).status).toBe(201);
    expect((await call('DELETE', `/workspaces/${ws.id}/members/${ws.owner.uid}`, { token: ws.owner.idToken })).status).toBe(204);
    const leave = await call('DELETE', `/workspaces/${ws.id}/members/${next.uid}`, { token: next.idToken });
    expect(codeOf(leave)).toBe('last_owner');
  });
});

describe('invitations', () => {
  it('an account that claimed a colleague’s email first, without verifying it, is never made a member', async () => {
    const ws = await newWorkspace();
    const email = `alice-${randomUUID().slice(0, 8)}@corp.test`;
    const attacker = await signUp('alice', email);
    // The owner brings alice@corp.test in. Adding a member by email is gone: it bound whichever account held the address.
    const old = await call('POST', `/workspaces/${ws.id}/members`, { token: ws.owner.idToken, body: { email, role: 'admin' } });
    expect(old.status).toBe(405);
    const created = await call('POST', `/workspaces/${ws.id}/invitations`, { token: ws.owner.idToken, body: { email, role: 'admin' } });
    expect(created.status).toBe(201);
    // Even holding the link, an unverified address proves nothing.
    const accepted = await call('POST', '/invitations:accept', { token: attacker.idToken, body: { token: created.body.token } });
    expect(accepted.status).toBe(403);
    expect(codeOf(accepted)).toBe('email_not_verified');
    expect((await call('GET', `/workspaces/${ws.id}`, { token: attacker.idToken })).status).toBe(404);
    const list = await call('GET', `/workspaces/${ws.id}/invitations`, { token: ws.owner.idToken });
    expect(list.body.items).toEqual([expect.objectContaining({ email, role: 'admin', state: 'pending', acceptedBy: null })]);
    expect(JSON.stringify(list.body)).not.toContain(created.body.token.split('_').slice(3).join('_'));
    expect(list.body.items[0].tokenHash).toBeUndefined();
  });

  it('is accepted by the signed-in user whose verified email matches, case aside, once', async () => {
    const ws = await newWorkspace();
    const alice = await signUpVerified('alice');
    const token = await invite(ws, alice.email.toUpperCase(), 'operator');
    const r = await call('POST', '/invitations:accept', { token: alice.idToken, body: { token } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ uid: alice.uid, wsId: ws.id, role: 'operator', email: alice.email.toLowerCase(), addedBy: ws.owner.uid });
    expect((await call('GET', `/workspaces/${ws.id}`, { token: alice.idToken })).body.role).toBe('operator');
    const again = await call('POST', '/invitations:accept', { token: alice.idToken, body: { token } });
    expect(again.status).toBe(409);
    expect(codeOf(again)).toBe('invitation_already_accepted');
    const listed = await call('GET', `/workspaces/${ws.id}/invitations`, { token: ws.owner.idToken });
    expect(listed.body.items[0]).toMatchObject({ state: 'accepted', acceptedBy: alice.uid });
  });

  it('refuses another verified user, a revoked invitation, a wrong token, and an unverified user until they verify', async () => {
    const ws = await newWorkspace();
    const bob = await signUp('bob');
    const mallory = await signUpVerified('mallory');
    const token = await invite(ws, bob.email, 'viewer');

    const wrongUser = await call('POST', '/invitations:accept', { token: mallory.idToken, body: { token } });
    expect(wrongUser.status).toBe(403);
    expect(codeOf(wrongUser)).toBe('invitation_email_mismatch');

    const unverified = await call('POST', '/invitations:accept', { token: bob.idToken, body: { token } });
    expect(codeOf(unverified)).toBe('email_not_verified');
    const verified = await verifyEmail(bob);

    const tampered = token.slice(0, -3) + (token.endsWith('aaa') ? 'bbb' : 'aaa');
    for (const t of [tampered, 'ami_x_y_zzzzzzzzzzzzzzzzzzzzzzzzz', 'nonsense']) {
      const r = await call('POST', '/invitations:accept', { token: verified.idToken, body: { token: t } });
      expect(r.status, t).toBe(404);
      expect(codeOf(r)).toBe('invitation_not_found');
    }

    const invId = token.split('_')[2];
    const revoked = await call('DELETE', `/workspaces/${ws.id}/invitations/${invId}`, { token: ws.owner.idToken });
    expect(revoked.status).toBe(200);
    expect(revoked.body.state).toBe('revoked');
    const late = await call('POST', '/invitations:accept', { token: verified.idToken, body: { token } });
    expect(late.status).toBe(409);
    expect(codeOf(late)).toBe('invitation_revoked');
    expect((await call('GET', `/workspaces/${ws.id}`, { token: verified.idToken })).status).toBe(404);
  });

  it('expire: an expired invitation is refused with invitation_expired', async () => {
    const ws = await newWorkspace();
    const carol = await signUpVerified('carol');
    const token = await invite(ws, carol.email, 'viewer');
    // Time cannot be moved in the emulators: the stored expiry is moved into the past instead.
    const { adminDb } = await import('../support/admin.ts');
    await adminDb.doc(`workspaces/${ws.id}/invitations/${token.split('_')[2]}`).update({ expiresAt: new Date(Date.now() - 1000) });
    const r = await call('POST', '/invitations:accept', { token: carol.idToken, body: { token } });
    expect(r.status).toBe(409);
    expect(codeOf(r)).toBe('invitation_expired');
    const listed = await call('GET', `/workspaces/${ws.id}/invitations`, { token: ws.owner.idToken });
    expect(listed.body.items[0].state).toBe('expired');
  });

  it('only members who manage members invite, list or revoke; roles follow canAssignRole', async () => {
    const ws = await newWorkspace();
    const viewer = await addMember(ws, 'viewer');
    const admin = await addMember(ws, 'admin');
    const denied = await call('POST', `/workspaces/${ws.id}/invitations`, { token: viewer.idToken, body: { email: 'x@example.test', role: 'viewer' } });
    expect(denied.status).toBe(403);
    expect(codeOf(denied)).toBe('insufficient_role');
    expect((await call('GET', `/workspaces/${ws.id}/invitations`, { token: viewer.idToken })).status).toBe(403);
    // An owner invitation can be revoked by an owner, not by an admin.
    const ownerInvite = await invite(ws, 'future-owner@example.test', 'owner');
    const byAdmin = await call('DELETE', `/workspaces/${ws.id}/invitations/${ownerInvite.split('_')[2]}`, { token: admin.idToken });
    expect(byAdmin.status).toBe(403);
    expect(codeOf(byAdmin)).toBe('role_not_assignable');
    const bad = await call('POST', `/workspaces/${ws.id}/invitations`, { token: ws.owner.idToken, body: { email: 'not-an-email', role: 'viewer' } });
    expect(bad.status).toBe(400);
    // An API key never manages members.
    const key = await call('POST', `/workspaces/${ws.id}/api-keys`, { token: ws.owner.idToken, body: { name: 'k', scopes: ['runs.read'] } });
    expect((await call('POST', `/workspaces/${ws.id}/invitations`, { token: key.body.secret, body: { email: 'x@example.test', role: 'viewer' } })).status).toBe(403);
  });

  it('a user signed in with Google (the provider vouches for the email) accepts without a verification email', async () => {
    const ws = await newWorkspace();
    const email = `gina-${randomUUID().slice(0, 8)}@gmail.test`;
    const token = await invite(ws, email, 'viewer');
    const { identityCall } = await import('../support/users.ts');
    // The Auth emulator's IdP sign-in takes an unsigned id_token of our choosing (what its fake Google page sends).
    const idp = await identityCall<{ idToken: string; localId: string }>('accounts:signInWithIdp', {
      requestUri: 'http://localhost',
      returnSecureToken: true,
      postBody: `providerId=google.com&id_token=${encodeURIComponent(JSON.stringify({ sub: randomUUID(), email, email_verified: true, name: 'Gina G.' }))}`,
    });
    const r = await call('POST', '/invitations:accept', { token: idp.idToken, body: { token } });
    expect(r.status).toBe(201);
    expect(r.body.uid).toBe(idp.localId);
  });
});
