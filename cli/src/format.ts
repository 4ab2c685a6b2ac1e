import type { DeveloperVersion, ScanReport } from '@agent-marketplace/contract';
import { formatBytes } from './pack.ts';

/** Plain-text renderings of API answers for a terminal. `--json` prints the answers themselves instead. */

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  if (rows.length === 0) return '';
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return `${all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n')}\n`;
}

/** `2026-03-04 10:11` in UTC: short, sortable, the same on every machine. */
export const when = (iso: string | null | undefined) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '-');

/** `src/index.ts:12`, `agent.yaml`, or nothing. */
export const where = (f: { path?: string | undefined; line?: number | undefined }) => (f.path ? `${f.path}${f.line ? `:${f.line}` : ''}` : '');

export function scanReportText(scan: ScanReport): string {
  const lines = [`Scan: ${scan.passed ? 'passed' : 'FAILED'}${scan.scannedAt ? ` (${when(scan.scannedAt)})` : ''}`];
  const idWidth = Math.max(...scan.checks.map((c) => c.id.length));
  for (const check of scan.checks) {
    const status = check.status === 'pass' ? 'pass' : check.status.toUpperCase();
    const blocker = check.status === 'fail' && check.blocker ? ' (blocks review)' : '';
    lines.push(`  ${status.padEnd(4)}  ${check.id.padEnd(idWidth)}  ${check.title}${blocker}`);
    if (check.note) lines.push(`        ${' '.repeat(idWidth)}  ${check.note}`);
    for (const f of check.findings) {
      const at = where(f);
      lines.push(`        ${' '.repeat(idWidth)}  ${f.level}: ${at ? `${at} ` : ''}${f.message}`);
    }
  }
  const b = scan.bundle;
  lines.push(`  bundle: ${b.entries} entries, ${formatBytes(b.totalBytes)} of files${b.compressedBytes === null ? '' : `, ${formatBytes(b.compressedBytes)} compressed`}`);
  lines.push(`  advisories: ${scan.advisories.count} from ${scan.advisories.source}, as of ${scan.advisories.generatedAt}`);
  return `${lines.join('\n')}\n`;
}

/** The one-line summary after a submission or a state change. */
export const versionLine = (v: DeveloperVersion) => `${v.publisherId}/${v.agentId} ${v.version}: ${v.state}${v.deprecated ? ' (deprecated)' : ''}${v.yanked ? ' (yanked)' : ''}`;

export function versionText(v: DeveloperVersion): string {
  const lines = [versionLine(v), `  submitted ${when(v.submittedAt)} by ${v.submittedBy}; bundle ${formatBytes(v.bundle.sizeBytes)}, sha256 ${v.bundle.sha256}`];
  if (v.publishedAt) lines.push(`  published ${when(v.publishedAt)}`);
  if (v.deprecated) lines.push(`  deprecated ${when(v.deprecated.at)}: ${v.deprecated.message}`);
  if (v.yanked) lines.push(`  yanked ${when(v.yanked.at)}: ${v.yanked.reason}`);
  if (v.releaseNotes) lines.push('', 'Release notes:', ...v.releaseNotes.trimEnd().split('\n').map((l) => `  ${l}`));
  lines.push('', v.scan ? scanReportText(v.scan).trimEnd() : 'Scan: not yet');
  if (v.review) {
    lines.push('', `Review: ${v.review.decision} by ${v.review.by}, ${when(v.review.at)}`);
    if (v.review.comments) lines.push(...v.review.comments.trimEnd().split('\n').map((l) => `  ${l}`));
  }
  if (v.build) {
    lines.push('', `Build: ${v.build.state}`);
    if (v.build.image) lines.push(`  image ${v.build.image}`);
    if (v.build.reason) lines.push(`  ${v.build.reason}`);
    if (v.build.logUrl) lines.push(`  log ${v.build.logUrl}`);
  }
  if (v.history.length > 0) {
    lines.push('', 'History:');
    lines.push(...table(['at', 'state', 'by', 'note'], v.history.map((h) => [when(h.at), h.state, h.by, h.note ?? ''])).trimEnd().split('\n').map((l) => `  ${l}`));
  }
  return `${lines.join('\n')}\n`;
}
