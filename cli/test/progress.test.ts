import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { countingBody } from '../src/commands/publish.ts';
import { formatBytes, packBundle } from '../src/pack.ts';
import { bar, createProgress, plainLine, statusText, type Step } from '../src/progress.ts';
import type { Io } from '../src/settings.ts';
import { AGENT_YAML, am, developerVersion, fakeServer, folder, scanReport, type Routes } from './support.ts';

const CLEAR = '\r\x1b[2K';
const env = { AM_TOKEN: 'ci-token' };
const MANIFEST = { id: 'my-agent', name: 'My agent', version: '1.2.3', publisher: 'acme' };

describe('the progress display', () => {
  it('a bar is as wide as asked, filled in proportion, never past its ends', () => {
    expect(bar(0, 10)).toBe('[----------]');
    expect(bar(0.35, 10)).toBe('[####------]');
    expect(bar(1, 10)).toBe('[##########]');
    expect(bar(1.7, 4)).toBe('[####]');
    expect(bar(-1, 4)).toBe('[----]');
  });

  it('status lines: files and bytes packed, bytes sent of the total, the version, seconds scanning', () => {
    expect(statusText({ step: 'packing', files: 1, bytes: 512 }, 80)).toBe('Packing: 1 file, 512 B');
    expect(statusText({ step: 'packing', files: 12, bytes: 3 * 1024 * 1024, compressedBytes: 700_000 }, 80)).toBe('Packing: 12 files, 3.0 MiB (683.6 KiB compressed)');
    expect(statusText({ step: 'uploading', sent: 1024 * 1024, total: 4 * 1024 * 1024 }, 80)).toBe('Uploading [#####---------------]  25%  1.0 MiB / 4.0 MiB');
    expect(statusText({ step: 'uploading', sent: 10, total: 10 }, 80)).toBe('Uploading [####################] 100%  10 B / 10 B');
    expect(statusText({ step: 'submitted', label: 'acme/my-agent 1.2.3' }, 80)).toBe('Submitted acme/my-agent 1.2.3');
    expect(statusText({ step: 'scanning', elapsedMs: 12_999 }, 80)).toBe('Scanning: 12 s');
    expect(statusText({ step: 'scanning', elapsedMs: 3_000, done: true }, 80)).toBe('Scanned in 3 s');
    // Never wider than the terminal less one column (a full line wraps on some terminals).
    const narrow = statusText({ step: 'uploading', sent: 1, total: 2 }, 30);
    expect(narrow).toHaveLength(29);
    expect(narrow.endsWith('…')).toBe(true);
  });

  it('plain lines only as a step starts or ends', () => {
    const steps: Step[] = [
      { step: 'packing', files: 1, bytes: 10 },
      { step: 'packing', files: 2, bytes: 20, compressedBytes: 15 },
      { step: 'uploading', sent: 0, total: 15 },
      { step: 'uploading', sent: 8, total: 15 },
      { step: 'uploading', sent: 15, total: 15 },
      { step: 'submitted', label: 'acme/x 1.0.0' },
      { step: 'scanning', elapsedMs: 0 },
      { step: 'scanning', elapsedMs: 1000 },
      { step: 'scanning', elapsedMs: 2500, done: true },
    ];
    const lines = steps.map((s, i) => plainLine(s, steps[i - 1] ?? null));
    expect(lines).toEqual([null, 'Packed 2 files, 20 B (15 B compressed).', 'Uploading 15 B...', null, 'Uploaded 15 B.', null, 'Waiting for the scan...', null, 'The scan decided after 2 s.']);
  });

  function recorder(tty: boolean): { io: Io; err: () => string } {
    let err = '';
    const io = { env: {}, stdout: () => undefined, stderr: (t: string) => void (err += t), stdin: process.stdin, stderrTty: tty ? { columns: () => 60 } : null } as Io;
    return { io, err: () => err };
  }

  it('on a terminal: one line redrawn in place, at most every 100 ms unless the step changes or ends; cleared at the end', () => {
    const { io, err } = recorder(true);
    let t = 0;
    const p = createProgress(io, false, () => t);
    p.show({ step: 'uploading', sent: 0, total: 100 });
    t = 50;
    p.show({ step: 'uploading', sent: 40, total: 100 }); // too soon: skipped
    t = 120;
    p.show({ step: 'uploading', sent: 60, total: 100 });
    t = 130;
    p.show({ step: 'uploading', sent: 100, total: 100 }); // the end of a step is always drawn
    p.clear();
    p.clear(); // nothing drawn since: nothing to clear
    expect(err().split(CLEAR)).toEqual([
      '',
      'Uploading [--------------------]   0%  0 B / 100 B',
      'Uploading [############--------]  60%  60 B / 100 B',
      'Uploading [####################] 100%  100 B / 100 B',
      '',
    ]);
  });

  it('under --json: nothing at all', () => {
    const { io, err } = recorder(true);
    const p = createProgress(io, true);
    p.show({ step: 'scanning', elapsedMs: 1 });
    p.clear();
    expect(err()).toBe('');
  });

  it('the upload body is the bytes, in pieces, each counted as it is taken', async () => {
    const bytes = randomBytes(200_000);
    const counts: number[] = [];
    const body = countingBody(bytes, (n) => counts.push(n));
    // Nothing is read ahead: no count before the first read.
    await new Promise((r) => setTimeout(r, 10));
    expect(counts).toEqual([]);
    const got = Buffer.from(await new Response(body).arrayBuffer());
    expect(got.equals(bytes)).toBe(true);
    expect(counts).toEqual([65_536, 131_072, 196_608, 200_000]);
  });
});

describe('publish shows its progress', () => {
  /** An agent folder whose bundle (random bytes do not compress) is about 300 KiB: five pieces to upload. */
  const bigAgent = () => folder({ 'agent.yaml': AGENT_YAML, 'src/index.ts': 'export default async () => ({});\n', 'data.bin': randomBytes(300_000) });
  const routes = (): Routes => ({
    'POST /v1/manifests/validate': () => ({ status: 200, body: { valid: true, manifest: MANIFEST } }),
    'POST /v1/publishers/acme/agents/my-agent/uploads': () => ({
      status: 201,
      body: { uploadId: 'UPLOAD0123456789abcd', url: '/upload/t', method: 'PUT', headers: { 'content-type': 'application/gzip' }, expiresAt: 'x', maxBytes: 10_000_000 },
    }),
    'PUT /upload/t': () => ({ status: 200, body: {} }),
    'POST /v1/publishers/acme/agents/my-agent/versions': () => ({ status: 202, body: developerVersion() }),
    'GET /v1/publishers/acme/agents/my-agent/versions/1.2.3': (_h, n) => ({ status: 200, body: n < 2 ? developerVersion() : developerVersion({ state: 'in_review', scan: scanReport(true) }) }),
  });

  it('not on a terminal: a plain line per step on stderr, the result on stdout', async () => {
    const dir = bigAgent();
    const packed = await packBundle(dir);
    const server = await fakeServer(routes());
    const out = await am(['publish', dir, '--api', server.base, '--inline-max', '0', '--wait'], { env });
    expect(out.code).toBe(0);
    const size = formatBytes(packed.bytes.length);
    expect(out.stderr).toBe(
      [`Packed 3 files, ${formatBytes(packed.fileBytes)} (${size} compressed).`, `Uploading ${size}...`, `Uploaded ${size}.`, 'Waiting for the scan...', 'The scan decided after 0 s.', ''].join('\n'),
    );
    expect(out.stdout).toMatch(/^Submitted acme\/my-agent 1\.2\.3: submitted \(bundle .*, uploaded, sha256 [0-9a-f]{64}\)\.\nacme\/my-agent 1\.2\.3: in_review\nScan: passed/);
    expect(server.of('PUT /upload/t')[0]!.body.equals(packed.bytes)).toBe(true);
  });

  it('on a terminal: the status line climbs to 100 % and is cleared before the result', async () => {
    const dir = bigAgent();
    const server = await fakeServer(routes());
    const out = await am(['publish', dir, '--api', server.base, '--inline-max', '0', '--wait'], { env, ttyColumns: 100 });
    expect(out.code).toBe(0);
    const frames = out.stderr.split(CLEAR).filter(Boolean);
    expect(frames[0]).toMatch(/^Packing: 1 file, /);
    expect(frames).toContainEqual(expect.stringMatching(/^Packing: 3 files, .* compressed\)$/));
    const uploads = frames.filter((f) => f.startsWith('Uploading'));
    expect(uploads[0]).toMatch(new RegExp(`^Uploading \\[${'-'.repeat(20)}\\]   0%  0 B / `));
    expect(uploads.at(-1)!.startsWith(`Uploading [${'#'.repeat(20)}] 100%  `)).toBe(true);
    expect(frames).toContain('Submitted acme/my-agent 1.2.3');
    expect(frames).toContainEqual(expect.stringMatching(/^Scanning: \d+ s$/));
    expect(frames.at(-1)).toMatch(/^Scanned in \d+ s$/);
    // The line is cleared last: the next output starts on a clean line.
    expect(out.stderr.endsWith(CLEAR)).toBe(true);
    expect(out.stdout).toContain('acme/my-agent 1.2.3: in_review\nScan: passed');
  });

  it('under --json on a terminal: stderr stays empty', async () => {
    const server = await fakeServer(routes());
    const out = await am(['publish', bigAgent(), '--api', server.base, '--inline-max', '0', '--wait', '--json'], { env, ttyColumns: 100 });
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(out.stdout)).toMatchObject({ state: 'in_review' });
  });

  it('an error on a terminal starts on a clean line', async () => {
    const server = await fakeServer({ ...routes(), 'PUT /upload/t': () => ({ status: 500, body: 'oops' }) });
    const out = await am(['publish', bigAgent(), '--api', server.base, '--inline-max', '0'], { env, ttyColumns: 100 });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`${CLEAR}error: upload_failed: The bundle upload was refused: HTTP 500`);
  });
});
