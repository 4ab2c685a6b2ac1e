/**
 * `#/workspace`: pick or create the current workspace; its installed agents (with "Run now")
 * and its runs.
 */
import type { Install, Run, Workspace } from '../contract.ts';
import { getCurrentWorkspace, setCurrentWorkspace, type WorkspaceRef } from '../currentWorkspace.ts';
import { busy, h } from '../dom.ts';
import { createWorkspace, listInstalls, listRuns, listWorkspaces, triggerRun } from '../endpoints.ts';
import { formatDateTime, t } from '../i18n.ts';
import { roleLabel, stateLabel } from '../labels.ts';
import { showError } from '../messages.ts';
import { href, navigate, type Page } from '../router.ts';
import { pagedList, requireUser, section, setTitle } from './common.ts';

function workspaceItem(ws: Workspace, current: WorkspaceRef | null): HTMLElement {
  const isCurrent = ws.id === current?.id;
  const use = h('button', { type: 'button', class: 'secondary', 'aria-describedby': `ws-${ws.id}` }, t('workspace.use'));
  use.addEventListener('click', () => {
    setCurrentWorkspace({ id: ws.id, name: ws.name });
    navigate('/workspace', t('workspace.switched', { name: ws.name }));
  });
  return h(
    'li',
    { class: 'row' },
    h('span', { id: `ws-${ws.id}` }, h('strong', {}, ws.name), ' ', h('span', { class: 'muted' }, roleLabel(ws.role))),
    isCurrent ? h('span', { class: 'badge' }, t('workspace.current')) : use,
  );
}

function createForm(): HTMLFormElement {
  const name = h('input', { id: 'ws-name', name: 'name', required: true, maxlength: 80, autocomplete: 'off' });
  const submit = h('button', { type: 'submit' }, t('workspace.create'));
  const form = h(
    'form',
    { class: 'inline' },
    h('div', { class: 'field' }, h('label', { for: name.id }, t('workspace.newName')), name),
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, async () => {
      const ws = await createWorkspace({ name: name.value.trim() });
      setCurrentWorkspace({ id: ws.id, name: ws.name });
      navigate('/workspace', t('workspace.created', { name: ws.name }));
    }).catch(showError);
  });
  return form;
}

function installItem(wsId: string, install: Install): HTMLElement {
  const run = h('button', { type: 'button', 'aria-describedby': `install-${install.id}` }, t('install.runNow'));
  run.disabled = install.state !== 'active';
  run.addEventListener('click', () => {
    void busy(run, async () => {
      const created = await triggerRun(wsId, install.id, {});
      navigate(`/runs/${encodeURIComponent(wsId)}/${encodeURIComponent(created.id)}`, t('install.runStarted'));
    }).catch(showError);
  });
  return h(
    'li',
    { class: 'row' },
    h(
      'span',
      { id: `install-${install.id}` },
      h('a', { href: href(`/agents/${encodeURIComponent(install.agentId)}`) }, install.agentId),
      ' ',
      h('span', { class: 'muted' }, t('install.summary', { version: install.version, state: t(`install.state.${install.state}`) })),
    ),
    run,
  );
}

function runItem(wsId: string, run: Run): HTMLElement {
  return h(
    'li',
    { class: 'row' },
    h(
      'a',
      { href: href(`/runs/${encodeURIComponent(wsId)}/${encodeURIComponent(run.id)}`) },
      t('runs.item', { agent: run.agentId, when: formatDateTime(run.createdAt) }),
    ),
    h('span', { class: `state state-${run.state}` }, stateLabel(run.state)),
  );
}

export const workspacePage: Page = async (root, { signal }) => {
  if (!requireUser()) return;
  const current = getCurrentWorkspace();
  setTitle(current ? current.name : t('workspace.title'));
  root.append(h('h1', {}, current ? current.name : t('workspace.title')));

  const mineList = h('div');
  const mine = section('ws-mine', t('workspace.mine'), mineList, h('h3', {}, t('workspace.new')), createForm());
  const installs = section('ws-installs', t('install.title'));
  const runs = section('ws-runs', t('runs.title'));
  root.append(...(current ? [installs, runs] : [h('p', {}, t('workspace.none'))]), mine);

  const loads: Promise<void>[] = [
    pagedList(
      mineList,
      h('ul', { class: 'rows' }),
      (cursor) => listWorkspaces({ cursor, signal }),
      (ws) => workspaceItem(ws, current),
      () => h('p', {}, t('workspace.empty')),
    ),
  ];
  if (current) {
    loads.push(
      pagedList(
        installs,
        h('ul', { class: 'rows' }),
        (cursor) => listInstalls(current.id, { cursor, signal }),
        (install) => installItem(current.id, install),
        () => h('p', {}, t('install.empty'), ' ', h('a', { href: href('/') }, t('install.browse'))),
      ),
      pagedList(
        runs,
        h('ul', { class: 'rows' }),
        (cursor) => listRuns(current.id, { cursor, signal }),
        (run) => runItem(current.id, run),
        () => h('p', {}, t('runs.empty')),
      ),
    );
  }
  // Each section loads on its own; report the first failure.
  const results = await Promise.allSettled(loads);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
};
