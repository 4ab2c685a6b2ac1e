import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, mkdtempSync as makeTemp, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { create, Header, type HeaderData } from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalVersionDeployer } from '../src/adapters/deploy/localDeployer.ts';
import type { BuildRequest } from '../src/app/publishing/ports.ts';
import { parseManifest } from '../src/app/catalog/publishAgent.ts';

const manifest = parseManifest(`
id: bundle-probe
name: Bundle Probe
version: 0.3.0
publisher: tests
summary: A bundle unpacked by the local deployer.
categories: [operations]
runtime:
  local:
    entry: src/index.js
resources:
  cpu: 1
  memoryMiB: 256
  timeoutSeconds: 120
pricing:
  model: free
license: MIT
support:
  email: dev@example.test
`);

const temps: string[] = [];
/** A temporary folder, removed after the suite. */
const mkdtempSync = (prefix: string) => {
  const dir = makeTemp(prefix);
  temps.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A real gzip tarball of a folder made here, as a developer's CLI would upload it. */
async function tarball(files: Record<string, string>, options: { wrap?: string; prepare?: (dir: string) => void } = {}): Promise<Buffer> {
  const root = mkdtempSync(path.join(tmpdir(), 'bundle-src-'));
  const base = options.wrap ? path.join(root, options.wrap) : root;
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(base, name)), { recursive: true });
    writeFileSync(path.join(base, name), text);
  }
  options.prepare?.(base);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'bundle-')), 'bundle.tgz');
  await create({ gzip: true, cwd: root, file, portable: true }, readdirSync(root));
  return readFileSync(file);
}

/** A tarball written header by header, for entries no honest tool makes (climbing paths, absolute paths, devices). */
function rawTarball(entries: { header: HeaderData; body?: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const { header, body = '' } of entries) {
    const data = Buffer.from(body);
    const h = new Header({ mode: 0o644, mtime: new Date(0), size: data.length, ...header });
    h.encode();
    blocks.push(h.block!, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

function setup() {
  const buildsRoot = mkdtempSync(path.join(tmpdir(), 'builds-'));
  const store = new Map<string, Buffer>();
  const reads: string[] = [];
  const deployer = new LocalVersionDeployer({
    buildsRoot,
    readBundle: async (key) => {
      reads.push(key);
      const bytes = store.get(key);
      if (!bytes) throw new Error(`no blob ${key}`);
      return bytes;
    },
  });
  const request = (bytes: Buffer, key = `bundles/bundle-probe/${sha256(bytes)}.tgz`, over: Partial<BuildRequest> = {}): BuildRequest => {
    store.set(key, bytes);
    return { agentId: 'bundle-probe', version: '0.3.0', manifest, bundle: { key, sha256: sha256(bytes) }, ...over };
  };
  const dir = path.join(buildsRoot, 'bundle-probe', '0.3.0');
  /** What lies in the agent's folder of the builds root, staging leftovers included. */
  const leftovers = () => (existsSync(path.join(buildsRoot, 'bundle-probe')) ? readdirSync(path.join(buildsRoot, 'bundle-probe')) : []);
  return { buildsRoot, deployer, request, reads, dir, leftovers };
}

describe('local version deployer', () => {
  it('unpacks a bundle (its wrapping folder stripped), deploys it, and is then ready', async () => {
    const { deployer, request, dir } = setup();
    const bytes = await tarball({ 'src/index.js': 'export default async () => ({ ok: true });', 'agent.yaml': 'id: bundle-probe' }, { wrap: 'bundle-probe' });
    const req = request(bytes);

    const built = await deployer.startBuild(req);
    expect(built).toEqual({ state: 'succeeded', buildId: `local:bundle-probe@0.3.0:${req.bundle.sha256}`, image: `local/bundle-probe@sha256:${req.bundle.sha256}`, logUrl: null });
    expect(readFileSync(path.join(dir, 'src', 'index.js'), 'utf8')).toContain('ok: true');
    expect(existsSync(path.join(dir, 'agent.yaml'))).toBe(true);
    expect(await deployer.buildStatus(built.buildId)).toEqual(built);

    expect(await deployer.jobReadiness('bundle-probe', '0.3.0')).toEqual({ ready: false, reason: 'No job deployed for bundle-probe@0.3.0.' });
    if (built.state !== 'succeeded') throw new Error('not built');
    expect(await deployer.deployJob(manifest, built.image)).toEqual({ job: dir });
    expect(JSON.parse(readFileSync(path.join(dir, '.platform', 'job.json'), 'utf8'))).toMatchObject({
      image: built.image,
      entry: 'src/index.js',
      resources: { cpu: 1, memoryMiB: 256, timeoutSeconds: 120 },
    });
    expect(await deployer.jobReadiness('bundle-probe', '0.3.0')).toEqual({ ready: true, job: dir });
  });

  it('keeps an unwrapped bundle as it is', async () => {
    const { deployer, request, dir } = setup();
    await deployer.startBuild(request(await tarball({ 'src/index.js': 'x', 'README.md': 'y' })));
    expect(readdirSync(dir).sort()).toEqual(['.platform', 'README.md', 'src']);
  });

  it('does not strip a single folder that holds the entry itself (a bundle of src/ alone)', async () => {
    const { deployer, request, dir } = setup();
    await deployer.startBuild(request(await tarball({ 'src/index.js': 'x' })));
    expect(readdirSync(dir).sort()).toEqual(['.platform', 'src']);
  });

  it("is deployed but not ready when the bundle lacks the manifest's entry, and says why", async () => {
    const { deployer, request } = setup();
    const built = await deployer.startBuild(request(await tarball({ 'lib/main.js': 'x' })));
    if (built.state !== 'succeeded') throw new Error('not built');
    await deployer.deployJob(manifest, built.image);
    expect(await deployer.jobReadiness('bundle-probe', '0.3.0')).toEqual({ ready: false, reason: 'The entry src/index.js of bundle-probe@0.3.0 is not in its bundle.' });
  });

  it('builds a bundle once: a repeated startBuild reads nothing and leaves the deployed folder as it is', async () => {
    const { deployer, request, reads, dir, leftovers } = setup();
    const req = request(await tarball({ 'src/index.js': 'x' }));
    const first = await deployer.startBuild(req);
    if (first.state !== 'succeeded') throw new Error('not built');
    await deployer.deployJob(manifest, first.image);
    expect(await deployer.startBuild(req)).toEqual(first);
    expect(reads).toEqual([req.bundle.key]);
    expect(existsSync(path.join(dir, '.platform', 'job.json'))).toBe(true);
    // Two at once: both succeed, one folder, no staging left behind.
    const { deployer: d2, request: r2, leftovers: l2 } = setup();
    const req2 = r2(await tarball({ 'src/index.js': 'x' }));
    const both = await Promise.all([d2.startBuild(req2), d2.startBuild(req2)]);
    expect(both[0]).toEqual(both[1]);
    expect(l2()).toEqual(['0.3.0']);
    expect(leftovers()).toEqual(['0.3.0']);
  });

  it('replaces the folder when the version gets another bundle; the new one must be deployed again', async () => {
    const { deployer, request, dir } = setup();
    const first = await deployer.startBuild(request(await tarball({ 'src/index.js': 'one' })));
    if (first.state !== 'succeeded') throw new Error('not built');
    await deployer.deployJob(manifest, first.image);
    const second = await deployer.startBuild(request(await tarball({ 'src/index.js': 'two' })));
    expect(second).toMatchObject({ state: 'succeeded' });
    expect(readFileSync(path.join(dir, 'src', 'index.js'), 'utf8')).toBe('two');
    expect(await deployer.jobReadiness('bundle-probe', '0.3.0')).toMatchObject({ ready: false });
    // The image of the first bundle is no longer the one built here.
    await expect(deployer.deployJob(manifest, first.image)).rejects.toMatchObject({ kind: 'conflict', code: 'job_image_mismatch' });
    await expect(deployer.buildStatus(first.buildId)).rejects.toMatchObject({ kind: 'not_found', code: 'build_not_found' });
  });

  describe('refuses unsafe bundles whole, writing nothing', () => {
    const refused = async (bytes: Buffer, message: RegExp) => {
      const { deployer, request, leftovers, buildsRoot } = setup();
      const err = await deployer.startBuild(request(bytes)).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'invalid', code: 'bundle_unsafe_entry' });
      expect((err as Error).message).toMatch(message);
      expect(leftovers()).toEqual([]);
      expect(readdirSync(buildsRoot)).toEqual(['bundle-probe']);
    };

    it('a symbolic link', async () => {
      await refused(await tarball({ 'src/index.js': 'x' }, { prepare: (d) => symlinkSync('/etc/passwd', path.join(d, 'src', 'passwd')) }), /"src\/passwd" is a SymbolicLink/);
    });

    it('a hard link', async () => {
      await refused(await tarball({ 'src/index.js': 'x' }, { prepare: (d) => linkSync(path.join(d, 'src', 'index.js'), path.join(d, 'src', 'again.js')) }), /is a Link/);
    });

    it('a path climbing out with ..', async () => {
      await refused(rawTarball([{ header: { path: 'src/index.js', type: 'File' }, body: 'x' }, { header: { path: 'src/../../evil.js', type: 'File' }, body: 'pwned' }]), /climbs out/);
    });

    it('an absolute path', async () => {
      await refused(rawTarball([{ header: { path: '/tmp/evil.js', type: 'File' }, body: 'pwned' }]), /absolute path/);
    });

    it('a device', async () => {
      await refused(rawTarball([{ header: { path: 'dev-null', type: 'CharacterDevice', devmaj: 1, devmin: 3 } }]), /is a CharacterDevice/);
    });

    it("the platform's reserved folder (a bundle cannot mark itself deployed)", async () => {
      await refused(await tarball({ 'src/index.js': 'x', '.platform/job.json': '{}' }, { wrap: 'pkg' }), /reserved folder/);
    });
  });

  it('refuses bytes that do not match the hash, that are not a tarball, or that unpack too large', async () => {
    const { deployer, request } = setup();
    const good = await tarball({ 'src/index.js': 'x' });
    const req = request(good);
    await expect(deployer.startBuild({ ...req, bundle: { ...req.bundle, sha256: sha256(Buffer.from('other')) } })).rejects.toMatchObject({ code: 'bundle_hash_mismatch' });
    await expect(deployer.startBuild(request(Buffer.from('not a tarball at all')))).rejects.toMatchObject({ kind: 'invalid', code: 'bundle_invalid' });
    await expect(deployer.startBuild(request(rawTarball([])))).rejects.toMatchObject({ code: 'bundle_invalid' });

    const small = new LocalVersionDeployer({ buildsRoot: mkdtempSync(path.join(tmpdir(), 'builds-')), readBundle: async () => good, maxUnpackedBytes: 0 });
    await expect(small.startBuild(req)).rejects.toMatchObject({ kind: 'too_large', code: 'bundle_too_large' });
  });

  it('refuses ids that are not one path segment, an unbuilt deploy and a foreign build id', async () => {
    const { deployer, request } = setup();
    const req = request(await tarball({ 'src/index.js': 'x' }));
    await expect(deployer.startBuild({ ...req, version: '../../etc' })).rejects.toMatchObject({ code: 'build_request_invalid' });
    await expect(deployer.startBuild({ ...req, agentId: 'a/b' })).rejects.toMatchObject({ code: 'build_request_invalid' });
    await expect(deployer.jobReadiness('..', '0.3.0')).rejects.toMatchObject({ code: 'build_request_invalid' });
    await expect(deployer.deployJob(manifest, `local/bundle-probe@sha256:${'0'.repeat(64)}`)).rejects.toMatchObject({ kind: 'precondition', code: 'build_missing' });
    await expect(deployer.buildStatus('b-123')).rejects.toMatchObject({ code: 'build_id_invalid' });
  });
});
