/**
 * `#/publishers/{p}/agents/{a}?version=…`: an agent's versions, newest first, and one version's
 * detail (the newest unless one is asked for) with the actions its developers' roles allow.
 * While the open version moves through the pipeline by itself (scan, build), the page asks
 * again every few seconds and redraws when its state changes.
 */
import type { DeveloperVersion, Publisher } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { formatDateTime, t } from '../../i18n.ts';
import { showStatus } from '../../messages.ts';
import { href, type Page } from '../../router.ts';
import { loading, requireUser, section, setTitle } from '../../ui/common.ts';
import { h, replace } from '../../ui/dom.ts';
import { developerAgentPath, publisherPath } from './devPaths.ts';
import { showNotFound } from './notFound.ts';
import { submitHelp } from './submitHelp.ts';
import { versionActions } from './versionActions.ts';
import { versionBadges, versionStateLabel } from './versionBadges.ts';
import { versionDetail } from './versionDetail.ts';

/** States the pipeline leaves by itself: worth asking again. */
const MOVING = new Set<DeveloperVersion['state']>(['submitted', 'approved']);
const POLL_MS = 3000;

function versionList(p: { publisherId: string; agentId: string }, items: DeveloperVersion[], open: string): HTMLElement {
  return h(
    'ul',
    { class: 'rows', id: 'version-list' },
    ...items.map((v) =>
      h(
        'li',
        { 'data-version': v.version, 'data-state': v.state },
        h(
          'span',
          {},
          h('a', { href: href(developerAgentPath(p.publisherId, p.agentId, v.version)), 'aria-current': v.version === open ? 'true' : null }, h('strong', {}, v.version)),
          ' ',
          ...versionBadges(v),
        ),
        h('span', { class: 'muted' }, t('version.submittedOn', { when: formatDateTime(v.submittedAt) })),
      ),
    ),
  );
}

/** What a redraw is for: its state, build and lifecycle (not the scan's timestamps). */
const shape = (v: DeveloperVersion | undefined) => JSON.stringify(v ? [v.state, v.build?.state, !!v.deprecated, !!v.yanked, v.history.length] : null);

export const developerAgentPage: Page = async (root, { params, query, signal }) => {
  if (!requireUser()) return;
  const p = { publisherId: params['publisherId'] ?? '', agentId: params['agentId'] ?? '' };
  const heading = h('h1', {}, p.agentId);
  const wait = loading();
  root.append(heading, wait);
  let publisher: Publisher;
  let items: DeveloperVersion[];
  try {
    [publisher, { items }] = await Promise.all([
      api.call('getPublisher', { params: { publisherId: p.publisherId }, signal }),
      api.call('listDeveloperVersions', { params: p, signal }),
    ]);
  } catch (err) {
    if (showNotFound(root, err, `${p.publisherId}/${p.agentId}`)) return;
    throw err;
  } finally {
    wait.remove();
  }
  setTitle(t('version.pageTitle', { agent: p.agentId }));
  heading.textContent = t('version.pageTitle', { agent: p.agentId });
  const open = query.get('version') ?? items[0]?.version ?? '';
  const listSection = section('agent-versions', t('version.listTitle'));
  const detailHeading = h('h2', { id: 'version-detail-title', tabindex: -1 });
  const detail = h('section', { 'aria-labelledby': detailHeading.id, id: 'version-detail' });
  root.append(
    h('p', {}, h('a', { href: href(publisherPath(p.publisherId)) }, t('version.backTo', { publisher: publisher.name }))),
    listSection,
    detail,
    section('agent-submit', t('submit.title'), ...submitHelp(p.publisherId, p.agentId)),
  );

  const draw = () => {
    const list = items.length ? versionList(p, items, open) : h('p', {}, t('version.none'));
    replace(listSection, listSection.firstElementChild, list);
    const v = items.find((x) => x.version === open);
    if (!v) {
      // No versions yet: nothing to detail, unless one was asked for by name.
      detail.hidden = !query.get('version');
      detailHeading.textContent = t('version.title', { version: open });
      replace(detail, detailHeading, h('p', { id: 'version-not-found' }, t('version.notFound', { version: open })));
      return;
    }
    detailHeading.textContent = t('version.title', { version: v.version });
    const actions = versionActions({ ...p, version: v.version }, v, publisher.myRole, (next, status) => {
      items = items.map((x) => (x.version === next.version ? next : x));
      draw();
      showStatus(status);
      // The buttons were drawn again: focus goes to the version's heading, not the page's top.
      detailHeading.focus();
    });
    replace(detail, detailHeading, ...versionDetail(v, actions));
  };
  draw();

  // Follow a version the pipeline is moving, until it stops or the page is left.
  const moving = () => {
    const state = items.find((x) => x.version === open)?.state;
    return state !== undefined && MOVING.has(state);
  };
  while (moving()) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (signal.aborted) return;
    const before = items.find((x) => x.version === open);
    ({ items } = await api.call('listDeveloperVersions', { params: p, signal }));
    const after = items.find((x) => x.version === open);
    if (shape(before) === shape(after)) continue;
    draw();
    if (after && before?.state !== after.state) showStatus(t('version.nowState', { version: after.version, state: versionStateLabel(after.state) }));
  }
};
