/** `#/`: the published agents, as cards. */
import type { AgentSummary } from '../contract.ts';
import { h } from '../dom.ts';
import { listAgents } from '../endpoints.ts';
import { formatCount, t } from '../i18n.ts';
import { pricingLabel } from '../labels.ts';
import { href, type Page } from '../router.ts';
import { details, pagedList, setTitle } from './common.ts';

function card(agent: AgentSummary): HTMLElement {
  const headingId = `agent-${agent.id}`;
  return h(
    'li',
    {},
    h(
      'article',
      { class: 'card', 'aria-labelledby': headingId },
      h('h2', { id: headingId }, h('a', { href: href(`/agents/${encodeURIComponent(agent.id)}`) }, agent.name)),
      h('p', {}, agent.summary),
      details([
        [t('agent.publisher'), agent.publisher],
        [t('agent.pricing'), pricingLabel(agent.pricingModel)],
        [t('agent.installs'), formatCount(agent.installCount)],
      ]),
    ),
  );
}

export const catalogPage: Page = async (root, { signal }) => {
  setTitle(t('catalog.title'));
  root.append(h('h1', {}, t('catalog.title')), h('p', { class: 'lead' }, t('catalog.intro')));
  await pagedList(
    root,
    h('ul', { class: 'cards' }),
    (cursor) => listAgents({ cursor, signal }),
    card,
    () => h('p', {}, t('catalog.empty')),
  );
};
