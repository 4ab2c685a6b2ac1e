import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { AppError } from '../../domain/errors.js';
import { DEFAULT_BUNDLE_LIMITS, formatBytes, type BundleEntry, type BundleEntryType, type BundleLimits } from '../../domain/scan/bundle.js';

/**
 * Reads a source bundle (a gzip tarball) into its entries without extracting anything. Every
 * limit is checked while inflating, before the bytes it guards are held: a small gzip that
 * inflates to gigabytes stops at `maxTotalBytes`, a header declaring a huge file stops at
 * `maxFileBytes` before its body is read.
 */
export interface ReadBundle {
  entries: BundleEntry[];
  compressedBytes: number;
  /** Bytes the gzip inflated to (the tar stream, headers and padding included). */
  inflatedBytes: number;
  /** The single top-level folder that wrapped everything and was stripped (`my-agent`), or null. */
  strippedFolder: string | null;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
/** Pax headers carry paths and link targets; nothing legitimate needs more. */
const MAX_META_ENTRY_BYTES = 64 * 1024;
/** The dependency check reads these whole. */
const PACKAGE_FILE = /(^|\/)package(-lock)?\.json$/;

const unreadable = (why: string) => new AppError('invalid', 'bundle_unreadable', `The bundle is not a readable gzip tarball: ${why}.`);
const tooLarge = (what: string) => new AppError('too_large', 'bundle_too_large', `The bundle is too large: ${what}.`);

function typeOf(tarType: ReadEntry['type']): BundleEntryType {
  switch (tarType) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      return 'file';
    case 'Directory':
    case 'GNUDumpDir':
      return 'directory';
    case 'SymbolicLink':
      return 'symlink';
    case 'Link':
      return 'hardlink';
    default:
      return 'other';
  }
}

/** Drops `.` and empty segments (`./a//b/` → `a/b`); keeps a leading `/` and `..` for the scan to refuse. */
export function normalisePath(raw: string): string {
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  return (raw.startsWith('/') ? '/' : '') + parts.join('/');
}

/** `tar czf x.tgz my-agent/` wraps everything in one folder: its contents are the bundle. */
function stripWrapper(entries: BundleEntry[]): { entries: BundleEntry[]; folder: string | null } {
  const first = entries[0]?.path.split('/')[0];
  if (!first || first === '..' || entries[0]!.path.startsWith('/')) return { entries, folder: null };
  const wrapped = entries.every((e) => (e.path === first && e.type === 'directory') || e.path.startsWith(`${first}/`));
  if (!wrapped || !entries.some((e) => e.path !== first)) return { entries, folder: null };
  return {
    entries: entries.filter((e) => e.path !== first).map((e) => ({ ...e, path: e.path.slice(first.length + 1) })),
    folder: first,
  };
}

const startsWith = (chunk: Buffer, magic: number[]) => magic.every((b, i) => chunk[i] === b);

export function readBundle(bytes: Buffer, limits: Partial<BundleLimits> = {}): Promise<ReadBundle> {
  const lim: BundleLimits = { ...DEFAULT_BUNDLE_LIMITS, ...limits };
  if (bytes.length > lim.maxCompressedBytes) {
    return Promise.reject(tooLarge(`${formatBytes(bytes.length)} compressed, over the limit of ${formatBytes(lim.maxCompressedBytes)} (maxCompressedBytes)`));
  }
  if (bytes.length < 2 || !startsWith(bytes, GZIP_MAGIC)) return Promise.reject(unreadable('it does not start with the gzip signature'));

  return new Promise((resolve, reject) => {
    const entries: BundleEntry[] = [];
    let inflated = 0;
    let kept = 0;
    let count = 0;
    let sawFirstChunk = false;
    let tarEnded = false;
    let settled = false;

    const gunzip = createGunzip();
    // strict: a checksum failure or a truncated archive is an error, not a warning. No brotli or
    // zstd sniffing: the only decompression is ours, counted below.
    const parser = new Parser({ strict: true, maxMetaEntrySize: MAX_META_ENTRY_BYTES, brotli: false, zstd: false });

    const fail = (err: AppError) => {
      if (settled) return;
      settled = true;
      gunzip.destroy();
      reject(err);
    };

    /** The limit this entry breaks, if any. */
    const overLimit = (entry: ReadEntry, type: BundleEntryType): AppError | null => {
      count += 1;
      if (count > lim.maxEntries) return tooLarge(`more than ${lim.maxEntries} entries (maxEntries)`);
      if (entry.path.length > lim.maxPathLength) {
        return tooLarge(`a path of ${entry.path.length} characters (${entry.path.slice(0, 60)}…), over the limit of ${lim.maxPathLength} (maxPathLength)`);
      }
      if (type === 'file' && entry.size > lim.maxFileBytes) {
        return tooLarge(`${entry.path} is ${formatBytes(entry.size)}, over the single-file limit of ${formatBytes(lim.maxFileBytes)} (maxFileBytes)`);
      }
      return null;
    };

    parser.on('entry', (entry: ReadEntry) => {
      if (settled) return void entry.resume();
      const type = typeOf(entry.type);
      const problem = overLimit(entry, type);
      if (problem) {
        fail(problem);
        return void entry.resume();
      }
      const keepUpTo = PACKAGE_FILE.test(entry.path) ? Math.max(lim.packageFileBytes, lim.textScanBytes) : lim.textScanBytes;
      const keep = type === 'file' && entry.size <= keepUpTo && kept + entry.size <= lim.maxScanBytes;
      if (keep) kept += entry.size;
      const chunks: Buffer[] = [];
      if (keep) entry.on('data', (c: Buffer) => chunks.push(c));
      entry.on('end', () => {
        const linkTarget = type === 'symlink' || type === 'hardlink' ? entry.linkpath : undefined;
        entries.push({
          path: normalisePath(entry.path),
          type,
          sizeBytes: entry.size,
          mode: (entry.mode ?? 0) & 0o7777,
          content: keep ? Buffer.concat(chunks) : null,
          ...(linkTarget !== undefined ? { linkTarget } : {}),
        });
      });
      if (!keep) entry.resume();
    });
    // Entry types tar does not model (sparse files, tape volumes...) are still entries of the bundle.
    parser.on('ignoredEntry', (entry: ReadEntry) => {
      if (settled || entry.meta) return;
      const problem = overLimit(entry, 'other');
      if (problem) return fail(problem);
      entries.push({ path: normalisePath(entry.path), type: 'other', sizeBytes: entry.size, mode: (entry.mode ?? 0) & 0o7777, content: null });
    });
    // Past the end-of-archive blocks the parser would buffer whatever follows: stop feeding it.
    parser.on('eof', () => (tarEnded = true));
    parser.on('error', (err: Error) => fail(unreadable(err.message.replace(/^TAR_\w+: /, ''))));
    parser.on('end', () => {
      if (settled) return;
      settled = true;
      // `tar czf x.tgz .` stores the folder itself as `./`: it names nothing inside the bundle.
      const { entries: out, folder } = stripWrapper(entries.filter((e) => e.path !== ''));
      resolve({ entries: out, compressedBytes: bytes.length, inflatedBytes: inflated, strippedFolder: folder });
    });

    gunzip.on('data', (chunk: Buffer) => {
      if (settled) return;
      inflated += chunk.length;
      if (inflated > lim.maxTotalBytes) return fail(tooLarge(`it inflates past ${formatBytes(lim.maxTotalBytes)} (maxTotalBytes)`));
      if (!sawFirstChunk) {
        sawFirstChunk = true;
        // A tarball inside the gzip is headers, not another compressed stream: tar would inflate that one uncounted.
        if (startsWith(chunk, GZIP_MAGIC) || startsWith(chunk, ZSTD_MAGIC)) return fail(unreadable('it is compressed twice'));
      }
      if (!tarEnded) parser.write(chunk);
    });
    gunzip.on('error', (err: Error) => fail(unreadable(err.message)));
    gunzip.on('end', () => {
      if (!settled) parser.end();
    });
    gunzip.end(bytes);
  });
}
