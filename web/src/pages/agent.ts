/** `#/agents/:id`: one agent, with an Install button for the current workspace. */
import { currentUser } from '../auth.ts';
import type { Agent } from '../contract.ts';
import { getCurrentWorkspace } from '../currentWorkspace.ts';
import { busy, h } from '../dom.ts';
import { getAgent, installAgent } from '../endpoints.ts';
import { formatCount, formatMoney, t } from '../i18n.ts';
import { pricingLabel } from '../labels.ts';
import { showError } from '../messages.ts';
import { currentPath, href, navigate, type Page } from '../router.ts';
import { details, loading, section, setTitle } from './common.ts';

function price(agent: Agent): string {
  const { model, amountCents, currency, unit } = agent.pricing;
  if (model === 'free') return pricingLabel(model);
  const key = `pricing.amount.${model as 'subscription' | 'per_run' | 'per_unit'}` as const;
  return t(key, { amount: formatMoney(amountCents, currency), unit: unit ?? t('pricing.unitDefault') });
}

function installControl(agent: Agent): HTMLElement {
  const box = h('div', { class: 'actions' });
  if (!currentUser()) {
    box.append(h('a', { href: href(`/signin?next=${encodeURIComponent(currentPath())}`) }, t('agent.signInToInstall')));
    return box;
  }
  const ws = getCurrentWorkspace();
  if (!ws) {
    box.append(h('a', { href: href('/workspace') }, t('workspace.chooseFirst')));
    return box;
  }
  const button = h('button', { type: 'button' }, t('agent.install', { workspace: ws.name }));
  button.addEventListener('click', () => {
    void busy(button, async () => {
      await installAgent(ws.id, { agentId: agent.id, version: agent.latestVersion, scopes: agent.manifest.permissions.map((p) => p.scope) });
      navigate('/workspace', t('agent.installed', { name: agent.name, workspace: ws.name }));
    }).catch(showError);
  });
  box.append(button);
  return box;
}

export const agentPage: Page = async (root, { params, signal }) => {
  const heading = h('h1', {}, t('agent.title'));
  const wait = loading();
  root.append(heading, wait);
  const agent = await getAgent(params.id ?? '', { signal }).finally(() => wait.remove());
  setTitle(agent.name);
  heading.textContent = agent.name;
  const description = agent.manifest.description.split(/\n{2,}/).filter((p) => p.trim());
  root.append(
    h('p', { class: 'lead' }, agent.summary),
    installControl(agent),
    details([
      [t('agent.publisher'), agent.publisher],
      [t('agent.version'), agent.latestVersion],
      [t('agent.pricing'), price(agent)],
      [t('agent.installs'), formatCount(agent.installCount)],
      [t('agent.rating'), agent.ratingCount ? t('agent.ratingValue', { avg: agent.ratingAvg.toFixed(1), count: formatCount(agent.ratingCount) }) : null],
      [t('agent.categories'), agent.categories.join(', ')],
      [t('agent.tags'), agent.tags.join(', ')],
    ]),
    description.length ? section('agent-about', t('agent.about'), ...description.map((p) => h('p', {}, p))) : '',
  );
};
