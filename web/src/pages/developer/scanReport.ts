/**
 * A scan report as its readers need it (docs/publishing.md "Scan"): whether it passed, each
 * check with its status, whether it blocks, its note and its findings at path:line, failing
 * blockers first. Shown to a version's developers and to reviewers alike.
 */
import type { ScanCheck, ScanReport } from '@agent-marketplace/client';
import { formatBytes, formatCount, formatDateTime, t } from '../../i18n.ts';
import { h } from '../../ui/dom.ts';
import { findingPlace, orderChecks, scanCounts } from './scanOrder.ts';

export const scanStatusBadge = (status: ScanCheck['status']) => h('span', { class: `badge scan-${status}` }, t(`scan.status.${status}`));

/** "5 passed, 1 warning, 1 failed" with the verdict, in one line (the review queue's summary). */
export function scanSummary(report: ScanReport | null): HTMLElement {
  if (!report) return h('p', { class: 'muted' }, t('scan.pending'));
  const n = scanCounts(report);
  return h(
    'p',
    { class: `scan-summary ${report.passed ? 'scan-passed' : 'scan-failed'}` },
    h('strong', {}, t(report.passed ? 'scan.passedShort' : 'scan.failedShort')),
    ' ',
    t('scan.counts', { pass: n.pass, warn: n.warn, fail: n.fail }),
  );
}

function checkItem(c: ScanCheck): HTMLElement {
  const findings = c.findings.map((f) => {
    const place = findingPlace(f);
    return h('li', { class: `finding finding-${f.level}` }, h('span', { class: 'visually-hidden' }, `${t(`scan.status.${f.level}`)}: `), place ? h('code', {}, place) : null, place ? ' ' : null, f.message);
  });
  return h(
    'li',
    { class: `scan-check scan-check-${c.status}`, 'data-check': c.id, 'data-status': c.status },
    h('p', { class: 'scan-check-title' }, scanStatusBadge(c.status), ' ', h('strong', {}, c.title), c.blocker ? h('span', { class: 'badge scan-blocker' }, t('scan.blocker')) : null),
    c.note ? h('p', { class: 'hint' }, c.note) : null,
    findings.length ? h('ul', { class: 'findings' }, ...findings) : null,
  );
}

/** The whole report: verdict, checks in reading order, and what the scan read with (advisory list, bundle limits). `summary`: false where scanSummary is shown already. */
export function scanReport(report: ScanReport | null, summary = true): HTMLElement {
  if (!report) return h('div', { class: 'scan-report' }, h('p', { class: 'muted' }, t('scan.pending')));
  const b = report.bundle;
  return h(
    'div',
    { class: 'scan-report' },
    summary ? scanSummary(report) : null,
    h('p', { class: 'hint' }, t(report.passed ? 'scan.passed' : 'scan.failed'), report.scannedAt ? ` ${t('scan.at', { when: formatDateTime(report.scannedAt) })}` : ''),
    h('ul', { class: 'scan-checks' }, ...orderChecks(report.checks).map(checkItem)),
    h(
      'p',
      { class: 'hint' },
      t('scan.advisories', { count: formatCount(report.advisories.count), source: report.advisories.source, date: report.advisories.generatedAt }),
      ' ',
      t('scan.bundle', {
        entries: formatCount(b.entries),
        total: formatBytes(b.totalBytes),
        compressed: b.compressedBytes === null ? t('metrics.none') : formatBytes(b.compressedBytes),
        maxEntries: formatCount(b.limits.maxEntries),
        maxTotal: formatBytes(b.limits.maxTotalBytes),
        maxCompressed: formatBytes(b.limits.maxCompressedBytes),
      }),
    ),
  );
}
