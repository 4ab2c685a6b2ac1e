/**
 * Secrets never leave a run (issue 20): whatever a runner sends (log lines, progress, outputs,
 * error messages, text artifacts) is stored with every encoded form of the install's secret
 * values replaced, however the value is spelled or split. A runner here is a plain HTTP client
 * on a run seeded as dispatch leaves it, with the references dispatch pins.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { publishYaml, uniqueWord } from '../support/catalog.ts';
import { call, codeOf } from '../support/http.ts';
import { seedStartingRun } from '../support/runs.ts';
import { newWorkspace, type TestWorkspace } from '../support/users.ts';

const agentId = `${uniqueWord()}-secretive`;
const manifest = `id: ${agentId}
name: Secretive Agent
version: 1.0.0
publisher: redaction-tests
summary: An agent with secrets, to check they never come back.
categories: [operations]
runtime:
  local:
    entry: src/index.ts
secrets:
  - name: API_TOKEN
    description: A token
  - name: PRIVATE_KEY
    description: A PEM key (quotes, backslashes, newlines)
    required: false
outputs:
  type: object
pricing:
  model: free
license: MIT
support:
  email: dev@example.test
`;

beforeAll(async () => {
  await publishYaml(manifest);
});

/** Every form the issue names, of one value. */
function forms(value: string): Record<string, string> {
  const b = Buffer.from(value, 'utf8');
  return {
    raw: value,
    base64: b.toString('base64'),
    base64url: b.toString('base64url'),
    hex: b.toString('hex'),
    HEX: b.toString('hex').toUpperCase(),
    url: encodeURIComponent(value),
    json: JSON.stringify(value).slice(1, -1),
  };
}

/** The longest run of each form's characters that must not be found (base64 at an offset keeps a stable core). */
function needles(value: string): string[] {
  const out = Object.values(forms(value));
  // Basic auth: base64 of `user:<value>` carries the value at a byte offset of 5.
  out.push(Buffer.from(`user:${value}`).toString('base64').slice(8, -4));
  return out.filter((n) => n.length >= 6);
}

function expectClean(where: string, text: string, values: string[]): void {
  for (const v of values) for (const n of needles(v)) expect(text.includes(n), `${where} holds ${JSON.stringify(n)}`).toBe(false);
}

const TOKEN = `tok_${uniqueWord()}+/Zé?&=x`;
const PEM = `-----BEGIN PRIVATE KEY-----\nMIIE${uniqueWord()}"quoted"\\back\\slash\n-----END PRIVATE KEY-----\n`;

async function secretInstall(ws: TestWorkspace, values: Record<string, string>): Promise<string> {
  const token = ws.owner.idToken;
  const id = (await call('POST', `/workspaces/${ws.id}/installs`, { token, body: { agentId, version: '1.0.0' } })).body.id as string;
  for (const [name, value] of Object.entries(values)) {
    const res = await call('PUT', `/workspaces/${ws.id}/installs/${id}/secrets/${name}`, { token, body: { value } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
  await call('PUT', `/workspaces/${ws.id}/installs/${id}/consent`, { token, body: { scopes: [] } });
  const deployed = await call('POST', `/workspaces/${ws.id}/installs/${id}/deploy`, { token });
  expect(deployed.status, JSON.stringify(deployed.body)).toBe(200);
  return id;
}

/** A run of the install as dispatch leaves it, the install's current secret references pinned. */
async function dispatchedRun(ws: TestWorkspace, installId: string) {
  // The install's secret references live in its internal document (no client reads them).
  const refs = (await adminDb.doc(`workspaces/${ws.id}/installs/${installId}/internal/refs`).get()).data()!;
  const secretRefs = { ...(refs['secrets'] as Record<string, string>) };
  const seeded = await seedStartingRun(ws.id, { agentId, agentVersion: '1.0.0', installId, secretRefs });
  expect((await call('POST', `/runner/runs/${seeded.runId}/started`, { token: seeded.token })).status).toBe(200);
  return seeded;
}

const line = (msg: string, fields?: Record<string, unknown>) => ({ ts: new Date().toISOString(), level: 'info', msg, ...(fields ? { fields } : {}) });

/** Everything stored and served of a run: its document, log chunks, artifacts, and the API's answers. */
async function everything(ws: TestWorkspace, runId: string, except: string[] = []): Promise<string> {
  const token = ws.owner.idToken;
  const base = `workspaces/${ws.id}/runs/${runId}`;
  const parts = [
    JSON.stringify((await adminDb.doc(base).get()).data()),
    JSON.stringify((await adminDb.collection(`${base}/logs`).get()).docs.map((d) => d.data())),
    JSON.stringify((await adminDb.collection(`${base}/artifacts`).get()).docs.filter((d) => !except.includes(d.get('name'))).map((d) => d.data())),
    JSON.stringify((await call('GET', `/${base}`, { token })).body),
    JSON.stringify((await call('GET', `/${base}/logs?limit=100`, { token })).body),
  ];
  for (const a of (await call('GET', `/${base}/artifacts`, { token })).body.items ?? []) {
    if (except.includes(a.name)) continue;
    const got = (await call('GET', `/${base}/artifacts/${a.name}`, { token })).body;
    parts.push(JSON.stringify(got), got.encoding === 'base64' ? Buffer.from(got.content, 'base64').toString('utf8') : '');
  }
  return parts.join('\n');
}

describe('secret redaction at the runner API', () => {
  it('every encoded form, in log messages and fields, is replaced', async () => {
    const ws = await newWorkspace();
    const installId = await secretInstall(ws, { API_TOKEN: TOKEN, PRIVATE_KEY: PEM });
    const { runId, token } = await dispatchedRun(ws, installId);
    const lines = [];
    for (const value of [TOKEN, PEM]) {
      for (const [form, text] of Object.entries(forms(value))) {
        lines.push(line(`${form}: <${text}>`, { [form]: `x${text}x`, nested: [{ deep: text }] }));
      }
      lines.push(line(`basic: Basic ${Buffer.from(`user:${value}`).toString('base64')}`));
      // A log line of a whole JSON document (a service-account file) holds the value escaped.
      lines.push(line(JSON.stringify({ private_key: value, n: 1 })));
    }
    const res = await call('POST', `/runner/runs/${runId}/logs`, { token, body: { seq: 0, lines } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const stored = await everything(ws, runId);
    expect(stored).toContain('raw: <[REDACTED]>');
    expect(stored).toContain('hex: <[REDACTED]>');
    expectClean('the stored run', stored, [TOKEN, PEM]);
  });

  it('a value that spans JSON punctuation does not fail the batch, nor stop later ones', async () => {
    const ws = await newWorkspace();
    const tricky = 'x","y":';
    const installId = await secretInstall(ws, { API_TOKEN: tricky });
    const { runId, token } = await dispatchedRun(ws, installId);
    const first = await call('POST', `/runner/runs/${runId}/logs`, { token, body: { seq: 0, lines: [line('fields', { a: 'x', y: 1 })] } });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect((await call('POST', `/runner/runs/${runId}/logs`, { token, body: { seq: 1, lines: [line('after')] } })).status).toBe(200);
    const logs = (await call('GET', `/workspaces/${ws.id}/runs/${runId}/logs`, { token: ws.owner.idToken })).body.lines;
    expect(logs.map((l: { msg: string }) => l.msg)).toEqual(['fields', 'after']);
    expect(logs[0].fields).toEqual({ a: 'x', y: 1 });
  });

  it('a value split across two lines, or two batches, has both fragments replaced', async () => {
    const ws = await newWorkspace();
    const installId = await secretInstall(ws, { API_TOKEN: TOKEN });
    const { runId, token } = await dispatchedRun(ws, installId);
    const hex = Buffer.from(TOKEN).toString('hex');
    const lines = [line(`key=${TOKEN.slice(0, 5)}`), line(`${TOKEN.slice(5)} and on`), line(`hex ${hex.slice(0, 9)}`)];
    expect((await call('POST', `/runner/runs/${runId}/logs`, { token, body: { seq: 0, lines } })).status).toBe(200);
    expect((await call('POST', `/runner/runs/${runId}/logs`, { token, body: { seq: 1, lines: [line(`${hex.slice(9)}!`)] } })).status).toBe(200);
    const logs = (await call('GET', `/workspaces/${ws.id}/runs/${runId}/logs`, { token: ws.owner.idToken })).body.lines;
    expect(logs.map((l: { msg: string }) => l.msg)).toEqual(['key=[REDACTED]', '[REDACTED] and on', 'hex [REDACTED]', '[REDACTED]!']);
    expectClean('the stored run', await everything(ws, runId), [TOKEN]);
  });

  it('progress, outputs, the error message and text artifacts are redacted; binary artifacts are kept as sent', async () => {
    const ws = await newWorkspace();
    const installId = await secretInstall(ws, { API_TOKEN: TOKEN, PRIVATE_KEY: PEM });
    const { runId, token } = await dispatchedRun(ws, installId);
    const b64 = Buffer.from(TOKEN).toString('base64');
    expect((await call('POST', `/runner/runs/${runId}/heartbeat`, { token, body: { progress: { percent: 10, message: `using ${b64}` } } })).status).toBe(200);
    const progress = (await adminDb.doc(`workspaces/${ws.id}/runs/${runId}`).get()).get('progress');
    expect(progress).toEqual({ percent: 10, message: 'using [REDACTED]' });

    const attach = (name: string, contentType: string, encoding: string, content: string) =>
      call('POST', `/runner/runs/${runId}/artifacts`, { token, body: { name, contentType, encoding, content } });
    expect((await attach('report.txt', 'text/plain', 'utf8', `token ${TOKEN}\nkey ${JSON.stringify(PEM)}\n`)).status).toBe(201);
    expect((await attach('data.json', 'application/json', 'base64', Buffer.from(JSON.stringify({ key: PEM, t: encodeURIComponent(TOKEN) })).toString('base64'))).status).toBe(201);
    const bytes = Buffer.concat([Buffer.from([0, 255]), Buffer.from(TOKEN)]).toString('base64');
    expect((await attach('blob.bin', 'application/octet-stream', 'base64', bytes)).status).toBe(201);

    const complete = await call('POST', `/runner/runs/${runId}/complete`, {
      token,
      body: { outcome: 'failed', outputs: { token: TOKEN, [`k-${TOKEN}`]: [{ pem: PEM }], hex: Buffer.from(PEM).toString('hex') }, error: { code: 'agent_failed', message: `failed calling with ${TOKEN}` } },
    });
    expect(complete.status, JSON.stringify(complete.body)).toBe(200);
    const run = (await call('GET', `/workspaces/${ws.id}/runs/${runId}`, { token: ws.owner.idToken })).body;
    expect(run.error).toEqual({ code: 'agent_failed', message: 'failed calling with [REDACTED]' });
    expect(run.outputs).toEqual({ token: '[REDACTED]', 'k-[REDACTED]': [{ pem: '[REDACTED]' }], hex: '[REDACTED]' });
    const text = (await call('GET', `/workspaces/${ws.id}/runs/${runId}/artifacts/report.txt`, { token: ws.owner.idToken })).body;
    expect(text).toMatchObject({ content: 'token [REDACTED]\nkey "[REDACTED]"\n', size: 'token [REDACTED]\nkey "[REDACTED]"\n'.length });
    // Binary content is kept byte for byte: rewriting it would corrupt the file.
    expect((await call('GET', `/workspaces/${ws.id}/runs/${runId}/artifacts/blob.bin`, { token: ws.owner.idToken })).body.content).toBe(bytes);
    expectClean('the stored run', await everything(ws, runId, ['blob.bin']), [TOKEN, PEM]);
  });

  it('a secret rotated during the run stays redacted for that run: its values are the ones pinned at dispatch', async () => {
    const ws = await newWorkspace();
    const installId = await secretInstall(ws, { API_TOKEN: TOKEN });
    const { runId, token } = await dispatchedRun(ws, installId);
    const rotated = `rotated-${uniqueWord()}`;
    expect((await call('PUT', `/workspaces/${ws.id}/installs/${installId}/secrets/API_TOKEN`, { token: ws.owner.idToken, body: { value: rotated } })).status).toBe(200);
    // The execution still gets (and logs) the value it was dispatched with.
    expect((await call('POST', `/runner/runs/${runId}/secrets`, { token })).body).toEqual({ values: { API_TOKEN: TOKEN } });
    expect((await call('POST', `/runner/runs/${runId}/logs`, { token, body: { seq: 0, lines: [line(`old ${TOKEN}`)] } })).status).toBe(200);
    const logs = (await call('GET', `/workspaces/${ws.id}/runs/${runId}/logs`, { token: ws.owner.idToken })).body.lines;
    expect(logs.map((l: { msg: string }) => l.msg)).toEqual(['old [REDACTED]']);
  });
});

describe('secret redaction in approvals', () => {
  it("an agent's request: its key, summary, reason, impact note and details are stored, served, logged and notified redacted", async () => {
    const ws = await newWorkspace();
    const installId = await secretInstall(ws, { API_TOKEN: TOKEN, PRIVATE_KEY: PEM });
    const { runId, token } = await dispatchedRun(ws, installId);
    const f = forms(TOKEN);
    const asked = await call('POST', `/runner/runs/${runId}/approvals`, {
      token,
      body: {
        // A key is an identifier the agent chooses: its hex form of the secret fits the key's characters.
        key: f.hex!.slice(0, 100),
        summary: `Use ${f.raw} and ${f.base64}?`,
        reason: Object.values(f).join(' '),
        impact: { note: `saves ${f.hex}` },
        details: { ...f, pem: PEM, [`key ${TOKEN}`]: true },
      },
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(200);
    const base = `workspaces/${ws.id}`;
    const stored = await Promise.all(['approvals', 'approvalLog', 'approvalLogQueue', 'outbox'].map(async (c) => JSON.stringify((await adminDb.collection(`${base}/${c}`).get()).docs.map((d) => d.data()))));
    const served = [
      (await call('GET', `/${base}/approvals/${asked.body.approvalId}`, { token: ws.owner.idToken })).body,
      (await call('GET', `/${base}/approvals:audit`, { token: ws.owner.idToken })).body,
    ].map((b) => JSON.stringify(b));
    expect(stored[0]).toContain('[REDACTED]');
    expectClean('the request as stored and served', [...stored, ...served].join('\n'), [TOKEN, PEM]);
  });
});

describe('setting a secret', () => {
  it('refuses a value shorter than 6 characters with 400 and says why', async () => {
    const ws = await newWorkspace();
    const token = ws.owner.idToken;
    const id = (await call('POST', `/workspaces/${ws.id}/installs`, { token, body: { agentId, version: '1.0.0' } })).body.id as string;
    const short = await call('PUT', `/workspaces/${ws.id}/installs/${id}/secrets/API_TOKEN`, { token, body: { value: 'abc12' } });
    expect({ status: short.status, code: codeOf(short), path: short.body.errors?.[0]?.path }).toEqual({ status: 400, code: 'validation_failed', path: 'body.value' });
    expect(short.body.detail).toMatch(/at least 6 characters/);
    expect((await call('PUT', `/workspaces/${ws.id}/installs/${id}/secrets/API_TOKEN`, { token, body: { value: 'abc123' } })).status).toBe(200);
  });
});
