/** One agent in the catalog grid: name, summary, rating, installs, price. */
import type { AgentSummary } from '@agent-marketplace/client';
import { formatCount, t } from '../../i18n.ts';
import { categoryLabel, priceLabel, ratingLabel } from '../../labels.ts';
import { href } from '../../router.ts';
import { details } from '../../ui/common.ts';
import { h } from '../../ui/dom.ts';

export function agentCard(agent: AgentSummary): HTMLElement {
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
        [t('agent.rating'), h('span', { class: 'rating' }, ratingLabel(agent.ratingAvg, agent.ratingCount))],
        [t('agent.installs'), formatCount(agent.installCount)],
        [t('agent.pricing'), priceLabel(agent.pricing)],
        [t('agent.publisher'), agent.publisher],
        [t('agent.categories'), agent.categories.map(categoryLabel).join(', ')],
      ]),
    ),
  );
}
