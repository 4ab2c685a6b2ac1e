/**
 * A source bundle as the platform sees it: the entries of a gzip tarball of an agent's folder,
 * read by adapters/bundles/readBundle.ts within these limits, scanned by scanVersion.
 */
export type BundleEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface BundleEntry {
  /** `/`-separated, relative to the agent's folder; absolute or `..` paths are kept as given so the scan can refuse them. */
  path: string;
  type: BundleEntryType;
  sizeBytes: number;
  /** Permission bits (`0o7777`). */
  mode: number;
  /** A file's bytes when it fits the text-scan size; null for larger files and anything else. */
  content: Uint8Array | null;
  /** Where a symlink or hardlink points, as stored. */
  linkTarget?: string;
}

export interface BundleLimits {
  /** The gzip file itself. */
  maxCompressedBytes: number;
  /** Everything the gzip inflates to, counted while inflating: a bomb stops here. */
  maxTotalBytes: number;
  maxEntries: number;
  /** One file's declared size. */
  maxFileBytes: number;
  /** One entry's path, in characters. */
  maxPathLength: number;
  /** Files up to this size keep their bytes for the text scans; larger ones are listed without them. */
  textScanBytes: number;
  /** package.json and package-lock.json keep their bytes up to this size (lockfiles outgrow the text-scan size). */
  packageFileBytes: number;
  /** All kept bytes together, so memory stays bounded whatever the files' sizes. */
  maxScanBytes: number;
}

/** The manifest's place in a bundle: its root. */
export const MANIFEST_PATH = 'agent.yaml';

const MiB = 1024 * 1024;

export const DEFAULT_BUNDLE_LIMITS: Readonly<BundleLimits> = Object.freeze({
  maxCompressedBytes: 50 * MiB,
  maxTotalBytes: 200 * MiB,
  maxEntries: 5000,
  maxFileBytes: 50 * MiB,
  maxPathLength: 255,
  textScanBytes: 1 * MiB,
  packageFileBytes: 16 * MiB,
  maxScanBytes: 64 * MiB,
});

/** `12.3 MiB`, `512 B`: sizes in messages a developer reads. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < MiB) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / MiB).toFixed(1)} MiB`;
}
