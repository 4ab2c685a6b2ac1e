import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { publishYaml, uniqueWord } from '../support/catalog.ts';
import { call, codeOf, type Reply } from '../support/http.ts';
import { seedStartingRun } from '../support/runs.ts';
import { addMember, installAgent, newWorkspace, waitForRun } from '../support/users.ts';

const agentId = `${uniqueWord()}-wizard`;
const SECRET = `s3cr3t-${uniqueWord()}-value`;
const manifest = (version: string, extraPermissions = '') => `id: ${agentId}
name: Wizard Test Agent
version: ${version}
publisher: wizard-tests
summary: An agent that needs config, secrets, consent and an approval policy.
categories: [operations]
runtime:
  local:
    entry: src/index.ts
config:
  type: object
  additionalProperties: false
  required: [threshold]
  properties:
    threshold: { type: number, minimum: 0, maximum: 100 }
    region: { type: string, enum: [us-central1, europe-west1], default: us-central1 }
secrets:
  - name: API_TOKEN
    description: Token for the monitored system
  - name: SLACK_WEBHOOK_URL
    description: Where to post
    required: false
permissions:
  - scope: vm.list
    risk: low
    reason: Find VMs.
  - scope: vm.stop
    risk: high
    reason: Stop VMs.
${extraPermissions}approvals:
  - action: vm.stop
    description: Stop a VM
    risk: high
pricing:
  model: per_run
  amountCents: 20
license: MIT
support:
  email: dev@example.test
`;

beforeAll(async () => {
  await publishYaml(manifest('1.0.0'));
  await publishYaml(manifest('1.0.1'));
  await publishYaml(manifest('2.0.0', `  - scope: vm.delete\n    risk: critical\n    reason: Delete VMs.\n`));
});

/** Every reply the test saw, to check that no secret ever comes back. */
const replies: Reply[] = [];
const api = async (...args: Parameters<typeof call>) => {
  const r = await call(...args);
  replies.push(r);
  return r;
};

describe('the six-step install wizard', () => {
  it('choose → configure → connect → consent → triggers → review → deploy, resumable, with every bad step refused', async () => {
    const ws = await newWorkspace();
    const token = ws.owner.idToken;
    const base = `/workspaces/${ws.id}/installs`;

    expect(codeOf(await api('POST', base, { token, body: { agentId, version: '9.9.9' } }))).toBe('agent_version_not_found');
    const draft = await api('POST', base, { token, body: { agentId, version: '1.0.0' } });
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({ state: 'draft', version: '1.0.0', secrets: [], consent: null, approvalPolicy: { 'vm.stop': { approverRole: 'approver', levels: 1 } } });
    const id = draft.body.id as string;
    const p = `${base}/${id}`;

    // Nothing is ready yet: deploy says exactly what is missing, at which step.
    const early = await api('POST', `${p}/deploy`, { token });
    expect({ status: early.status, code: codeOf(early) }).toEqual({ status: 412, code: 'install_incomplete' });
    expect(early.body.errors.map((e: { path: string; code: string }) => `${e.path}:${e.code}`).sort()).toEqual([
      'configure:config_invalid',
      'connect:secret_missing',
      'consent:consent_required',
    ]);
    const runEarly = await api('POST', `${p}/runs`, { token, body: {} });
    expect(codeOf(runEarly)).toBe('install_not_deployed');

    // Step 1 again: another version while a draft.
    expect((await api('PUT', `${p}/version`, { token, body: { version: '1.0.1' } })).body.version).toBe('1.0.1');

    // Step 2: config validated against the manifest's schema, errors at field paths.
    const badConfig = await api('PUT', `${p}/config`, { token, body: { config: { threshold: 500, region: 'mars' } } });
    expect(codeOf(badConfig)).toBe('config_invalid');
    expect(badConfig.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.config.region', 'body.config.threshold']);
    expect((await api('PUT', `${p}/config`, { token, body: { config: { threshold: 80 } } })).status).toBe(200);

    // Step 3: secrets are write-only and must be declared.
    expect(codeOf(await api('PUT', `${p}/secrets/NOT_DECLARED`, { token, body: { value: 'xxxxxx' } }))).toBe('secret_unknown');
    expect((await api('PUT', `${p}/secrets/lowercase`, { token, body: { value: 'xxxxxx' } })).status).toBe(400);
    const connected = await api('PUT', `${p}/secrets/API_TOKEN`, { token, body: { value: SECRET } });
    expect(connected.status).toBe(200);
    expect(connected.body.secrets).toEqual([{ name: 'API_TOKEN', setAt: expect.any(String), setBy: ws.owner.uid }]);

    // Step 4: consent must list exactly the version's permissions.
    const partial = await api('PUT', `${p}/consent`, { token, body: { scopes: ['vm.list'] } });
    expect({ status: partial.status, code: codeOf(partial) }).toEqual({ status: 409, code: 'consent_mismatch' });
    const consent = await api('PUT', `${p}/consent`, { token, body: { scopes: ['vm.stop', 'vm.list'] } });
    expect(consent.body.consent).toMatchObject({ scopes: ['vm.list', 'vm.stop'], version: '1.0.1', acceptedBy: ws.owner.uid, acceptedAt: expect.any(String) });

    // Step 5: a real cron library validates schedules; the webhook secret is shown once.
    expect(codeOf(await api('PUT', `${p}/triggers`, { token, body: { schedules: [{ cron: '61 * * * *', timeZone: 'UTC' }] } }))).toBe('schedule_invalid');
    expect(codeOf(await api('PUT', `${p}/triggers`, { token, body: { schedules: [{ cron: '0 9 * * 1-5', timeZone: 'Mars/Olympus' }] } }))).toBe('schedule_invalid');
    expect(codeOf(await api('PUT', `${p}/triggers`, { token, body: { schedules: [{ cron: '* * * * *', timeZone: 'UTC' }] } }))).toBe('schedule_invalid');
    expect(codeOf(await api('PUT', `${p}/triggers`, { token, body: { approvalPolicy: { 'vm.delete': { approverRole: 'admin' } } } }))).toBe('approval_policy_invalid');
    const triggers = await api('PUT', `${p}/triggers`, {
      token,
      body: { manual: true, schedules: [{ cron: '0 9 * * 1-5', timeZone: 'Europe/Berlin' }], webhook: { enabled: true }, approvalPolicy: { 'vm.stop': { approverRole: 'admin', levels: 2 } } },
    });
    expect(triggers.status).toBe(200);
    expect(triggers.body.webhookSecret).toMatch(/^whsec_/);
    expect(triggers.body.triggers.webhook.url).toBe(`/v1/hooks/${ws.id}/${id}`);
    expect(triggers.body.approvalPolicy).toEqual({ 'vm.stop': { approverRole: 'admin', levels: 2 } });
    const webhookSecret = triggers.body.webhookSecret as string;

    // Resumable: the draft remembers every step; the review shows what will happen.
    const review = await api('GET', `${p}/review`, { token });
    expect(review.body.readiness).toEqual({ ready: true, missing: [] });
    expect(Object.keys(review.body.install.steps).sort()).toEqual(['choose', 'configure', 'connect', 'consent', 'triggers']);
    expect(review.body.agent.pricing).toMatchObject({ model: 'per_run', amountCents: 20 });
    expect(review.body.nextFires[0].times).toHaveLength(5);
    for (const t of review.body.nextFires[0].times as string[]) expect(new Date(t).getUTCHours()).toBeGreaterThanOrEqual(7);

    // Step 6: deploy, exactly once even when two race.
    const before = (await api('GET', `/agents/${agentId}`)).body.installCount as number;
    const [a, b] = await Promise.all([api('POST', `${p}/deploy`, { token }), api('POST', `${p}/deploy`, { token })]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect(codeOf(a.status === 409 ? a : b)).toBe('already_deployed');
    expect((await api('GET', `/agents/${agentId}`)).body.installCount).toBe(before + 1);
    expect((await api('GET', p, { token })).body).toMatchObject({ state: 'active', deployedBy: ws.owner.uid });

    // The secrets never appear in any response, any Firestore document or any log line.
    const everything = JSON.stringify(replies.map((r) => r.body));
    expect(everything).not.toContain(SECRET);
    expect(JSON.stringify(replies.filter((r) => r !== triggers).map((r) => r.body))).not.toContain(webhookSecret);
    const dump: string[] = [];
    const walk = async (ref: FirebaseFirestore.DocumentReference) => {
      const snap = await ref.get();
      if (snap.exists) dump.push(JSON.stringify(snap.data()));
      for (const col of await ref.listCollections()) for (const d of await col.listDocuments()) await walk(d);
    };
    await walk(adminDb.doc(`workspaces/${ws.id}`));
    await walk(adminDb.doc(`agents/${agentId}`));
    for (const doc of await adminDb.collection('idempotency').listDocuments()) dump.push(JSON.stringify((await doc.get()).data()));
    expect(dump.join('\n')).toContain('API_TOKEN');
    expect(dump.join('\n')).not.toContain(SECRET);
    expect(dump.join('\n')).not.toContain(webhookSecret);
    const logDir = '.local/test/logs';
    for (const f of readdirSync(logDir)) {
      const file = path.join(logDir, f);
      if (statSync(file).isFile()) expect(readFileSync(file, 'utf8'), file).not.toContain(SECRET);
    }
  });

  it('only owners and admins install; operators run; viewers read', async () => {
    const ws = await newWorkspace();
    const operator = await addMember(ws, 'operator');
    const viewer = await addMember(ws, 'viewer');
    expect((await api('POST', `/workspaces/${ws.id}/installs`, { token: operator.idToken, body: { agentId } })).status).toBe(403);
    const installId = await installAgent(ws);
    expect((await api('PUT', `/workspaces/${ws.id}/installs/${installId}/config`, { token: operator.idToken, body: { config: {} } })).status).toBe(403);
    expect((await api('POST', `/workspaces/${ws.id}/installs/${installId}/pause`, { token: viewer.idToken })).status).toBe(403);
    expect((await api('GET', `/workspaces/${ws.id}/installs/${installId}/review`, { token: viewer.idToken })).status).toBe(200);
    expect((await api('POST', `/workspaces/${ws.id}/installs/${installId}/runs`, { token: operator.idToken, body: {} })).status).toBe(201);
  });
});

describe('install lifecycle', () => {
  async function deployedWizardInstall() {
    const ws = await newWorkspace();
    const token = ws.owner.idToken;
    const id = (await api('POST', `/workspaces/${ws.id}/installs`, { token, body: { agentId, version: '1.0.0' } })).body.id as string;
    const p = `/workspaces/${ws.id}/installs/${id}`;
    await api('PUT', `${p}/config`, { token, body: { config: { threshold: 10 } } });
    await api('PUT', `${p}/secrets/API_TOKEN`, { token, body: { value: SECRET } });
    await api('PUT', `${p}/consent`, { token, body: { scopes: ['vm.list', 'vm.stop'] } });
    expect((await api('POST', `${p}/deploy`, { token })).status).toBe(200);
    return { ws, token, p, id };
  }

  it('pause stops new runs, resume allows them again', async () => {
    const ws = await newWorkspace();
    const installId = await installAgent(ws);
    const p = `/workspaces/${ws.id}/installs/${installId}`;
    expect((await api('POST', `${p}/pause`, { token: ws.owner.idToken })).body.state).toBe('paused');
    expect(codeOf(await api('POST', `${p}/runs`, { token: ws.owner.idToken, body: {} }))).toBe('install_paused');
    expect((await api('POST', `${p}/resume`, { token: ws.owner.idToken })).body.state).toBe('active');
    expect((await api('POST', `${p}/runs`, { token: ws.owner.idToken, body: {} })).status).toBe(201);
  });

  it('upgrades: the same permissions carry consent over; grown ones need fresh consent, with the diff', async () => {
    const { token, p } = await deployedWizardInstall();
    const same = await api('POST', `${p}/upgrade`, { token, body: { version: '1.0.1' } });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ version: '1.0.1', consent: { version: '1.0.1' }, permissionDiff: { added: [], removed: [] } });

    const refused = await api('POST', `${p}/upgrade`, { token, body: { version: '2.0.0' } });
    expect({ status: refused.status, code: codeOf(refused) }).toEqual({ status: 409, code: 'consent_required' });
    expect(refused.body.detail).toContain('vm.delete (critical)');
    expect((await api('GET', p, { token })).body.version).toBe('1.0.1');

    const upgraded = await api('POST', `${p}/upgrade`, { token, body: { version: '2.0.0', consent: ['vm.list', 'vm.stop', 'vm.delete'] } });
    expect(upgraded.status).toBe(200);
    expect(upgraded.body.permissionDiff.added).toEqual([{ scope: 'vm.delete', risk: 'critical', reason: 'Delete VMs.' }]);
    expect(upgraded.body.consent.scopes).toEqual(['vm.delete', 'vm.list', 'vm.stop']);
    expect(codeOf(await api('POST', `${p}/upgrade`, { token, body: { version: '7.0.0' } }))).toBe('agent_version_not_found');
  });

  it('a required secret cannot be removed from a deployed install; an optional one can', async () => {
    const { token, p } = await deployedWizardInstall();
    expect(codeOf(await api('DELETE', `${p}/secrets/API_TOKEN`, { token }))).toBe('secret_required');
    await api('PUT', `${p}/secrets/SLACK_WEBHOOK_URL`, { token, body: { value: 'https://hooks.example/x' } });
    const removed = await api('DELETE', `${p}/secrets/SLACK_WEBHOOK_URL`, { token });
    expect(removed.body.secrets.map((s: { name: string }) => s.name)).toEqual(['API_TOKEN']);
  });

  it('the execution gets the secret values through the runner API, and anything it logs of them is redacted', async () => {
    const { ws, token, p, id } = await deployedWizardInstall();
    const version = (await api('GET', p, { token })).body.version as string;
    const { runId, token: runToken } = await seedStartingRun(ws.id, { agentId, agentVersion: version, installId: id });
    const started = await call('POST', `/runner/runs/${runId}/started`, { token: runToken });
    expect(started.body.secretNames).toEqual(['API_TOKEN']);
    const secrets = await call('POST', `/runner/runs/${runId}/secrets`, { token: runToken });
    expect(secrets.body).toEqual({ values: { API_TOKEN: SECRET } });
    const ts = new Date().toISOString();
    await call('POST', `/runner/runs/${runId}/logs`, {
      token: runToken,
      body: { seq: 0, lines: [{ ts, level: 'info', msg: `calling with ${SECRET} now`, fields: { auth: `Bearer ${SECRET}`, n: 1 } }] },
    });
    const logs = await api('GET', `/workspaces/${ws.id}/runs/${runId}/logs`, { token });
    expect(logs.body.lines[0]).toMatchObject({ msg: 'calling with [REDACTED] now', fields: { auth: 'Bearer [REDACTED]', n: 1 } });
    const chunk = await adminDb.doc(`workspaces/${ws.id}/runs/${runId}/logs/0000000000`).get();
    expect(JSON.stringify(chunk.data())).not.toContain(SECRET);
    await call('POST', `/runner/runs/${runId}/complete`, { token: runToken, body: { outcome: 'succeeded' } });
    expect(codeOf(await call('POST', `/runner/runs/${runId}/secrets`, { token: runToken }))).toBe('run_finished');
    // Another workspace's runner token cannot read these secrets.
    const other = await newWorkspace();
    const foreign = await seedStartingRun(other.id, { agentId, agentVersion: version, installId: id });
    expect((await call('POST', `/runner/runs/${foreign.runId}/secrets`, { token: foreign.token })).body).toEqual({ values: {} });
  });

  it('uninstall deletes the secret values, keeps run history, and keeps the install count exact', async () => {
    const { ws, token, p, id } = await deployedWizardInstall();
    const stored = () => {
      try {
        return readdirSync(`.local/secrets/demo-agent-marketplace-test/${ws.id}`).filter((f) => f.startsWith(id));
      } catch {
        return [];
      }
    };
    expect(stored().length).toBe(1);
    const before = (await api('GET', `/agents/${agentId}`)).body.installCount as number;
    expect((await api('DELETE', p, { token })).status).toBe(204);
    expect((await api('GET', p, { token })).status).toBe(404);
    expect((await api('DELETE', p, { token })).status).toBe(404);
    expect((await api('GET', `/agents/${agentId}`)).body.installCount).toBe(before - 1);
    expect(stored()).toEqual([]);

    // Run history outlives the install (a real agent this time, so the run succeeds).
    const real = await installAgent(ws);
    const run = await api('POST', `/workspaces/${ws.id}/installs/${real}/runs`, { token, body: {} });
    await waitForRun(ws, run.body.id);
    expect((await api('DELETE', `/workspaces/${ws.id}/installs/${real}`, { token })).status).toBe(204);
    const runs = await api('GET', `/workspaces/${ws.id}/runs`, { token });
    expect(runs.body.items.map((r: { id: string }) => r.id)).toContain(run.body.id);
    expect((await api('GET', `/workspaces/${ws.id}/installs`, { token })).body.items).toEqual([]);
  });
});

describe('inbound webhooks', () => {
  it('a correctly signed body starts a run with that body as input; anything else is refused', async () => {
    const { signWebhook } = await import('../../functions/src/app/runs/webhookSignature.ts');
    const ws = await newWorkspace();
    const token = ws.owner.idToken;
    const installId = await installAgent(ws);
    const p = `/workspaces/${ws.id}/installs/${installId}`;
    const hook = `/hooks/${ws.id}/${installId}`;
    const body = JSON.stringify({ threshold: 6 });
    const now = Math.floor(Date.now() / 1000);

    // Not enabled yet: indistinguishable from a bad signature.
    expect(codeOf(await call('POST', hook, { raw: body }))).toBe('webhook_signature_invalid');
    const t = await call('PUT', `${p}/triggers`, { token, body: { manual: true, webhook: { enabled: true } } });
    const secret = t.body.webhookSecret as string;

    const signed = (b: string, ts = now, key = secret) => ({ raw: b, headers: { 'X-Agent-Signature': signWebhook(key, ts, b) } });
    const ok = await call('POST', hook, signed(body));
    expect(ok.status).toBe(202);
    const run = await waitForRun(ws, ok.body.id);
    expect(run).toMatchObject({ state: 'succeeded', input: { threshold: 6 }, trigger: { kind: 'webhook', by: `webhook:${installId}` } });

    expect(codeOf(await call('POST', hook, { raw: body }))).toBe('webhook_signature_invalid');
    expect(codeOf(await call('POST', hook, signed(body, now, 'whsec_wrong_secret_value_123456')))).toBe('webhook_signature_invalid');
    expect(codeOf(await call('POST', hook, { ...signed(body), raw: JSON.stringify({ threshold: 7 }) }))).toBe('webhook_signature_invalid');
    expect(codeOf(await call('POST', hook, signed(body, now - 3600)))).toBe('webhook_timestamp_out_of_range');
    expect(codeOf(await call('POST', hook, signed(JSON.stringify({ threshold: 'lots' }))))).toBe('input_invalid');
    expect(codeOf(await call('POST', `/hooks/${ws.id}/nosuchinstall1`, signed(body)))).toBe('webhook_signature_invalid');

    // Rotating the secret invalidates the old one.
    const rotated = await call('PUT', `${p}/triggers`, { token, body: { manual: true, webhook: { enabled: true, rotate: true } } });
    expect(rotated.body.webhookSecret).not.toBe(secret);
    expect(codeOf(await call('POST', hook, signed(body)))).toBe('webhook_signature_invalid');
    expect((await call('POST', hook, signed(body, now, rotated.body.webhookSecret))).status).toBe(202);
  });
});
