import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header, Pax, type HeaderData } from 'tar';

/**
 * Packs an agent's folder into a source bundle (a gzip tarball) that is the same bytes every
 * time for the same files: entries sorted, no owners, one fixed mtime, modes reduced to 644/755,
 * gzip without a name or time. Symlinks are packed as symlinks, never followed, so the scan sees
 * and refuses them. Used by the CLI, the tests and scripts; the platform itself only reads bundles
 * (functions/src/adapters/bundles/readBundle.ts), so this module depends on nothing of functions/.
 */
export interface PackedBundle {
  bytes: Buffer;
  /** Hex sha256 of `bytes`: stable for a folder on one machine. */
  sha256: string;
  /**
   * Hex sha256 of the tar inside: stable everywhere. The deflate stream itself may differ
   * between zlib builds (Node's bundled zlib picks matches differently with some CPU features).
   */
  tarSha256: string;
  /** The packed paths in order (folders end with `/`). */
  paths: string[];
  /** Files (and symlinks) packed, and the bytes of the files before compression. */
  files: number;
  fileBytes: number;
}

export interface PackOptions {
  maxTotalBytes?: number;
  /** Called after each file is read, with the files and bytes so far (publish's progress). */
  onProgress?: (files: number, bytes: number) => void;
}

const MiB = 1024 * 1024;
/** The scan's limit on a bundle's inflated size (DEFAULT_BUNDLE_LIMITS.maxTotalBytes in functions/src/domain/scan/bundle.ts; cli/test/pack.test.ts keeps them equal). */
export const DEFAULT_MAX_TOTAL_BYTES = 200 * MiB;

/** Why a folder could not be packed: `bundle_source_unsupported` (a device, a socket, a fifo) or `bundle_too_large`. */
export class PackError extends Error {
  readonly code: 'bundle_source_unsupported' | 'bundle_too_large';

  constructor(code: PackError['code'], message: string) {
    super(message);
    this.name = 'PackError';
    this.code = code;
  }
}

/** `12.3 MiB`, `512 B`: sizes in messages a developer reads (as formatBytes in functions/src/domain/scan/bundle.ts). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < MiB) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / MiB).toFixed(1)} MiB`;
}

/** Never part of a bundle: installed, built, local or version-control state. */
export const ALWAYS_SKIPPED = ['node_modules/', '.git/', 'dist/', '.local/'] as const;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** 1980-01-01, the zip epoch: a fixed time some tools do not mistake for "unset" as they do 0. */
const FIXED_MTIME = new Date(Date.UTC(1980, 0, 1));

export interface IgnoreRule {
  regex: RegExp;
  /** `name/`: folders only. */
  dirOnly: boolean;
  /** Contains a `/` before its end: matched against the whole path, else against the name at any depth. */
  anchored: boolean;
}

/**
 * A small subset of `.gitignore`: one pattern a line, `#` comments, exact names and `*` (any
 * characters but `/`), a trailing `/` for folders only, a leading or inner `/` anchors the
 * pattern at the agent's folder. No `!` negation, no `**`.
 */
export function parseIgnore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const dirOnly = line.endsWith('/');
    const body = line.replace(/\/+$/, '');
    const anchored = body.includes('/');
    const glob = body.replace(/^\//, '');
    if (!glob) continue;
    const source = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*');
    rules.push({ regex: new RegExp(`^${source}$`), dirOnly, anchored });
  }
  return rules;
}

export function isIgnored(rules: IgnoreRule[], relPath: string, isDir: boolean): boolean {
  const name = relPath.slice(relPath.lastIndexOf('/') + 1);
  return rules.some((r) => (!r.dirOnly || isDir) && r.regex.test(r.anchored ? relPath : name));
}

type Item = { rel: string; kind: 'file' | 'dir' | 'symlink'; abs: string; mode: number; size: number };

async function walk(root: string, rules: IgnoreRule[]): Promise<Item[]> {
  const items: Item[] = [];
  const visit = async (relDir: string) => {
    const names = (await readdir(join(root, relDir))).sort();
    for (const name of names) {
      const rel = relDir ? `${relDir}/${name}` : name;
      const abs = join(root, rel);
      const st = await lstat(abs);
      if (st.isDirectory()) {
        if (isIgnored(rules, rel, true)) continue;
        items.push({ rel, kind: 'dir', abs, mode: st.mode, size: 0 });
        await visit(rel);
      } else if (isIgnored(rules, rel, false)) {
        continue;
      } else if (st.isSymbolicLink()) {
        items.push({ rel, kind: 'symlink', abs, mode: st.mode, size: 0 });
      } else if (st.isFile()) {
        items.push({ rel, kind: 'file', abs, mode: st.mode, size: st.size });
      } else {
        throw new PackError('bundle_source_unsupported', `${rel} is neither a file, a folder nor a symlink: it cannot be packed.`);
      }
    }
  };
  await visit('');
  return items;
}

/** One entry's header blocks: a pax header first when a field does not fit ustar (long or non-ASCII paths). */
function headerBlocks(data: HeaderData): Buffer[] {
  const block = Buffer.alloc(512);
  const needPax = new Header(data).encode(block, 0);
  if (!needPax) return [block];
  const pax = new Pax({ path: data.path, ...(data.linkpath ? { linkpath: data.linkpath } : {}) }).encode();
  return [pax, block];
}

export async function packBundle(dir: string, options: PackOptions = {}): Promise<PackedBundle> {
  const maxTotalBytes = options.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  const amignore = await readFile(join(dir, '.amignore'), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  const rules = [...parseIgnore(ALWAYS_SKIPPED.join('\n')), ...parseIgnore(amignore)];
  const items = await walk(dir, rules);

  const total = items.reduce((sum, i) => sum + i.size, 0);
  if (total > maxTotalBytes) {
    throw new PackError('bundle_too_large', `The bundle is too large: ${dir} holds ${formatBytes(total)} of files, over the limit of ${formatBytes(maxTotalBytes)} (maxTotalBytes).`);
  }

  const parts: Buffer[] = [];
  const paths: string[] = [];
  let files = 0;
  let fileBytes = 0;
  const common = { uid: 0, gid: 0, uname: '', gname: '', mtime: FIXED_MTIME };
  for (const item of items) {
    if (item.kind === 'dir') {
      paths.push(`${item.rel}/`);
      parts.push(...headerBlocks({ ...common, path: `${item.rel}/`, type: 'Directory', mode: 0o755, size: 0 }));
    } else if (item.kind === 'symlink') {
      paths.push(item.rel);
      parts.push(...headerBlocks({ ...common, path: item.rel, type: 'SymbolicLink', linkpath: await readlink(item.abs), mode: 0o777, size: 0 }));
      files += 1;
    } else {
      const body = await readFile(item.abs);
      paths.push(item.rel);
      parts.push(...headerBlocks({ ...common, path: item.rel, type: 'File', mode: item.mode & 0o111 ? 0o755 : 0o644, size: body.length }));
      parts.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
      files += 1;
      fileBytes += body.length;
      options.onProgress?.(files, fileBytes);
    }
  }
  // The end of an archive: two zero blocks.
  parts.push(Buffer.alloc(1024));
  const tar = Buffer.concat(parts);
  // Node's gzip header carries no name and a zero time; its OS byte depends on the platform
  // Node was built for, so it is set to Unix (3) here.
  const bytes = gzipSync(tar, { level: 9 });
  bytes[9] = 3;
  return { bytes, sha256: sha256(bytes), tarSha256: sha256(tar), paths, files, fileBytes };
}
