import { z } from 'zod';

/**
 * The automated scan of a submitted version (docs/publishing.md "Scan"): one entry per check,
 * each passing, warning or failing; a failing blocker stops the version before review.
 */
export const ScanStatus = z.enum(['pass', 'warn', 'fail']);

export const ScanFinding = z.object({ message: z.string(), path: z.string().optional(), line: z.number().int().optional() });

export const ScanCheck = z.object({
  id: z.string(),
  title: z.string(),
  status: ScanStatus,
  blocker: z.boolean(),
  findings: z.array(ScanFinding),
});

export const ScanReportOut = z
  .object({
    scannedAt: z.string().optional(),
    passed: z.boolean(),
    checks: z.array(ScanCheck),
  })
  .meta({ id: 'ScanReport' });
export type ScanReport = z.output<typeof ScanReportOut>;
