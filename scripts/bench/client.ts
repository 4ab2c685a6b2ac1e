import { randomUUID } from 'node:crypto';
import type { Stack } from '../lib/stack.ts';

/** The JSON body of a successful response; anything else stops the bench with the reply. */
export async function json(res: Response): Promise<any> {
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** A fresh Auth-emulator user with a workspace of their own: the headers to call the API as them. */
export async function signedInWorkspace(stack: Stack, name: string): Promise<{ headers: Record<string, string>; wsId: string }> {
  const signUp = await json(
    await fetch(`${stack.urls.auth}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=demo`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: `bench-${randomUUID().slice(0, 8)}@example.test`, password: 'bench-password', returnSecureToken: true }),
    }),
  );
  const headers = { Authorization: `Bearer ${signUp.idToken}`, 'Content-Type': 'application/json' };
  const ws = await json(await fetch(`${stack.urls.api}/workspaces`, { method: 'POST', headers, body: JSON.stringify({ name }) }));
  return { headers, wsId: ws.id as string };
}

/** The permission scopes of an agent's latest version: what the consent step must list. */
export async function agentScopes(stack: Stack, agentId: string): Promise<string[]> {
  const agent = await json(await fetch(`${stack.urls.api}/agents/${agentId}`));
  return (agent.manifest.permissions as { scope: string }[]).map((p) => p.scope);
}
