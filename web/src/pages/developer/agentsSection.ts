/** A publisher's agents, drafts included, each with every version's state as a badge linking to that version. */
import type { DeveloperAgent } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { t } from '../../i18n.ts';
import { href } from '../../router.ts';
import { loading } from '../../ui/common.ts';
import { h } from '../../ui/dom.ts';
import { developerAgentPath } from './devPaths.ts';
import { versionBadges } from './versionBadges.ts';

function agentItem(publisherId: string, a: DeveloperAgent): HTMLElement {
  return h(
    'li',
    { class: 'dev-agent', 'data-agent': a.id },
    h(
      'p',
      {},
      h('a', { href: href(developerAgentPath(publisherId, a.id)) }, h('strong', {}, a.name)),
      ' ',
      h('code', {}, a.id),
      ' ',
      h('span', { class: `badge listing-${a.state}` }, t(`dev.listing.${a.state}`)),
      a.latestVersion ? h('span', { class: 'muted' }, ' ', t('dev.latest', { version: a.latestVersion })) : null,
    ),
    h(
      'ul',
      { class: 'version-badges', 'aria-label': t('dev.versionsOf', { name: a.name }) },
      ...a.versions.map((v) =>
        h('li', { 'data-version': v.version }, h('a', { href: href(developerAgentPath(publisherId, a.id, v.version)) }, h('span', { class: 'version-number' }, v.version), ' ', ...versionBadges(v))),
      ),
    ),
  );
}

export async function agentsSection(container: HTMLElement, publisherId: string, signal: AbortSignal): Promise<void> {
  const wait = loading();
  container.append(wait);
  const { items } = await api.call('listPublisherAgents', { params: { publisherId }, signal }).finally(() => wait.remove());
  container.append(items.length ? h('ul', { class: 'rows dev-agents', id: 'dev-agents' }, ...items.map((a) => agentItem(publisherId, a))) : h('p', { id: 'dev-agents-empty' }, t('dev.noAgents')));
}
