/**
 * `#/installs/:wsId/:installId/memory`: what an install's agent remembers across runs
 * (docs/memory.md), shown when the agent declares memory or the install keeps some: the usage
 * per level against the quota, the retention (owners and admins change it), each level a page
 * at a time with a search by meaning, an export, and forgetting one item or everything (owners
 * and admins). An uninstalled install's memory stays here, to export or forget, until its purge.
 */
import { api } from '../../api.ts';
import { canManageInstalls } from '../../billingRoles.ts';
import { formatDateTime, formatRelative, t } from '../../i18n.ts';
import { showError } from '../../messages.ts';
import { href, type Page } from '../../router.ts';
import { loading, requireUser, section, setTitle } from '../../ui/common.ts';
import { h, replace } from '../../ui/dom.ts';
import { browseSection } from './browseSection.ts';
import { memoryActions } from './memoryActions.ts';
import { showsMemory, type MemorySummary } from './memoryFigures.ts';
import { retentionSection } from './retentionSection.ts';
import { usageView } from './usageSection.ts';

/** What the page names the install by: its agent, and its version while installed. */
interface InstallName {
  agentId: string;
  version: string | null;
}

/**
 * The install: asked for directly while it is installed. An uninstalled one (its memory waits
 * for the purge) is neither found that way nor listed; the workspace metrics still name its agent.
 */
async function installOf(wsId: string, installId: string, uninstalled: boolean, signal: AbortSignal): Promise<InstallName | null> {
  if (!uninstalled) {
    const install = await api.call('getInstall', { params: { wsId, installId }, signal });
    return { agentId: install.agentId, version: install.version };
  }
  const metrics = await api.call('workspaceMetrics', { params: { wsId }, signal }).catch(() => null);
  const found = metrics?.installs.find((i) => i.installId === installId);
  return found ? { agentId: found.agentId, version: null } : null;
}

/** The levels the install's version declares; null when it is not known (an uninstalled install, a version that cannot be read). */
async function declaredLevels(install: InstallName | null, signal: AbortSignal): Promise<string[] | null> {
  if (!install?.version) return null;
  try {
    return (await api.call('getAgentVersion', { params: { agentId: install.agentId, version: install.version }, signal })).manifest.memory;
  } catch {
    return null;
  }
}

export const memoryPage: Page = async (root, { params, signal }) => {
  if (!requireUser()) return;
  const wsId = params.wsId ?? '';
  const installId = params.installId ?? '';
  const heading = h('h1', {}, t('memory.title'));
  const wait = loading();
  root.append(heading, wait);
  const [first, ws] = await Promise.all([api.call('getInstallMemory', { params: { wsId, installId }, signal }), api.call('getWorkspace', { params: { wsId }, signal })]).catch((err: unknown) => {
    wait.remove();
    throw err;
  });
  const install = await installOf(wsId, installId, first.purgeAt !== null, signal);
  const declared = await declaredLevels(install, signal).finally(() => wait.remove());
  const title = install ? t('memory.titleFor', { agent: install.agentId }) : t('memory.title');
  heading.textContent = title;
  setTitle(title);
  const canManage = canManageInstalls(ws.role);
  root.append(
    h(
      'p',
      { class: 'muted' },
      install?.version ? t('memory.install', { agent: install.agentId, version: install.version }) : install ? t('memory.installUninstalled', { agent: install.agentId }) : t('memory.installId', { id: installId }),
      ' ',
      h('a', { href: href('/workspace') }, t('memory.backToDashboard')),
    ),
  );
  if (!showsMemory(declared, first.total.items)) {
    root.append(h('p', {}, t('memory.none')));
    return;
  }
  root.append(h('p', { class: 'hint' }, t('memory.intro')));
  if (declared?.length) root.append(h('p', { class: 'hint', id: 'memory-declared' }, t('memory.declared', { levels: declared.join(', ') })));
  if (first.purgeAt) {
    root.append(h('p', { class: 'run-note', id: 'memory-purge', role: 'note' }, h('strong', {}, t('memory.purge', { when: formatDateTime(first.purgeAt), relative: formatRelative(first.purgeAt) })), ' ', t('memory.purgeHint')));
  }

  const usage = h('div', { id: 'memory-usage' });
  let summary: MemorySummary = first;
  const retention = section('memory-retention-title', t('memory.retention.title'));
  const retentionView = retentionSection(retention, {
    wsId,
    installId,
    canManage,
    onSummary: (s) => paint(s),
  });
  const paint = (s: MemorySummary) => {
    summary = s;
    replace(usage, ...usageView(s));
    retentionView.update(s);
  };
  const reread = async () => paint(await api.call('getInstallMemory', { params: { wsId, installId }, signal }));

  const browse = section('memory-browse-title', t('memory.browse.title'));
  const actions = section('memory-actions-title', t('memory.actions.title'));
  root.append(section('memory-usage-title', t('memory.usage.title'), usage), retention, browse, actions);
  paint(first);
  const lists = browseSection(browse, { wsId, installId, canManage, signal, onForgot: () => void reread().catch(showError) });
  memoryActions(actions, {
    wsId,
    installId,
    canManage,
    signal,
    items: () => summary.total.items,
    onForgotAll: async () => {
      await Promise.all([reread(), lists.reload()]);
    },
  });
  await lists.reload();
};
