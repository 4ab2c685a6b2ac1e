import { describe, expect, it } from 'vitest';
import { allRoutes } from '../../functions/src/api/routes/index.ts';
import type { RouteDef } from '../../functions/src/api/route.ts';
import { call, codeOf } from '../support/http.ts';
import { addMember, installAgent, newWorkspace, signUp } from '../support/users.ts';

const PUBLIC = new Set([
  '/v1/health',
  '/v1/openapi.json',
  '/v1/agents',
  '/v1/agents/:agentId',
  '/v1/agents/:agentId/versions',
  '/v1/agents/:agentId/versions/:version',
  '/v1/agents/:agentId/reviews',
  '/v1/schemas/agent-manifest.json',
]);
/** Public routes authenticated by a signature instead of a bearer token. */
const SIGNED = new Set(['/v1/hooks/:wsId/:installId']);
/** The runner's bootstrap exchange: its credential is the one-time token in the body. */
const BOOTSTRAP = new Set(['/v1/runner/runs/:runId/session']);

function concrete(route: RouteDef, values: Record<string, string> = {}): string {
  return route.path.replace(/::([A-Za-z]+)|:([A-Za-z]+)/g, (_m, verb: string | undefined, name: string | undefined) =>
    verb ? `:${verb}` : (values[name!] ?? (name === 'agentId' ? 'cost-anomaly-detector' : 'abc123XYZ')),
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

  it('members: admins cannot make owners, the last owner cannot leave, unknown emails are 404', async () => {
    const ws = await newWorkspace();
    const admin = await addMember(ws, 'admin');
    const someone = await signUp('someone');

    const asOwner = await call('POST', `/workspaces/${ws.id}/members`, { token: admin.idToken, body: { email: someone.email, role: 'owner' } });
    expect(asOwner.status).toBe(403);
    expect(codeOf(asOwner)).toBe('role_not_assignable');
    const asViewer = await call('POST', `/workspaces/${ws.id}/members`, { token: admin.idToken, body: { email: someone.email, role: 'viewer' } });
    expect(asViewer.status).toBe(201);
    const again = await call('POST', `/workspaces/${ws.id}/members`, { token: admin.idToken, body: { email: someone.email, role: 'viewer' } });
    expect(again.status).toBe(409);

    const ghost = await call('POST', `/workspaces/${ws.id}/members`, { token: ws.owner.idToken, body: { email: 'nobody@example.test', role: 'viewer' } });
    expect(codeOf(ghost)).toBe('user_not_found');

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
});
