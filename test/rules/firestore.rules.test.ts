import { readFileSync } from 'node:fs';
import { assertFails, assertSucceeds, initializeTestEnvironment, type RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { collection, doc, getDoc, getDocs, query, setDoc, updateDoc, deleteDoc, where } from 'firebase/firestore';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { stack } from '../support/stack.ts';

let env: RulesTestEnvironment;

beforeAll(async () => {
  env = await initializeTestEnvironment({
    projectId: `demo-rules-${process.pid}`,
    firestore: { host: '127.0.0.1', port: stack.ports.firestore, rules: readFileSync('firestore.rules', 'utf8') },
  });
  await env.withSecurityRulesDisabled(async (ctx) => {
    const db = ctx.firestore();
    await setDoc(doc(db, 'agents/pub'), { id: 'pub', state: 'published', name: 'Pub' });
    await setDoc(doc(db, 'agents/pub/versions/1.0.0'), { version: '1.0.0' });
    await setDoc(doc(db, 'agents/pub/versions/1.1.0'), { version: '1.1.0', state: 'published' });
    await setDoc(doc(db, 'agents/pub/versions/2.0.0'), { version: '2.0.0', state: 'in_review', scan: { passed: true } });
    await setDoc(doc(db, 'publishers/acme'), { id: 'acme', memberUids: ['alice'], members: {} });
    await setDoc(doc(db, 'platformAdmins/alice'), { uid: 'alice' });
    await setDoc(doc(db, 'agents/draft'), { id: 'draft', state: 'draft', name: 'Draft' });
    await setDoc(doc(db, 'agents/draft/versions/0.1.0'), { version: '0.1.0' });
    await setDoc(doc(db, 'agents/gone'), { id: 'gone', state: 'suspended', name: 'Gone' });
    for (const [ws, uid] of [['w1', 'alice'], ['w2', 'bob']] as const) {
      await setDoc(doc(db, `workspaces/${ws}`), { id: ws, name: ws });
      await setDoc(doc(db, `workspaces/${ws}/members/${uid}`), { uid, wsId: ws, role: 'viewer' });
      await setDoc(doc(db, `workspaces/${ws}/installs/i1`), { id: 'i1' });
      await setDoc(doc(db, `workspaces/${ws}/runs/r1`), { id: 'r1', state: 'running' });
      await setDoc(doc(db, `workspaces/${ws}/runs/r1/logs/0000000000`), { seq: 0, lines: [] });
      await setDoc(doc(db, `workspaces/${ws}/runs/r1/events/0000000000`), { seq: 0, to: 'queued' });
      await setDoc(doc(db, `workspaces/${ws}/apiKeys/k1`), { secretHash: 'x' });
      await setDoc(doc(db, `workspaces/${ws}/runSlots/w0000`), { runId: 'r1' });
      await setDoc(doc(db, `workspaces/${ws}/installs/i1/runSlots/i0000`), { runId: 'r1' });
      await setDoc(doc(db, `workspaces/${ws}/runMonths/2026-11/shards/s000`), { runs: 1, cap: 5 });
      await setDoc(doc(db, `workspaces/${ws}/metrics/install_i1`), { installId: 'i1', runs: 1 });
      await setDoc(doc(db, `workspaces/${ws}/approvals/a1`), { id: 'a1', runId: 'r1', state: 'pending' });
      await setDoc(doc(db, `workspaces/${ws}/approvalLog/0000000001`), { seq: 1, type: 'requested' });
      await setDoc(doc(db, `workspaces/${ws}/internal/approvalLog`), { seq: 1, hash: '0'.repeat(64) });
    }
  });
});

afterAll(async () => {
  await env?.cleanup();
});

describe('firestore.rules on the official emulator', () => {
  it('anonymous users read only published catalog docs', async () => {
    const db = env.unauthenticatedContext().firestore();
    await assertSucceeds(getDoc(doc(db, 'agents/pub')));
    await assertSucceeds(getDoc(doc(db, 'agents/pub/versions/1.0.0')));
    await assertSucceeds(getDocs(query(collection(db, 'agents'), where('state', '==', 'published'))));
    await assertSucceeds(getDoc(doc(db, 'agents/pub/versions/1.1.0')));
    await assertFails(getDoc(doc(db, 'agents/draft')));
    await assertFails(getDoc(doc(db, 'agents/draft/versions/0.1.0')));
    // A version in the publishing pipeline is read through the API by its developers only.
    await assertFails(getDoc(doc(db, 'agents/pub/versions/2.0.0')));
    await assertFails(getDoc(doc(db, 'agents/gone')));
    await assertFails(getDocs(collection(db, 'agents')));
    await assertFails(getDoc(doc(db, 'workspaces/w1')));
    await assertFails(getDoc(doc(db, 'workspaces/w1/runs/r1')));
  });

  it('publishers and platform admins are read through the API only, even by their members', async () => {
    const db = env.authenticatedContext('alice').firestore();
    await assertFails(getDoc(doc(db, 'publishers/acme')));
    await assertFails(getDoc(doc(db, 'platformAdmins/alice')));
    await assertFails(getDoc(doc(db, 'agents/pub/versions/2.0.0')));
  });

  it("a member reads their own workspace's runs, logs and events", async () => {
    const db = env.authenticatedContext('alice').firestore();
    await assertSucceeds(getDoc(doc(db, 'workspaces/w1/runs/r1')));
    await assertSucceeds(getDocs(collection(db, 'workspaces/w1/runs')));
    await assertSucceeds(getDocs(collection(db, 'workspaces/w1/runs/r1/logs')));
    await assertSucceeds(getDocs(collection(db, 'workspaces/w1/runs/r1/events')));
    await assertSucceeds(getDoc(doc(db, 'workspaces/w1/installs/i1')));
    await assertSucceeds(getDocs(collection(db, 'workspaces/w1/members')));
  });

  it('and nothing of another workspace', async () => {
    const db = env.authenticatedContext('alice').firestore();
    await assertFails(getDoc(doc(db, 'workspaces/w2')));
    await assertFails(getDoc(doc(db, 'workspaces/w2/runs/r1')));
    await assertFails(getDocs(collection(db, 'workspaces/w2/runs')));
    await assertFails(getDocs(collection(db, 'workspaces/w2/runs/r1/logs')));
    await assertFails(getDocs(collection(db, 'workspaces/w2/runs/r1/events')));
    await assertFails(getDocs(collection(db, 'workspaces/w2/members')));
  });

  it("the run engine's bookkeeping (concurrency slots, month quota shards, metrics documents) is unreadable even to members", async () => {
    const db = env.authenticatedContext('alice').firestore();
    for (const path of ['workspaces/w1/runSlots/w0000', 'workspaces/w1/installs/i1/runSlots/i0000', 'workspaces/w1/runMonths/2026-11/shards/s000', 'workspaces/w1/metrics/install_i1']) {
      await assertFails(getDoc(doc(db, path)));
      await assertFails(getDocs(collection(db, path.slice(0, path.lastIndexOf('/')))));
    }
  });

  it("the workspace document (owner count, installed agents, quotas) is unreadable even to members: the API serves its public part", async () => {
    const db = env.authenticatedContext('alice').firestore();
    await assertFails(getDoc(doc(db, 'workspaces/w1')));
  });

  it("a member reads their workspace's approvals (a run's, as the run view listens); the approval log and its head stay closed", async () => {
    const db = env.authenticatedContext('alice').firestore();
    await assertSucceeds(getDoc(doc(db, 'workspaces/w1/approvals/a1')));
    await assertSucceeds(getDocs(query(collection(db, 'workspaces/w1/approvals'), where('runId', '==', 'r1'))));
    await assertFails(getDoc(doc(db, 'workspaces/w2/approvals/a1')));
    await assertFails(getDocs(query(collection(db, 'workspaces/w2/approvals'), where('runId', '==', 'r1'))));
    await assertFails(getDoc(doc(env.unauthenticatedContext().firestore(), 'workspaces/w1/approvals/a1')));
    for (const path of ['workspaces/w1/approvalLog/0000000001', 'workspaces/w1/internal/approvalLog']) {
      await assertFails(getDoc(doc(db, path)));
      await assertFails(getDocs(collection(db, path.slice(0, path.lastIndexOf('/')))));
    }
    await assertFails(updateDoc(doc(db, 'workspaces/w1/approvals/a1'), { state: 'approved' }));
    await assertFails(setDoc(doc(db, 'workspaces/w1/approvals/a2'), { state: 'approved' }));
  });

  it('API key hashes are unreadable even to members', async () => {
    const db = env.authenticatedContext('alice').firestore();
    await assertFails(getDoc(doc(db, 'workspaces/w1/apiKeys/k1')));
    await assertFails(getDocs(collection(db, 'workspaces/w1/apiKeys')));
  });

  it('no client writes anywhere, not even to their own workspace', async () => {
    const alice = env.authenticatedContext('alice').firestore();
    const anon = env.unauthenticatedContext().firestore();
    for (const db of [alice, anon]) {
      await assertFails(setDoc(doc(db, 'agents/new'), { state: 'published' }));
      await assertFails(updateDoc(doc(db, 'agents/pub'), { name: 'hacked' }));
      await assertFails(setDoc(doc(db, 'workspaces/w1/runs/r2'), { state: 'queued' }));
      await assertFails(updateDoc(doc(db, 'workspaces/w1/runs/r1'), { state: 'succeeded' }));
      await assertFails(setDoc(doc(db, 'workspaces/w1/runs/r1/logs/0000000001'), { seq: 1 }));
      await assertFails(setDoc(doc(db, 'workspaces/w1/members/mallory'), { role: 'owner' }));
      await assertFails(updateDoc(doc(db, 'workspaces/w1/members/alice'), { role: 'owner' }));
      await assertFails(deleteDoc(doc(db, 'workspaces/w1')));
      await assertFails(setDoc(doc(db, 'workspaces/w3'), { name: 'mine' }));
    }
  });
});
