import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip, gunzipSync, gzipSync } from 'node:zlib';
import { Header, Pax, type HeaderData } from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import { isIgnored, packBundle, PackError, parseIgnore } from '../../cli/src/pack.ts';
import { normalisePath, readBundle } from '../src/adapters/bundles/readBundle.ts';
import { AppError } from '../src/domain/errors.ts';
import { DEFAULT_BUNDLE_LIMITS } from '../src/domain/scan/bundle.ts';

const MiB = 1024 * 1024;
const AGENT = join(import.meta.dirname, '../../agents/idle-vm-reaper');
const scratch = mkdtempSync(join(tmpdir(), 'bundle-read-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A raw tar entry: a header (pax first when needed) and its body padded to 512-byte blocks. */
function tarEntry(data: HeaderData, body: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(512);
  const needPax = new Header({ uid: 0, gid: 0, mode: 0o644, mtime: new Date(0), size: body.length, ...data }).encode(header, 0);
  const pax = needPax ? new Pax({ path: data.path, ...(data.linkpath ? { linkpath: data.linkpath } : {}) }).encode() : Buffer.alloc(0);
  return Buffer.concat([pax, header, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}
const tarball = (...entries: Buffer[]) => gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)]));
const file = (path: string, text: string) => tarEntry({ path, type: 'File' }, Buffer.from(text));

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return err instanceof AppError ? `${err.kind}:${err.code}` : `other: ${String(err)}`;
  }
}
async function errorOf(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

/** Gzips `size` bytes of zeros without ever holding them: the stream is fed one reused MiB at a time. */
async function gzipOfZeros(prefix: Buffer, size: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((resolve) => gz.on('end', resolve));
  gz.write(prefix);
  const zeros = Buffer.alloc(MiB);
  for (let left = size; left > 0; left -= MiB) {
    if (!gz.write(left >= MiB ? zeros : zeros.subarray(0, left))) await new Promise((r) => gz.once('drain', r));
  }
  gz.end();
  await done;
  return Buffer.concat(out);
}

describe('readBundle: entries of a gzip tarball', () => {
  it('reads a packed agent back: every file with its bytes, folders, modes', async () => {
    const packed = await packBundle(AGENT);
    const read = await readBundle(packed.bytes);
    expect(read.strippedFolder).toBeNull();
    expect(read.compressedBytes).toBe(packed.bytes.length);
    const yaml = read.entries.find((e) => e.path === 'agent.yaml')!;
    expect(yaml).toMatchObject({ type: 'file', mode: 0o644, sizeBytes: readFileSync(join(AGENT, 'agent.yaml')).length });
    expect(Buffer.from(yaml.content!).equals(readFileSync(join(AGENT, 'agent.yaml')))).toBe(true);
    expect(read.entries.find((e) => e.path === 'src')).toMatchObject({ type: 'directory', content: null });
    expect(read.entries.map((e) => e.path)).toEqual(packed.paths.map((p) => p.replace(/\/$/, '')));
  });

  it('strips a leading ./ and the one folder that wraps everything (tar czf x.tgz my-agent/)', async () => {
    const wrapped = execFileSync('tar', ['czf', '-', 'idle-vm-reaper/'], { cwd: join(AGENT, '..') });
    const read = await readBundle(wrapped);
    expect(read.strippedFolder).toBe('idle-vm-reaper');
    expect(read.entries.map((e) => e.path)).toContain('agent.yaml');
    expect(read.entries.map((e) => e.path)).toContain('src/index.ts');
    expect(read.entries.some((e) => e.path.startsWith('idle-vm-reaper'))).toBe(false);

    const dotted = await readBundle(execFileSync('tar', ['czf', '-', '.'], { cwd: AGENT }));
    expect(dotted.strippedFolder).toBeNull();
    expect(dotted.entries.map((e) => e.path).sort()).toEqual(read.entries.map((e) => e.path).sort());

    // Two top-level names: nothing wraps, nothing is stripped.
    const two = await readBundle(tarball(file('a/x.ts', 'x'), file('b/y.ts', 'y')));
    expect(two.entries.map((e) => e.path)).toEqual(['a/x.ts', 'b/y.ts']);
    expect(normalisePath('./a//./b/')).toBe('a/b');
  });

  it('keeps traversal and absolute paths as given, and never strips ".." as a wrapper, so the scan can refuse them', async () => {
    const read = await readBundle(tarball(file('../evil.sh', 'x'), file('/etc/cron.d/job', 'x'), file('src/../../up.txt', 'x')));
    expect(read.entries.map((e) => e.path)).toEqual(['../evil.sh', '/etc/cron.d/job', 'src/../../up.txt']);
    const only = await readBundle(tarball(file('../a', 'x'), file('../b', 'y')));
    expect(only.strippedFolder).toBeNull();
    expect(only.entries.map((e) => e.path)).toEqual(['../a', '../b']);
  });

  it('types symlinks, hard links and devices, with their targets and no content', async () => {
    const read = await readBundle(
      tarball(
        tarEntry({ path: 'link', type: 'SymbolicLink', linkpath: '/etc/passwd', mode: 0o777 }),
        tarEntry({ path: 'hard', type: 'Link', linkpath: 'agent.yaml' }),
        tarEntry({ path: 'dev', type: 'CharacterDevice' }),
        tarEntry({ path: 'fifo', type: 'FIFO' }),
        file('agent.yaml', 'id: x'),
      ),
    );
    expect(read.entries.map((e) => [e.path, e.type, e.linkTarget, e.content])).toEqual([
      ['link', 'symlink', '/etc/passwd', null],
      ['hard', 'hardlink', 'agent.yaml', null],
      ['dev', 'other', undefined, null],
      ['fifo', 'other', undefined, null],
      ['agent.yaml', 'file', undefined, Buffer.from('id: x')],
    ]);
  });

  it('lists files over the text-scan size without their bytes; package files are kept up to their own size', async () => {
    const big = 'x'.repeat(2000);
    const read = await readBundle(tarball(file('big.txt', big), file('package-lock.json', big), file('small.txt', 'hi')), { textScanBytes: 1000 });
    expect(read.entries.map((e) => [e.path, e.sizeBytes, e.content?.length ?? null])).toEqual([
      ['big.txt', 2000, null],
      ['package-lock.json', 2000, 2000],
      ['small.txt', 2, 2],
    ]);
    // All kept bytes together stay under maxScanBytes.
    const capped = await readBundle(tarball(file('a.txt', big), file('b.txt', big)), { maxScanBytes: 3000 });
    expect(capped.entries.map((e) => e.content?.length ?? null)).toEqual([2000, null]);
  });
});

describe('readBundle: limits, checked while inflating', () => {
  it('a small gzip that inflates past the limit (a bomb) is bundle_too_large, quickly and in bounded memory', async () => {
    // 300 MiB of zeros behind a valid file header of 40 MiB: about 300 KB compressed.
    const bomb = await gzipOfZeros(tarEntry({ path: 'zeros.bin', type: 'File', size: 40 * MiB }).subarray(0, 512), 300 * MiB);
    expect(bomb.length).toBeLessThan(1 * MiB);
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const started = Date.now();
    const err = await errorOf(readBundle(bomb));
    clearInterval(sampler);
    expect(`${err.kind}:${err.code}`).toBe('too_large:bundle_too_large');
    expect(err.message).toContain('maxTotalBytes');
    expect(err.message).toContain('200.0 MiB');
    expect(Date.now() - started).toBeLessThan(10_000);
    // Inflating 200 MiB while holding almost none of it: the process grows by far less than that.
    expect(peak - rssBefore).toBeLessThan(100 * MiB);
  });

  it('a gzip of nothing but zeros (no tar at all) is a bomb too: counting goes on past the end of the archive', async () => {
    const zeros = await gzipOfZeros(Buffer.alloc(0), 5 * MiB);
    expect(await codeOf(readBundle(zeros, { maxTotalBytes: 4 * MiB }))).toBe('too_large:bundle_too_large');
    // Under the limit, a tar of zeros has no entries: not a bundle.
    expect(await codeOf(readBundle(zeros, { maxTotalBytes: 6 * MiB }))).toBe('invalid:bundle_unreadable');
  });

  it('a header declaring a file over the single-file limit stops before its body is read', async () => {
    const header = tarEntry({ path: 'huge.bin', type: 'File', size: 60 * MiB }).subarray(0, 512);
    const err = await errorOf(readBundle(gzipSync(header)));
    expect(err.code).toBe('bundle_too_large');
    expect(err.message).toContain('huge.bin');
    expect(err.message).toContain('maxFileBytes');
    expect(DEFAULT_BUNDLE_LIMITS.maxFileBytes).toBe(50 * MiB);
  });

  it('too many entries, too long a path and too large a gzip are each bundle_too_large, naming the limit', async () => {
    const many = tarball(...Array.from({ length: 11 }, (_, i) => file(`f${i}.txt`, 'x')));
    expect((await errorOf(readBundle(many, { maxEntries: 10 }))).message).toContain('more than 10 entries (maxEntries)');
    expect(await codeOf(readBundle(many, { maxEntries: 11 }))).toBe('resolved');

    const long = tarball(file(`${'d/'.repeat(140)}x.ts`, 'x'));
    expect((await errorOf(readBundle(long))).message).toContain('over the limit of 255 (maxPathLength)');

    const err = await errorOf(readBundle(many, { maxCompressedBytes: 100 }));
    expect(`${err.kind}:${err.code}`).toBe('too_large:bundle_too_large');
    expect(err.message).toContain('maxCompressedBytes');
  });
});

describe('readBundle: what is not a gzip tarball is bundle_unreadable', () => {
  const good = tarball(file('agent.yaml', 'id: x'), file('src/index.ts', 'export {}'));
  it.each([
    ['plain bytes', Buffer.from('not a gzip at all')],
    ['an empty buffer', Buffer.alloc(0)],
    ['a gzip signature and garbage', Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('garbage garbage garbage')])],
    ['a truncated gzip', good.subarray(0, Math.floor(good.length / 2))],
    ['a gzip of text, not tar', gzipSync(Buffer.from('hello '.repeat(200)))],
    ['a tarball gzipped twice', gzipSync(good)],
    ['a tar with a broken header checksum', gzipSync(Buffer.concat([(() => { const t = file('a.txt', 'x'); t[0] = 0x62; return t; })(), Buffer.alloc(1024)]))],
    ['a tar cut inside a file body', gzipSync(tarEntry({ path: 'a.txt', type: 'File' }, Buffer.alloc(4096, 1)).subarray(0, 1536))],
  ])('%s', async (_name, bytes) => {
    const err = await errorOf(readBundle(bytes));
    expect(`${err.kind}:${err.code}`).toBe('invalid:bundle_unreadable');
  });
});

describe('packBundle: a folder into a deterministic tarball', () => {
  const copyAgent = (name: string) => {
    const dir = join(scratch, name);
    execFileSync('cp', ['-r', AGENT, dir]);
    return dir;
  };

  it('the same folder gives the same sha256; a changed file changes it; times do not', async () => {
    const dir = copyAgent('det');
    const a = await packBundle(dir);
    const b = await packBundle(dir);
    expect(a.sha256).toBe(b.sha256);
    expect(a.sha256).toBe(createHash('sha256').update(a.bytes).digest('hex'));
    expect(a.tarSha256).toBe(createHash('sha256').update(gunzipSync(a.bytes)).digest('hex'));
    expect(a.bytes[9]).toBe(3);
    expect((await packBundle(AGENT)).sha256).toBe(a.sha256);

    utimesSync(join(dir, 'agent.yaml'), new Date('2001-02-03'), new Date('2001-02-03'));
    expect((await packBundle(dir)).sha256).toBe(a.sha256);

    writeFileSync(join(dir, 'src/index.ts'), readFileSync(join(dir, 'src/index.ts'), 'utf8') + '\n// changed\n');
    const changed = await packBundle(dir);
    expect(changed.sha256).not.toBe(a.sha256);
    expect(changed.tarSha256).not.toBe(a.tarSha256);
  });

  it('keeps the executable bit, nothing else of the mode', async () => {
    const dir = copyAgent('modes');
    chmodSync(join(dir, 'Dockerfile'), 0o700);
    chmodSync(join(dir, 'package.json'), 0o600);
    const read = await readBundle((await packBundle(dir)).bytes);
    expect(read.entries.find((e) => e.path === 'Dockerfile')!.mode).toBe(0o755);
    expect(read.entries.find((e) => e.path === 'package.json')!.mode).toBe(0o644);
  });

  it('skips node_modules, .git, dist and .local at any depth, and what .amignore lists', async () => {
    const dir = copyAgent('ignore');
    for (const d of ['node_modules/x', '.git', 'dist', 'src/dist', '.local', 'logs', 'fixtures/secret']) mkdirSync(join(dir, d), { recursive: true });
    for (const f of ['node_modules/x/index.js', '.git/config', 'dist/index.js', 'src/dist/a.js', '.local/s', 'logs/run.log', 'src/debug.log', 'fixtures/secret/k.json', 'notes.tmp', 'fixtures/notes.tmp', 'secret']) {
      writeFileSync(join(dir, f), 'x');
    }
    writeFileSync(join(dir, '.amignore'), '# local files\n*.log\nsecret/\n/notes.tmp\n\n!keep-this-negation-unsupported\n');
    const { paths } = await packBundle(dir);
    expect(paths).toContain('.amignore');
    expect(paths).toContain('fixtures/notes.tmp'); // `/notes.tmp` is anchored at the root
    expect(paths).toContain('secret'); // `secret/` matches folders only
    expect(paths).toContain('logs/');
    for (const gone of ['node_modules/', '.git/', 'dist/', 'src/dist/', '.local/', 'logs/run.log', 'src/debug.log', 'fixtures/secret/', 'notes.tmp']) expect(paths).not.toContain(gone);
    expect(paths.some((p) => p.includes('node_modules') || p.includes('.git/') || p.includes('k.json'))).toBe(false);

    const rules = parseIgnore('a*c\n');
    expect(isIgnored(rules, 'x/abc', false)).toBe(true);
    expect(isIgnored(rules, 'x/ab/c', false)).toBe(false);
  });

  it('packs a symlink as a symlink, never following it', async () => {
    const dir = copyAgent('links');
    symlinkSync('/etc/passwd', join(dir, 'passwd'));
    symlinkSync('src', join(dir, 'code'));
    const read = await readBundle((await packBundle(dir)).bytes);
    expect(read.entries.find((e) => e.path === 'passwd')).toMatchObject({ type: 'symlink', linkTarget: '/etc/passwd', content: null, sizeBytes: 0 });
    expect(read.entries.find((e) => e.path === 'code')).toMatchObject({ type: 'symlink', linkTarget: 'src' });
    expect(read.entries.some((e) => e.path.startsWith('code/'))).toBe(false);
  });

  it('long and non-ASCII paths round-trip (pax headers); a folder over the size limit is refused', async () => {
    const dir = join(scratch, 'long');
    const deep = join(dir, 'a'.repeat(90), 'b'.repeat(90));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'c'.repeat(60) + '.ts'), 'x');
    writeFileSync(join(dir, 'résumé.md'), 'é');
    const read = await readBundle((await packBundle(dir)).bytes);
    expect(read.entries.map((e) => e.path)).toContain(`${'a'.repeat(90)}/${'b'.repeat(90)}/${'c'.repeat(60)}.ts`);
    expect(read.entries.map((e) => e.path)).toContain('résumé.md');
    expect(execFileSync('tar', ['tzf', '-'], { input: (await packBundle(dir)).bytes }).toString()).toContain('résumé.md');

    const err = await packBundle(AGENT, { maxTotalBytes: 1000 }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(PackError);
    expect((err as PackError).code).toBe('bundle_too_large');
  });
});
