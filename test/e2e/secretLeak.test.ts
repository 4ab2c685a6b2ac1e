/**
 * Secrets never leave a run, on the real stack: the probe agent prints its secret in every form
 * (raw, base64, base64url, hex, URL-encoded, JSON-escaped, split across two writes) in every
 * place (logs, console.log, stderr, progress, outputs, artifacts, the error message), and the
 * secret is rotated while it runs. Nothing that is stored or served holds any form of it: not the
 * logs, not the SSE stream, not the run document, not the artifacts, not the execution's own log.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { uniqueWord } from '../support/catalog.ts';
import { call } from '../support/http.ts';
import { finished, installProbe, trigger, waitFor } from '../support/probe.ts';
import { urls } from '../support/stack.ts';
import { newWorkspace, type TestWorkspace } from '../support/users.ts';

function needles(value: string): string[] {
  const b = Buffer.from(value, 'utf8');
  return [
    value,
    b.toString('base64'),
    b.toString('base64url'),
    b.toString('hex'),
    encodeURIComponent(value),
    JSON.stringify(value).slice(1, -1),
    // base64 of `user:<value>` (Basic auth), past the characters that mix in `user:`.
    Buffer.from(`user:${value}`).toString('base64').slice(8, -4),
    // A fragment of the hex form (the probe splits it across two writes).
    b.toString('hex').slice(7),
  ];
}

async function logLines(ws: TestWorkspace, runId: string): Promise<Array<{ msg: string; stream?: string; fields?: unknown }>> {
  const out = [];
  for (let after = -1; ; ) {
    const page = (await call('GET', `/workspaces/${ws.id}/runs/${runId}/logs?after=${after}&limit=100`, { token: ws.owner.idToken })).body;
    out.push(...page.lines);
    if (page.next === after || page.lines.length === 0) return out;
    after = page.next;
  }
}

/** Everything a run keeps or serves, as text. */
async function everything(ws: TestWorkspace, runId: string): Promise<string> {
  const token = ws.owner.idToken;
  const base = `workspaces/${ws.id}/runs/${runId}`;
  const sse = await fetch(`${urls.api}/${base}/stream`, { headers: { Authorization: `Bearer ${token}` } });
  const parts = [
    await sse.text(),
    JSON.stringify((await adminDb.doc(base).get()).data()),
    JSON.stringify((await adminDb.collection(`${base}/logs`).get()).docs.map((d) => d.data())),
    JSON.stringify((await adminDb.collection(`${base}/events`).get()).docs.map((d) => d.data())),
    JSON.stringify((await adminDb.collection(`${base}/artifacts`).get()).docs.map((d) => d.data())),
    JSON.stringify((await call('GET', `/${base}`, { token })).body),
    JSON.stringify(await logLines(ws, runId)),
  ];
  for (const a of (await call('GET', `/${base}/artifacts`, { token })).body.items) {
    const got = (await call('GET', `/${base}/artifacts/${a.name}`, { token })).body;
    parts.push(got.encoding === 'base64' ? Buffer.from(got.content, 'base64').toString('utf8') : got.content);
  }
  const execLog = path.resolve(import.meta.dirname, `../../.local/executions/demo-agent-marketplace-test/${runId}-1.log`);
  if (existsSync(execLog)) parts.push(readFileSync(execLog, 'utf8'));
  return parts.join('\n');
}

function expectNoForm(text: string, value: string): void {
  for (const n of needles(value)) expect(text.includes(n), `found ${JSON.stringify(n)}`).toBe(false);
}

describe('a run that leaks its secret everywhere', () => {
  it('keeps no form of it anywhere, captures its stdout and stderr into its log, and keeps redacting after a rotation', { timeout: 120_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installProbe(ws);
    const secretPath = `/workspaces/${ws.id}/installs/${installId}/secrets/PROBE_SECRET`;
    const value = `sk-${uniqueWord()}"q\\b\n+/é?&=`;
    expect((await call('PUT', secretPath, { token: ws.owner.idToken, body: { value } })).status).toBe(200);

    const res = await trigger(ws, installId, { mode: 'leak', sleepMs: 3000 });
    expect(res.status).toBe(201);
    const runId = res.body.id as string;
    // Rotated once the agent has printed it: the run keeps the value it was dispatched with.
    await waitFor(ws, runId, (run) => run.progress?.percent === 50 || finished(run));
    const rotated = `rotated-${uniqueWord()}`;
    expect((await call('PUT', secretPath, { token: ws.owner.idToken, body: { value: rotated } })).status).toBe(200);
    const run = await waitFor(ws, runId, finished);
    expect(run.state).toBe('succeeded');
    expect(run.progress).toEqual({ percent: 100, message: 'progress [REDACTED]' });
    expect(run.outputs).toEqual({ echo: '[REDACTED] [REDACTED] [REDACTED]' });

    const lines = await logLines(ws, runId);
    const msgs = lines.map((l) => `${l.stream ?? 'sdk'}: ${l.msg}`);
    for (const when of ['before', 'after']) {
      expect(msgs).toContain(`sdk: ${when}: raw=[REDACTED] base64=[REDACTED] base64url=[REDACTED] hex=[REDACTED] url=[REDACTED] json=[REDACTED]`);
      expect(msgs).toContain(`stdout: ${when} console.log: raw=[REDACTED] base64=[REDACTED] base64url=[REDACTED] hex=[REDACTED] url=[REDACTED] json=[REDACTED]`);
      expect(msgs).toContain(`stderr: ${when} console.error: {"key":"[REDACTED]"}`);
      expect(msgs).toContain(`stdout: ${when} split: [REDACTED]`);
    }
    expect(msgs.filter((m) => m === 'stdout: [REDACTED] end')).toHaveLength(2);

    const all = await everything(ws, runId);
    expect(all).toContain('leak.txt');
    expectNoForm(all, value);
    // The execution's own log has the runner's lines only: none of the agent's prints.
    const execLog = readFileSync(path.resolve(import.meta.dirname, `../../.local/executions/demo-agent-marketplace-test/${runId}-1.log`), 'utf8');
    expect(execLog).not.toContain('console.log');
    expect(execLog).not.toContain('console.error');

    // The error message of a failing run too.
    const failing = (await trigger(ws, installId, { mode: 'leak-fail' })).body.id as string;
    const failed = await waitFor(ws, failing, finished);
    expect(failed.error).toEqual({ code: 'agent_failed', message: 'Error: failed with [REDACTED] ([REDACTED])' });
    const failedAll = await everything(ws, failing);
    expectNoForm(failedAll, rotated);
    expectNoForm(failedAll, value);
  });
});
