/**
 * `#/workspace`: the current workspace's dashboard. Installs and their status (drafts link
 * back into the wizard; active installs can be run with an input form; a deployed install's
 * version says when it was deprecated or yanked, or has an update; an install whose agent
 * keeps memory shows its figures and links to it), metrics and charts, and the run history
 * with filters.
 */
import type { Install, WorkspaceMetrics } from '@agent-marketplace/client';
import { canManageInstalls } from '../../billingRoles.ts';
import { getCurrentWorkspace } from '../../currentWorkspace.ts';
import { api } from '../../api.ts';
import { formatDateTime, formatPercent, t, tn } from '../../i18n.ts';
import { showError } from '../../messages.ts';
import { myWorkspaces } from '../../myWorkspaces.ts';
import { href, navigate, type Page } from '../../router.ts';
import { allLoaded, loading, requireUser, section, setTitle } from '../../ui/common.ts';
import { h, replace } from '../../ui/dom.ts';
import { versionStatus } from '../install/versionStatus.ts';
import { wizardPath } from '../install/wizardContext.ts';
import { policyPath } from '../policy/policyPath.ts';
import { declaredMemory, installMemory } from './installMemory.ts';
import { metricsSection } from './metricsSection.ts';
import { runForm } from './runForm.ts';
import { runHistory } from './runHistory.ts';

type DeclaredMemory = ReturnType<typeof declaredMemory>;

function installCard(wsId: string, install: Install, metrics: WorkspaceMetrics['installs'][number] | undefined, canUpgrade: boolean, declared: DeclaredMemory, signal: AbortSignal): HTMLElement {
  const name = h('a', { href: href(`/agents/${encodeURIComponent(install.agentId)}`) }, install.agentId);
  const panel = h('div', { class: 'run-panel' });
  const actions = h('div', { class: 'actions' });
  if (install.state === 'draft') {
    actions.append(h('a', { class: 'button-link', href: href(wizardPath(wsId, install.id)) }, t('dashboard.continueSetup')));
  } else {
    const run = h('button', { type: 'button', 'aria-describedby': `install-${install.id}`, 'aria-expanded': 'false' }, t('install.runNow'));
    run.disabled = install.state !== 'active' || !install.triggers.manual;
    const close = () => {
      replace(panel);
      run.setAttribute('aria-expanded', 'false');
      run.focus();
    };
    run.addEventListener('click', () => {
      if (run.getAttribute('aria-expanded') === 'true') return close();
      run.setAttribute('aria-expanded', 'true');
      void runForm(panel, wsId, install, close).catch(showError);
    });
    actions.append(
      run,
      h('a', { href: href(wizardPath(wsId, install.id, 'triggers')) }, t('dashboard.editTriggers')),
      h('a', { href: href(policyPath(wsId, install.id)) }, t('dashboard.approvalPolicy')),
    );
  }
  const figures = metrics
    ? tn('dashboard.installFigures', metrics.runs, {
        rate: metrics.successRate === null ? t('metrics.none') : formatPercent(metrics.successRate),
        last: metrics.lastRunAt ? formatDateTime(metrics.lastRunAt) : t('metrics.none'),
      })
    : null;
  // A deployed install's version may have been deprecated or yanked since, or have a successor.
  const status = h('div', { class: 'version-status' });
  if (install.state === 'active' || install.state === 'paused') void versionStatus(status, wsId, install, canUpgrade, signal);
  // What the agent remembers across runs: figures and a link, when it keeps or may keep memory.
  const memory = h('p', { class: 'muted memory-line', hidden: true });
  if (install.state !== 'draft') void installMemory(memory, actions, wsId, install, metrics?.memory, declared).catch(showError);
  return h(
    'li',
    { class: 'install-card', 'data-install': install.id },
    h(
      'div',
      { id: `install-${install.id}` },
      h('strong', {}, name),
      ' ',
      h('span', { class: `badge install-${install.state}` }, t(`install.state.${install.state}`)),
      h('p', { class: 'muted' }, t('dashboard.installVersion', { version: install.version }), figures ? ` · ${figures}` : ''),
    ),
    memory,
    status,
    actions,
    panel,
  );
}

export const dashboardPage: Page = async (root, { signal }) => {
  if (!requireUser()) return;
  const ws = getCurrentWorkspace();
  if (!ws) {
    navigate('/workspaces', t('workspace.chooseFirstLong'), { replace: true });
    return;
  }
  setTitle(t('dashboard.title', { name: ws.name }));
  root.append(h('h1', {}, t('dashboard.title', { name: ws.name })));
  const installs = section('dash-installs', t('dashboard.installs'));
  const metrics = section('dash-metrics', t('dashboard.metrics'));
  const runs = section('dash-runs', t('dashboard.runs'));
  root.append(installs, metrics, runs);

  const wait = loading();
  installs.append(wait);
  const loaded = await api.call('listInstalls', { params: { wsId: ws.id }, query: { limit: 100 }, signal }).finally(() => wait.remove());
  const metricsLoad = metricsSection(metrics, ws.id, signal);
  const cards = (async () => {
    const m = await metricsLoad;
    if (loaded.items.length === 0) installs.append(h('p', {}, t('install.empty'), ' ', h('a', { href: href('/') }, t('install.browse'))));
    else {
      const role = (await myWorkspaces().catch(() => [])).find((w) => w.id === ws.id)?.role;
      const declared = declaredMemory(signal);
      installs.append(h('ul', { class: 'install-cards' }, ...loaded.items.map((i) => installCard(ws.id, i, m?.installs.find((x) => x.installId === i.id), canManageInstalls(role), declared, signal))));
    }
  })();
  await allLoaded([cards, runHistory(runs, ws.id, loaded.items, signal)]);
};
