import type { ScanCheck, ScanReport } from '@agent-marketplace/contract/scanReport';
import type { AdvisoryList } from './advisories.js';
import { bundleCheck } from './bundleCheck.js';
import { DEFAULT_BUNDLE_LIMITS, type BundleEntry, type BundleLimits } from './bundle.js';
import { dependenciesCheck } from './dependencies.js';
import { entryCheck, imageCheck, manifestCheck, permissionsCheck, type ParseManifest } from './manifestChecks.js';
import { secretsCheck } from './secrets.js';

/**
 * The automated scan of a submitted version: its manifest text and its bundle's entries in,
 * a report out. Pure: the caller reads the bundle (adapters/bundles/readBundle.ts), passes the
 * manifest parser (app/catalog/publishAgent.ts parseManifest) and stores the report.
 */
export interface ScanInput {
  manifestYaml: string;
  entries: readonly BundleEntry[];
  advisories: AdvisoryList;
  /** Validates agent.yaml, throwing AppError with per-field issues. */
  parseManifest: ParseManifest;
  /** The limits the bundle was read with (defaults otherwise). */
  limits?: Partial<BundleLimits>;
  /** The gzip's size, when the bundle came as one. */
  compressedBytes?: number;
  /** Stamped as `scannedAt`. */
  now?: Date;
}

/** A report lives on the version's document (1 MiB at most): a check shows this many findings and counts the rest. */
export const MAX_FINDINGS_PER_CHECK = 50;

function capped(check: ScanCheck): ScanCheck {
  if (check.findings.length <= MAX_FINDINGS_PER_CHECK) return check;
  // Fails first, so a cut never hides what blocks the version.
  const sorted = [...check.findings].sort((a, b) => (a.level === b.level ? 0 : a.level === 'fail' ? -1 : 1));
  const kept = sorted.slice(0, MAX_FINDINGS_PER_CHECK - 1);
  const rest = sorted.length - kept.length;
  return { ...check, findings: [...kept, { level: sorted[kept.length]!.level, message: `…and ${rest} more like these.` }] };
}

export function scanVersion(input: ScanInput): ScanReport {
  const limits: BundleLimits = { ...DEFAULT_BUNDLE_LIMITS, ...input.limits };
  // Extraction keeps the last of two entries with one path; so does this view (the bundle check flags the pair).
  const files = new Map(input.entries.map((e) => [e.path, e]));
  const { check: manifest, manifest: parsed } = manifestCheck(input.manifestYaml, files, input.parseManifest);
  const checks = [
    manifest,
    entryCheck(parsed, files),
    imageCheck(parsed, input.manifestYaml),
    permissionsCheck(parsed, input.manifestYaml),
    secretsCheck(input.manifestYaml, input.entries),
    dependenciesCheck(files, input.advisories),
    bundleCheck(input.entries, limits, input.compressedBytes ?? null),
  ].map(capped);

  const totalBytes = input.entries.reduce((sum, e) => sum + (e.type === 'file' ? e.sizeBytes : 0), 0);
  return {
    ...(input.now ? { scannedAt: input.now.toISOString() } : {}),
    passed: !checks.some((c) => c.blocker && c.status === 'fail'),
    checks,
    advisories: { generatedAt: input.advisories.generatedAt, source: input.advisories.source, count: input.advisories.advisories.length },
    bundle: {
      entries: input.entries.length,
      totalBytes,
      compressedBytes: input.compressedBytes ?? null,
      limits: {
        maxCompressedBytes: limits.maxCompressedBytes,
        maxTotalBytes: limits.maxTotalBytes,
        maxEntries: limits.maxEntries,
        maxFileBytes: limits.maxFileBytes,
        maxPathLength: limits.maxPathLength,
      },
    },
  };
}
