/**
 * `#/agents/:id`: one agent. Its description (Markdown, sanitised), what it asks for (the
 * manifest viewer), its versions with release notes, reviews, and Install, which starts a
 * draft in the current workspace and opens the install wizard on it.
 */
import { currentUser } from '../../auth.ts';
import type { Agent } from '@agent-marketplace/client';
import { getCurrentWorkspace } from '../../currentWorkspace.ts';
import { api } from '../../api.ts';
import { formatCount, formatDateTime, t } from '../../i18n.ts';
import { categoryLabel, priceLabel, ratingLabel } from '../../labels.ts';
import { showError } from '../../messages.ts';
import { currentPath, href, navigate, type Page } from '../../router.ts';
import { allLoaded, details, loading, section, setTitle } from '../../ui/common.ts';
import { busy, h, replace } from '../../ui/dom.ts';
import { renderMarkdown } from '../../ui/markdown.ts';
import { manifestViewer } from './manifestViewer.ts';
import { reviewsSection } from './reviews.ts';

function installControl(agent: Agent): HTMLElement {
  const box = h('div', { class: 'actions' });
  if (!currentUser()) {
    box.append(h('a', { href: href(`/signin?next=${encodeURIComponent(currentPath())}`) }, t('agent.signInToInstall')));
    return box;
  }
  const ws = getCurrentWorkspace();
  if (!ws) {
    box.append(h('a', { href: href('/workspaces') }, t('workspace.chooseFirst')));
    return box;
  }
  const button = h('button', { type: 'button' }, t('agent.install', { workspace: ws.name }));
  button.addEventListener('click', () => {
    void busy(button, async () => {
      const draft = await api.call('startInstall', { params: { wsId: ws.id }, body: { agentId: agent.id, version: agent.latestVersion } });
      navigate(`/install/${encodeURIComponent(ws.id)}/${encodeURIComponent(draft.id)}`, t('wizard.started', { name: agent.name }));
    }).catch(showError);
  });
  box.append(button);
  return box;
}

async function versionsList(agentId: string, signal: AbortSignal): Promise<HTMLElement> {
  const { items } = await api.call('listAgentVersions', { params: { agentId }, signal });
  if (items.length === 0) return h('p', {}, t('agent.noVersions'));
  return h(
    'ol',
    { class: 'versions' },
    ...items.map((v) =>
      h(
        'li',
        {},
        h('h3', {}, t('agent.versionTitle', { version: v.version }), ' ', h('time', { class: 'muted', datetime: v.publishedAt }, formatDateTime(v.publishedAt))),
        v.releaseNotes ? h('div', { class: 'prose' }, renderMarkdown(v.releaseNotes)) : h('p', { class: 'muted' }, t('agent.noReleaseNotes')),
      ),
    ),
  );
}

export const agentPage: Page = async (root, { params, signal }) => {
  const heading = h('h1', {}, t('agent.title'));
  const wait = loading();
  root.append(heading, wait);
  const agent = await api.call('getAgent', { params: { agentId: params.id ?? '' }, signal }).finally(() => wait.remove());
  setTitle(agent.name);
  heading.textContent = agent.name;
  const rating = h('span', {}, ratingLabel(agent.ratingAvg, agent.ratingCount));
  const versions = h('div', {}, loading());
  const reviews = section('agent-reviews', t('agent.reviews'));
  root.append(
    h('p', { class: 'lead' }, agent.summary),
    installControl(agent),
    details([
      [t('agent.rating'), rating],
      [t('agent.installs'), formatCount(agent.installCount)],
      [t('agent.pricing'), priceLabel(agent.pricing)],
      [t('agent.publisher'), agent.publisher],
      [t('agent.version'), agent.latestVersion],
      [t('agent.categories'), agent.categories.map(categoryLabel).join(', ')],
      [t('agent.tags'), agent.tags.join(', ')],
    ]),
    section('agent-about', t('agent.about'), h('div', { class: 'prose' }, renderMarkdown(agent.manifest.description))),
    section('agent-manifest', t('agent.manifest'), manifestViewer(agent.view, agent.yaml, { agentId: agent.id, version: agent.manifest.version, signal })),
    section('agent-versions', t('agent.versions'), versions),
    reviews,
  );
  await allLoaded([
    versionsList(agent.id, signal).then((list) => replace(versions, list)),
    reviewsSection(reviews, agent.id, signal, (avg, count) => replace(rating, ratingLabel(avg, count))),
  ]).catch((err: unknown) => {
    if (versions.textContent === t('common.loading')) replace(versions, t('agent.versionsFailed'));
    throw err;
  });
};
