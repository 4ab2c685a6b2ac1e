import type { VersionScanner } from '../../app/publishing/ports.js';
import { AppError } from '../../domain/errors.js';
import { shippedAdvisories } from '../../domain/scan/advisories.js';
import { scanVersion, type ScanInput } from '../../domain/scan/scanVersion.js';
import { readBundle } from './readBundle.js';

/**
 * The version scanner (docs/publishing.md "Scan"): reads the bundle within its limits, then
 * scans it. A bundle that cannot be read (corrupt, a bomb, over a limit) is a failed bundle
 * check in the report, not an error: the developer sees why, and the pipeline task is done.
 */
export const bundleScanner =
  (parseManifest: ScanInput['parseManifest']): VersionScanner =>
  async (manifestYaml, bytes) => {
  const advisories = shippedAdvisories();
  try {
    const bundle = await readBundle(bytes);
    return scanVersion({ manifestYaml, entries: bundle.entries, advisories, parseManifest, compressedBytes: bundle.compressedBytes });
  } catch (err) {
    if (!(err instanceof AppError) || (err.kind !== 'invalid' && err.kind !== 'too_large')) throw err;
    const empty = scanVersion({ manifestYaml, entries: [], advisories, parseManifest, compressedBytes: bytes.length });
    const checks = empty.checks.map((c) =>
      c.id === 'bundle' ? { ...c, status: 'fail' as const, blocker: true, findings: [{ level: 'fail' as const, message: err.message }] } : c,
    );
    return { ...empty, passed: false, checks };
  }
};
