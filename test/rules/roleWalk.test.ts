/**
 * firestore.rules against the API, on real documents: every role (and a non-member, and a
 * signed-out visitor) × every collection, read once through the rules on the official emulator
 * (`@firebase/rules-unit-testing`, the stack's own project and data) and once through the API.
 * A collection the rules open must answer exactly as the API does; one they keep closed must be
 * closed to everyone. Then every document a client can read is compared with what the API
 * returns for it: no field, and no string value, that the API keeps to itself.
 */
import { readFileSync } from 'node:fs';
import { initializeTestEnvironment, type RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { collection, doc, getDoc, getDocs } from 'firebase/firestore';
import { Role } from '@agent-marketplace/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FirestoreRunArtifactStore } from '../../functions/src/adapters/firestore/runArtifacts.ts';
import { adminDb } from '../support/admin.ts';
import { publishSynthetic, publishYaml, uniqueWord } from '../support/catalog.ts';
import { call } from '../support/http.ts';
import { finished, trigger, waitFor } from '../support/probe.ts';
import { stack } from '../support/stack.ts';
import { addMember, installAgent, newWorkspace, signUp, waitForRun, type TestUser, type TestWorkspace } from '../support/users.ts';

const PRINCIPALS = [...Role.options, 'non-member', 'signed out'] as const;
type Principal = (typeof PRINCIPALS)[number];

interface Resource {
  name: string;
  /** A document of the collection, and the collection itself (a client's listener or query). */
  doc: string;
  list?: string;
  /** The API operation that reads the same resource. */
  api: string;
  /** Closed to every client (the API serves a view computed from it), with the reason. */
  closed?: string;
  /** The API's answer for this document, picked out of the operation's body. */
  view?: (body: any) => unknown;
  /** Fields the API leaves out that a reader may still see, each with why. */
  shownAnyway?: Record<string, string>;
}

const PATH_IDS = { wsId: 'the id in the document path' };
/** The run document's engine and runner fields: the runner-trust branch moves them out (see the report). */
const RUN_ENGINE_FIELDS = {
  ...PATH_IDS,
  eventCount: 'how many events follow (the reader sees them)',
  backoffSeconds: "the install's retry policy, copied on the run",
  watchAt: 'when the watchdog looks next',
  slots: 'concurrency slot ids',
  monthShard: 'the month quota shard number',
  redeliveries: 'lost-task redeliveries',
  beats: 'heartbeats counted',
  lease: 'runner-trust branch',
  executionId: 'runner-trust branch',
  runnerTokenHash: 'runner-trust branch',
};

let env: RulesTestEnvironment;
let ws: TestWorkspace;
const users = new Map<Principal, TestUser | null>();
let resources: Resource[];

const publisher = `walk-${uniqueWord()}`;
const secretAgent = `${uniqueWord()}-walk`;
const draftAgent = `${uniqueWord()}-walkdraft`;
const publicAgent = `${uniqueWord()}-walkpub`;

beforeAll(async () => {
  ws = await newWorkspace();
  users.set('owner', ws.owner);
  for (const role of Role.options.filter((r) => r !== 'owner')) users.set(role, await addMember(ws, role));
  users.set('non-member', await signUp('outsider'));
  users.set('signed out', null);
  const token = ws.owner.idToken;

  // An install with every kind of reference set: a secret, a webhook, a schedule.
  await publishYaml(`id: ${secretAgent}
name: Walk Agent
version: 1.0.0
publisher: ${publisher}
summary: An agent with a secret, for the rules walk.
categories: [operations]
runtime:
  local:
    entry: src/index.ts
secrets:
  - name: API_TOKEN
    description: Token for the monitored system
permissions:
  - scope: vm.list
    risk: low
    reason: Find VMs.
pricing:
  model: free
license: MIT
support:
  email: dev@example.test
`);
  await publishSynthetic(publisher, [{ id: draftAgent, name: 'Walk draft', state: 'draft' }, { id: publicAgent, name: 'Walk public' }]);
  const installId = (await call('POST', `/workspaces/${ws.id}/installs`, { token, body: { agentId: secretAgent } })).body.id as string;
  const p = `/workspaces/${ws.id}/installs/${installId}`;
  expect((await call('PUT', `${p}/secrets/API_TOKEN`, { token, body: { value: `v-${uniqueWord()}` } })).status).toBe(200);
  expect((await call('PUT', `${p}/consent`, { token, body: { scopes: ['vm.list'] } })).status).toBe(200);
  const triggers = { manual: true, schedules: [{ cron: '0 6 * * *', timeZone: 'UTC' }], webhook: { enabled: true } };
  expect((await call('PUT', `${p}/triggers`, { token, body: triggers })).status).toBe(200);
  expect((await call('POST', `${p}/deploy`, { token })).status).toBe(200);

  // A real run of a seeded agent: its document, events and log chunks as the platform writes them.
  const runInstall = await installAgent(ws);
  const runId = (await call('POST', `/workspaces/${ws.id}/installs/${runInstall}/runs`, { token, body: {} })).body.id as string;
  await waitForRun(ws, runId, 60_000);
  const artifact = { name: 'report.txt', contentType: 'text/plain', size: 2, encoding: 'utf8' as const, content: 'ok', attempt: 1, createdAt: new Date() };
  await new FirestoreRunArtifactStore().putArtifact(ws.id, runId, artifact, 20);

  // A proposal of an approval-gated action: the idle-VM reaper's, waiting for a decision.
  const reaper = await installAgent(ws, 'idle-vm-reaper');
  const reaperRun = (await trigger(ws, reaper, { asOf: '2026-11-20T00:00:00Z', maxStops: 1 })).body.id as string;
  expect((await waitFor(ws, reaperRun, (r) => finished(r) || r.state === 'awaiting_approval', 90_000)).state).toBe('awaiting_approval');
  const approvalId = (await call('GET', `/workspaces/${ws.id}/approvals?runId=${reaperRun}`, { token })).body.items[0].id as string;

  const run = `workspaces/${ws.id}/runs/${runId}`;
  const firstId = async (col: string) => {
    const ids = (await adminDb.collection(col).listDocuments()).map((d) => d.id).sort();
    if (!ids[0]) throw new Error(`nothing in ${col}`);
    return ids[0];
  };
  const logId = await firstId(`${run}/logs`);
  const logSeq = Number(logId);
  const scheduleId = (await adminDb.collection('schedules').where('wsId', '==', ws.id).get()).docs[0]!.id;
  const keyId = (await call('POST', `/workspaces/${ws.id}/api-keys`, { token, body: { name: 'walk', scopes: ['runs.read'] } })).body.id as string;

  resources = [
    {
      name: 'workspaces',
      doc: `workspaces/${ws.id}`,
      api: `/workspaces/${ws.id}`,
      closed: 'the owner count, installed agents and quotas; the API serves the rest',
    },
    {
      name: 'members',
      doc: `workspaces/${ws.id}/members/${ws.owner.uid}`,
      list: `workspaces/${ws.id}/members`,
      api: `/workspaces/${ws.id}/members`,
      view: (b) => b.items.find((m: { uid: string }) => m.uid === ws.owner.uid),
      shownAnyway: PATH_IDS,
    },
    { name: 'installs', doc: `${p.slice(1)}`, list: `workspaces/${ws.id}/installs`, api: p, shownAnyway: PATH_IDS },
    { name: 'runs', doc: run, list: `workspaces/${ws.id}/runs`, api: `/${run}`, shownAnyway: RUN_ENGINE_FIELDS },
    { name: 'events', doc: `${run}/events/${await firstId(`${run}/events`)}`, list: `${run}/events`, api: `/${run}/events`, view: (b) => b.items[0] },
    {
      name: 'logs',
      doc: `${run}/logs/${logId}`,
      list: `${run}/logs`,
      api: `/${run}/logs`,
      // The chunk as the API's run stream sends it (its `logs` event).
      view: (b) => {
        const lines = b.lines.filter((l: { seq: number }) => l.seq === logSeq);
        return { seq: logSeq, attempt: lines[0]?.attempt, lines: lines.map(({ seq: _s, attempt: _a, ...l }: Record<string, unknown>) => l) };
      },
      shownAnyway: {
        receivedAt: 'when the chunk arrived',
        totalLines: 'lines stored so far: counted from the chunks the reader has',
        totalBytes: 'bytes stored so far: counted from the chunks the reader has',
        truncated: 'the log cap was hit here',
      },
    },
    { name: 'artifacts', doc: `${run}/artifacts/report.txt`, list: `${run}/artifacts`, api: `/${run}/artifacts/report.txt` },
    {
      name: 'approvals',
      doc: `workspaces/${ws.id}/approvals/${approvalId}`,
      list: `workspaces/${ws.id}/approvals`,
      api: `/workspaces/${ws.id}/approvals/${approvalId}`,
      shownAnyway: {
        ...PATH_IDS,
        agentVersion: "the run's agent version (the run shows it)",
        basis: "a fingerprint of the resource's recorded state when proposed (a resource changed since is skipped, not acted on); the reader sees the resource itself",
      },
    },
    {
      name: 'approvalLog',
      doc: `workspaces/${ws.id}/approvalLog/${String(1).padStart(10, '0')}`,
      list: `workspaces/${ws.id}/approvalLog`,
      api: `/workspaces/${ws.id}/approvals:audit`,
      closed: 'the hash-chained log; the API serves it as the audit export, with its verification',
    },
    { name: 'approvalLog head', doc: `workspaces/${ws.id}/internal/approvalLog`, api: `/workspaces/${ws.id}/approvals:audit`, closed: "the chain's head, which the export's verification checks against" },
    { name: 'metrics', doc: `workspaces/${ws.id}/metrics/${await firstId(`workspaces/${ws.id}/metrics`)}`, list: `workspaces/${ws.id}/metrics`, api: `/workspaces/${ws.id}/metrics`, closed: 'shards and deltas; the API sums them' },
    { name: 'schedules', doc: `schedules/${scheduleId}`, api: p, closed: "the scheduler's queue of every workspace; the install shows its schedules" },
    { name: 'apiKeys', doc: `workspaces/${ws.id}/apiKeys/${keyId}`, list: `workspaces/${ws.id}/apiKeys`, api: `/workspaces/${ws.id}/api-keys`, closed: 'secret hashes' },
    {
      name: 'agents',
      doc: `agents/${publicAgent}`,
      api: `/agents/${publicAgent}`,
      shownAnyway: {
        nameKey: 'the name, lowercased for sorting',
        state: 'published (only published listings are readable)',
        ratingSum: 'ratingAvg × ratingCount',
        searchTokens: 'prefixes of public words',
        searchWords: 'the public words',
        updatedAt: 'when the listing changed',
      },
    },
    { name: 'agents (draft)', doc: `agents/${draftAgent}`, api: `/agents/${draftAgent}` },
    { name: 'versions', doc: `agents/${publicAgent}/versions/1.0.0`, list: `agents/${publicAgent}/versions`, api: `/agents/${publicAgent}/versions/1.0.0` },
    { name: 'versions (draft)', doc: `agents/${draftAgent}/versions/1.0.0`, list: `agents/${draftAgent}/versions`, api: `/agents/${draftAgent}/versions/1.0.0` },
  ];

  env = await initializeTestEnvironment({
    projectId: stack.projectId,
    firestore: { host: '127.0.0.1', port: stack.ports.firestore, rules: readFileSync('firestore.rules', 'utf8') },
  });
}, 180_000);

afterAll(async () => {
  await env?.cleanup();
});

const dbOf = (who: Principal) => {
  const user = users.get(who);
  return (user ? env.authenticatedContext(user.uid) : env.unauthenticatedContext()).firestore();
};

const allowed = (p: Promise<unknown>) =>
  p.then(
    () => true,
    (err: { code?: string }) => {
      if (err.code !== 'permission-denied') throw err;
      return false;
    },
  );

async function rulesAnswer(who: Principal, r: Resource): Promise<boolean> {
  const db = dbOf(who);
  const one = await allowed(getDoc(doc(db, r.doc)));
  const all = r.list ? await allowed(getDocs(collection(db, r.list))) : one;
  if (one !== all) throw new Error(`${who} ${r.name}: the document says ${one}, the collection ${all}`);
  return one;
}

async function apiAnswer(who: Principal, r: Resource): Promise<boolean> {
  const res = await call('GET', r.api, { token: users.get(who)?.idToken });
  if (res.status >= 500) throw new Error(`${who} ${r.name}: the API answered ${res.status}`);
  return res.status < 300;
}

const verdict = (ok: boolean) => (ok ? 'read' : 'denied');

/** Every string value anywhere inside `v`, keys left out. */
function stringsOf(v: unknown, out = new Set<string>()): Set<string> {
  if (typeof v === 'string') out.add(v);
  else if (Array.isArray(v)) v.forEach((x) => stringsOf(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => stringsOf(x, out));
  return out;
}

describe('firestore.rules follow the API, role by role (real emulator, real documents)', () => {
  it('every role × collection: the rules answer as the API does; closed collections are closed to all', async () => {
    const rules: string[] = [];
    const expected: string[] = [];
    for (const r of resources) {
      const answers = await Promise.all(PRINCIPALS.map((who) => Promise.all([rulesAnswer(who, r), apiAnswer(who, r)])));
      PRINCIPALS.forEach((who, i) => {
        const [byRules, byApi] = answers[i]!;
        rules.push(`${r.name} × ${who}: rules ${verdict(byRules)}`);
        expected.push(`${r.name} × ${who}: rules ${verdict(r.closed ? false : byApi)}`);
      });
    }
    expect(rules).toEqual(expected);
  }, 240_000);

  it('no document a client can read holds a field or a value the API keeps from it', async () => {
    const leaks: string[] = [];
    const owner = dbOf('owner');
    for (const r of resources.filter((x) => !x.closed)) {
      const snap = await getDoc(doc(owner, r.doc)).catch(() => null);
      if (!snap?.exists()) continue; // closed to the owner too: the walk above says whether it should be
      const res = await call('GET', r.api, { token: ws.owner.idToken });
      expect(res.status, `${r.name}: ${JSON.stringify(res.body)}`).toBe(200);
      const view = (r.view ? r.view(res.body) : res.body) as Record<string, unknown>;
      const data = snap.data();
      const shown = r.shownAnyway ?? {};
      const served = stringsOf(view);
      for (const [key, value] of Object.entries(data)) {
        if (key in shown) continue;
        if (!(key in view)) leaks.push(`${r.name}.${key}: not in the API's answer`);
        else for (const s of stringsOf(value)) if (!served.has(s)) leaks.push(`${r.name}.${key}: the value "${s}" is not in the API's answer`);
      }
    }
    expect(leaks).toEqual([]);
  });
});
