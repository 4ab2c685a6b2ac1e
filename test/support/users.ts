import { randomUUID } from 'node:crypto';
import { call } from './http.ts';
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
  return { uid: json.localId, email, password, idToken: json.idToken };
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
  const res = await call('POST', '/workspaces', { token: user.idToken, body: { name } });
  if (res.status !== 201) throw new Error(`createWorkspace: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, owner: user };
}

/** Signs up a user and adds them to the workspace with `role`. */
export async function addMember(ws: TestWorkspace, role: string): Promise<TestUser> {
  const user = await signUp(role);
  const res = await call('POST', `/workspaces/${ws.id}/members`, { token: ws.owner.idToken, body: { email: user.email, role } });
  if (res.status !== 201) throw new Error(`addMember: ${res.status} ${JSON.stringify(res.body)}`);
  return user;
}

/** The shortest wizard: start a draft, consent to the agent's permissions, deploy. */
export async function installAgent(ws: TestWorkspace, agentId = 'cost-anomaly-detector', version?: string): Promise<string> {
  const token = ws.owner.idToken;
  const res = await call('POST', `/workspaces/${ws.id}/installs`, { token, body: { agentId, ...(version ? { version } : {}) } });
  if (res.status !== 201) throw new Error(`install: ${res.status} ${JSON.stringify(res.body)}`);
  const agent = await call('GET', `/agents/${agentId}/versions/${res.body.version}`);
  const scopes = (agent.body.manifest.permissions as { scope: string }[]).map((p) => p.scope);
  const path = `/workspaces/${ws.id}/installs/${res.body.id}`;
  const consent = await call('PUT', `${path}/consent`, { token, body: { scopes } });
  if (consent.status !== 200) throw new Error(`consent: ${consent.status} ${JSON.stringify(consent.body)}`);
  const deployed = await call('POST', `${path}/deploy`, { token });
  if (deployed.status !== 200) throw new Error(`deploy: ${deployed.status} ${JSON.stringify(deployed.body)}`);
  return res.body.id as string;
}

/** Polls a run until it reaches a terminal state. */
export async function waitForRun(ws: TestWorkspace, runId: string, timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call('GET', `/workspaces/${ws.id}/runs/${runId}`, { token: ws.owner.idToken });
    if (['succeeded', 'failed', 'canceled', 'timed_out'].includes(res.body?.state)) return res.body;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${res.body?.state} after ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
