import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { extract, list, type ReadEntry } from 'tar';
import type { BuildRequest, BuildState, JobReadiness, VersionDeployer } from '../../app/publishing/ports.js';
import { AppError } from '../../domain/errors.js';
import type { Manifest } from '../../domain/manifest.js';
import { BUNDLE_MARKER, JOB_MARKER, PLATFORM_DIR, versionDir } from './localLayout.js';

export interface LocalDeployerOptions {
  /** One folder per agent version is unpacked here: `<buildsRoot>/<agentId>/<version>/` (the stack passes `<repo>/.local/builds`). */
  buildsRoot: string;
  /** Reads a stored bundle (the blob store's `get`). */
  readBundle: (key: string) => Promise<Buffer>;
  /** Unpacked, a bundle may hold at most this many bytes of files (default 256 MiB) ... */
  maxUnpackedBytes?: number;
  /** ... and this many entries (default 10,000). */
  maxEntries?: number;
}

const SHA256 = /^[a-f0-9]{64}$/;
/** Regular files and folders: a link could point anywhere, and Node's permission model follows links. */
const SAFE_TYPES = new Set<ReadEntry['type']>(['File', 'OldFile', 'ContiguousFile', 'Directory']);

interface BundleMarker {
  sha256: string;
  key: string;
}

export interface JobMarker {
  image: string;
  entry: string;
  resources: Manifest['resources'];
  deployedAt: string;
}

const localImage = (agentId: string, sha256: string) => `local/${agentId}@sha256:${sha256}`;
const buildIdOf = (agentId: string, version: string, sha256: string) => `local:${agentId}@${version}:${sha256}`;

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Writes a file whole or not at all: a reader never sees half of it. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

const unsafe = (entry: string, why: string) =>
  new AppError('invalid', 'bundle_unsafe_entry', `The bundle's entry ${JSON.stringify(entry.slice(0, 200))} ${why}; bundles hold only regular files and folders inside the bundle.`);

/** An entry's path as segments, refused when it is absolute or climbs out. */
function segmentsOf(entryPath: string): string[] {
  if (entryPath.includes('\0')) throw unsafe(entryPath, 'holds a NUL character');
  if (/^(?:[/\\]|[A-Za-z]:)/.test(entryPath)) throw unsafe(entryPath, 'is an absolute path');
  const parts = entryPath.split(/[/\\]+/).filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw unsafe(entryPath, 'climbs out with ..');
  return parts;
}

interface Inspection {
  /** The folder wrapping everything, when there is exactly one. */
  wrapper: string | null;
}

/**
 * Reads every entry header before anything is written: only files and folders, no absolute
 * or climbing paths, within the size bounds. A bad entry refuses the whole bundle.
 */
async function inspect(file: string, entry: string, options: Required<Pick<LocalDeployerOptions, 'maxUnpackedBytes' | 'maxEntries'>>): Promise<Inspection> {
  const entries: { parts: string[]; dir: boolean }[] = [];
  let bytes = 0;
  let refusal: unknown = null;
  try {
    await list({
      file,
      strict: true,
      onReadEntry: (read) => {
        if (refusal) return;
        try {
          if (!SAFE_TYPES.has(read.type)) throw unsafe(read.path, `is a ${read.type}`);
          const parts = segmentsOf(read.path);
          bytes += read.size ?? 0;
          if (entries.length >= options.maxEntries || bytes > options.maxUnpackedBytes) {
            throw new AppError('too_large', 'bundle_too_large', `Unpacked, the bundle holds more than ${options.maxEntries} entries or ${options.maxUnpackedBytes} bytes.`);
          }
          if (parts.length) entries.push({ parts, dir: read.type === 'Directory' });
        } catch (err) {
          refusal = err;
        }
      },
    });
  } catch (err) {
    throw new AppError('invalid', 'bundle_invalid', `The bundle is not a readable tarball: ${(err as Error).message}`);
  }
  if (refusal) throw refusal;
  if (!entries.length) throw new AppError('invalid', 'bundle_invalid', 'The bundle is empty.');

  // A single folder wrapping everything is the bundle's root, unless the entry is found without stripping it (`src/` alone).
  const tops = new Set(entries.map((e) => e.parts[0]));
  const [only] = tops;
  const entryAtTop = entries.some((e) => !e.dir && e.parts.join('/') === entry.replace(/^\.\//, ''));
  const wrapped = tops.size === 1 && !entryAtTop && entries.every((e) => e.parts.length > 1 || e.dir);
  const wrapper = wrapped && only !== undefined ? only : null;
  for (const e of entries) {
    if (e.parts[wrapper ? 1 : 0] === PLATFORM_DIR) throw unsafe(e.parts.join('/'), `uses the platform's reserved folder ${PLATFORM_DIR}`);
  }
  return { wrapper };
}

/**
 * Local deployer: a "build" unpacks the bundle into the version's folder, which the local
 * executor then runs in place; the "job" is a marker file saying it was deployed. Same port,
 * same idempotency as the cloud one: a bundle is unpacked once.
 */
export class LocalVersionDeployer implements VersionDeployer {
  readonly kind = 'local' as const;
  private readonly limits: Required<Pick<LocalDeployerOptions, 'maxUnpackedBytes' | 'maxEntries'>>;
  /** Absolute, so an entry's resolved path can be checked against it. */
  private readonly root: string;

  constructor(private readonly options: LocalDeployerOptions) {
    this.root = path.resolve(options.buildsRoot);
    this.limits = { maxUnpackedBytes: options.maxUnpackedBytes ?? 256 * 1024 * 1024, maxEntries: options.maxEntries ?? 10_000 };
  }

  async startBuild(request: BuildRequest): Promise<BuildState> {
    const { agentId, version, bundle } = request;
    const dir = versionDir(this.root, agentId, version);
    if (!SHA256.test(bundle.sha256)) throw new AppError('invalid', 'bundle_sha_invalid', 'The bundle hash must be 64 lower-case hex characters.');
    const succeeded: BuildState = { state: 'succeeded', buildId: buildIdOf(agentId, version, bundle.sha256), image: localImage(agentId, bundle.sha256), logUrl: null };
    if ((await readJson<BundleMarker>(path.join(dir, BUNDLE_MARKER)))?.sha256 === bundle.sha256) return succeeded;

    const bytes = await this.options.readBundle(bundle.key);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== bundle.sha256) throw new AppError('invalid', 'bundle_hash_mismatch', `The stored bundle ${bundle.key} hashes to ${actual}, not ${bundle.sha256}.`);

    // Everything happens in a staging folder beside the version's, renamed into place at the end.
    const staging = path.join(this.root, agentId, `.staging-${version}-${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(path.join(staging, 'out'), { recursive: true });
      const file = path.join(staging, 'bundle.tgz');
      await writeFile(file, bytes);
      const { wrapper } = await inspect(file, request.manifest.runtime.local.entry, this.limits);
      await extract({
        file,
        cwd: path.join(staging, 'out'),
        strict: true,
        preserveOwner: false,
        // Checked above already; kept as a second lock on the same door.
        filter: (p, entry) => 'type' in entry && SAFE_TYPES.has(entry.type) && !segmentsOf(p).includes('..'),
      });
      const root = wrapper ? path.join(staging, 'out', wrapper) : path.join(staging, 'out');
      await mkdir(path.join(root, PLATFORM_DIR), { recursive: true });
      await writeFile(path.join(root, BUNDLE_MARKER), JSON.stringify({ sha256: bundle.sha256, key: bundle.key } satisfies BundleMarker));
      await this.moveIntoPlace(root, dir, bundle.sha256, staging);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    return succeeded;
  }

  /** Renames the unpacked folder into place; a folder of another bundle is swapped out (its job marker goes with it). */
  private async moveIntoPlace(root: string, dir: string, sha256: string, staging: string): Promise<void> {
    try {
      await rename(root, dir);
      return;
    } catch (err) {
      if (!['ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    }
    // Another call got there first with the same bundle: done.
    if ((await readJson<BundleMarker>(path.join(dir, BUNDLE_MARKER)))?.sha256 === sha256) return;
    const old = path.join(staging, 'replaced');
    await rename(dir, old);
    await rename(root, dir);
  }

  async buildStatus(buildId: string): Promise<BuildState> {
    const m = /^local:([^@]+)@([^:]+):([a-f0-9]{64})$/.exec(buildId);
    if (!m) throw new AppError('invalid', 'build_id_invalid', `Not a local build id: ${JSON.stringify(buildId)}.`);
    const [, agentId, version, sha256] = m as unknown as [string, string, string, string];
    const marker = await readJson<BundleMarker>(path.join(versionDir(this.root, agentId, version), BUNDLE_MARKER));
    if (marker?.sha256 !== sha256) throw new AppError('not_found', 'build_not_found', `No local build ${buildId}.`);
    return { state: 'succeeded', buildId, image: localImage(agentId, sha256), logUrl: null };
  }

  async deployJob(manifest: Manifest, image: string): Promise<{ job: string }> {
    const dir = versionDir(this.root, manifest.id, manifest.version);
    const marker = await readJson<BundleMarker>(path.join(dir, BUNDLE_MARKER));
    if (!marker) throw new AppError('precondition', 'build_missing', `${manifest.id}@${manifest.version} has not been built.`);
    if (image !== localImage(manifest.id, marker.sha256)) {
      throw new AppError('conflict', 'job_image_mismatch', `${manifest.id}@${manifest.version} was built as ${localImage(manifest.id, marker.sha256)}, not ${image}.`);
    }
    const job: JobMarker = { image, entry: manifest.runtime.local.entry, resources: manifest.resources, deployedAt: new Date().toISOString() };
    await writeAtomically(path.join(dir, JOB_MARKER), JSON.stringify(job));
    return { job: dir };
  }

  async jobReadiness(agentId: string, version: string): Promise<JobReadiness> {
    const dir = versionDir(this.root, agentId, version);
    const job = await readJson<JobMarker>(path.join(dir, JOB_MARKER));
    if (!job) return { ready: false, reason: `No job deployed for ${agentId}@${version}.` };
    const entry = path.resolve(dir, job.entry);
    if (!entry.startsWith(dir + path.sep)) return { ready: false, reason: `The entry ${job.entry} of ${agentId}@${version} escapes its folder.` };
    const found = existsSync(entry) && (await stat(entry)).isFile();
    if (!found) return { ready: false, reason: `The entry ${job.entry} of ${agentId}@${version} is not in its bundle.` };
    return { ready: true, job: dir };
  }
}
