import { randomUUID } from 'node:crypto';
import { TERMINAL_STATES, type Role, type Run } from '@agent-marketplace/contract';
import { apiAs } from './client.ts';
import { projectId, urls } from './stack.ts';

export interface TestUser {
  uid: string;
  email: string;
  password: string;
  idToken: string;
}

const identity = (path: string) => `${urls.auth}/identitytoolkit.googleapis.com/v1/${path}?key=demo-api-key`;

/** Signs up a fresh user in the Auth emulator. */
export async function signUp(prefix = 'user'): Promise<TestUser> {
  const email = `${prefix}-${randomUUID().slice(0, 8)}@example.test`;
  const password = 'correct-horse-battery';
  const res = await fetch(identity('accounts:signUp'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password, returnSecureToken: true }),
  });
  const json = (await res.json()) as { localId: string; idToken: string };
  if (!res.ok) throw new Error(`signUp failed: ${JSON.stringify(json)}`);
  // The Auth emulator stamps a new account's sign-in time and its tokens-valid-since time
  // from two clock reads: when a second boundary falls between them (a loaded machine), the
  // sign-up's own token reads as revoked. A sign-in's token is issued after both.
  const signedIn = await fetch(identity('accounts:signInWithPassword'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password, returnSecureToken: true }),
  });
  const session = (await signedIn.json()) as { idToken: string };
  if (!signedIn.ok) throw new Error(`signIn after signUp failed: ${JSON.stringify(session)}`);
  return { uid: json.localId, email, password, idToken: session.idToken };
}

/** Builds an unsigned token like the Auth emulator's, with claims of our choosing. */
export function forgeToken(claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'none', typ: 'JWT' };
  const payload = {
    iss: `https://securetoken.google.com/${projectId}`,
    aud: projectId,
    auth_time: now - 10,
    iat: now - 10,
    exp: now + 3600,
    firebase: { identities: {}, sign_in_provider: 'password' },
    ...claims,
  };
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc(header)}.${enc(payload)}.`;
}

export interface TestWorkspace {
  id: string;
  owner: TestUser;
}

export async function newWorkspace(owner?: TestUser, name = 'Test workspace'): Promise<TestWorkspace> {
  const user = owner ?? (await signUp('owner'));
  const ws = await apiAs(user.idToken).call('createWorkspace', { body: { name } });
  return { id: ws.id, owner: user };
}

/** Signs up a user and adds them to the workspace with `role`. */
export async function addMember(ws: TestWorkspace, role: Role): Promise<TestUser> {
  const user = await signUp(role);
  await apiAs(ws.owner.idToken).call('addMember', { params: { wsId: ws.id }, body: { email: user.email, role } });
  return user;
}

/** The shortest wizard: start a draft, consent to the agent's permissions, deploy. */
export async function installAgent(ws: TestWorkspace, agentId = 'cost-anomaly-detector', version?: string): Promise<string> {
  const api = apiAs(ws.owner.idToken);
  const draft = await api.call('startInstall', { params: { wsId: ws.id }, body: { agentId, ...(version ? { version } : {}) } });
  const agent = await api.call('getAgentVersion', { params: { agentId, version: draft.version } });
  const params = { wsId: ws.id, installId: draft.id };
  await api.call('consentInstall', { params, body: { scopes: agent.manifest.permissions.map((p) => p.scope) } });
  await api.call('deployInstall', { params });
  return draft.id;
}

/** Polls a run until it reaches a terminal state. */
export async function waitForRun(ws: TestWorkspace, runId: string, timeoutMs = 20_000): Promise<Run> {
  const api = apiAs(ws.owner.idToken);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await api.call('getRun', { params: { wsId: ws.id, runId } });
    if (TERMINAL_STATES.includes(run.state)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.state} after ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
