import type { Run } from '@agent-marketplace/contract';
import { describe, expect, it } from 'vitest';
import { am, fakeServer, problemOf } from './support.ts';

/**
 * `logs` and `run` against a server speaking the API's run stream: `retry`, then frames with
 * ids `<eventSeq>.<logSeq>` and events `run`, `transition`, `logs`, `end`
 * (functions/src/app/runs/runStream.ts); the connection closes after `end`, or earlier at the
 * stream's time limit, when the client resumes with Last-Event-ID.
 */
const env = { AM_TOKEN: 'ci-token' };
const STREAM = 'GET /v1/workspaces/ws1/runs/run1/stream';
const LOGS = 'GET /v1/workspaces/ws1/runs/run1/logs';
const TRIGGER = 'POST /v1/workspaces/ws1/installs/inst1/runs';

function runOf(over: Partial<Run> = {}): Run {
  return {
    id: 'run1',
    installId: 'inst1',
    agentId: 'inventory-report',
    agentVersion: '0.1.0',
    state: 'queued',
    attempt: 1,
    trigger: { kind: 'manual', by: 'uid-1' },
    input: {},
    createdAt: '2026-03-04T10:00:00.000Z',
    updatedAt: '2026-03-04T10:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    heartbeatAt: null,
    progress: null,
    outputs: null,
    error: null,
    timeoutSeconds: 60,
    maxAttempts: 1,
    deadlineAt: null,
    usage: null,
    approvals: null,
    estimate: null,
    suspended: false,
    resumes: 0,
    ...over,
  };
}

const frame = (id: string, event: string, data: unknown) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const transition = (seq: number, from: string | null, to: string, reason = '') => ({ seq, from, to, reason, attempt: 1, at: `2026-03-04T10:00:0${seq}.000Z` });
const line = (second: number, msg: string, level = 'info', fields?: Record<string, unknown>) => ({ ts: `2026-03-04T10:00:0${second}.250Z`, level, msg, ...(fields ? { fields } : {}) });

/** A whole run as the stream sends it, split where the server closes the first connection. */
function succeededRun(): { first: string; rest: string; lastIdOfFirst: string } {
  const first = [
    'retry: 1000\n\n',
    frame('-1.-1', 'run', runOf()),
    frame('0.-1', 'transition', transition(0, null, 'queued', 'triggered')),
    frame('1.-1', 'transition', transition(1, 'queued', 'running')),
    frame('1.0', 'logs', { seq: 0, attempt: 1, lines: [line(2, 'Counted 4 VMs in template-sandbox', 'info', { byState: { running: 3 } })] }),
  ].join('');
  const rest = [
    'retry: 1000\n\n',
    frame('1.0', 'run', runOf({ state: 'running' })),
    frame('1.1', 'logs', { seq: 1, attempt: 1, lines: [line(3, 'almost done', 'warn')] }),
    frame('1.1', 'run', runOf({ state: 'succeeded', outputs: { total: 4 } })),
    frame('2.1', 'transition', transition(2, 'running', 'succeeded')),
    frame('2.1', 'end', { state: 'succeeded' }),
  ].join('');
  return { first, rest, lastIdOfFirst: '1.0' };
}

const FOLLOWED = [
  '10:00:00.000 state - -> queued (triggered)',
  '10:00:01.000 state queued -> running',
  '10:00:02.250 INFO  Counted 4 VMs in template-sandbox  {"byState":{"running":3}}',
  '10:00:03.250 WARN  almost done',
  '10:00:02.000 state running -> succeeded',
  'Run run1 succeeded.',
  '  outputs: {"total":4}',
  '',
].join('\n');

describe('logs --follow', () => {
  it('prints state changes and log lines until the run ends; resumes a closed stream from its Last-Event-ID without repeating; exit 0', async () => {
    const { first, rest, lastIdOfFirst } = succeededRun();
    const server = await fakeServer({ [STREAM]: (_h, n) => ({ status: 200, sse: n === 1 ? first : rest }) });
    const out = await am(['logs', 'ws1', 'run1', '--follow', '--api', server.base], { env });
    expect(out).toEqual({ code: 0, stdout: FOLLOWED, stderr: '' });
    const hits = server.of(STREAM);
    expect(hits).toHaveLength(2);
    expect(hits[0]!.headers['last-event-id']).toBeUndefined();
    expect(hits[1]!.headers['last-event-id']).toBe(lastIdOfFirst);
    expect(hits[1]!.headers.authorization).toBe('Bearer ci-token');
    expect(hits[0]!.headers.accept).toBe('text/event-stream');
  });

  it('a run that fails exits 1 with its error', async () => {
    const sse = [
      frame('0.-1', 'transition', transition(0, null, 'queued')),
      frame('0.0', 'logs', { seq: 0, attempt: 1, lines: [line(1, 'boom', 'error')] }),
      frame('0.0', 'run', runOf({ state: 'failed', error: { code: 'agent_error', message: 'TypeError: x is undefined' } })),
      frame('1.0', 'transition', transition(1, 'queued', 'failed', 'agent threw')),
      frame('1.0', 'end', { state: 'failed' }),
    ].join('');
    const server = await fakeServer({ [STREAM]: () => ({ status: 200, sse }) });
    const out = await am(['logs', 'ws1', 'run1', '--follow', '--api', server.base], { env });
    expect(out.code).toBe(1);
    expect(out.stdout).toBe(
      [
        '10:00:00.000 state - -> queued',
        '10:00:01.250 ERROR boom',
        '10:00:01.000 state queued -> failed (agent threw)',
        'Run run1 failed.',
        '  error: agent_error: TypeError: x is undefined',
        '',
      ].join('\n'),
    );
  });

  it('--json: one object a line, a log chunk as one object per log line', async () => {
    const { first, rest } = succeededRun();
    const server = await fakeServer({ [STREAM]: (_h, n) => ({ status: 200, sse: n === 1 ? first : rest }) });
    const out = await am(['logs', 'ws1', 'run1', '--follow', '--json', '--api', server.base], { env });
    expect(out.code).toBe(0);
    const objects = out.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(objects.map((o) => o.event)).toEqual(['run', 'transition', 'transition', 'log', 'run', 'log', 'run', 'transition', 'end']);
    expect(objects[3]).toEqual({ event: 'log', seq: 0, attempt: 1, ...line(2, 'Counted 4 VMs in template-sandbox', 'info', { byState: { running: 3 } }) });
    expect(objects[1]).toEqual({ event: 'transition', ...transition(0, null, 'queued', 'triggered') });
    expect(objects.at(-1)).toEqual({ event: 'end', state: 'succeeded' });
    expect(objects[6].run).toMatchObject({ state: 'succeeded', outputs: { total: 4 } });
  });

  it('a run the caller cannot see exits 1 with the API code, without retrying', async () => {
    const server = await fakeServer({ [STREAM]: () => ({ status: 404, body: problemOf(404, 'run_not_found', 'Run was not found.') }) });
    const out = await am(['logs', 'ws1', 'run1', '--follow', '--api', server.base, '--json'], { env });
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stderr).error).toMatchObject({ code: 'run_not_found', status: 404 });
    expect(server.of(STREAM)).toHaveLength(1);
  });

  it('bad ids are usage errors before any request', async () => {
    const server = await fakeServer({});
    expect((await am(['logs', 'ws/1', 'run1', '--api', server.base], { env })).code).toBe(2);
    expect((await am(['logs', 'ws1', '--follow', '--api', server.base], { env })).code).toBe(2);
    expect(server.hits).toHaveLength(0);
  });
});

describe('logs without --follow', () => {
  it('pages through the lines logged so far (`next` as the next `after`), then exits 0', async () => {
    const pages: Record<string, { lines: unknown[]; next: number }> = {
      '-1': { lines: [{ ...line(1, 'one'), seq: 0, attempt: 1 }, { ...line(2, 'two', 'debug'), seq: 1, attempt: 1 }], next: 1 },
      '1': { lines: [{ ...line(3, 'three', 'warn', { n: 3 }), seq: 2, attempt: 2 }], next: 2 },
      '2': { lines: [], next: 2 },
    };
    const server = await fakeServer({ [LOGS]: (h) => ({ status: 200, body: pages[new URL(h.url, 'http://x').searchParams.get('after')!] }) });
    const out = await am(['logs', 'ws1', 'run1', '--api', server.base], { env });
    expect(out).toEqual({ code: 0, stdout: '10:00:01.250 INFO  one\n10:00:02.250 DEBUG two\n10:00:03.250 WARN  three  {"n":3}\n', stderr: '' });
    expect(server.of(LOGS).map((h) => Object.fromEntries(new URL(h.url, 'http://x').searchParams))).toEqual([
      { after: '-1', limit: '100' },
      { after: '1', limit: '100' },
      { after: '2', limit: '100' },
    ]);
    const json = await am(['logs', 'ws1', 'run1', '--api', server.base, '--json'], { env });
    expect(json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual([
      { event: 'log', ...line(1, 'one'), seq: 0, attempt: 1 },
      { event: 'log', ...line(2, 'two', 'debug'), seq: 1, attempt: 1 },
      { event: 'log', ...line(3, 'three', 'warn', { n: 3 }), seq: 2, attempt: 2 },
    ]);
  });

  it('no lines yet: says so on stderr, stdout empty', async () => {
    const server = await fakeServer({ [LOGS]: () => ({ status: 200, body: { lines: [], next: -1 } }) });
    expect(await am(['logs', 'ws1', 'run1', '--api', server.base], { env })).toEqual({ code: 0, stdout: '', stderr: 'No log lines yet.\n' });
    expect(server.of(LOGS)).toHaveLength(1);
  });
});

describe('run', () => {
  it('triggers a run of the install with --input and follows it to the end', async () => {
    const { first, rest } = succeededRun();
    const server = await fakeServer({
      [TRIGGER]: () => ({ status: 201, body: runOf() }),
      [STREAM]: (_h, n) => ({ status: 200, sse: n === 1 ? first : rest }),
    });
    const out = await am(['run', 'ws1', 'inst1', '--input', '{"project":"demo-dev"}', '--follow', '--api', server.base], { env });
    expect(out).toEqual({ code: 0, stdout: `Run run1 queued: inventory-report 0.1.0 (install inst1).\n${FOLLOWED}`, stderr: '' });
    const trigger = server.of(TRIGGER)[0]!;
    expect(trigger.json()).toEqual({ input: { project: 'demo-dev' } });
    expect(trigger.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('without --follow: prints the queued run and exits 0; --json gives the run', async () => {
    const server = await fakeServer({ [TRIGGER]: () => ({ status: 201, body: runOf() }) });
    expect(await am(['run', 'ws1', 'inst1', '--api', server.base], { env })).toEqual({ code: 0, stdout: 'Run run1 queued: inventory-report 0.1.0 (install inst1).\n', stderr: '' });
    expect(server.of(TRIGGER)[0]!.json()).toEqual({ input: {} });
    expect(JSON.parse((await am(['run', 'ws1', 'inst1', '--api', server.base, '--json'], { env })).stdout)).toEqual(runOf());
    expect(server.of(STREAM)).toHaveLength(0);
  });

  it('--input that is not a JSON object is a usage error; nothing is triggered', async () => {
    const server = await fakeServer({});
    for (const bad of ['{project', '[1,2]', '"x"']) {
      const out = await am(['run', 'ws1', 'inst1', '--input', bad, '--api', server.base], { env });
      expect(out.code).toBe(2);
      expect(out.stderr).toContain('--input');
    }
    expect(server.hits).toHaveLength(0);
  });

  it('an install that refuses runs exits 1 with the API code', async () => {
    const server = await fakeServer({ [TRIGGER]: () => ({ status: 412, body: problemOf(412, 'install_not_active', 'The install is not active.') }) });
    const out = await am(['run', 'ws1', 'inst1', '--follow', '--api', server.base], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('(install_not_active, request req-1)');
  });
});
