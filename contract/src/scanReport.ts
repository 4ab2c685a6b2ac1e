import { z } from 'zod';
import { Timestamp } from './common.js';

/**
 * The automated scan of a submitted version (issue 23): stored on the version, shown to its
 * developer, and read by the reviewer. A failed blocker check stops the version before review.
 */
export const SCAN_CHECK_IDS = ['manifest', 'entry', 'image', 'permissions', 'secrets', 'dependencies', 'bundle'] as const;
export const ScanCheckId = z.enum(SCAN_CHECK_IDS);
export type ScanCheckId = z.infer<typeof ScanCheckId>;

export const ScanStatus = z.enum(['pass', 'warn', 'fail']);
export type ScanStatus = z.infer<typeof ScanStatus>;

/** One thing a check found. `level` is this finding's weight; the check's status is its worst. */
export const ScanFinding = z.object({
  level: z.enum(['warn', 'fail']),
  message: z.string(),
  /** The bundle path it concerns (`agent.yaml`, `src/index.ts`), when it concerns one. */
  path: z.string().optional(),
  /** 1-based line in that file. */
  line: z.number().int().min(1).optional(),
});
export type ScanFinding = z.infer<typeof ScanFinding>;

export const ScanCheck = z.object({
  id: ScanCheckId,
  title: z.string(),
  status: ScanStatus,
  /** Whether this check failing stops the version before review. */
  blocker: z.boolean(),
  /** What was checked, in a sentence (counts, the advisory list's date, the limits). */
  note: z.string().optional(),
  findings: z.array(ScanFinding),
});
export type ScanCheck = z.infer<typeof ScanCheck>;

export const ScanReport = z
  .object({
    scannedAt: Timestamp.optional(),
    /** False iff a blocker check failed. */
    passed: z.boolean(),
    checks: z.array(ScanCheck),
    /** The advisory list the dependencies were matched against: it is offline, so its date matters. */
    advisories: z.object({ generatedAt: z.string(), source: z.string(), count: z.number().int().min(0) }),
    /** The bundle's size against the limits it was read with. */
    bundle: z.object({
      entries: z.number().int().min(0),
      totalBytes: z.number().int().min(0),
      compressedBytes: z.number().int().min(0).nullable(),
      limits: z.object({
        maxCompressedBytes: z.number().int(),
        maxTotalBytes: z.number().int(),
        maxEntries: z.number().int(),
        maxFileBytes: z.number().int(),
        maxPathLength: z.number().int(),
      }),
    }),
  })
  .meta({ id: 'ScanReport' });
export type ScanReport = z.infer<typeof ScanReport>;
