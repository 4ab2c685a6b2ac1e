import { describe, expect, it } from 'vitest';
import { am, developerVersion, fakeServer, problemOf, scanReport } from './support.ts';

const env = { AM_TOKEN: 'ci-token' };
const VERSION = '/v1/publishers/acme/agents/my-agent/versions/1.2.3';
const publisher = { id: 'acme', name: 'Acme Tools', createdAt: '2026-01-02T03:04:05.000Z', memberCount: 2, myRole: 'owner' };
const member = { uid: 'uid-2', email: 'dev@example.test', role: 'developer', addedAt: '2026-01-03T00:00:00.000Z', addedBy: 'uid-1' };

describe('publishers and members', () => {
  it('am publishers lists them as a table; --json as the API items', async () => {
    const server = await fakeServer({ 'GET /v1/publishers': () => ({ status: 200, body: { items: [publisher] } }) });
    const out = await am(['publishers', '--api', server.base], { env });
    expect(out).toEqual({
      code: 0,
      stdout: 'id    name        role   members  created\nacme  Acme Tools  owner  2        2026-01-02 03:04 UTC\n',
      stderr: '',
    });
    expect(JSON.parse((await am(['publishers', '--api', server.base, '--json'], { env })).stdout)).toEqual([publisher]);
  });

  it('am publishers create sends the id and trimmed name with an Idempotency-Key', async () => {
    const server = await fakeServer({ 'POST /v1/publishers': () => ({ status: 201, body: publisher }) });
    const out = await am(['publishers', 'create', 'acme', '--name', '  Acme Tools ', '--api', server.base], { env });
    expect(out).toMatchObject({ code: 0, stdout: 'Created publisher acme (Acme Tools); you are its owner.\n' });
    const [hit] = server.hits;
    expect(hit!.json()).toEqual({ id: 'acme', name: 'Acme Tools' });
    expect(hit!.headers['idempotency-key']).toBeTruthy();
  });

  it('a taken publisher id exits 1 with the API code', async () => {
    const server = await fakeServer({ 'POST /v1/publishers': () => ({ status: 409, body: problemOf(409, 'publisher_exists') }) });
    const out = await am(['publishers', 'create', 'acme', '--name', 'Acme', '--api', server.base, '--json'], { env });
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stderr).error).toMatchObject({ code: 'publisher_exists', status: 409 });
  });

  it('am members lists; am members add sends the email and role', async () => {
    const server = await fakeServer({
      'GET /v1/publishers/acme/members': () => ({ status: 200, body: { items: [member] } }),
      'POST /v1/publishers/acme/members': () => ({ status: 201, body: member }),
    });
    const list = await am(['members', 'acme', '--api', server.base], { env });
    expect(list.stdout).toBe('email             role       uid    added\ndev@example.test  developer  uid-2  2026-01-03 00:00 UTC\n');
    const add = await am(['members', 'add', 'acme', 'dev@example.test', '--role', 'developer', '--api', server.base], { env });
    expect(add).toMatchObject({ code: 0, stdout: 'Added dev@example.test to acme as developer.\n' });
    expect(server.of('POST /v1/publishers/acme/members')[0]!.json()).toEqual({ email: 'dev@example.test', role: 'developer' });
  });
});

describe('versions', () => {
  it('am versions lists every state with its flags', async () => {
    const server = await fakeServer({
      'GET /v1/publishers/acme/agents/my-agent/versions': () => ({
        status: 200,
        body: { items: [developerVersion({ version: '1.3.0', state: 'in_review' }), developerVersion({ state: 'published', yanked: { at: '2026-03-05T00:00:00.000Z', reason: 'broken' } })] },
      }),
    });
    const out = await am(['versions', 'my-agent', '--publisher', 'acme', '--api', server.base], { env });
    expect(out.stdout).toBe(
      'version  state      submitted             flags\n1.3.0    in_review  2026-03-04 10:00 UTC\n1.2.3    published  2026-03-04 10:00 UTC  yanked\n',
    );
  });

  it('am version shows state, scan report, review comments, build and history', async () => {
    const v = developerVersion({
      state: 'changes_requested',
      releaseNotes: 'Faster.',
      scan: scanReport(true),
      review: { decision: 'changes_requested', comments: 'Explain the vm.stop scope.', by: 'admin-1', at: '2026-03-06T00:00:00.000Z' },
      build: { state: 'failed', image: null, reason: 'npm ci failed', logUrl: 'https://logs.test/b1' },
      history: [
        { at: '2026-03-04T10:00:00.000Z', state: 'submitted', by: 'uid-1', note: null },
        { at: '2026-03-06T00:00:00.000Z', state: 'changes_requested', by: 'admin-1', note: 'see comments' },
      ],
    });
    const server = await fakeServer({ [`GET ${VERSION}`]: () => ({ status: 200, body: v }) });
    const out = await am(['version', 'my-agent', '1.2.3', '--publisher', 'acme', '--api', server.base], { env });
    expect(out.code).toBe(0);
    for (const line of [
      'acme/my-agent 1.2.3: changes_requested\n',
      'Release notes:\n  Faster.\n',
      '  WARN  secrets   Secrets in the source\n',
      'warn: src/index.ts:3 an AWS access key id\n',
      'Review: changes_requested by admin-1, 2026-03-06 00:00 UTC\n  Explain the vm.stop scope.\n',
      'Build: failed\n  npm ci failed\n  log https://logs.test/b1\n',
      '  2026-03-06 00:00 UTC  changes_requested  admin-1  see comments\n',
    ]) expect(out.stdout).toContain(line);
  });

  it('deprecate and yank send their text to the verb routes; undeprecate and unyank send no body', async () => {
    const v = developerVersion({ state: 'published' });
    const server = await fakeServer({
      [`POST ${VERSION}:deprecate`]: () => ({ status: 200, body: { ...v, deprecated: { at: '2026-03-07T00:00:00.000Z', message: 'use 2.x' } } }),
      [`POST ${VERSION}:undeprecate`]: () => ({ status: 200, body: v }),
      [`POST ${VERSION}:yank`]: () => ({ status: 200, body: { ...v, yanked: { at: '2026-03-07T00:00:00.000Z', reason: 'leaks' } } }),
      [`POST ${VERSION}:unyank`]: () => ({ status: 200, body: v }),
    });
    const base = ['--publisher', 'acme', '--api', server.base];
    expect(await am(['deprecate', 'my-agent', '1.2.3', '--message', 'use 2.x', ...base], { env })).toMatchObject({ code: 0, stdout: 'acme/my-agent 1.2.3: published (deprecated)\n' });
    expect(await am(['undeprecate', 'my-agent', '1.2.3', ...base], { env })).toMatchObject({ code: 0, stdout: 'acme/my-agent 1.2.3: published\n' });
    expect(await am(['yank', 'my-agent', '1.2.3', '--reason', 'leaks', ...base], { env })).toMatchObject({ code: 0, stdout: 'acme/my-agent 1.2.3: published (yanked)\n' });
    expect((await am(['unyank', 'my-agent', '1.2.3', ...base], { env })).code).toBe(0);
    expect(server.hits.map((h) => [h.route.replace(VERSION, ''), h.body.toString()])).toEqual([
      ['POST :deprecate', '{"message":"use 2.x"}'],
      ['POST :undeprecate', ''],
      ['POST :yank', '{"reason":"leaks"}'],
      ['POST :unyank', ''],
    ]);
  });

  it('a blank --reason or a bad version is a usage error, and nothing is sent', async () => {
    const server = await fakeServer({});
    expect((await am(['yank', 'my-agent', '1.2.3', '--publisher', 'acme', '--reason', '  ', '--api', server.base], { env })).code).toBe(2);
    expect((await am(['version', 'my-agent', 'latest', '--publisher', 'acme', '--api', server.base], { env })).code).toBe(2);
    expect(server.hits).toEqual([]);
  });

  it('a version that is not there exits 1 with not_found', async () => {
    const server = await fakeServer({});
    const out = await am(['version', 'my-agent', '9.9.9', '--publisher', 'acme', '--api', server.base], { env });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('(not_found, request req-1)');
  });
});
