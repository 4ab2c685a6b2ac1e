import { describe, expect, it } from 'vitest';
import { call, codeOf } from '../support/http.ts';
import { signIn, signUp } from '../support/users.ts';

describe('sessions', () => {
  it('each sign-in is a session the user sees, and revoking one ends it alone', async () => {
    const first = await signUp('sessions');
    // auth_time has a resolution of one second: the second sign-in must come in a later second.
    await new Promise((r) => setTimeout(r, 1100));
    const second = await signIn(first);
    expect((await call('GET', '/me', { token: first.idToken, headers: { 'User-Agent': 'laptop-browser' } })).status).toBe(200);
    expect((await call('GET', '/me', { token: second.idToken, headers: { 'User-Agent': 'phone-browser' } })).status).toBe(200);

    const listed = await call('GET', '/me/sessions', { token: second.idToken });
    expect(listed.status).toBe(200);
    const items = listed.body.items as { id: string; userAgent: string | null; current: boolean; revokedAt: string | null }[];
    expect(items.map((s) => s.userAgent).sort()).toEqual(['laptop-browser', 'phone-browser']);
    expect(items.filter((s) => s.current).map((s) => s.userAgent)).toEqual(['phone-browser']);

    const laptop = items.find((s) => s.userAgent === 'laptop-browser')!;
    expect((await call('DELETE', `/me/sessions/${laptop.id}`, { token: second.idToken })).status).toBe(204);
    const ended = await call('GET', '/workspaces', { token: first.idToken });
    expect(ended.status).toBe(401);
    expect(codeOf(ended)).toBe('session_revoked');
    expect((await call('GET', '/workspaces', { token: second.idToken })).status).toBe(200);
    const after = await call('GET', '/me/sessions', { token: second.idToken });
    expect(after.body.items.map((s: { userAgent: string }) => s.userAgent)).toEqual(['phone-browser']);
  });

  it('signing out everywhere revokes every refresh token: every session ends', async () => {
    const user = await signUp('everywhere');
    await new Promise((r) => setTimeout(r, 1100));
    const other = await signIn(user);
    const r = await call('POST', '/me/sessions:revokeAll', { token: user.idToken });
    expect(r.status).toBe(204);
    for (const token of [user.idToken, other.idToken]) {
      const denied = await call('GET', '/workspaces', { token });
      expect(denied.status).toBe(401);
      // Firebase refuses tokens of sign-ins before the revocation's second; the API also those within it.
      expect(['token_revoked', 'session_revoked']).toContain(codeOf(denied));
    }
    // A new sign-in works again.
    await new Promise((r) => setTimeout(r, 1100));
    const again = await signIn(user);
    expect((await call('GET', '/workspaces', { token: again.idToken })).status).toBe(200);
  });

  it('a user cannot see or revoke another user’s session (404)', async () => {
    const a = await signUp('sess-a');
    const b = await signUp('sess-b');
    await call('GET', '/me', { token: a.idToken });
    const aSessions = await call('GET', '/me/sessions', { token: a.idToken });
    const id = aSessions.body.items[0].id as string;
    const r = await call('DELETE', `/me/sessions/${id}`, { token: b.idToken });
    expect(r.status).toBe(404);
    expect((await call('GET', '/workspaces', { token: a.idToken })).status).toBe(200);
  });
});
