/**
 * The order a scan report is read in: what stopped the version first (failing blockers), then
 * other failures, warnings, and passes last; the scan's own order within each. Pure.
 */
import type { ScanCheck, ScanReport } from '@agent-marketplace/client';

const rank = (c: ScanCheck): number => (c.status === 'fail' ? (c.blocker ? 0 : 1) : c.status === 'warn' ? 2 : 3);

export const orderChecks = (checks: readonly ScanCheck[]): ScanCheck[] => checks.map((c, i) => ({ c, i })).sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i).map(({ c }) => c);

/** How many checks passed, warned and failed. */
export function scanCounts(report: ScanReport): { pass: number; warn: number; fail: number } {
  const counts = { pass: 0, warn: 0, fail: 0 };
  for (const c of report.checks) counts[c.status]++;
  return counts;
}

/** Where a finding points: `src/index.js:12`, `agent.yaml`, or nothing. */
export const findingPlace = (f: { path?: string | undefined; line?: number | undefined }): string | null => (f.path ? (f.line ? `${f.path}:${f.line}` : f.path) : null);
