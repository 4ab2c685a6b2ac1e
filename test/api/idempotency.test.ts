import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAsFunctions } from '../support/stack.ts';
import { installAgent, newWorkspace, type TestWorkspace } from '../support/users.ts';

/**
 * The API's router in this process, over the real adapters on the test stack's emulators (the
 * Functions emulator's own configuration), with one port wrapped to fail on demand: what the
 * router does when completing an Idempotency-Key fails, or the instance dies between the
 * handler's side effect and that completion.
 */
runAsFunctions();

const { getDeps } = await import('../../functions/src/triggers/deps.ts');
const { createRouter } = await import('../../functions/src/api/router.ts');
const { allRoutes } = await import('../../functions/src/api/routes/index.ts');
const { FirestoreIdempotencyStore } = await import('../../functions/src/adapters/firestore/idempotency.ts');
type Store = InstanceType<typeof FirestoreIdempotencyStore>;

/** Our clock for the key store only: the test moves it past a lease. */
let skewMs = 0;
const store: Store = new FirestoreIdempotencyStore(() => new Date(Date.now() + skewMs));
/** What goes wrong: `completion` fails the write that completes a key; `crash` also stops every later key write. */
let fault: 'none' | 'completion' | 'crash' = 'none';
const died = () => new Error('injected: the instance died');
const faulty = new Proxy(store, {
  get(target, prop, receiver) {
    const value = Reflect.get(target, prop, receiver) as unknown;
    if (typeof value !== 'function') return value;
    return (...args: unknown[]) => {
      if (prop === 'complete' && fault !== 'none') return Promise.reject(new Error('injected: the completion write failed'));
      if (prop !== 'begin' && fault === 'crash') return Promise.reject(died());
      return (value as (...a: unknown[]) => unknown).apply(target, args);
    };
  },
});

const built = await getDeps();
const router = createRouter(allRoutes, { ...built.deps, idempotency: faulty }, built.verifier);

async function post(path: string, token: string, key: string, body: unknown) {
  const res = await router.handle({
    method: 'POST',
    path: `/v1${path}`,
    query: {},
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
    rawBody: Buffer.from(JSON.stringify(body)),
  });
  return { status: res.status, headers: res.headers, body: res.body as { id?: string; code?: string } };
}

async function get(pathAndQuery: string, token: string) {
  const [p, q] = pathAndQuery.split('?');
  const query = { limit: '100', ...Object.fromEntries(new URLSearchParams(q ?? '')) };
  const res = await router.handle({ method: 'GET', path: `/v1${p}`, query, headers: { authorization: `Bearer ${token}` }, rawBody: undefined });
  expect(res.status).toBe(200);
  return (res.body as { items: { id: string }[] }).items.map((i) => i.id);
}

interface Case {
  name: string;
  /** Path and body of the creating request, and how to list what it created. */
  setup(): Promise<{ token: string; path: string; body: unknown; created(): Promise<string[]> }>;
}

let ws: TestWorkspace;
let installId: string;
beforeAll(async () => {
  ws = await newWorkspace();
  installId = await installAgent(ws);
});

const cases: Case[] = [
  {
    name: 'triggerRun',
    setup: async () => ({
      token: ws.owner.idToken,
      path: `/workspaces/${ws.id}/installs/${installId}/runs`,
      body: { input: { threshold: 3 } },
      created: async () => (await get(`/workspaces/${ws.id}/runs?installId=${installId}`, ws.owner.idToken)).filter((id) => !before.has(id)),
    }),
  },
  {
    name: 'startInstall',
    setup: async () => {
      const own = await newWorkspace();
      return { token: own.owner.idToken, path: `/workspaces/${own.id}/installs`, body: { agentId: 'cost-anomaly-detector' }, created: () => get(`/workspaces/${own.id}/installs`, own.owner.idToken) };
    },
  },
  {
    name: 'createWorkspace',
    setup: async () => {
      const own = await newWorkspace();
      return {
        token: own.owner.idToken,
        path: `/workspaces`,
        body: { name: 'Made once' },
        created: async () => (await get(`/workspaces`, own.owner.idToken)).filter((id) => id !== own.id),
      };
    },
  },
];
/** Runs of the shared install that existed before a case began. */
let before = new Set<string>();

describe.each(cases)('Idempotency-Key on $name', { timeout: 60_000 }, ({ setup }) => {
  it('a retry after the key failed to complete finds what the first attempt created (no second side effect)', async () => {
    const { token, path: p, body, created } = await setup();
    before = new Set(await created());
    const key = randomUUID();
    fault = 'completion';
    const first = await post(p, token, key, body);
    fault = 'none';
    const retry = await post(p, token, key, body);
    expect(retry.status).toBe(201);
    const ids = await created();
    expect(ids).toHaveLength(1);
    expect(retry.body.id).toBe(ids[0]);
    // The first attempt did create it, and may say so.
    if (first.status === 201) expect(first.body.id).toBe(ids[0]);
  });

  it('a key held by an attempt that died after its side effect is free again after a short lease, and the retry finds the first result', async () => {
    const { token, path: p, body, created } = await setup();
    before = new Set(await created());
    const key = randomUUID();
    fault = 'crash';
    await post(p, token, key, body);
    fault = 'none';
    const busy = await post(p, token, key, body);
    expect(busy.status).toBe(409);
    expect(busy.body.code).toBe('idempotency_in_progress');
    expect(Number(busy.headers['Retry-After'])).toBeLessThanOrEqual(60);
    skewMs = 61_000;
    try {
      const retry = await post(p, token, key, body);
      expect(retry.status).toBe(201);
      const ids = await created();
      expect(ids).toHaveLength(1);
      expect(retry.body.id).toBe(ids[0]);
      // And from then on it replays.
      const again = await post(p, token, key, body);
      expect(again.headers['Idempotent-Replayed']).toBe('true');
      expect(again.body.id).toBe(ids[0]);
    } finally {
      skewMs = 0;
    }
  });
});
