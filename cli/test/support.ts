import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { DeveloperVersion, Problem, ScanReport } from '@agent-marketplace/contract';
import { afterAll, afterEach } from 'vitest';
import { run } from '../src/main.ts';

/**
 * A stand-in for everything the CLI talks to, on one loopback port: the API (`/v1/...`), the
 * Auth emulator's paths (`/identitytoolkit.googleapis.com/...`, `/securetoken.googleapis.com/...`)
 * and an upload URL. It records every request and answers as the test's routes say.
 */
export interface Hit {
  method: string;
  /** Path and query as sent. */
  url: string;
  /** `METHOD /path` without the query: what routes are keyed by. */
  route: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  json(): any;
}

/** A JSON answer, or with `sse` a text/event-stream body sent as it is (then the connection closes, as the API's stream does at its time limit). */
export type Answer = { status: number; body?: unknown; headers?: Record<string, string>; sse?: string };
export type Routes = Record<string, (hit: Hit, n: number) => Answer>;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

export async function fakeServer(routes: Routes): Promise<{ base: string; host: string; hits: Hit[]; of(route: string): Hit[] }> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const route = `${req.method} ${decodeURIComponent(req.url!.split('?')[0]!)}`;
      const hit: Hit = { method: req.method!, url: req.url!, route, headers: req.headers, body, json: () => JSON.parse(body.toString('utf8')) };
      hits.push(hit);
      const handler = routes[route];
      const answer: Answer = handler
        ? handler(hit, hits.filter((h) => h.route === route).length)
        : { status: 404, body: problemOf(404, 'not_found', `no route ${route} in this test`) };
      if (answer.sse !== undefined) {
        res.writeHead(answer.status, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', ...answer.headers });
        res.end(answer.sse);
        return;
      }
      const isProblem = answer.status >= 400 && typeof answer.body === 'object' && answer.body !== null && 'code' in answer.body;
      res.writeHead(answer.status, { 'Content-Type': isProblem ? 'application/problem+json' : 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return { base: `http://${host}`, host, hits, of: (route) => hits.filter((h) => h.route === route) };
}

export const problemOf = (status: number, code: string, detail = `it is ${code}`, errors?: Problem['errors']): Problem => ({
  type: `urn:agent-marketplace:problem:${code}`,
  title: 'Refused',
  status,
  detail,
  code,
  requestId: 'req-1',
  ...(errors ? { errors } : {}),
});

/** Runs the CLI in process, as `am` would with this environment and stdin. */
export async function am(
  argv: string[],
  options: { env?: Record<string, string | undefined>; stdin?: string; ttyColumns?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    env: { HOME: scratch(), ...options.env },
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    pollMs: 5,
    stderrTty: options.ttyColumns ? { columns: () => options.ttyColumns! } : null,
  });
  return { code, stdout, stderr };
}

const scratchRoot = mkdtempSync(join(tmpdir(), 'am-cli-test-'));
afterAll(() => rmSync(scratchRoot, { recursive: true, force: true }));
let scratchCount = 0;
/** A fresh empty folder for one test. */
export function scratch(): string {
  const dir = join(scratchRoot, String(++scratchCount));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Writes files (path → text) under a fresh folder; its path. */
export function folder(files: Record<string, string | Buffer>): string {
  const dir = scratch();
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

export const AGENT_YAML = 'id: my-agent\nname: My agent\nversion: 1.2.3\npublisher: acme\n';

export function scanReport(passed: boolean): ScanReport {
  return {
    scannedAt: '2026-03-04T10:11:12.000Z',
    passed,
    checks: [
      { id: 'manifest', title: 'Manifest', status: 'pass', blocker: true, findings: [] },
      {
        id: 'secrets',
        title: 'Secrets in the source',
        status: passed ? 'warn' : 'fail',
        blocker: true,
        note: '3 files scanned',
        findings: [{ level: passed ? 'warn' : 'fail', message: 'an AWS access key id', path: 'src/index.ts', line: 3 }],
      },
    ],
    advisories: { generatedAt: '2026-01-01', source: 'shipped', count: 12 },
    bundle: {
      entries: 3,
      totalBytes: 2048,
      compressedBytes: 700,
      limits: { maxCompressedBytes: 1, maxTotalBytes: 1, maxEntries: 1, maxFileBytes: 1, maxPathLength: 1 },
    },
  };
}

export function developerVersion(over: Partial<DeveloperVersion> = {}): DeveloperVersion {
  return {
    agentId: 'my-agent',
    publisherId: 'acme',
    version: '1.2.3',
    state: 'submitted',
    releaseNotes: null,
    submittedAt: '2026-03-04T10:00:00.000Z',
    submittedBy: 'uid-1',
    bundle: { sha256: 'ab'.repeat(32), sizeBytes: 700 },
    scan: null,
    review: null,
    build: null,
    publishedAt: null,
    deprecated: null,
    yanked: null,
    history: [{ at: '2026-03-04T10:00:00.000Z', state: 'submitted', by: 'uid-1', note: null }],
    ...over,
  };
}
