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

/** One call of the Auth emulator's Identity Toolkit REST API (what the web SDK calls). */
export async function identityCall<T = Record<string, unknown>>(path: string, body: unknown): Promise<T> {
  const res = await fetch(identity(path), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${path} failed: ${JSON.stringify(json)}`);
  return json;
}

/** Signs up a fresh user in the Auth emulator (a random address under `prefix`, or `email` as given). Not verified. */
export async function signUp(prefix = 'user', email = `${prefix}-${randomUUID().slice(0, 8)}@example.test`): Promise<TestUser> {
  const password = 'correct-horse-battery';
  const json = await identityCall<{ localId: string; idToken: string }>('accounts:signUp', { email, password, returnSecureToken: true });
  // The Auth emulator stamps a new account's sign-in time and its tokens-valid-since time
  // from two clock reads: when a second boundary falls between them (a loaded machine), the
  // sign-up's own token reads as revoked. A sign-in's token is issued after both.
  const session = await identityCall<{ idToken: string }>('accounts:signInWithPassword', { email, password, returnSecureToken: true });
  return { uid: json.localId, email, password, idToken: session.idToken };
}

/** Signs the user in again: a new sign-in (a new session), with a token carrying the account's current claims. */
export async function signIn(user: TestUser): Promise<TestUser> {
  const json = await identityCall<{ idToken: string }>('accounts:signInWithPassword', { email: user.email, password: user.password, returnSecureToken: true });
  return { ...user, idToken: json.idToken };
}

interface OobCode {
  email: string;
  requestType: string;
  oobCode: string;
  oobLink: string;
}

/** The out-of-band codes (verification, password reset) the Auth emulator holds instead of sending email. */
export async function oobCodes(): Promise<OobCode[]> {
  const res = await fetch(`${urls.auth}/emulator/v1/projects/${projectId}/oobCodes`);
  if (!res.ok) throw new Error(`oobCodes failed: ${res.status}`);
  return ((await res.json()) as { oobCodes: OobCode[] }).oobCodes;
}

/** The newest code of one kind sent to `email`, waiting for it to appear. */
export async function latestOobCode(email: string, requestType: 'VERIFY_EMAIL' | 'PASSWORD_RESET', timeoutMs = 10_000): Promise<OobCode> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await oobCodes()).filter((c) => c.email.toLowerCase() === email.toLowerCase() && c.requestType === requestType).at(-1);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no ${requestType} code for ${email} after ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Verifies the user's email the way a person does: a verification email is sent (the emulator
 * keeps its code), the code is applied, and a fresh sign-in gives a token with email_verified.
 */
export async function verifyEmail(user: TestUser): Promise<TestUser> {
  await identityCall('accounts:sendOobCode', { requestType: 'VERIFY_EMAIL', idToken: user.idToken });
  const { oobCode } = await latestOobCode(user.email, 'VERIFY_EMAIL');
  await identityCall('accounts:update', { oobCode });
  return signIn(user);
}

/** A verified user, as most tests want one. */
export async function signUpVerified(prefix = 'user'): Promise<TestUser> {
  return verifyEmail(await signUp(prefix));
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

/** The owner invites `user`'s email with `role`; the invitation's token. */
export async function invite(ws: TestWorkspace, email: string, role: Role): Promise<string> {
  const inv = await apiAs(ws.owner.idToken).call('createInvitation', { params: { wsId: ws.id }, body: { email, role } });
  return inv.token;
}

/**
 * Signs up a user, verifies their email, and brings them into the workspace with `role` the
 * only way there is: the owner invites the address, the user accepts.
 */
export async function addMember(ws: TestWorkspace, role: Role): Promise<TestUser> {
  const user = await signUpVerified(role);
  const token = await invite(ws, user.email, role);
  await apiAs(user.idToken).call('acceptInvitation', { body: { token } });
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
