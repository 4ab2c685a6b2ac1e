/**
 * One version as its developers see it: state, facts, history timeline, release notes
 * (sanitised Markdown), scan report, review and build. Actions are drawn by versionActions.ts.
 */
import type { DeveloperVersion } from '@agent-marketplace/client';
import { formatBytes, formatDateTime, t } from '../../i18n.ts';
import { details } from '../../ui/common.ts';
import { h, type Child } from '../../ui/dom.ts';
import { renderMarkdown } from '../../ui/markdown.ts';
import { scanReport } from './scanReport.ts';
import { versionBadges, versionStateLabel } from './versionBadges.ts';

const part = (id: string, title: string, ...content: Child[]) => h('section', { 'aria-labelledby': id, class: 'version-part' }, h('h3', { id }, title), ...content);

function history(v: DeveloperVersion): HTMLElement {
  return h(
    'ol',
    { class: 'timeline', id: 'version-history' },
    ...v.history.map((e) =>
      h(
        'li',
        { 'data-state': e.state },
        h('time', { datetime: new Date(e.at).toISOString() }, formatDateTime(e.at)),
        ' ',
        h('strong', {}, versionStateLabel(e.state)),
        ' ',
        h('span', { class: 'muted' }, t('version.by', { by: e.by })),
        e.note ? h('span', { class: 'timeline-note' }, e.note) : null,
      ),
    ),
  );
}

function review(v: DeveloperVersion): HTMLElement {
  if (!v.review) return h('p', { class: 'muted' }, t('version.noReview'));
  return h(
    'div',
    { id: 'version-review', 'data-decision': v.review.decision },
    h('p', {}, h('strong', {}, t(`version.decision.${v.review.decision}`)), ' ', h('span', { class: 'muted' }, t('version.decidedBy', { by: v.review.by, when: formatDateTime(v.review.at) }))),
    v.review.comments ? h('blockquote', { class: 'review-comments' }, v.review.comments) : null,
  );
}

function build(v: DeveloperVersion): HTMLElement {
  if (!v.build) return h('p', { class: 'muted' }, t('version.noBuild'));
  const b = v.build;
  return h(
    'div',
    { id: 'version-build', 'data-build': b.state },
    h('p', {}, h('span', { class: `badge build-${b.state}` }, t(`version.build.${b.state}`))),
    details([
      [t('version.image'), b.image ? h('code', {}, b.image) : null],
      [t('version.buildReason'), b.reason],
      [t('version.buildLog'), b.logUrl ? h('a', { href: b.logUrl, rel: 'noopener noreferrer', target: '_blank' }, t('version.openLog')) : null],
    ]),
  );
}

/** The version's detail, under an h2; `actions` (buttons by role) go right under the facts. */
export function versionDetail(v: DeveloperVersion, actions: HTMLElement | null): Child[] {
  return [
    h('p', { class: 'version-states', id: 'version-state' }, ...versionBadges(v)),
    v.yanked ? h('p', { class: 'run-note version-warning' }, h('strong', {}, t('version.yankedOn', { when: formatDateTime(v.yanked.at) })), ' ', v.yanked.reason) : null,
    v.deprecated ? h('p', { class: 'run-note' }, h('strong', {}, t('version.deprecatedOn', { when: formatDateTime(v.deprecated.at) })), ' ', v.deprecated.message) : null,
    details([
      [t('version.submitted'), t('version.submittedBy', { when: formatDateTime(v.submittedAt), by: v.submittedBy })],
      [t('version.published'), v.publishedAt ? formatDateTime(v.publishedAt) : null],
      [t('version.bundle'), h('span', {}, h('code', { title: v.bundle.sha256 }, v.bundle.sha256.slice(0, 12)), ` (${formatBytes(v.bundle.sizeBytes)})`)],
    ]),
    actions,
    part('version-history-title', t('version.history'), history(v)),
    part('version-notes-title', t('version.releaseNotes'), v.releaseNotes ? h('div', { class: 'prose' }, renderMarkdown(v.releaseNotes)) : h('p', { class: 'muted' }, t('version.noNotes'))),
    part('version-scan-title', t('scan.title'), scanReport(v.scan)),
    part('version-review-title', t('version.review'), review(v)),
    part('version-build-title', t('version.buildTitle'), build(v)),
  ];
}
