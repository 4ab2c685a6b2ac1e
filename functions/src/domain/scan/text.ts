import type { BundleEntry } from './bundle.js';

const decoder = new TextDecoder('utf-8');
/** Text tools treat a NUL in the first 8000 bytes as binary; so does the scan. */
const BINARY_SNIFF_BYTES = 8000;

/** A file's text, or null when its bytes were not kept (too large) or it looks binary. */
export function textOf(entry: BundleEntry): string | null {
  const bytes = entry.content;
  if (entry.type !== 'file' || !bytes) return null;
  if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return null;
  return decoder.decode(bytes);
}

/** The 1-based line of the first line holding `needle`, so a finding can point at it. */
export function lineOf(text: string, needle: string): number | undefined {
  const at = text.indexOf(needle);
  return at < 0 ? undefined : text.slice(0, at).split('\n').length;
}

/** A finding's place: the line only when it was found (stored reports hold no undefined fields). */
export const at = (path: string, line: number | undefined): { path: string; line?: number } => (line === undefined ? { path } : { path, line });
